// A pool of workers over the engine's shared memory. Each worker instantiates the same module with the same
// memory and sleeps on a control word; a job is a task record in that memory (see asm/tasks.ts) which every
// thread, the caller included as thread 0, runs its own share of. Workers are plain JS source, so the same
// code runs as a Node worker_thread (eval) and a browser Web Worker (Blob URL).

// Control words (Int32Array over a SharedArrayBuffer)
const GENERATION = 0; // bumped once per job; workers wait on it
const TASK = 1; // task record byte offset, or -1 to stop
const THREADS = 2; // threads taking part in this job
const DONE = 3; // workers that joined this job and finished
const JOINED = 4; // workers that joined this job, | CLOSED once the caller stops taking joiners
const CONTROL_WORDS = 5;
const CLOSED = 1 << 30;

// Workers spin on the control word for this long after their last job before sleeping: a wake-up from
// Atomics.wait costs tens of microseconds (more on a busy machine), as long as a small kernel, and both a
// training step and one image's inference call kernels with gaps of tens of microseconds of JavaScript
// between them (tfjs bookkeeping, the caller's own single-threaded kernels, the next predict call).
// (OpenMP runtimes spin for 200 ms by default; this keeps the cost of an idle pool to a millisecond of CPU.)
const WORKER_SPIN_MS = 2;
const CALLER_SPIN = 50_000;

const WORKER_SOURCE = `
const start = ({ module, memory, control, index }, post) => {
  const { exports } = new WebAssembly.Instance(module, { env: { memory } });
  const ctl = new Int32Array(control);
  let seen = Atomics.load(ctl, ${GENERATION});
  post('ready');
  for (;;) {
    let spins = 0, spinStart = 0;
    while (Atomics.load(ctl, ${GENERATION}) === seen) {
      if ((++spins & 1023) !== 0) continue;
      const now = performance.now();
      if (spinStart === 0) spinStart = now;
      else if (now - spinStart > ${WORKER_SPIN_MS}) {
        Atomics.wait(ctl, ${GENERATION}, seen);
        spinStart = 0;
      }
    }
    seen = Atomics.load(ctl, ${GENERATION});
    // join the job unless the caller has closed it (it did every unit itself): a late worker then touches
    // nothing, so the caller never waits for a thread the OS has not scheduled yet
    for (;;) {
      const joined = Atomics.load(ctl, ${JOINED});
      if (joined & ${CLOSED}) break;
      if (Atomics.compareExchange(ctl, ${JOINED}, joined, joined + 1) !== joined) continue;
      const task = Atomics.load(ctl, ${TASK});
      if (task < 0) return;
      const threads = Atomics.load(ctl, ${THREADS});
      if (index < threads) exports.runTask(task, index, threads);
      Atomics.add(ctl, ${DONE}, 1);
      Atomics.notify(ctl, ${DONE});
      break;
    }
  }
};
if (typeof require === 'function') {
  const { parentPort } = require('node:worker_threads');
  parentPort.once('message', (init) => start(init, (m) => parentPort.postMessage(m)));
} else {
  self.onmessage = (event) => start(event.data, (m) => self.postMessage(m));
}
`;

interface PoolWorker {
  terminate(): unknown;
}

export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  index: number;
}

/** Starts one worker running WORKER_SOURCE and resolves once it is ready for jobs. */
type SpawnWorker = (init: WorkerInit) => Promise<PoolWorker>;

async function nodeSpawner(): Promise<SpawnWorker | null> {
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (!isNode) return null;
  const specifier = 'node:worker_threads'; // a variable, so browser bundlers leave it alone
  const { Worker } = (await import(/* @vite-ignore */ specifier)) as typeof import('node:worker_threads');
  return (init) =>
    new Promise((resolve, reject) => {
      // execArgv: [] so the parent's flags (--input-type=module, loaders) do not change how the source is read
      const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
      worker.once('message', () => {
        worker.unref(); // a sleeping worker must not keep Node alive
        resolve(worker);
      });
      worker.once('error', reject);
      worker.postMessage(init);
    });
}

function browserSpawner(): SpawnWorker | null {
  if (typeof Worker === 'undefined' || typeof Blob === 'undefined') return null;
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  return (init) =>
    new Promise((resolve, reject) => {
      const worker = new Worker(url);
      worker.onmessage = () => resolve(worker);
      worker.onerror = (event) => reject(new Error(`engine worker failed: ${event.message}`));
      worker.postMessage(init);
    });
}

/** Whether this thread may block in Atomics.wait (not on a browser's main thread). */
function canBlock(control: Int32Array): boolean {
  try {
    Atomics.wait(control, TASK, 1, 0); // TASK is 0, so this returns "not-equal" at once where waiting is allowed
    return true;
  } catch {
    return false;
  }
}

export class ThreadPool {
  private readonly workers: PoolWorker[];
  private readonly control: Int32Array;
  private readonly runTask: (task: number, thread: number, threads: number) => void;
  private readonly blocking: boolean;

  private constructor(workers: PoolWorker[], control: Int32Array, runTask: ThreadPool['runTask']) {
    this.workers = workers;
    this.control = control;
    this.runTask = runTask;
    this.blocking = canBlock(control);
  }

  /** Threads a job can use: the workers plus the calling thread. */
  get size(): number {
    return this.workers.length + 1;
  }

  /** A pool of `threads` threads (threads - 1 workers); 1 thread, or no way to start workers, means none. */
  static async start(
    threads: number,
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    runTask: (task: number, thread: number, threads: number) => void,
  ): Promise<ThreadPool> {
    if (threads <= 1 || typeof SharedArrayBuffer === 'undefined') {
      // no workers: a plain buffer, as pages that are not cross-origin isolated have no SharedArrayBuffer
      return new ThreadPool([], new Int32Array(CONTROL_WORDS), runTask);
    }
    const control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
    const spawn = (await nodeSpawner()) ?? browserSpawner();
    if (!spawn) return new ThreadPool([], control, runTask);
    const started = await Promise.allSettled(
      Array.from({ length: threads - 1 }, (_, i) => spawn({ module, memory, control: control.buffer as SharedArrayBuffer, index: i + 1 })),
    );
    const workers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    if (workers.length < threads - 1) {
      // a page whose policy forbids workers, say: run on the calling thread rather than fail
      await Promise.all(workers.map((w) => w.terminate()));
      return new ThreadPool([], control, runTask);
    }
    return new ThreadPool(workers, control, runTask);
  }

  /** Runs the task record at `task` on `threads` threads (at most size), returning when all are done. */
  run(task: number, threads: number): void {
    const n = Math.max(1, Math.min(threads, this.size));
    if (n === 1 || this.workers.length === 0) {
      this.runTask(task, 0, 1);
      return;
    }
    const ctl = this.control;
    Atomics.store(ctl, TASK, task);
    Atomics.store(ctl, THREADS, n);
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, JOINED, 0);
    Atomics.add(ctl, GENERATION, 1);
    Atomics.notify(ctl, GENERATION);
    this.runTask(task, 0, n);
    // Work units come from the task's counter, so once the caller has run out of units the job is done
    // except for the workers already in it: close it to latecomers and wait for those who joined.
    const expected = Atomics.or(ctl, JOINED, CLOSED);
    let spins = 0;
    for (;;) {
      const done = Atomics.load(ctl, DONE);
      if (done === expected) break;
      if (this.blocking && ++spins > CALLER_SPIN) Atomics.wait(ctl, DONE, done);
    }
  }

  /** Stops and terminates the workers. */
  async stop(): Promise<void> {
    Atomics.store(this.control, TASK, -1);
    Atomics.store(this.control, JOINED, 0);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
