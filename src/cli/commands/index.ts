// Every `digits` subcommand, in the order `digits --help` lists them.
import type { Command } from 'commander';
import { registerDataCommand } from './data.ts';

export function registerCommands(program: Command): void {
  registerDataCommand(program);
}
