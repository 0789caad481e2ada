// `digits serve [--port N] [--host H] [--model DIR] [--processes N]` (and `npm start`): the drawing app and the HTTP API.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  createServer,
  defaultEngineThreads,
  defaultImageWorkers,
  defaultModelDir,
  defaultProcesses,
  defaultWebDir,
  isFirstServerProcess,
  isServerProcess,
  reportListening,
  ServerProcessFailed,
  startServerProcesses,
  webBuildModule,
} from '../../server/index.ts';
import { UsageError, describeError, parseIntFlag } from '../errors.ts';
import { loadModelOrExplain } from './predict.ts';

interface ServeOptions {
  port?: number;
  host?: string;
  model: string;
  webDir: string;
  processes: number;
  imageWorkers?: number;
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
      '--processes <n>',
      'server processes sharing the port, each with its own model (for many cores; 2 measured slower than 1 on 2 cores)',
      parseIntFlag('--processes', 1, 64),
      defaultProcesses(),
    )
    .option(
      '--image-workers <n>',
      'worker threads per process that decode images and find digits (default: the cores but one; 0: on the event loop)',
      parseIntFlag('--image-workers', 0, 64),
    )
    .option(
      '--threads <n>',
      "the engine's threads for the model, per process (default: the cores the image workers leave, at least 1)",
      parseIntFlag('--threads', 1, 256),
    )
    .option('--log', 'log each request (JSON lines on stdout)')
    .action(async (options: ServeOptions) => {
      const port = options.port ?? portFromEnv();
      const host = options.host ?? process.env.HOST ?? 'localhost';
      const shownHost = host.includes(':') ? `[${host}]` : host;
      if (options.processes > 1 && !isServerProcess()) {
        // the primary forks the server processes, which run this same command (the first builds the page if need be)
        let processes;
        try {
          processes = await startServerProcesses(options.processes);
        } catch (error) {
          if (error instanceof ServerProcessFailed) process.exit(error.exitCode); // it said why on stderr
          throw error;
        }
        const what = existingWebDir(options.webDir) ? 'the drawing app' : 'the API (the web app is not built)';
        console.log(
          `digits: serving ${what} on http://${shownHost}:${processes.port}/ (API under /api; ${options.processes} processes; Ctrl+C stops)`,
        );
        const stop = () => {
          processes.stop().then(() => process.exit(0), () => process.exit(1));
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        return;
      }
      const imageWorkers = options.imageWorkers ?? defaultImageWorkers(options.processes);
      const engineThreads = options.threads ?? defaultEngineThreads(options.processes, imageWorkers);
      const { classifier, metadata } = await loadModelOrExplain(options.model, engineThreads);
      // after the model loads, so a bad --model fails before any build
      const buildsPage = !isServerProcess() || isFirstServerProcess();
      const webDir = buildsPage ? await ensureWebBuilt(options.webDir, options.model) : existingWebDir(options.webDir);
      const app = await createServer({
        classifier,
        model: { dir: options.model, arch: metadata.arch ?? null, temperature: metadata.temperature ?? null },
        webDir,
        imageWorkers,
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
      if (isServerProcess()) {
        reportListening(boundPort); // the primary prints the address once all processes listen
      } else {
        const what = webDir ? 'the drawing app' : 'the API (the web app is not built)';
        console.log(`digits: serving ${what} on http://${shownHost}:${boundPort}/ (API under /api; Ctrl+C stops)`);
      }

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

/** `webDir` when the page is built there (the primary process has built it if it could), else null. */
function existingWebDir(webDir: string): string | null {
  return existsSync(`${webDir}/index.html`) ? webDir : null;
}

/**
 * The folder of the built page: `webDir` when it has an index.html; otherwise builds it there with the web part's
 * buildWeb() if that exists. Null (the server then shows a "not built" page) when neither works: the API still serves.
 */
async function ensureWebBuilt(webDir: string, modelDir: string): Promise<string | null> {
  const built = existsSync(`${webDir}/index.html`);
  const buildModule = webBuildModule();
  if (!existsSync(buildModule)) {
    if (built) return webDir;
    console.error(`digits: the web app is not built (no ${webDir}/index.html and no web/build.ts); serving the API only`);
    return null;
  }
  type BuildWeb = (options: { outDir: string; modelDir: string }) => Promise<string>;
  type IsCurrent = (outDir: string, modelDir: string) => Promise<boolean>;
  let web: { buildWeb: BuildWeb; isWebBuildCurrent: IsCurrent };
  try {
    web = (await import(pathToFileURL(buildModule).href)) as typeof web;
  } catch (error) {
    console.error(`digits: cannot load the web build (${describeError(error)}); ${built ? 'serving the page as it is' : 'serving the API only'}`);
    return built ? webDir : null;
  }
  const { buildWeb, isWebBuildCurrent } = web;
  if (built) {
    // Ours to rebuild: the default folder, or one our build stamped. A page from elsewhere is served as it is.
    const ours = resolve(webDir) === resolve(defaultWebDir()) || existsSync(`${webDir}/build-stamp.json`);
    if (!ours || (await isWebBuildCurrent(webDir, modelDir))) return webDir;
    console.error('digits: the built web app is out of date (its sources or the model changed); rebuilding (a few seconds)...');
  } else {
    console.error('digits: building the web app (first run, a few seconds)...');
  }
  try {
    const outDir = await buildWeb({ outDir: webDir, modelDir }); // the page ships the model the server reads with
    if (existsSync(`${outDir}/index.html`)) return outDir;
    console.error(`digits: the web build wrote no ${outDir}/index.html; serving the API only`);
  } catch (error) {
    // buildWeb swaps a finished build in, so a failed rebuild leaves the previous page whole
    console.error(`digits: building the web app failed: ${describeError(error)}; ${built ? 'serving the previous build' : 'serving the API only'}`);
    if (built) return webDir;
  }
  return null;
}
