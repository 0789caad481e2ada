// The `digits` command line: one program, one subcommand per file in ./commands.
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.ts';
import { UsageError, describeError } from './errors.ts';

const program = new Command('digits')
  .description('Handwritten digit recognition: train, evaluate and run a CNN on MNIST, on the CPU.')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version end through here with exit code 0; bad flags and arguments are usage errors.
    process.exit(error.exitCode === 0 ? 0 : 2);
  }
  console.error(`digits: ${describeError(error)}`);
  process.exit(error instanceof UsageError ? 2 : 1);
}
