// Headers on every response: browser security, and cross-origin isolation, without which the page
// gets no SharedArrayBuffer and the engine's worker threads cannot share its WebAssembly memory.
import type { FastifyInstance } from 'fastify';

const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'", // our own bundles, and compiling the engine's WebAssembly
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'", // style attributes set by the page and chart.js
  "img-src 'self' data: blob:", // previews of uploaded and photographed images
  "media-src 'self' blob:", // the phone camera's stream
  "connect-src 'self' data: blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const responseHeaders: Record<string, string> = {
  'Content-Security-Policy': contentSecurityPolicy,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Permissions-Policy': 'camera=(self), microphone=(), geolocation=()',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Sets the headers as each request arrives, so errors, 404s and static files all carry them. */
export function addResponseHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(responseHeaders);
    done();
  });
}
