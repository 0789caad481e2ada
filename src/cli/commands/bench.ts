// `digits bench NAME [args...]`: the project's benchmarks (bench/NAME.ts), the same as `npm run bench -- NAME`.
// They print figures (and JSON with --json); they never assert timings.
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { UsageError } from '../errors.ts';

const benchDir = fileURLToPath(new URL('../../../bench/', import.meta.url));

function benchmarks(): string[] {
  if (!existsSync(benchDir)) return [];
  return readdirSync(benchDir)
    .filter((name) => name.endsWith('.ts') && name !== 'main.ts' && name !== 'models.ts')
    .map((name) => name.slice(0, -3))
    .sort();
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('Run a benchmark: engine, sgemm, profile, train, server, web, numbers, ... (figures, not pass/fail)')
    .argument('<name>', `the benchmark: ${benchmarks().join(', ')}`)
    .argument('[args...]', "the benchmark's own flags (e.g. --json, --quick)")
    .allowUnknownOption()
    .action(async (name: string, args: string[]) => {
      const known = benchmarks();
      if (!/^[\w-]+$/.test(name) || !known.includes(name)) throw new UsageError(`no benchmark '${name}': choose one of ${known.join(', ')}`);
      const bench = (await import(pathToFileURL(`${benchDir}${name}.ts`).href)) as { main: (args: string[]) => Promise<void> | void };
      await bench.main(args);
    });
}
