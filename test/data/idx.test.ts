import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { encodeIdx, IdxError, isGzip, readIdx, writeIdx } from '../../src/data/index.ts';
import type { IdxImages, IdxLabels } from '../../src/data/index.ts';
import { tempDir, tinySplit } from './tiny-mnist.ts';

const { images, labels } = tinySplit('train', 4);

/** Asserts that reading `path` fails with an IdxError of `code` whose message names the file. */
async function assertIdxError(path: string, code: string, pattern: RegExp, expect?: Parameters<typeof readIdx>[1]) {
  await assert.rejects(readIdx(path, expect), (error: unknown) => {
    assert.ok(error instanceof IdxError, `expected an IdxError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.equal(error.file, path);
    assert.ok(error.message.startsWith(path), `message should name the file: ${error.message}`);
    assert.match(error.message, pattern);
    return true;
  });
}

test('writeIdx then readIdx gives back the same images and labels, raw and gzip', async (t) => {
  const dir = await tempDir(t);
  for (const gzip of [false, true]) {
    const imagesPath = join(dir, `images-${gzip}`);
    const labelsPath = join(dir, `labels-${gzip}`);
    await writeIdx(imagesPath, images, { gzip });
    await writeIdx(labelsPath, labels, { gzip });
    assert.equal(isGzip(await readFile(imagesPath)), gzip);

    const readImages = (await readIdx(imagesPath)) as IdxImages;
    assert.deepEqual({ ...readImages, data: [...readImages.data] }, { ...images, data: [...images.data] });
    const readLabels = (await readIdx(labelsPath)) as IdxLabels;
    assert.deepEqual([...readLabels.data], [...labels.data]);
    assert.equal(readLabels.kind, 'labels');
  }
  assert.deepEqual((await readdir(dir)).filter((f) => f.startsWith('.')), [], 'no temp files left behind');
});

test('gzip is recognised by its bytes, not the file name', async (t) => {
  const dir = await tempDir(t);
  const gzipWithoutSuffix = join(dir, 'labels');
  const rawWithGzSuffix = join(dir, 'labels.gz');
  await writeFile(gzipWithoutSuffix, gzipSync(encodeIdx(labels)));
  await writeFile(rawWithGzSuffix, encodeIdx(labels));
  for (const path of [gzipWithoutSuffix, rawWithGzSuffix]) {
    assert.deepEqual([...(await readIdx(path)).data], [...labels.data]);
  }
});

test('an empty file is rejected as empty', async (t) => {
  const path = join(await tempDir(t), 'empty.gz');
  await writeFile(path, new Uint8Array(0));
  await assertIdxError(path, 'empty-file', /empty/);
});

test('a gzip file cut short is rejected as corrupt gzip', async (t) => {
  const path = join(await tempDir(t), 'cut.gz');
  const compressed = gzipSync(encodeIdx(images));
  await writeFile(path, compressed.subarray(0, compressed.length >> 1));
  await assertIdxError(path, 'corrupt-gzip', /corrupt gzip/);
});

test('a file that is not IDX is rejected for its magic number', async (t) => {
  const path = join(await tempDir(t), 'picture.png');
  await writeFile(path, Buffer.from('\x89PNG\r\n\x1a\n0000000000000000', 'latin1'));
  await assertIdxError(path, 'wrong-magic', /wrong magic number.*0x89504e47/);
});

test('a labels file where images are expected is rejected for its magic number', async (t) => {
  const path = join(await tempDir(t), 'labels');
  await writeIdx(path, labels);
  await assertIdxError(path, 'wrong-magic', /not an IDX images file.*expected 0x00000803/, { kind: 'images' });
});

test('data shorter than the header promises is rejected as truncated', async (t) => {
  const path = join(await tempDir(t), 'images');
  const raw = encodeIdx(images);
  await writeFile(path, raw.subarray(0, raw.length - 100));
  await assertIdxError(path, 'truncated', new RegExp(`promises 4 images \\(${4 * 784} bytes\\) but only ${4 * 784 - 100} bytes follow`));
});

test('a header cut short is rejected as truncated', async (t) => {
  const path = join(await tempDir(t), 'images');
  await writeFile(path, encodeIdx(images).subarray(0, 12));
  await assertIdxError(path, 'truncated', /too short for the 16-byte IDX images header/);
});

test('bytes after the promised data are rejected', async (t) => {
  const path = join(await tempDir(t), 'labels');
  await writeFile(path, Buffer.concat([encodeIdx(labels), Buffer.from([1, 2, 3])]));
  await assertIdxError(path, 'trailing-bytes', /3 unexpected bytes after the 4 labels/);
});

test('images of the wrong size are rejected when 28x28 is expected', async (t) => {
  const path = join(await tempDir(t), 'images');
  await writeIdx(path, { kind: 'images', count: 2, rows: 27, cols: 28, data: new Uint8Array(2 * 27 * 28) });
  await assertIdxError(path, 'wrong-dimensions', /27x28, expected 28x28/, { rows: 28, cols: 28 });
});

test('a different sample count than expected is rejected', async (t) => {
  const path = join(await tempDir(t), 'labels');
  await writeIdx(path, labels);
  await assertIdxError(path, 'wrong-count', /holds 4 labels, expected 60000/, { count: 60000 });
});

test('a label outside 0-9 is rejected with its index', async (t) => {
  const path = join(await tempDir(t), 'labels');
  await writeIdx(path, { kind: 'labels', count: 3, data: new Uint8Array([3, 10, 1]) });
  await assertIdxError(path, 'label-out-of-range', /label 10 at index 1 is outside 0-9/);
});

test('a missing file and a folder in place of a file are named errors', async (t) => {
  const dir = await tempDir(t);
  await assertIdxError(join(dir, 'nothing-here'), 'unreadable', /no such file/);
  await mkdir(join(dir, 'a-folder'));
  await assertIdxError(join(dir, 'a-folder'), 'unreadable', /is a folder/);
});
