// `digits serve [--port N] [--host H] [--model DIR]` (and `npm start`): the drawing app and the HTTP API.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { createServer, defaultModelDir, defaultWebDir, webBuildModule } from '../../server/index.ts';
import { UsageError, describeError, parseIntFlag } from '../errors.ts';
import { loadModelOrExplain } from './predict.ts';

interface ServeOptions {
  port?: number;
  host?: string;
  model: string;
  webDir: string;
  imageWorkers: number;
  threads?: number;
  log?: boolean;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Serve the drawing app and the HTTP API (POST /api/predict, GET /api/health, GET /api/openapi.json)')
    .option('--port <n>', 'port to listen on (default: $PORT or 3000)', parseIntFlag('--port', 0, 65535))
    .option('--host <host>', 'interface to listen on (default: $HOST or localhost)')
    .option('--model <dir>', 'model folder', defaultModelDir())
    .option('--web-dir <dir>', 'the built web app', defaultWebDir())
    .option(
      '--image-workers <n>',
      'worker threads that decode images and find digits (0: on the main thread)',
      parseIntFlag('--image-workers', 0, 64),
      Math.max(1, availableParallelism() - 1),
    )
    .option(
      '--threads <n>',
      "the engine's threads for the model (default: the cores the image workers leave, at least 1)",
      parseIntFlag('--threads', 1, 256),
    )
    .option('--log', 'log each request (JSON lines on stdout)')
    .action(async (options: ServeOptions) => {
      const port = options.port ?? portFromEnv();
      const host = options.host ?? process.env.HOST ?? 'localhost';
      // Image workers and engine threads on the same cores slow each other down: on 2 cores, 1 image worker and
      // 2 engine threads served 175 single-digit PNGs/s, 1 and 1 served 354 (npm run bench -- server).
      const engineThreads = options.threads ?? Math.max(1, availableParallelism() - options.imageWorkers);
      const { classifier, metadata } = await loadModelOrExplain(options.model, engineThreads);
      const webDir = await ensureWebBuilt(options.webDir, options.model);
      const app = await createServer({
        classifier,
        model: { dir: options.model, arch: metadata.arch ?? null, temperature: metadata.temperature ?? null },
        webDir,
        imageWorkers: options.imageWorkers,
        logger: options.log,
      });
      try {
        await app.listen({ port, host });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new Error(`port ${port} on ${host} is already in use (choose another with --port or PORT)`);
        if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new Error(`cannot listen on host '${host}'`);
        throw error;
      }
      const address = app.server.address();
      const boundPort = typeof address === 'object' && address ? address.port : port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      const what = webDir ? 'the drawing app' : 'the API (the web app is not built)';
      console.log(`digits: serving ${what} on http://${shownHost}:${boundPort}/ (API under /api; Ctrl+C stops)`);

      const stop = () => {
        app.close().then(() => process.exit(0), () => process.exit(1));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}

function portFromEnv(): number {
  const value = process.env.PORT;
  if (value === undefined || value === '') return 3000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`PORT must be an integer from 0 to 65535, got '${value}'`);
  }
  return port;
}

/**
 * The folder of the built page: `webDir` when it has an index.html; otherwise builds it there with the web part's
 * buildWeb() if that exists. Null (the server then shows a "not built" page) when neither works: the API still serves.
 */
async function ensureWebBuilt(webDir: string, modelDir: string): Promise<string | null> {
  if (existsSync(`${webDir}/index.html`)) return webDir;
  const buildModule = webBuildModule();
  if (!existsSync(buildModule)) {
    console.error(`digits: the web app is not built (no ${webDir}/index.html and no web/build.ts); serving the API only`);
    return null;
  }
  console.error('digits: building the web app (first run, a few seconds)...');
  try {
    type BuildWeb = (options: { outDir: string; modelDir: string }) => Promise<string>;
    const { buildWeb } = (await import(pathToFileURL(buildModule).href)) as { buildWeb: BuildWeb };
    const outDir = await buildWeb({ outDir: webDir, modelDir }); // the page ships the model the server reads with
    if (existsSync(`${outDir}/index.html`)) return outDir;
    console.error(`digits: the web build wrote no ${outDir}/index.html; serving the API only`);
  } catch (error) {
    console.error(`digits: building the web app failed: ${describeError(error)}; serving the API only`);
  }
  return null;
}
