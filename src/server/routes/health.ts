// GET /api/health: is the server up, with which model and which engine.
import type { FastifyInstance } from 'fastify';
import { getBackend } from '@tensorflow/tfjs-core';
import type { InFlightLimit } from '../in-flight.ts';
import { errorResponses, healthSchema } from '../schemas.ts';

export interface HealthRouteOptions {
  model: Record<string, unknown>; // { dir, ...metadata }
  limit: InFlightLimit;
}

export async function healthRoutes(app: FastifyInstance, options: HealthRouteOptions): Promise<void> {
  const startedAt = performance.now();
  app.get(
    '/api/health',
    {
      schema: {
        summary: 'Server status, the loaded model and the engine backend',
        response: { 200: healthSchema, ...errorResponses },
      },
    },
    async () => ({
      status: 'ok' as const,
      model: options.model,
      engine: { backend: currentBackend() },
      uptimeSeconds: Math.round((performance.now() - startedAt) / 10) / 100,
      inFlight: options.limit.inFlight,
      pid: process.pid,
    }),
  );
}

function currentBackend(): string | null {
  try {
    return getBackend() ?? null;
  } catch {
    return null; // no backend registered yet (a fake classifier in tests)
  }
}
