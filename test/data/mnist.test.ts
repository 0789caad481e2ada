import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'node:test';
import { gzipSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { encodeIdx, ensureMnist, IdxError, loadMnist, MnistDataError, pairImagesWithLabels, writeIdx } from '../../src/data/index.ts';
import { tempDir, tinySplit } from './tiny-mnist.ts';

const train = tinySplit('train', 5, 7);
const test_ = tinySplit('test', 3, 11);
const files = [...train.specs, ...test_.specs];
const offline = { download: false, files, env: {} } as const;

test('loadMnist reads a split from raw or gzip files and verifies their sums', async (t) => {
  const dir = await tempDir(t);
  await writeIdx(join(dir, 'train-images-idx3-ubyte.gz'), train.images, { gzip: true });
  await writeIdx(join(dir, 'train-labels-idx1-ubyte'), train.labels);
  const set = await loadMnist('train', { ...offline, dataDir: dir });
  assert.equal(set.count, 5);
  assert.equal(set.rows, 28);
  assert.equal(set.cols, 28);
  assert.deepEqual([...set.labels], [...train.labels.data]);
  assert.deepEqual([...set.images], [...train.images.data]);
  assert.equal(set.images.byteOffset, 0, 'a plain array, not a view past the IDX header');
});

test('loadMnist finds the folder through DIGITS_DATA_DIR', async (t) => {
  const dir = await tempDir(t);
  await writeIdx(join(dir, 't10k-images-idx3-ubyte'), test_.images);
  await writeIdx(join(dir, 't10k-labels-idx1-ubyte'), test_.labels);
  const set = await loadMnist('test', { download: false, files, env: { DIGITS_DATA_DIR: dir } });
  assert.deepEqual([...set.labels], [...test_.labels.data]);
});

test('a well-formed file with the wrong content fails its SHA-256 check', async (t) => {
  const dir = await tempDir(t);
  const altered = new Uint8Array(train.images.data);
  altered[100] ^= 1; // one pixel off by one grey level
  await writeIdx(join(dir, 'train-images-idx3-ubyte'), { ...train.images, data: altered });
  await writeIdx(join(dir, 'train-labels-idx1-ubyte'), train.labels);
  await assert.rejects(loadMnist('train', { ...offline, dataDir: dir }), (error: unknown) => {
    assert.ok(error instanceof IdxError);
    assert.equal(error.code, 'checksum-mismatch');
    assert.match(error.message, /train-images-idx3-ubyte: SHA-256 of the content is [0-9a-f]{64}, not the standard/);
    return true;
  });
});

test('a truncated file in the data folder is reported as truncated, not just as a bad sum', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'train-labels-idx1-ubyte'), encodeIdx(train.labels).subarray(0, 10));
  await writeIdx(join(dir, 'train-images-idx3-ubyte'), train.images);
  await assert.rejects(loadMnist('train', { ...offline, dataDir: dir }), { name: 'IdxError', code: 'truncated' });
});

test('a gzip file that decompresses to more than the standard size is rejected without inflating it all', async (t) => {
  const dir = await tempDir(t);
  const padded = Buffer.concat([encodeIdx(train.labels), Buffer.alloc(1 << 20)]);
  await writeFile(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(padded));
  await writeIdx(join(dir, 'train-images-idx3-ubyte'), train.images);
  await assert.rejects(loadMnist('train', { ...offline, dataDir: dir }), {
    name: 'IdxError',
    code: 'too-large',
    message: `${join(dir, 'train-labels-idx1-ubyte.gz')}: decompresses to more than ${train.specs[1].bytes} bytes`,
  });
});

test('offline with no files, the error lists the missing files, the folder and how to point at another', async (t) => {
  const dir = await tempDir(t);
  await assert.rejects(loadMnist('test', { ...offline, dataDir: dir }), (error: unknown) => {
    assert.ok(error instanceof MnistDataError);
    assert.equal(error.code, 'files-missing');
    assert.ok(error.message.includes(`missing from ${dir}: t10k-images-idx3-ubyte(.gz), t10k-labels-idx1-ubyte(.gz)`), error.message);
    assert.match(error.message, /--data-dir DIR or DIGITS_DATA_DIR/);
    return true;
  });
});

test('ensureMnist reports each file: verified, missing or bad', async (t) => {
  const dir = await tempDir(t);
  await writeIdx(join(dir, 'train-images-idx3-ubyte.gz'), train.images, { gzip: true });
  await writeFile(join(dir, 'train-labels-idx1-ubyte'), new Uint8Array(0));
  const report = await ensureMnist({ ...offline, dataDir: dir });
  assert.equal(report.ok, false);
  assert.deepEqual(
    report.files.map((f) => [f.name, f.state, f.count]),
    [
      ['train-images-idx3-ubyte', 'ok', 5],
      ['train-labels-idx1-ubyte', 'bad', undefined],
      ['t10k-images-idx3-ubyte', 'missing', undefined],
      ['t10k-labels-idx1-ubyte', 'missing', undefined],
    ],
  );
  assert.match(report.files[1].error ?? '', /train-labels-idx1-ubyte: the file is empty/);
  assert.equal(report.files[0].sha256, train.specs[0].sha256);
  assert.deepEqual((await readdir(dir)).sort(), ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte'], 'without download nothing is deleted');
});

test('ensureMnist without download reports a folder that does not exist', async (t) => {
  const dir = join(await tempDir(t), 'typo');
  await assert.rejects(ensureMnist({ ...offline, dataDir: dir }), { name: 'MnistDataError', code: 'dir-not-found' });
});

test('images and labels of different lengths cannot be paired', () => {
  const fewerLabels = { kind: 'labels' as const, count: 4, data: train.labels.data.subarray(0, 4) };
  assert.throws(() => pairImagesWithLabels(train.images, fewerLabels, 'imgs', 'lbls'), {
    name: 'IdxError',
    code: 'length-mismatch',
    message: 'lbls: has 4 labels but imgs has 5 images',
  });
});
