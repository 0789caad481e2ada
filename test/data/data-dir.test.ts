import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import test from 'node:test';
import assert from 'node:assert/strict';
import { checkDataDir, MnistDataError, resolveDataDir, userCacheDir } from '../../src/data/index.ts';
import { tempDir } from './tiny-mnist.ts';

test('--data-dir wins over DIGITS_DATA_DIR, which wins over the cache folder', () => {
  const env = { DIGITS_DATA_DIR: '/from/env', XDG_CACHE_HOME: '/xdg' };
  assert.equal(resolveDataDir('/from/flag', env), '/from/flag');
  assert.equal(resolveDataDir(undefined, env), '/from/env');
  assert.equal(resolveDataDir(undefined, { XDG_CACHE_HOME: '/xdg' }), userCacheDir({ XDG_CACHE_HOME: '/xdg' }));
  assert.equal(resolveDataDir('', { DIGITS_DATA_DIR: '' }), userCacheDir({}), 'empty values count as unset');
});

test('a relative --data-dir is resolved against the working folder', () => {
  assert.equal(resolveDataDir('data/mnist', {}), resolve('data/mnist'));
});

test('the cache folder follows each platform convention', () => {
  assert.equal(userCacheDir({ XDG_CACHE_HOME: '/xdg' }, 'linux', '/home/ada'), '/xdg/digit-recognizer/mnist');
  assert.equal(userCacheDir({}, 'linux', '/home/ada'), '/home/ada/.cache/digit-recognizer/mnist');
  assert.equal(userCacheDir({ XDG_CACHE_HOME: 'relative' }, 'linux', '/home/ada'), '/home/ada/.cache/digit-recognizer/mnist');
  assert.equal(userCacheDir({}, 'darwin', '/Users/ada'), '/Users/ada/Library/Caches/digit-recognizer/mnist');
  assert.equal(
    userCacheDir({ LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' }, 'win32', 'C:\\Users\\ada'),
    'C:\\Users\\ada\\AppData\\Local\\digit-recognizer\\mnist',
  );
});

async function assertDataDirError(promise: Promise<unknown>, code: string, pattern: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof MnistDataError, `expected MnistDataError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
}

test('a data folder that does not exist is an error naming it, unless it may be created', async (t) => {
  const missing = join(await tempDir(t), 'no-such-folder');
  await assertDataDirError(checkDataDir(missing), 'dir-not-found', /no-such-folder does not exist/);
  await checkDataDir(missing, { create: true });
  await checkDataDir(missing); // now it exists
});

test('a file where the data folder should be is an error', async (t) => {
  const file = join(await tempDir(t), 'a-file');
  await writeFile(file, 'not a folder');
  await assertDataDirError(checkDataDir(file), 'not-a-directory', /a-file is a file, not a folder/);
  await assertDataDirError(checkDataDir(join(file, 'inside')), 'not-a-directory', /is a file, not a folder/);
});

test('an unreadable data folder is an error', async (t) => {
  if (process.getuid?.() === 0) return t.skip('root can read any folder');
  const dir = join(await tempDir(t), 'locked');
  await mkdir(dir, { mode: 0o000 });
  await assertDataDirError(checkDataDir(dir), 'dir-unreadable', /cannot be read/);
});
