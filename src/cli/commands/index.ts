// Every `digits` subcommand, in the order `digits --help` lists them.
import type { Command } from 'commander';
import { registerDataCommand } from './data.ts';
import { registerPredictCommand } from './predict.ts';
import { registerServeCommand } from './serve.ts';
import { registerEvalCommand } from './eval.ts';
import { registerTrainCommand } from './train.ts';
import { registerTrainVerifierCommand } from './train-verifier.ts';
import { registerBenchCommand } from './bench.ts';

export function registerCommands(program: Command): void {
  registerDataCommand(program);
  registerTrainCommand(program);
  registerTrainVerifierCommand(program);
  registerPredictCommand(program);
  registerServeCommand(program);
  registerEvalCommand(program);
  registerBenchCommand(program);
}
