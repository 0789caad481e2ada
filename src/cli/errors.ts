// Errors the CLI turns into a one-line message and an exit code, instead of a stack trace.
import { InvalidArgumentError } from 'commander';

/** Bad flags or arguments: exit code 2, like commander's own usage errors. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The message a person should read for an error thrown by any part. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Parses a flag's value as an integer within [min, max]; commander reports a bad one as a usage error (exit 2). */
export function parseIntFlag(flag: string, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${flag} must be an integer from ${min} to ${max}, got '${value}'`);
    }
    return n;
  };
}

/** Parses a flag's value as a finite number within [min, max]; commander reports a bad one as a usage error (exit 2). */
export function parseNumberFlag(flag: string, min = -Infinity, max = Infinity) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${flag} must be a number from ${min} to ${max}, got '${value}'`);
    }
    return n;
  };
}
