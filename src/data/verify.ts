// Checks bytes against a standard MNIST file: well-formed IDX of the right kind, count and size (decompressing
// no more than the standard size, so a file bigger than the standard one stops early), then the
// SHA-256 of the decompressed content. Structural checks come first so a bad file gets the most specific error.
import { createHash } from 'node:crypto';
import { IdxError } from './errors.ts';
import { decompressIdx, parseIdx } from './idx.ts';
import type { IdxData } from './idx.ts';
import { MNIST_COLS, MNIST_ROWS } from './mnist-files.ts';
import type { MnistFileSpec } from './mnist-files.ts';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Decodes and verifies `bytes` (gzip or raw) as the standard file `spec`; `file` names it in errors. */
export async function decodeMnistFile(bytes: Uint8Array, spec: MnistFileSpec, file: string): Promise<{ idx: IdxData; sha256: string }> {
  const raw = await decompressIdx(bytes, file, spec.bytes);
  const idx = parseIdx(raw, file, { kind: spec.kind, count: spec.count, rows: MNIST_ROWS, cols: MNIST_COLS });
  const sha256 = sha256Hex(raw);
  if (sha256 !== spec.sha256) {
    throw new IdxError('checksum-mismatch', file, `SHA-256 of the content is ${sha256}, not the standard ${spec.name}'s ${spec.sha256}; the file is corrupt or not the standard MNIST`);
  }
  return { idx, sha256 };
}
