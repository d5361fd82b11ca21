/**
 * The WebAssembly SIMD kernel set: the module built from `packages/core/assembly/`, one shared
 * memory managed by {@link WasmHeap}, and optional worker threads for large GEMMs and for the
 * elementwise kernels (Adam, ReLU and its backward, the bias add, row sums) and BatchNorm
 * (`wasmNormKernels.ts`) on large arrays. Operands that
 * already live in the kernels' memory (buffers from `allocate`) are used in place; others are
 * copied in for the call (and results copied out), which is what "copies included" means in the
 * benchmark.
 *
 * Creating the set fails with an Error saying why where WebAssembly cannot run (no SIMD, a module
 * that does not compile, a shared memory refused, an instantiation that fails); the registry turns
 * that into the TypeScript kernels for `'auto'` and into an error for `'wasm'`.
 * @module
 * @internal
 */
import type { FloatArray } from '../../dtype.js';
import type { KernelSet } from '../kernelSet.js';
import { compileKernels } from './wasmModule.js';
import { WasmHeap } from './wasmHeap.js';
import { KernelThreads, SLOT_WORDS, jobCode, threadPlatform } from './kernelThreads.js';
import { ELEMENT_ALIGN, GEMM_MIN_FLOPS, GEMM_SPLIT_ALIGN, columnRangeParts, elementParts, gemmParts, rowRangeParts, runParts, type Kernel } from './splitJobs.js';
import { noticeOnce } from './notice.js';
import { spatialWasmKernels } from './wasmSpatialKernels.js';
import { normWasmKernels } from './wasmNormKernels.js';

/** Options of {@link createWasmKernels}. */
export interface WasmKernelOptions {
  /** Use the relaxed-SIMD FMA build when the runtime supports it (default true). */
  relaxed?: boolean;
  /**
   * Worker threads for large GEMMs and elementwise kernels besides the calling thread (default 0).
   * Where workers cannot run (a page's main thread, a page that is not cross-origin isolated) the
   * set has none, and a one-time console message says why.
   */
  threads?: number;
  /** Products of at least this many floating-point operations (2·m·n·k) are split over the threads. */
  threadMinFlops?: number;
  /** Adam, ReLU, its backward and the bias add are split over the threads from this many elements on. */
  threadMinElements?: number;
  /** BatchNorm's forward and backward ([n, c]) are split over the threads by ranges of columns from this many elements on. */
  threadMinNormElements?: number;
}

/** The WebAssembly kernel set, with what it is built from (for tests and the benchmark). */
export interface WasmKernelSet extends KernelSet {
  readonly name: 'wasm';
  /** Whether the relaxed-SIMD (FMA) build runs. */
  readonly relaxed: boolean;
  /** The heap (for tests). */
  readonly heap: WasmHeap;
  /**
   * Resolves when the GEMM threads take work: at once under Node (whose workers can be handed jobs
   * before they have started) and without threads; in a browser, when every Web Worker has
   * instantiated the module (or failed to: then `threads` is 0 and a console message says why).
   */
  readonly ready: Promise<void>;
  /** Products split over the threads so far (for tests: a split that did happen). */
  readonly splitProducts: number;
  /** Elementwise and BatchNorm kernel calls split over the threads so far (for tests). */
  readonly splitElementwise: number;
  /** Stops the worker threads. */
  dispose(): void;
}

/** The module's exports, each kernel in its f32 and f64 form. */
interface Exports {
  gemmWorkspaceBytes: (elementBytes: number) => number;
  gemmF32: Kernel; gemmF64: Kernel;
  adamF32: Kernel; adamF64: Kernel;
  reluF32: Kernel; reluF64: Kernel;
  reluBackwardF32: Kernel; reluBackwardF64: Kernel;
  addRowVectorF32: Kernel; addRowVectorF64: Kernel;
  sumRowsF32: Kernel; sumRowsF64: Kernel;
}

/** Elementwise kernels run at memory speed: splitting pays past the wake-up from here on (W1: its first weights' Adam only). */
const DEFAULT_THREAD_MIN_ELEMENTS = 1 << 18;
/** Up to this many worker slots fit in the reserved bytes. */
const MAX_THREADS = 15;
/** BatchNorm's split by ranges of columns lost at M1's 50,000 elements and gained from about twice that (bench/README, "BatchNorm on the kernel threads"). */
const DEFAULT_THREAD_MIN_NORM_ELEMENTS = 1 << 16;

/** The shared memory, or an Error saying why it could not be made. */
function sharedHeap(reserved: number): WasmHeap {
  try {
    return new WasmHeap(reserved);
  } catch (e) {
    throw new Error(`a shared WebAssembly.Memory was refused (${String(e)}); most browsers allow one only on cross-origin isolated pages (served with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)`, { cause: e });
  }
}

/**
 * Instantiates the WebAssembly kernels.
 * @throws Error saying why where they cannot run: no WebAssembly SIMD, a module that does not
 * compile, a shared WebAssembly.Memory refused, an instantiation that fails.
 * @internal
 */
export function createWasmKernels(opts: WasmKernelOptions = {}): WasmKernelSet {
  const compiled = compileKernels(opts.relaxed ?? true);
  const asked = Math.max(0, Math.min(MAX_THREADS, Math.floor(opts.threads ?? 0)));
  const threadMinFlops = opts.threadMinFlops ?? GEMM_MIN_FLOPS;
  const threadMinElements = opts.threadMinElements ?? DEFAULT_THREAD_MIN_ELEMENTS;
  const threadMinNormElements = opts.threadMinNormElements ?? DEFAULT_THREAD_MIN_NORM_ELEMENTS;
  const reserved = (MAX_THREADS + 1) * SLOT_WORDS * 4;
  const heap = sharedHeap(reserved);
  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(compiled.module, {
      env: { memory: heap.memory, abort: () => { throw new Error('tapegrad: a WebAssembly kernel aborted'); } },
    });
  } catch (e) {
    throw new Error(`instantiating the WebAssembly module failed (${String(e)})`, { cause: e });
  }
  const wasm = instance.exports as unknown as Exports;
  // slot 0's job counter is 0 here: a wait for 1 returns at once where waiting is allowed
  const platform = asked > 0 ? threadPlatform(new Int32Array(heap.memory.buffer, 0, 1)) : null;
  const threadCount = platform?.kind === 'none' ? 0 : asked;
  let threadNote = platform?.kind === 'none' ? `GEMM runs without worker threads: ${platform.reason}` : '';
  if (threadNote) noticeOnce(`tapegrad: ${threadNote}`);
  let splitProducts = 0, splitElementwise = 0;
  const workspaceBytes = wasm.gemmWorkspaceBytes(8);
  /** Packing workspace per thread (index 0: the calling thread), allocated on first use. */
  const workspaces: number[] = [];
  const workspace = (i: number): number => (workspaces[i] ??= heap.alloc(workspaceBytes));
  let threads: KernelThreads | null = null;
  const pool = (): KernelThreads => (threads ??= new KernelThreads(compiled.module, heap.memory, SLOT_WORDS * 4, threadCount, platform?.kind === 'web' ? 'web' : 'node'));
  // Node's workers start at the first product that is split; Web Workers now, since a browser may
  // start a worker only once the thread that made it returns to its event loop
  let ready = Promise.resolve();
  if (platform?.kind === 'web' && threadCount > 0) {
    const started = pool();
    ready = started.ready.then(() => {
      if (started.failure === null) return;
      threadNote = `GEMM runs without worker threads: the Web Workers failed to start (${started.failure})`;
      noticeOnce(`tapegrad: ${threadNote}`);
    });
  }

  // Operands that are not views of the heap are copied into a scratch block for the call (a bump
  // allocator: everything a call takes is given back when it returns); outputs among them are copied
  // back when the kernel returns. The block is kept between calls and grown when a call needs more.
  let scratch = 0, scratchSize = 0, scratchUsed = 0;
  /** Blocks taken when the scratch block was full (given back, and the scratch block grown, by `finish`). */
  const overflow: number[] = [];
  let overflowBytes = 0;
  const take = (bytes: number): number => {
    const size = Math.ceil(bytes / 64) * 64;
    if (scratchUsed + size <= scratchSize) {
      const ptr = scratch + scratchUsed;
      scratchUsed += size;
      return ptr;
    }
    const ptr = heap.alloc(size);
    overflow.push(ptr);
    overflowBytes += size;
    return ptr;
  };
  /**
   * The running call's outputs that live outside the heap, to copy back: the first `outputCount`
   * records, which are kept and refilled from call to call.
   */
  const outputs: { x: FloatArray; offset: number; ptr: number; length: number }[] = [];
  let outputCount = 0;
  const NO_ARRAY = new Float32Array(0);
  /** The byte address of `length` elements of `x` from `offset` (not in the heap: at `ptr`): a copy, when `copyIn`. */
  const copied = (x: FloatArray, offset: number, length: number, copyIn: boolean): number => {
    const S = x.BYTES_PER_ELEMENT as 4 | 8;
    const ptr = take(length * S);
    if (!copyIn || length === 0) return ptr;
    const whole = heap.whole(S), at = ptr / S;
    // a short array element by element (as copyOutputs): a subarray view would cost more than the copy
    if (length < 1024) for (let j = 0; j < length; j++) whole[at + j] = x[offset + j]!;
    else whole.set(offset === 0 && length === x.length ? x : x.subarray(offset, offset + length), at);
    return ptr;
  };
  /** The byte address of `length` elements of `x` from `offset`: in place, or a copy. */
  const input = (x: FloatArray, offset: number, length: number): number => {
    const at = heap.addressOf(x);
    return at >= 0 ? at + offset * x.BYTES_PER_ELEMENT : copied(x, offset, length, true);
  };
  /** An output's address; `copyIn` when the kernel reads it too (or must leave parts of it as they are). */
  const output = (x: FloatArray, offset: number, length: number, copyIn = false): number => {
    const at = heap.addressOf(x);
    if (at >= 0) return at + offset * x.BYTES_PER_ELEMENT;
    const ptr = copied(x, offset, length, copyIn);
    const o = (outputs[outputCount] ??= { x, offset, ptr, length });
    o.x = x;
    o.offset = offset;
    o.ptr = ptr;
    o.length = length;
    outputCount++;
    return ptr;
  };
  /** Copies the outputs back: a kernel's last step when it returns. */
  const copyOutputs = (): void => {
    for (let i = 0; i < outputCount; i++) {
      const { x, offset, ptr, length } = outputs[i]!;
      const from = ptr / x.BYTES_PER_ELEMENT, whole = heap.whole(x.BYTES_PER_ELEMENT as 4 | 8);
      // a short array element by element: a subarray view would cost more than the copy
      if (length < 1024) for (let j = 0; j < length; j++) x[offset + j] = whole[from + j]!;
      else x.set(whole.subarray(from, from + length), offset);
    }
  };
  /** Releases the call's blocks and forgets its outputs, whether or not the kernel returned. */
  const endCall = (): void => {
    for (let i = 0; i < outputCount; i++) outputs[i]!.x = NO_ARRAY;
    outputCount = 0;
    if (overflow.length > 0) {
      for (const ptr of overflow) heap.release(ptr);
      overflow.length = 0;
      if (scratchSize > 0) heap.release(scratch);
      scratchSize += overflowBytes;
      scratch = heap.alloc(scratchSize);
      overflowBytes = 0;
    }
    scratchUsed = 0;
  };
  /**
   * Runs `body` (which takes addresses with input/output), copies the outputs back and ends the call.
   * The kernels of this file write that out themselves (`try { …; copyOutputs(); } finally { endCall(); }`):
   * a closure per call, with a context holding the call's arguments, was most of the garbage that a
   * small training step's many kernel calls made.
   */
  const call = (body: () => void): void => {
    try {
      body();
      copyOutputs();
    } finally {
      endCall();
    }
  };

  /** The workers when a call over `elements` elements is to be split (from `min` elements on), else null. */
  const elementwiseWorkers = (elements: number, min = threadMinElements): KernelThreads | null => {
    if (threadCount === 0 || elements < min || elements < 2 * ELEMENT_ALIGN) return null;
    const workers = pool();
    if (workers.size === 0) return null;
    splitElementwise++;
    return workers;
  };

  const gemm: KernelSet['gemm'] = (transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, accumulate) => {
    try {
      const S = a.BYTES_PER_ELEMENT;
      const aSpan = k === 0 ? 0 : (transA ? k - 1 : m - 1) * lda + (transA ? m : k);
      const bSpan = k === 0 ? 0 : (transB ? n - 1 : k - 1) * ldb + (transB ? k : n);
      const pa = input(a, aOffset, aSpan);
      const pb = input(b, bOffset, bSpan);
      // C's span includes the gaps between rows when ldc > n: copy it in so they come back unchanged
      const pc = output(c, cOffset, (m - 1) * ldc + n, accumulate || ldc !== n);
      const tA = transA ? 1 : 0, tB = transB ? 1 : 0, acc = accumulate ? 1 : 0;
      const flops = 2 * m * n * k, kernel = S === 4 ? wasm.gemmF32 : wasm.gemmF64;
      const workers = threadCount > 0 && flops >= threadMinFlops ? pool() : null;
      if (workers === null || workers.size === 0) kernel(tA, tB, m, n, k, pa, lda, pb, ldb, pc, ldc, acc, workspace(0));
      else {
        splitProducts++;
        runParts(workers, jobCode(S === 4 ? 'gemmF32' : 'gemmF64'), kernel, gemmParts(workers.size + 1, GEMM_SPLIT_ALIGN, S, [tA, tB, m, n, k, pa, lda, pb, ldb, pc, ldc, acc], workspace));
      }
      copyOutputs();
    } finally {
      endCall();
    }
  };

  const adamUpdate: KernelSet['adamUpdate'] = (n, p, pOffset, g, gOffset, m, v, vMax, s) => {
    try {
      const pp = output(p, pOffset, n, true);
      const pg = input(g, gOffset, n);
      const pm = output(m, 0, n, true), pv = output(v, 0, n, true);
      const pmax = vMax === null ? 0 : output(vMax, 0, n, true);
      const S = p.BYTES_PER_ELEMENT, run = S === 4 ? wasm.adamF32 : wasm.adamF64;
      const workers = elementwiseWorkers(n);
      if (workers === null) run(n, pp, pg, pm, pv, pmax, s.beta1, s.beta2, s.stepSize, s.bc2Sqrt, s.eps, s.l2, s.shrink);
      else {
        const parts = elementParts(n, workers.size + 1, S, [pp, pg, pm, pv, pmax], [s.beta1, s.beta2, s.stepSize, s.bc2Sqrt, s.eps, s.l2, s.shrink]);
        runParts(workers, jobCode(S === 4 ? 'adamF32' : 'adamF64'), run, parts);
      }
      copyOutputs();
    } finally {
      endCall();
    }
  };

  return {
    name: 'wasm',
    relaxed: compiled.relaxed,
    heap,
    ready,
    get threads() {
      return (threads?.failure ?? null) === null ? threadCount : 0;
    },
    get reason() {
      const build = compiled.relaxed ? 'the relaxed-SIMD FMA build' : 'the multiply-and-add build';
      return `WebAssembly SIMD runs here (${build})${threadNote ? `; ${threadNote}` : ''}`;
    },
    get splitProducts() {
      return splitProducts;
    },
    get splitElementwise() {
      return splitElementwise;
    },
    gemm,
    adamUpdate,
    addRowVector: (rows, cols, y, yOffset, bias, biasOffset) => {
      try {
        const py = output(y, yOffset, rows * cols, true), pbias = input(bias, biasOffset, cols);
        const S = y.BYTES_PER_ELEMENT, run = S === 4 ? wasm.addRowVectorF32 : wasm.addRowVectorF64;
        const workers = rows > 1 ? elementwiseWorkers(rows * cols) : null;
        if (workers === null) run(rows, cols, py, pbias);
        else runParts(workers, jobCode(S === 4 ? 'addRowVectorF32' : 'addRowVectorF64'), run, rowRangeParts(workers.size + 1, rows, cols, S, py, pbias));
        copyOutputs();
      } finally {
        endCall();
      }
    },
    sumRows: (rows, cols, x, xOffset, out) => {
      try {
        const px = input(x, xOffset, rows * cols), pout = output(out, 0, cols);
        const S = x.BYTES_PER_ELEMENT, run = S === 4 ? wasm.sumRowsF32 : wasm.sumRowsF64;
        // split by strips of columns (each column's sum is the one-thread one)
        const workers = cols >= 2 * ELEMENT_ALIGN ? elementwiseWorkers(rows * cols) : null;
        if (workers === null) run(rows, cols, cols, px, pout);
        else runParts(workers, jobCode(S === 4 ? 'sumRowsF32' : 'sumRowsF64'), run, columnRangeParts(workers.size + 1, rows, cols, S, px, pout));
        copyOutputs();
      } finally {
        endCall();
      }
    },
    relu: (n, x, xOffset, y, yOffset) => {
      try {
        const px = input(x, xOffset, n), py = output(y, yOffset, n);
        const S = x.BYTES_PER_ELEMENT, run = S === 4 ? wasm.reluF32 : wasm.reluF64;
        const workers = elementwiseWorkers(n);
        if (workers === null) run(n, px, py);
        else runParts(workers, jobCode(S === 4 ? 'reluF32' : 'reluF64'), run, elementParts(n, workers.size + 1, S, [px, py]));
        copyOutputs();
      } finally {
        endCall();
      }
    },
    reluBackward: (n, y, yOffset, dy, dyOffset, dx, dxOffset) => {
      try {
        const py = input(y, yOffset, n), pdy = input(dy, dyOffset, n), pdx = output(dx, dxOffset, n);
        const S = y.BYTES_PER_ELEMENT, run = S === 4 ? wasm.reluBackwardF32 : wasm.reluBackwardF64;
        const workers = elementwiseWorkers(n);
        if (workers === null) run(n, py, pdy, pdx);
        else runParts(workers, jobCode(S === 4 ? 'reluBackwardF32' : 'reluBackwardF64'), run, elementParts(n, workers.size + 1, S, [py, pdy, pdx]));
        copyOutputs();
      } finally {
        endCall();
      }
    },
    ...normWasmKernels({ exports: instance.exports, input, output, copyOutputs, endCall, jobCode, workers: (elements) => elementwiseWorkers(elements, threadMinNormElements) }),
    ...spatialWasmKernels({ exports: instance.exports, heap, call, input, output, take }),
    allocate: (dtype, length) => heap.allocateView(dtype === 'float32' ? 4 : 8, length),
    dispose: () => {
      threads?.terminate();
      threads = null;
    },
  };
}
