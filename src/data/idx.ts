// IDX files, the format MNIST ships in: a big-endian header then unsigned bytes.
//   images: magic 0x00000803, count, rows, cols, then count*rows*cols pixels (row-major, 0 = background)
//   labels: magic 0x00000801, count, then count labels
// Files may be gzip-compressed; that is detected from the bytes (1f 8b), not the name.
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip as gunzipCallback, gzip as gzipCallback } from 'node:zlib';
import { writeFileAtomic } from './atomic-write.ts';
import { IdxError } from './errors.ts';

const gunzip = promisify(gunzipCallback);
const gzip = promisify(gzipCallback);

export const IDX_IMAGES_MAGIC = 0x00000803; // unsigned bytes, 3 dimensions
export const IDX_LABELS_MAGIC = 0x00000801; // unsigned bytes, 1 dimension

/** Images, `data` is (count, rows, cols). */
export interface IdxImages {
  kind: 'images';
  count: number;
  rows: number;
  cols: number;
  data: Uint8Array;
}

/** Labels, `data` is (count). */
export interface IdxLabels {
  kind: 'labels';
  count: number;
  data: Uint8Array;
}

export type IdxData = IdxImages | IdxLabels;

/** What the caller expects; any mismatch is an IdxError naming the file. */
export interface IdxExpectation {
  kind?: 'images' | 'labels';
  count?: number;
  rows?: number;
  cols?: number;
  /** Labels must be below this (default 10, for the digits 0-9). */
  classes?: number;
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The IDX bytes inside `bytes`: decompressed when gzip, as-is otherwise. `maxBytes` bounds the decompressed
 * size, so a damaged or hostile file cannot exhaust memory.
 */
export async function decompressIdx(bytes: Uint8Array, file: string, maxBytes = 1 << 30): Promise<Uint8Array> {
  if (bytes.length === 0) throw new IdxError('empty-file', file, 'the file is empty (0 bytes)');
  if (!isGzip(bytes)) return bytes;
  let raw: Uint8Array;
  try {
    raw = await gunzip(bytes, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new IdxError('too-large', file, `decompresses to more than ${maxBytes} bytes`);
    }
    const reason = (error as Error).message;
    throw new IdxError('corrupt-gzip', file, `corrupt gzip data (${reason}); the file is damaged or cut short`);
  }
  if (raw.length === 0) throw new IdxError('empty-file', file, 'the gzip data decompresses to nothing');
  return raw;
}

function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** Parses uncompressed IDX bytes. The returned `data` is a view into `raw`, not a copy. */
export function parseIdx(raw: Uint8Array, file: string, expect: IdxExpectation = {}): IdxData {
  if (raw.length === 0) throw new IdxError('empty-file', file, 'the file is empty (0 bytes)');
  if (raw.length < 8) throw new IdxError('truncated', file, `only ${raw.length} bytes, too short for an IDX header`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const magic = view.getUint32(0);
  const kind = magic === IDX_IMAGES_MAGIC ? 'images' : magic === IDX_LABELS_MAGIC ? 'labels' : undefined;
  const wanted = expect.kind === undefined ? 'an IDX' : `an IDX ${expect.kind}`;
  if (kind === undefined || (expect.kind !== undefined && kind !== expect.kind)) {
    const found = kind === undefined ? `magic ${hex32(magic)}` : `magic ${hex32(magic)} (IDX ${kind})`;
    const wantedMagic =
      expect.kind === 'images'
        ? hex32(IDX_IMAGES_MAGIC)
        : expect.kind === 'labels'
          ? hex32(IDX_LABELS_MAGIC)
          : `${hex32(IDX_IMAGES_MAGIC)} or ${hex32(IDX_LABELS_MAGIC)}`;
    throw new IdxError('wrong-magic', file, `wrong magic number: not ${wanted} file (found ${found}, expected ${wantedMagic})`);
  }
  const count = view.getUint32(4);
  if (expect.count !== undefined && count !== expect.count) {
    throw new IdxError('wrong-count', file, `holds ${count} ${kind}, expected ${expect.count}`);
  }

  const headerBytes = kind === 'images' ? 16 : 8;
  if (raw.length < headerBytes) {
    throw new IdxError('truncated', file, `only ${raw.length} bytes, too short for the ${headerBytes}-byte IDX ${kind} header`);
  }
  const rows = kind === 'images' ? view.getUint32(8) : 1;
  const cols = kind === 'images' ? view.getUint32(12) : 1;
  if (kind === 'images') {
    const wantRows = expect.rows ?? rows;
    const wantCols = expect.cols ?? cols;
    if (rows !== wantRows || cols !== wantCols || rows === 0 || cols === 0) {
      throw new IdxError('wrong-dimensions', file, `images are ${rows}x${cols}, expected ${wantRows}x${wantCols}`);
    }
  }

  const dataBytes = count * rows * cols;
  const actual = raw.length - headerBytes;
  if (actual < dataBytes) {
    throw new IdxError('truncated', file, `truncated: the header promises ${count} ${kind} (${dataBytes} bytes) but only ${actual} bytes follow`);
  }
  if (actual > dataBytes) {
    throw new IdxError('trailing-bytes', file, `${actual - dataBytes} unexpected bytes after the ${count} ${kind} the header promises`);
  }
  const data = raw.subarray(headerBytes);

  if (kind === 'labels') {
    const classes = expect.classes ?? 10;
    for (let i = 0; i < count; i++) {
      if (data[i] >= classes) {
        throw new IdxError('label-out-of-range', file, `label ${data[i]} at index ${i} is outside 0-${classes - 1}`);
      }
    }
    return { kind, count, data };
  }
  return { kind, count, rows, cols, data };
}

/** Parses IDX bytes that may be gzip-compressed. */
export async function decodeIdx(bytes: Uint8Array, file: string, expect?: IdxExpectation): Promise<IdxData> {
  return parseIdx(await decompressIdx(bytes, file), file, expect);
}

/** Reads the bytes of a file, turning the file system's errors into an IdxError naming it. */
export async function readIdxBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new IdxError('unreadable', path, 'no such file');
    if (code === 'EISDIR') throw new IdxError('unreadable', path, 'is a folder, not an IDX file');
    if (code === 'EACCES' || code === 'EPERM') throw new IdxError('unreadable', path, 'permission denied');
    throw new IdxError('unreadable', path, `cannot be read (${(error as Error).message})`);
  }
}

/** Reads an IDX file, raw or gzip-compressed. */
export async function readIdx(path: string, expect?: IdxExpectation): Promise<IdxData> {
  return decodeIdx(await readIdxBytes(path), path, expect);
}

/** The uncompressed IDX bytes for `idx`. */
export function encodeIdx(idx: IdxData): Uint8Array {
  const rows = idx.kind === 'images' ? idx.rows : 1;
  const cols = idx.kind === 'images' ? idx.cols : 1;
  const headerBytes = idx.kind === 'images' ? 16 : 8;
  if (idx.data.length !== idx.count * rows * cols) {
    throw new RangeError(`encodeIdx: ${idx.data.length} bytes of data for ${idx.count} ${idx.kind} of ${rows}x${cols}`);
  }
  const out = new Uint8Array(headerBytes + idx.data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, idx.kind === 'images' ? IDX_IMAGES_MAGIC : IDX_LABELS_MAGIC);
  view.setUint32(4, idx.count);
  if (idx.kind === 'images') {
    view.setUint32(8, idx.rows);
    view.setUint32(12, idx.cols);
  }
  out.set(idx.data, headerBytes);
  return out;
}

/** Writes an IDX file atomically, gzip-compressed when `gzip` is set. */
export async function writeIdx(path: string, idx: IdxData, options: { gzip?: boolean } = {}): Promise<void> {
  const raw = encodeIdx(idx);
  await writeFileAtomic(path, options.gzip ? await gzip(raw) : raw);
}
