// buildWeb(): the drawing app built with Vite's API into dist/web (or `outDir`), with the shipped model copied
// to <outDir>/models/default so the page loads it from its own origin. `digits serve` calls this when dist/web is
// missing or stale: each build records a stamp of what it was built from (the page's and the app's sources, the
// lockfile, the model), so a page built before a `git pull` or a retrained model is rebuilt, not served.
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

export interface BuildWebOptions {
  outDir?: string; // default <repo>/dist/web
  modelDir?: string; // the model to ship with the page; default <repo>/models/default
  quiet?: boolean; // default true: only warnings and errors
}

const webRoot = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = resolve(webRoot, '..');
const STAMP_FILE = 'build-stamp.json';

/** A hash of everything a build of the page depends on: web/, src/ (the page bundles vision, model, engine...), the lockfile, the model's files. */
export async function buildStamp(modelDir: string = `${repoRoot}/models/default`): Promise<string> {
  const hash = createHash('sha256');
  const add = async (root: string, label: string) => {
    for (const file of await filesUnder(root)) {
      hash.update(`${label}/${relative(root, file)}\0`);
      hash.update(await readFile(file));
    }
  };
  await add(webRoot, 'web');
  await add(`${repoRoot}/src`, 'src');
  await add(resolve(modelDir), 'model');
  hash.update(await readFile(`${repoRoot}/package-lock.json`).catch(() => ''));
  return hash.digest('hex');
}

/** Whether `outDir` holds a page built from exactly the current sources and `modelDir`'s model. */
export async function isWebBuildCurrent(outDir: string, modelDir?: string): Promise<boolean> {
  try {
    const recorded = JSON.parse(await readFile(join(outDir, STAMP_FILE), 'utf8')) as { stamp?: unknown };
    return recorded.stamp === (await buildStamp(modelDir));
  } catch {
    return false; // no stamp (built by an older version) or unreadable: not known to be current
  }
}

/** Files under `dir`, sorted, skipping dot-files (a training run's .train/) and node_modules; none if it is missing. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && !relative(dir, join(e.parentPath, e.name)).split(/[\\/]/).some((part) => part.startsWith('.') || part === 'node_modules'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Builds the page and returns the folder it is in (holding index.html, assets/ and models/default/). */
export async function buildWeb(options: BuildWebOptions = {}): Promise<string> {
  const outDir = resolve(options.outDir ?? `${repoRoot}/dist/web`);
  const modelDir = resolve(options.modelDir ?? `${repoRoot}/models/default`);
  // Build beside the target, then swap it in: a server reading outDir never sees half a build.
  const staging = `${outDir}.building-${process.pid}-${Date.now()}`;
  await mkdir(dirname(outDir), { recursive: true });
  const stamp = await buildStamp(modelDir); // taken before building: an edit during the build makes the page stale, not falsely current
  try {
    await build({
      configFile: `${webRoot}vite.config.ts`,
      logLevel: options.quiet === false ? 'info' : 'warn',
      build: { outDir: staging, emptyOutDir: true },
    });
    if (await exists(`${modelDir}/model.json`)) {
      // Only the model's own files: not a training run's .train/ folder (checkpoints are megabytes, and private).
      await cp(modelDir, `${staging}/models/default`, { recursive: true, filter: (path) => !basename(path).startsWith('.') });
    } else {
      // The page then says plainly that the model could not be loaded.
      console.warn(`buildWeb: no model at ${modelDir}/model.json; the page will report that it cannot load one`);
    }
    await writeFile(`${staging}/${STAMP_FILE}`, `${JSON.stringify({ stamp, modelDir, builtAt: new Date().toISOString() })}\n`);
    const old = `${outDir}.old-${process.pid}-${Date.now()}`;
    const hadOld = await exists(outDir);
    if (hadOld) await rename(outDir, old);
    await rename(staging, outDir);
    if (hadOld) await rm(old, { recursive: true, force: true });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return outDir;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

// `tsx web/build.ts` (npm run build:web) builds and says where.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildWeb({ quiet: false }).then(
    (dir) => console.log(`web app built in ${dir}`),
    (error: unknown) => {
      console.error(`web build failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
