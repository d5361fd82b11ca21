/**
 * Worker threads for the WebAssembly GEMM: each worker instantiates the same module on the same
 * shared memory and waits on its slot of a control block; the calling thread writes a job (the
 * arguments of `gemmF32`/`gemmF64` for a slice of C) into the slot, wakes the worker with
 * `Atomics.notify`, computes its own slice, then waits for the worker's done counter. No messages,
 * no copies: operands, packing buffers and C are all in the shared memory.
 *
 * The workers are Node's worker threads under Node and Web Workers in a browser (the module and the
 * memory are posted to them once); {@link threadPlatform} makes that choice, the one place it is made.
 * @module
 * @internal
 */
import { availableParallelism, hasWorkerThreads, runsOnNode, startWorker, type KernelWorker } from './nodePlatform.js';
import { hardwareConcurrency, startWebWorker, webThreadEnvironment, webThreadsUnavailable } from './webPlatform.js';

/** Int32 words per worker slot: [0] job counter, [1] done counter, [2] op, [3..15] arguments, [16] error flag. */
export const SLOT_WORDS = 32;
/** Job codes. */
export const JOB_GEMM_F32 = 1;
export const JOB_GEMM_F64 = 2;
const JOB_EXIT = 0;

/**
 * The worker's loop, shared by both platforms: instantiate, call `ready()`, then wait on the slot
 * for jobs. A job posted before the worker started is seen at its first wait (the job counter is no
 * longer 0), so Node's workers can be handed work at once.
 */
const RUN = `
function run(module, memory, slot, ready) {
  const instance = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('wasm abort'); } } });
  const { gemmF32, gemmF64 } = instance.exports;
  const ctl = new Int32Array(memory.buffer, slot, ${SLOT_WORDS});
  ready();
  let seen = 0;
  for (;;) {
    Atomics.wait(ctl, 0, seen);
    seen = Atomics.load(ctl, 0);
    const op = ctl[2];
    if (op === ${JOB_EXIT}) break;
    try {
      const f = op === ${JOB_GEMM_F32} ? gemmF32 : gemmF64;
      f(ctl[3], ctl[4], ctl[5], ctl[6], ctl[7], ctl[8], ctl[9], ctl[10], ctl[11], ctl[12], ctl[13], ctl[14], ctl[15]);
      ctl[16] = 0;
    } catch (e) {
      ctl[16] = 1;
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

/** Where GEMM's workers come from here, or why there are none. */
export type ThreadPlatform = { readonly kind: 'node' | 'web' } | { readonly kind: 'none'; readonly reason: string };

/**
 * How GEMM threads start in this realm: Node's worker threads under Node (20.16+), Web Workers in a
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
}

/**
 * A fixed set of GEMM workers on one module and memory. `post` hands a worker a job, `wait` blocks
 * (Atomics.wait) until it is done. Node's workers take jobs at once; Web Workers only once they all
 * answered that they are ready (`ready`): until then `size` is 0 and products run on the calling
 * thread, which cannot wait for a worker that needs its event loop to start.
 * @internal
 */
export class GemmThreads {
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
      const data = { module, memory, slot };
      if (platform === 'node') {
        const worker = startWorker(NODE_SOURCE, data);
        if (worker === undefined) break;
        this.slots.push({ worker, ctl });
        continue;
      }
      try {
        const worker = startWebWorker(WEB_SOURCE, data, `tapegrad gemm ${i + 1}`);
        this.slots.push({ worker, ctl });
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

  /** Gives worker `i` a job: `op` with up to 13 int32 arguments. */
  post(i: number, op: number, args: readonly number[]): void {
    const { ctl } = this.slots[i]!;
    for (let j = 0; j < args.length; j++) ctl[3 + j] = args[j]!;
    ctl[2] = op;
    Atomics.add(ctl, 0, 1);
    Atomics.notify(ctl, 0);
  }

  /** Blocks until worker `i` has finished its last job; throws when the job trapped. */
  wait(i: number): void {
    const { ctl } = this.slots[i]!;
    const target = Atomics.load(ctl, 0);
    for (;;) {
      const done = Atomics.load(ctl, 1);
      if (done === target) break;
      Atomics.wait(ctl, 1, done);
    }
    if (ctl[16] !== 0) throw new Error('gemm: a worker thread failed (the WebAssembly kernel trapped)');
  }

  /** Stops every worker. */
  terminate(): void {
    for (let i = 0; i < this.slots.length; i++) this.post(i, JOB_EXIT, []);
    for (const { worker } of this.slots) worker.terminate();
    this.slots.length = 0;
    this.usable = false;
  }
}
