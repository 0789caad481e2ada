// A training checkpoint in one file: where the run is (epoch, batch, step, best so far, history), its
// settings, and three groups of float32 arrays: the model's weights, the optimizer's state and the best
// weights so far. One file written to a temp name and renamed, so a checkpoint is either whole or absent.
//
// Layout: "DGCK" | u32 format version | u32 JSON length | JSON (utf-8) | zero padding to 4 bytes | float32 data.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../data/index.ts';

const MAGIC = 'DGCK';
const FORMAT = 1;

export type TensorGroup = 'model' | 'optimizer' | 'best';

export interface NamedArray {
  name: string;
  shape: number[];
  values: Float32Array;
}

interface ArrayEntry {
  group: TensorGroup;
  name: string;
  shape: number[];
  offset: number; // in float32 elements from the start of the data
  length: number;
}

export interface Checkpoint<State> {
  state: State;
  arrays: Record<TensorGroup, NamedArray[]>;
}

/** A checkpoint file that is missing, truncated, corrupt or from something else. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

export async function writeCheckpoint<State>(path: string, checkpoint: Checkpoint<State>): Promise<void> {
  const entries: ArrayEntry[] = [];
  let offset = 0;
  for (const group of ['model', 'optimizer', 'best'] as const) {
    for (const array of checkpoint.arrays[group]) {
      entries.push({ group, name: array.name, shape: array.shape, offset, length: array.values.length });
      offset += array.values.length;
    }
  }
  const json = new TextEncoder().encode(JSON.stringify({ state: checkpoint.state, arrays: entries }));
  const headerBytes = 12 + json.length;
  const dataStart = Math.ceil(headerBytes / 4) * 4;
  const bytes = new Uint8Array(dataStart + offset * 4);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(bytes.buffer);
  view.setUint32(4, FORMAT, true);
  view.setUint32(8, json.length, true);
  bytes.set(json, 12);
  const data = new Float32Array(bytes.buffer, dataStart, offset);
  let i = 0;
  for (const group of ['model', 'optimizer', 'best'] as const) {
    for (const array of checkpoint.arrays[group]) data.set(array.values, entries[i++].offset);
  }
  await writeFileAtomic(path, bytes);
}

export async function readCheckpoint<State>(path: string): Promise<Checkpoint<State>> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CheckpointError(code === 'ENOENT' ? `no checkpoint at ${path}: nothing to resume (start without --resume)` : `cannot read the checkpoint ${path}: ${(error as Error).message}`);
  }
  const bad = (problem: string) => new CheckpointError(`${path} is not a usable checkpoint: ${problem}`);
  if (bytes.length < 12 || bytes.subarray(0, 4).toString('latin1') !== MAGIC) throw bad('it does not start with the checkpoint signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format = view.getUint32(4, true);
  if (format !== FORMAT) throw bad(`format ${format}, this version reads format ${FORMAT}`);
  const jsonLength = view.getUint32(8, true);
  if (12 + jsonLength > bytes.length) throw bad('it is truncated (header)');
  let header: { state: State; arrays: ArrayEntry[] };
  try {
    header = JSON.parse(bytes.subarray(12, 12 + jsonLength).toString('utf8'));
  } catch {
    throw bad('its header is not valid JSON');
  }
  if (!Array.isArray(header?.arrays) || header.state === undefined) throw bad('its header has no state or no array table');
  const dataStart = Math.ceil((12 + jsonLength) / 4) * 4;
  const floats = (bytes.length - dataStart) / 4;
  for (const entry of header.arrays) {
    const size = Array.isArray(entry?.shape) ? entry.shape.reduce((a, b) => a * b, 1) : NaN;
    if (size !== entry.length || !(entry.offset >= 0)) {
      throw bad(`its table entry for ${String(entry?.name)} is inconsistent (shape ${JSON.stringify(entry?.shape)}, ${entry?.length} numbers)`);
    }
  }
  const total = header.arrays.reduce((sum, entry) => sum + entry.length, 0);
  if (!Number.isInteger(floats) || floats !== total) throw bad(`it holds ${Math.max(0, floats)} numbers where its header lists ${total} (truncated?)`);
  for (const entry of header.arrays) if (entry.offset + entry.length > total) throw bad(`its table entry for ${String(entry.name)} points past the data`);
  // Copy out of the file buffer: its offset need not be 4-byte aligned.
  const data = new Float32Array(new Uint8Array(bytes.subarray(dataStart)).buffer);
  const arrays: Record<TensorGroup, NamedArray[]> = { model: [], optimizer: [], best: [] };
  for (const entry of header.arrays) {
    const values = data.slice(entry.offset, entry.offset + entry.length);
    for (const v of values) if (!Number.isFinite(v)) throw bad(`${entry.name} holds a non-finite number`);
    arrays[entry.group].push({ name: entry.name, shape: entry.shape, values });
  }
  return { state: header.state, arrays };
}
