// GET /api/openapi.json: an OpenAPI 3 document assembled from the very schemas the routes validate with.
import type { FastifyInstance, RouteOptions } from 'fastify';
import { errorResponses } from '../schemas.ts';

interface CollectedRoute {
  method: string;
  url: string;
  schema: Record<string, any>;
}

/**
 * Starts collecting routes as they are added (call before registering them); returns the route plugin
 * that serves the document built from them.
 */
export function collectOpenApiRoutes(app: FastifyInstance, info: { title: string; version: string }) {
  const routes: CollectedRoute[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.url.startsWith('/api/') || !route.schema) return;
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      routes.push({ method: method.toLowerCase(), url: route.url, schema: route.schema as Record<string, any> });
    }
  });

  return async function openApiRoutes(api: FastifyInstance): Promise<void> {
    let document: unknown;
    api.get(
      '/api/openapi.json',
      {
        schema: {
          summary: 'This API described as OpenAPI 3.0',
          response: { 200: { type: 'object', additionalProperties: true }, ...errorResponses },
        },
      },
      async () => (document ??= buildDocument(routes, info)),
    );
  };
}

function buildDocument(routes: CollectedRoute[], info: { title: string; version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { method, url, schema } of routes) {
    const operation: Record<string, unknown> = {
      summary: schema.summary,
      description: schema.description,
      responses: Object.fromEntries(
        Object.entries(schema.response ?? {}).map(([status, body]) => [
          status.toUpperCase(), // OpenAPI spells ranges 4XX
          {
            description: status === '200' ? 'OK' : 'Error: {"error": {"code", "message"}}',
            content: { 'application/json': { schema: toOpenApiSchema(body) } },
          },
        ]),
      ),
    };
    if (schema.body?.content) {
      const content: Record<string, unknown> = {};
      for (const [type, entry] of Object.entries<{ schema: unknown }>(schema.body.content)) {
        content[type] = { schema: toOpenApiSchema(entry.schema) };
      }
      for (const type of ['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/bmp']) {
        content[type] = { schema: { type: 'string', format: 'binary' } };
      }
      content['multipart/form-data'] = {
        schema: { type: 'object', required: ['image'], properties: { image: { type: 'string', format: 'binary' } } },
      };
      operation.requestBody = { required: true, content };
    }
    (paths[url] ??= {})[method] = operation;
  }
  return { openapi: '3.0.3', info, paths };
}

/** JSON Schema -> OpenAPI 3.0 schema: 3.0 has no type arrays, only `nullable`. */
function toOpenApiSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toOpenApiSchema);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'type' && Array.isArray(value)) {
      const types = value.filter((t) => t !== 'null');
      out.type = types[0];
      if (types.length < value.length) out.nullable = true;
    } else {
      out[key] = toOpenApiSchema(value);
    }
  }
  return out;
}
