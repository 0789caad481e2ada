// Benchmark dispatcher: `npm run bench -- NAME [args]` runs bench/NAME.ts's exported main(args).
// Benchmarks print figures (and JSON with --json); they never assert timings.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [name, ...args] = process.argv.slice(2);
const file = name && /^[\w-]+$/.test(name) ? fileURLToPath(new URL(`./${name}.ts`, import.meta.url)) : '';
if (!file || !existsSync(file)) {
  console.error(`usage: npm run bench -- NAME [args], NAME being a file bench/NAME.ts${name ? ` (no bench/${name}.ts)` : ''}`);
  process.exit(2);
}
const bench = (await import(pathToFileURL(file).href)) as { main: (args: string[]) => Promise<void> | void };
await bench.main(args);
