// Download progress for people: a cli-progress bar on stderr when it is a terminal, otherwise a few plain
// lines (start, every 25%, end) so logs and CI output stay readable.
import cliProgress from 'cli-progress';
import type { DownloadProgress } from './download.ts';

const KB = 1024;
const MB = 1024 * KB;

/** `bytes` in the unit that suits `scale` (the total): 9.5 MB, but 28 KB for the labels. */
function inUnitOf(bytes: number, scale: number): string {
  return scale >= MB ? `${(bytes / MB).toFixed(1)} MB` : `${Math.round(bytes / KB)} KB`;
}

export function stderrDownloadProgress(stream: NodeJS.WriteStream = process.stderr): (progress: DownloadProgress) => void {
  let bar: cliProgress.SingleBar | undefined;
  let nextQuarter = 0.25;
  return (progress) => {
    const { file, url, phase, receivedBytes, totalBytes } = progress;
    if (phase === 'start') {
      nextQuarter = 0.25;
      if (stream.isTTY && totalBytes !== undefined && totalBytes > 0) {
        bar = new cliProgress.SingleBar(
          { stream, format: `${file} |{bar}| {percentage}% {received} of {size}`, hideCursor: true, clearOnComplete: false },
          cliProgress.Presets.shades_classic,
        );
        bar.start(totalBytes, 0, { received: inUnitOf(0, totalBytes), size: inUnitOf(totalBytes, totalBytes) });
      } else {
        stream.write(`downloading ${url}${totalBytes !== undefined ? ` (${inUnitOf(totalBytes, totalBytes)})` : ''}\n`);
      }
    } else if (phase === 'data') {
      if (bar) bar.update(receivedBytes, { received: inUnitOf(receivedBytes, totalBytes ?? receivedBytes) });
      else if (totalBytes !== undefined && receivedBytes / totalBytes >= nextQuarter && receivedBytes < totalBytes) {
        stream.write(`  ${file}: ${Math.floor((receivedBytes / totalBytes) * 100)}%\n`);
        while (receivedBytes / totalBytes >= nextQuarter) nextQuarter += 0.25;
      }
    } else {
      bar?.stop();
      bar = undefined;
      if (phase === 'done') stream.write(`  ${file}: ${inUnitOf(receivedBytes, receivedBytes)}, verified\n`);
      else stream.write(`  ${file}: ${url} failed: ${progress.error ?? 'unknown error'}\n`);
    }
  };
}
