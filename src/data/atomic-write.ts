// Writes a file so that readers see either the old content or the whole new content, never a part:
// write a temp file in the same folder (same filesystem, so rename is atomic), then rename it over.
import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A temp path beside `path`, hidden and unique to this process and call. */
export function tempPathBeside(path: string, suffix = '.tmp'): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}${suffix}`);
}

export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temp = tempPathBeside(path);
  try {
    await writeFile(temp, bytes);
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}
