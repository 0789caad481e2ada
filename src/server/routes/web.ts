// The drawing app: the built page and its assets from webDir, or, when it has not been built, a page saying so.
import type { FastifyInstance } from 'fastify';
import { resolve } from 'node:path';
import fastifyStatic from '@fastify/static';

export interface WebRouteOptions {
  webDir: string | null; // folder with index.html (Vite's output), or null when there is none
}

export async function webRoutes(app: FastifyInstance, options: WebRouteOptions): Promise<void> {
  if (options.webDir) {
    await app.register(fastifyStatic, {
      root: resolve(options.webDir),
      index: 'index.html',
      cacheControl: false, // set below, per file
      setHeaders(response, path) {
        // Vite names assets by content hash: cache them for good; everything else is revalidated.
        const hashed = /[\\/]assets[\\/]/.test(path);
        response.setHeader('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    return;
  }
  app.get('/', async (_request, reply) => {
    reply.type('text/html; charset=utf-8');
    return notBuiltPage;
  });
}

const notBuiltPage = `<!doctype html>
<html lang="en"><meta charset="utf-8"><title>digit-recognizer</title>
<body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 3em auto; line-height: 1.5">
<h1>The web app is not built</h1>
<p>The server is running and its API answers at <a href="/api/health">/api/health</a>
(described at <a href="/api/openapi.json">/api/openapi.json</a>), but there is no built page to serve.</p>
<p>Build the page, then restart: <code>npm start</code> builds it when its build code is present.</p>
</body></html>
`;
