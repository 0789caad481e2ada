// Every `digits` subcommand, in the order `digits --help` lists them.
import type { Command } from 'commander';
import { registerDataCommand } from './data.ts';
import { registerPredictCommand } from './predict.ts';
import { registerServeCommand } from './serve.ts';

export function registerCommands(program: Command): void {
  registerDataCommand(program);
  registerPredictCommand(program);
  registerServeCommand(program);
}
