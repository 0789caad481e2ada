// The server part: createServer builds the Fastify app (the page and /api/*), ready to listen or inject into.
export { createServer, defaultLimits } from './server.ts';
export type { ServerOptions } from './server.ts';
export { BatchingClassifier } from './batching.ts';
export { defaultModelDir, defaultWebDir, webBuildModule } from './paths.ts';
export { roundReading } from './round.ts';
export { readImageBytes } from './read-image.ts';
export type { ReadImageOptions } from './read-image.ts';
export { isFirstServerProcess, isServerProcess, reportListening, ServerProcessFailed, startServerProcesses } from './cluster.ts';
export type { ServerProcesses } from './cluster.ts';
export { defaultEngineThreads, defaultImageWorkers, defaultProcesses } from './defaults.ts';
