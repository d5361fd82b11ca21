/**
 * Worker threads for the WebAssembly kernels: each worker instantiates the same module on the same
 * shared memory and waits on its slot of a control block; the calling thread writes a job (a
 * kernel export's name, by its index in {@link THREAD_JOBS}, and its arguments for a slice of the
 * work: columns or rows of a GEMM's C, a run of an elementwise kernel's elements) into the slot,
 * wakes the worker with `Atomics.notify`, computes its own slice, then waits for the worker's done
 * counter. No messages, no copies: operands, packing buffers and results are all in the shared memory.
 *
 * The workers are Node's worker threads under Node and Web Workers in a browser (the module and the
 * memory are posted to them once); {@link threadPlatform} makes that choice, the one place it is made.
 * @module
 * @internal
 */
import { availableParallelism, hasWorkerThreads, runsOnNode, startWorker, type KernelWorker } from './nodePlatform.js';
import { hardwareConcurrency, startWebWorker, webThreadEnvironment, webThreadsUnavailable } from './webPlatform.js';

/**
 * Int32 words per worker slot: [0] job counter, [1] done counter, [2] job (0: exit), [3] error flag;
 * from byte {@link ARGS_BYTE} the job's arguments as float64 (an i32 or an address exactly, an f64 as it is).
 */
export const SLOT_WORDS = 64;
/** Where a slot's arguments start, in bytes from the slot. */
const ARGS_BYTE = 32;
/** Arguments a job may have. */
export const MAX_JOB_ARGS = 24;

/**
 * The kernel exports a worker runs, by job code (the index + 1). A job calls the export with its
 * arguments in order, as the calling thread would.
 */
export const THREAD_JOBS = [
  'gemmF32', 'gemmF64', 'adamF32', 'adamF64', 'reluF32', 'reluF64', 'reluBackwardF32', 'reluBackwardF64',
  'addRowVectorF32', 'addRowVectorF64', 'sumRowsF32', 'sumRowsF64',
  'batchNormForwardF32', 'batchNormForwardF64', 'batchNormBackwardF32', 'batchNormBackwardF64',
] as const;
/** A kernel export a worker runs. */
export type ThreadJob = (typeof THREAD_JOBS)[number];
/** The job code of `name`. */
export const jobCode = (name: ThreadJob): number => THREAD_JOBS.indexOf(name) + 1;
const JOB_EXIT = 0;
/**
 * Milliseconds a thread that waits (a worker for its next job, the calling thread for a worker to
 * finish) checks the counter in a loop before it sleeps in `Atomics.wait`: a sleeping thread is slow
 * to wake (bench/README, "W2 on two threads"), and a training step hands out its jobs less than a
 * millisecond apart. (OpenMP's and OpenBLAS's threads spin before they sleep for the same reason.)
 */
export const SPIN_MS = 1;

/**
 * The worker's loop, shared by both platforms: instantiate, call `ready()`, then wait on the slot
 * for jobs. A job posted before the worker started is seen at its first wait (the job counter is no
 * longer 0), so Node's workers can be handed work at once.
 */
const RUN = `
function run(module, memory, slot, ready) {
  const instance = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('wasm abort'); } } });
  const kernels = [null, ...${JSON.stringify(THREAD_JOBS)}.map((name) => instance.exports[name])];
  const ctl = new Int32Array(memory.buffer, slot, 4);
  const a = new Float64Array(memory.buffer, slot + ${ARGS_BYTE}, ${MAX_JOB_ARGS});
  ready();
  let seen = 0;
  for (;;) {
    let job = Atomics.load(ctl, 0);
    for (const until = performance.now() + ${SPIN_MS}; job === seen && performance.now() < until; ) {
      for (let i = 0; i < 64 && job === seen; i++) job = Atomics.load(ctl, 0);
    }
    if (job === seen) Atomics.wait(ctl, 0, seen);
    seen = Atomics.load(ctl, 0);
    const op = ctl[2];
    if (op === ${JOB_EXIT}) break;
    try {
      // surplus arguments are ignored by the export
      kernels[op](a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17], a[18], a[19], a[20], a[21], a[22], a[23]);
      ctl[3] = 0;
    } catch (e) {
      ctl[3] = 1;
    }
    Atomics.store(ctl, 1, seen);
    Atomics.notify(ctl, 1);
  }
}
`;

/** Node's worker script (CommonJS, run with `eval`): its data comes as `workerData`. */
const NODE_SOURCE = `${RUN}
const { workerData } = require('node:worker_threads');
run(workerData.module, workerData.memory, workerData.slot, () => {});
`;

/** The Web Worker's script: its data comes as the first message; it answers 'ready' or { error }. */
const WEB_SOURCE = `${RUN}
self.onmessage = (event) => {
  self.onmessage = null;
  const { module, memory, slot } = event.data;
  try {
    run(module, memory, slot, () => self.postMessage('ready'));
  } catch (e) {
    self.postMessage({ error: String(e) });
  }
};
`;

/** Where the kernels' workers come from here, or why there are none. */
export type ThreadPlatform = { readonly kind: 'node' | 'web' } | { readonly kind: 'none'; readonly reason: string };

/**
 * How kernel threads start in this realm: Node's worker threads under Node (20.16+), Web Workers in a
 * browser where the calling thread may block and the page is cross-origin isolated, else none (with why).
 * `probe` is an Int32Array on the kernels' shared memory whose element 0 is not 1 (for the
 * `Atomics.wait` test).
 */
export function threadPlatform(probe: Int32Array): ThreadPlatform {
  if (hasWorkerThreads()) return { kind: 'node' };
  if (runsOnNode()) return { kind: 'none', reason: 'worker threads need Node 20.16 or later (process.getBuiltinModule)' };
  const reason = webThreadsUnavailable(webThreadEnvironment(probe));
  return reason === null ? { kind: 'web' } : { kind: 'none', reason };
}

/** The CPUs this process may use: Node's count, else `navigator.hardwareConcurrency`, else 1. */
export function cpuCount(): number {
  return availableParallelism() ?? hardwareConcurrency() ?? 1;
}

/** One worker and its slot. */
interface Slot {
  worker: KernelWorker;
  ctl: Int32Array;
  args: Float64Array;
}

/**
 * A fixed set of kernel workers on one module and memory. `post` hands a worker a job, `wait` blocks
 * (Atomics.wait) until it is done. Node's workers take jobs at once; Web Workers only once they all
 * answered that they are ready (`ready`): until then `size` is 0 and products run on the calling
 * thread, which cannot wait for a worker that needs its event loop to start.
 * @internal
 */
export class KernelThreads {
  private readonly slots: Slot[] = [];
  /** Whether the workers take jobs (Node: at once; web: once all are ready). */
  private usable: boolean;
  /** Resolves when the workers take jobs, or have failed to start (then `failure` says why). */
  readonly ready: Promise<void>;
  /** Why the workers could not start, or null. */
  failure: string | null = null;

  /**
   * Starts `count` workers on `platform` whose slots are at `slotAddress + i·SLOT_WORDS·4`; with
   * Node's workers, fewer (possibly none) when worker threads are not available.
   */
  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, slotAddress: number, count: number, platform: 'node' | 'web') {
    const starts: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const slot = slotAddress + i * SLOT_WORDS * 4;
      const ctl = new Int32Array(memory.buffer, slot, SLOT_WORDS);
      ctl.fill(0);
      const args = new Float64Array(memory.buffer, slot + ARGS_BYTE, MAX_JOB_ARGS);
      const data = { module, memory, slot };
      if (platform === 'node') {
        const worker = startWorker(NODE_SOURCE, data);
        if (worker === undefined) break;
        this.slots.push({ worker, ctl, args });
        continue;
      }
      try {
        const worker = startWebWorker(WEB_SOURCE, data, `tapegrad kernels ${i + 1}`);
        this.slots.push({ worker, ctl, args });
        starts.push(worker.ready);
      } catch (e) {
        starts.push(Promise.reject(e instanceof Error ? e : new Error(String(e))));
        break;
      }
    }
    this.usable = platform === 'node';
    this.ready = Promise.all(starts).then(
      () => {
        this.usable = this.slots.length > 0;
      },
      (e: Error) => {
        this.failure = e.message;
        this.terminate();
      },
    );
  }

  /** The number of workers taking jobs now. */
  get size(): number {
    return this.usable ? this.slots.length : 0;
  }

  /** Gives worker `i` a job: the export of job code `op` with up to {@link MAX_JOB_ARGS} arguments. */
  post(i: number, op: number, args: readonly number[]): void {
    const slot = this.slots[i]!;
    const { ctl } = slot;
    for (let j = 0; j < args.length; j++) slot.args[j] = args[j]!;
    ctl[2] = op;
    Atomics.add(ctl, 0, 1);
    Atomics.notify(ctl, 0);
  }

  /** Blocks (spinning first, see {@link SPIN_MS}) until worker `i` has finished its last job; throws when the job trapped. */
  wait(i: number): void {
    const { ctl } = this.slots[i]!;
    const target = Atomics.load(ctl, 0);
    const until = performance.now() + SPIN_MS;
    while (Atomics.load(ctl, 1) !== target && performance.now() < until);
    for (;;) {
      const done = Atomics.load(ctl, 1);
      if (done === target) break;
      Atomics.wait(ctl, 1, done);
    }
    if (ctl[3] !== 0) throw new Error(`${THREAD_JOBS[ctl[2]! - 1] ?? 'kernel'}: a worker thread failed (the WebAssembly kernel trapped)`);
  }

  /** Stops every worker. */
  terminate(): void {
    for (let i = 0; i < this.slots.length; i++) this.post(i, JOB_EXIT, []);
    for (const { worker } of this.slots) worker.terminate();
    this.slots.length = 0;
    this.usable = false;
  }
}
