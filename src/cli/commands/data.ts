// `digits data [--data-dir DIR] [--no-download] [--json]`: make sure MNIST is present and intact.
// Fetches missing or corrupt files (unless --no-download), verifies each against the standard SHA-256,
// and prints one line per file with its sample count; exits 1 naming the file if any is not usable.
import { basename } from 'node:path';
import type { Command } from 'commander';
import { ensureMnist } from '../../data/index.ts';
import type { MnistFileStatus, MnistReport } from '../../data/index.ts';
import { UsageError } from '../errors.ts';

const SOURCE_NOTE = { flag: '--data-dir', env: '$DIGITS_DATA_DIR', cache: 'user cache folder' } as const;

/** One line per file: `  train-images-idx3-ubyte.gz  60000 images  sha256 ba891046e650…  ok`. */
export function formatFileStatus(file: MnistFileStatus): string {
  if (!file.ok) return `  ${file.name.padEnd(27)} ${file.state}`; // the error that follows says why
  const shown = file.path ? basename(file.path) : file.name;
  const note = file.state === 'ok' ? 'ok' : file.state; // 'downloaded' or 'replaced' says how it got there
  return `  ${shown.padEnd(27)} ${String(file.count).padStart(5)} ${file.kind.padEnd(6)}  sha256 ${file.sha256?.slice(0, 12)}…  ${note}`;
}

export function formatReport(report: MnistReport): string {
  const lines = [`MNIST in ${report.dir} (${SOURCE_NOTE[report.source]})`, ...report.files.map(formatFileStatus)];
  if (report.ok) {
    const total = (split: string, kind: string) =>
      report.files.filter((f) => f.split === split && f.kind === kind).reduce((sum, f) => sum + (f.count ?? 0), 0);
    const splits = [...new Set(report.files.map((f) => f.split))];
    const totals = splits.map((s) => `${s} ${total(s, 'images')} images/${total(s, 'labels')} labels`).join(', ');
    lines.push(`${report.files.length} files verified (SHA-256): ${totals}`);
  }
  return lines.join('\n');
}

export function registerDataCommand(program: Command): void {
  program
    .command('data')
    .description('Fetch MNIST if needed, verify every file against the standard SHA-256 sums, print counts')
    .option('--data-dir <dir>', 'folder with the MNIST files (default: $DIGITS_DATA_DIR, else the user cache folder)')
    .option('--no-download', 'never fetch: only check the files already there')
    .option('--json', 'print the report as one JSON object: {dir, source, ok, files: [{name, state, count, sha256, error}]}')
    .action(async (options: { dataDir?: string; download: boolean; json?: boolean }) => {
      if (options.dataDir?.trim() === '') throw new UsageError('--data-dir needs a folder, got an empty string');
      const { problem, ...report } = await ensureMnist({ dataDir: options.dataDir, download: options.download });
      process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : `${formatReport(report)}\n`);
      if (problem) throw problem;
    });
}
