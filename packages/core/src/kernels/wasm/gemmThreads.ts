/**
 * Worker threads for the WebAssembly GEMM: each worker instantiates the same module on the same
 * shared memory and waits on its slot of a control block; the calling thread writes a job (the
 * arguments of `gemmF32`/`gemmF64` for a slice of C) into the slot, wakes the worker with
 * `Atomics.notify`, computes its own slice, then waits for the worker's done counter. No messages,
 * no copies: operands, packing buffers and C are all in the shared memory.
 * @module
 * @internal
 */
import { startWorker, type KernelWorker } from './nodePlatform.js';

/** Int32 words per worker slot: [0] job counter, [1] done counter, [2] op, [3..15] arguments, [16] error flag. */
export const SLOT_WORDS = 32;
/** Job codes. */
export const JOB_GEMM_F32 = 1;
export const JOB_GEMM_F64 = 2;
const JOB_EXIT = 0;

/** The worker's script (CommonJS, run with `eval`): instantiate, then loop on the slot. */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, slot } = workerData;
const instance = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('wasm abort'); } } });
const { gemmF32, gemmF64 } = instance.exports;
const ctl = new Int32Array(memory.buffer, slot, ${SLOT_WORDS});
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
`;

/** One worker and its slot. */
interface Slot {
  worker: KernelWorker;
  ctl: Int32Array;
}

/**
 * A fixed set of GEMM workers on one module and memory. `post` hands a worker a job, `wait` blocks
 * (Atomics.wait) until it is done.
 * @internal
 */
export class GemmThreads {
  private readonly slots: Slot[] = [];

  /**
   * Starts `count` workers whose slots are at `slotAddress + i·SLOT_WORDS·4`; fewer (possibly none)
   * when worker threads are not available.
   */
  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, slotAddress: number, count: number) {
    for (let i = 0; i < count; i++) {
      const slot = slotAddress + i * SLOT_WORDS * 4;
      const ctl = new Int32Array(memory.buffer, slot, SLOT_WORDS);
      ctl.fill(0);
      const worker = startWorker(WORKER_SOURCE, { module, memory, slot });
      if (worker === undefined) break;
      this.slots.push({ worker, ctl });
    }
  }

  /** The number of running workers. */
  get size(): number {
    return this.slots.length;
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
  }
}
