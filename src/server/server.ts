// The HTTP server: the drawing app at /, the recognition API under /api. Built as a Fastify instance
// (not yet listening) so tests drive it with app.inject and `digits serve` calls listen().
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { DigitClassifier } from '../recognize/types.ts';
import { MAX_INPUT_PIXELS } from '../image/index.ts';
import { defaultModelDir } from './paths.ts';
import { BatchingClassifier } from './batching.ts';
import { errorHandler, notFoundHandler } from './errors.ts';
import { addResponseHeaders } from './headers.ts';
import { InFlightLimit } from './in-flight.ts';
import { inThreadReader, WorkerPoolReader } from './image-reader.ts';
import { healthRoutes } from './routes/health.ts';
import { collectOpenApiRoutes } from './routes/openapi.ts';
import { predictRoutes } from './routes/predict.ts';
import { webRoutes } from './routes/web.ts';

export interface ServerOptions {
  classifier?: DigitClassifier; // what reads 28x28 digits; absent: loaded from modelDir (a fake in tests)
  modelDir?: string; // default models/default of this package
  model?: Record<string, unknown>; // what /api/health says about the model; default { dir: modelDir }
  webDir?: string | null; // the built page (index.html and assets); null or absent: a page saying it is not built
  maxBodyBytes?: number; // default 5 MB
  maxInputPixels?: number; // default 25 megapixels
  workingPixels?: number; // bigger images are shrunk to this before recognition; default 4 megapixels
  maxInFlight?: number; // predictions processed at once before answering 503; default 64
  timeoutMs?: number; // per request: receiving it, and predicting; default 10 s
  batch?: boolean; // classify concurrent requests' digits in one model call; default true
  imageWorkers?: number; // worker threads that decode and segment images; default 0 (this thread)
  logger?: boolean; // Fastify's request log (pino JSON lines); default false
}

export const defaultLimits = {
  maxBodyBytes: 5 * 1024 * 1024,
  maxInputPixels: MAX_INPUT_PIXELS,
  maxInFlight: 64,
  timeoutMs: 10_000,
};

/** The Fastify app, not yet listening. Throws if the model must be loaded and cannot be. */
export async function createServer(options: ServerOptions = {}): Promise<FastifyInstance> {
  const modelDir = options.modelDir ?? defaultModelDir();
  // Loaded lazily, so a server given a classifier (tests) never pays for TensorFlow.js.
  const loaded = options.classifier ? null : await (await import('../model/node.ts')).loadClassifier(modelDir);
  const given = options.classifier ?? loaded!;
  const maxBodyBytes = options.maxBodyBytes ?? defaultLimits.maxBodyBytes;
  const maxInputPixels = options.maxInputPixels ?? defaultLimits.maxInputPixels;
  const timeoutMs = options.timeoutMs ?? defaultLimits.timeoutMs;
  const limit = new InFlightLimit(options.maxInFlight ?? defaultLimits.maxInFlight);
  const classifier = options.batch === false ? given : new BatchingClassifier(given);
  const imageWorkers = options.imageWorkers ?? 0;
  const limits = { maxPixels: maxInputPixels, workingPixels: options.workingPixels };
  // a worker still busy just after its request timed out (503) is stuck on that image: replace it
  const reader =
    imageWorkers > 0
      ? new WorkerPoolReader(classifier, limits, imageWorkers, timeoutMs + 100)
      : inThreadReader(classifier, limits);

  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: maxBodyBytes,
    requestTimeout: timeoutMs, // the whole request must arrive within this (slow clients cannot hold sockets)
    connectionTimeout: timeoutMs * 3,
    keepAliveTimeout: 5_000,
    return503OnClosing: true,
  });
  app.addHook('onClose', () => reader.close());
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  addResponseHeaders(app);
  const openApiRoutes = collectOpenApiRoutes(app, { title: 'digit-recognizer', version: '0.1.0' });

  await app.register(predictRoutes, { classifier, reader, limit, maxBodyBytes, maxInputPixels, timeoutMs });
  const model = options.model ?? {
    dir: options.classifier ? (options.modelDir ?? null) : modelDir,
    ...(loaded ? { arch: loaded.metadata.arch ?? null, temperature: loaded.metadata.temperature ?? null } : {}),
  };
  await app.register(healthRoutes, { model, limit });
  await app.register(openApiRoutes);
  await app.register(webRoutes, { webDir: options.webDir ?? null });
  return app;
}
