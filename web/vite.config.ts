// Vite's settings for the drawing app: the page lives in web/, imports the shared src/ parts, builds to dist/web.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root: webRoot,
  base: './', // relative asset URLs: the page works wherever it is served from
  publicDir: false, // the model is copied by build.ts, from models/ (one copy in the repository)
  logLevel: 'warn',
  server: {
    fs: { allow: [repoRoot] }, // the dev server may read src/ and models/
    headers: {
      // The engine's threads need cross-origin isolation, as the real server sends.
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    },
  },
  build: {
    outDir: `${repoRoot}dist/web`,
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2048, // TensorFlow.js is most of the page, on purpose
    reportCompressedSize: false,
  },
});
