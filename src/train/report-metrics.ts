// Reads a training run's metrics log (`metrics.jsonl`, one JSON object per line) into the per-epoch series the
// report plots. Tolerant by design: the report is still worth having when the log is missing, partial or has
// lines of other kinds (batch progress, notes), so unknown lines are skipped rather than fatal.
import { readFile } from 'node:fs/promises';

export interface EpochMetrics {
  epoch: number;
  trainLoss: number | null;
  valLoss: number | null;
  trainAccuracy: number | null; // 0..1
  valAccuracy: number | null; // 0..1
  lr: number | null;
  seconds: number | null;
}

// Field names the training loop might use for each figure, first match wins.
const ALIASES: Record<Exclude<keyof EpochMetrics, 'epoch'>, string[]> = {
  trainLoss: ['trainLoss', 'train_loss', 'loss'],
  valLoss: ['valLoss', 'val_loss', 'validationLoss', 'validation_loss'],
  trainAccuracy: ['trainAccuracy', 'train_accuracy', 'trainAcc', 'train_acc', 'accuracy', 'acc'],
  valAccuracy: ['valAccuracy', 'val_accuracy', 'valAcc', 'val_acc', 'validationAccuracy', 'validation_accuracy'],
  lr: ['lr', 'learningRate', 'learning_rate'],
  seconds: ['seconds', 'epochSeconds', 'epoch_seconds', 'time', 'elapsed'],
};

function pick(record: Record<string, unknown>, names: string[]): number | null {
  for (const name of names) {
    const value = record[name];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return null;
}

/** Per-epoch rows from the text of a metrics log; the last line for an epoch wins (a resumed run rewrites it). */
export function parseMetricsLog(text: string): EpochMetrics[] {
  const byEpoch = new Map<number, EpochMetrics>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      continue; // a line cut short by Ctrl-C, for instance
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) continue;
    const fields = record as Record<string, unknown>;
    const kind = fields.type ?? fields.kind ?? fields.event;
    if (kind !== undefined && kind !== 'epoch') continue;
    const epoch = fields.epoch;
    if (typeof epoch !== 'number' || !Number.isFinite(epoch)) continue;
    const row: EpochMetrics = {
      epoch,
      trainLoss: pick(fields, ALIASES.trainLoss),
      valLoss: pick(fields, ALIASES.valLoss),
      trainAccuracy: pick(fields, ALIASES.trainAccuracy),
      valAccuracy: pick(fields, ALIASES.valAccuracy),
      lr: pick(fields, ALIASES.lr),
      seconds: pick(fields, ALIASES.seconds),
    };
    if (row.trainLoss === null && row.valLoss === null && row.trainAccuracy === null && row.valAccuracy === null) continue;
    byEpoch.set(epoch, row);
  }
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}

/** The log at `path`, or null when there is none (a model trained elsewhere, or a log without epochs). */
export async function readMetricsLog(path: string): Promise<EpochMetrics[] | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const rows = parseMetricsLog(text);
  return rows.length > 0 ? rows : null;
}
