// `digits serve` rebuilds dist/web when the page is stale: these check the stamp that decides it.
import test from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildStamp, isWebBuildCurrent } from '../../web/build.ts';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'digits-stamp-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test("the stamp changes with the model's files but not with its .train folder", async (t) => {
  const dir = await tempDir(t);
  const model = join(dir, 'model');
  await mkdir(model);
  await writeFile(join(model, 'model.json'), '{"a":1}');
  const first = await buildStamp(model);
  assert.equal(await buildStamp(model), first, 'the same inputs give the same stamp');
  await mkdir(join(model, '.train'));
  await writeFile(join(model, '.train', 'checkpoint.bin'), 'x');
  assert.equal(await buildStamp(model), first, 'a training run\'s private folder is not part of the page');
  await writeFile(join(model, 'model.json'), '{"a":2}');
  assert.notEqual(await buildStamp(model), first, 'a retrained model makes the page stale');
});

test('a built page is current only with a stamp equal to the current one', async (t) => {
  const dir = await tempDir(t);
  const model = join(dir, 'model');
  await cp(new URL('../../models/default', import.meta.url), model, { recursive: true });
  const out = join(dir, 'web');
  await mkdir(out);
  assert.equal(await isWebBuildCurrent(out, model), false, 'no stamp (an older build): not known to be current');
  await writeFile(join(out, 'build-stamp.json'), JSON.stringify({ stamp: await buildStamp(model) }));
  assert.equal(await isWebBuildCurrent(out, model), true);
  await writeFile(join(model, 'metrics.json'), '{}');
  assert.equal(await isWebBuildCurrent(out, model), false, 'the model changed after the build');
  await writeFile(join(out, 'build-stamp.json'), 'not json');
  assert.equal(await isWebBuildCurrent(out, model), false);
});
