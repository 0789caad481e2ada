// Several server processes on one port (node:cluster), for machines with more cores than one process uses: a
// process's event loop does HTTP and runs the model (~0.7 ms of CPU a request), and past some cores it is the
// limit. Each process has its own model and batches its own requests' digits. The primary only forks them,
// replaces one that dies, and stops them.
// (On 2 cores one process with an image worker is faster: see defaults.ts.)
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';

/** True in a process forked by startServerProcesses: it should load the model, listen, and call reportListening. */
export function isServerProcess(): boolean {
  return cluster.isWorker;
}

/** True in the first server process started (the others start once it listens): the one to do one-off work. */
export function isFirstServerProcess(): boolean {
  return cluster.worker?.id === 1;
}

/** In a server process: tells the primary that this process listens, and on which port. */
export function reportListening(port: number): void {
  process.send?.({ digitsServer: 'listening', port });
}

/** A server process that ended before listening (a model that does not load...): it said why on stderr. */
export class ServerProcessFailed extends Error {
  readonly exitCode: number;
  constructor(exitCode: number) {
    super(`a server process exited with code ${exitCode} before listening`);
    this.exitCode = exitCode;
  }
}

export interface ServerProcesses {
  port: number;
  workers(): Worker[];
  stop(): Promise<void>;
}

const MAX_RESTARTS = 10;

/**
 * In the primary: forks `count` processes running this same program (they find isServerProcess() true), the
 * first alone and the others once it listens, so a startup failure is met (and reported) once. Resolves when all
 * listen; rejects with ServerProcessFailed when one exits first. One that dies later is replaced.
 */
export async function startServerProcesses(count: number): Promise<ServerProcesses> {
  let stopping = false;
  let restarts = 0;

  const start = () =>
    new Promise<{ worker: Worker; port: number }>((resolve, reject) => {
      const worker = cluster.fork();
      const onExit = (code: number | null) => reject(new ServerProcessFailed(code ?? 1));
      worker.once('exit', onExit);
      worker.on('message', (message: { digitsServer?: string; port?: number }) => {
        if (message?.digitsServer !== 'listening') return;
        worker.off('exit', onExit);
        worker.once('exit', (code) => {
          // a clean exit was asked for (Ctrl+C reaches every process of the group), a crash is replaced
          if (stopping || code === 0 || worker.exitedAfterDisconnect || restarts >= MAX_RESTARTS) return;
          restarts++;
          console.error(`digits: a server process stopped (code ${code}); starting another`);
          start().catch((error) => console.error(`digits: ${String(error)}`));
        });
        resolve({ worker, port: message.port ?? 0 });
      });
    });

  const first = await start();
  await Promise.all(Array.from({ length: count - 1 }, start));
  return {
    port: first.port,
    workers: () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined),
    async stop() {
      stopping = true;
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
      await Promise.all(
        workers.map(
          (worker) =>
            new Promise<void>((resolve) => {
              if (worker.isDead()) return resolve();
              worker.once('exit', () => resolve());
              worker.process.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
