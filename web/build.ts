// buildWeb(): the drawing app built with Vite's API into dist/web (or `outDir`), with the shipped model copied
// to <outDir>/models/default so the page loads it from its own origin. `digits serve` calls this when dist/web is missing.
import { cp, mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

export interface BuildWebOptions {
  outDir?: string; // default <repo>/dist/web
  modelDir?: string; // the model to ship with the page; default <repo>/models/default
  quiet?: boolean; // default true: only warnings and errors
}

const webRoot = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = resolve(webRoot, '..');

/** Builds the page and returns the folder it is in (holding index.html, assets/ and models/default/). */
export async function buildWeb(options: BuildWebOptions = {}): Promise<string> {
  const outDir = resolve(options.outDir ?? `${repoRoot}/dist/web`);
  const modelDir = resolve(options.modelDir ?? `${repoRoot}/models/default`);
  // Build beside the target, then swap it in: a server reading outDir never sees half a build.
  const staging = `${outDir}.building-${process.pid}-${Date.now()}`;
  await mkdir(dirname(outDir), { recursive: true });
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
