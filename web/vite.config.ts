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
  // The reading worker is a module worker, minified like the page (Vite keeps its licence comments otherwise:
  // TensorFlow.js's would be ~40% of the worker's 1.7 MB).
  worker: { format: 'es', rolldownOptions: { checks: { bundlerTimings: false }, output: { comments: false } } },
  build: {
    outDir: `${repoRoot}dist/web`,
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2048, // TensorFlow.js is most of the page, on purpose
    reportCompressedSize: false,
    // Timings of slow plugins are noise in `npm start`'s first build (tfjs is big, on purpose).
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
});
