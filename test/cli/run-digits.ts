// Runs the `digits` command line as a user would, in a child process.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel, saveModel } from '../../src/model/node.ts';

const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;

/** An untrained small CNN saved in a new temp folder: loads like any model, reads digits at random. */
export async function tinyModelDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'digits-tiny-model-'));
  await saveModel(buildModel('small-cnn', { seed: 1 }), dir, { arch: 'small-cnn', temperature: 1 });
  return dir;
}

export function runDigits(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', main, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts `digits serve ...` and resolves with its URL once it prints it. */
export function startDigitsServe(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`digits serve printed no URL in 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = /(http:\/\/\S+?)\/? /.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1], child });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`digits serve exited with ${code}:\n${output}`));
    });
  });
}
