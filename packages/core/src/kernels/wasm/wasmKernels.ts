/**
 * The WebAssembly SIMD kernel set: the module built from `packages/core/assembly/`, one shared
 * memory managed by {@link WasmHeap}, and optional worker threads for large GEMMs. Operands that
 * already live in the kernels' memory (buffers from `allocate`) are used in place; others are
 * copied in for the call (and results copied out), which is what "copies included" means in the
 * benchmark.
 * @module
 * @internal
 */
import type { FloatArray } from '../../dtype.js';
import type { AdamStep, KernelSet } from '../kernelSet.js';
import { compileKernels } from './wasmModule.js';
import { WasmHeap } from './wasmHeap.js';
import { GemmThreads, JOB_GEMM_F32, JOB_GEMM_F64, SLOT_WORDS } from './gemmThreads.js';
import { adamUpdateJs, addRowVectorJs, reluBackwardJs, reluJs, sumRowsJs } from '../pointwiseJs.js';
import { batchNormBackwardJs, batchNormForwardJs, layerNormBackwardJs, layerNormForwardJs } from '../normJs.js';

/** Options of {@link createWasmKernels}. */
export interface WasmKernelOptions {
  /** Use the relaxed-SIMD FMA build when the runtime supports it (default true). */
  relaxed?: boolean;
  /** Worker threads for large GEMMs besides the calling thread (default 0). */
  threads?: number;
  /** Products of at least this many floating-point operations (2·m·n·k) are split over the threads. */
  threadMinFlops?: number;
}

/** The WebAssembly kernel set, with what it is built from (for tests and the benchmark). */
export interface WasmKernelSet extends KernelSet {
  readonly name: 'wasm';
  /** Whether the relaxed-SIMD (FMA) build runs. */
  readonly relaxed: boolean;
  /** The heap (for tests). */
  readonly heap: WasmHeap;
  /** Stops the worker threads. */
  dispose(): void;
}

interface Exports {
  gemmF32: (...args: number[]) => void;
  gemmF64: (...args: number[]) => void;
  gemmWorkspaceBytes: (elementBytes: number) => number;
}

/** Splitting a product over threads costs tens of microseconds of wake-up: worth it from here on. */
const DEFAULT_THREAD_MIN_FLOPS = 4e6;
/** Columns of C per B panel (f32: 8, f64: 4); thread slices start on a multiple of 8. */
const SLICE_ALIGN = 8;
/** Up to this many worker slots fit in the reserved bytes. */
const MAX_THREADS = 15;

/**
 * Instantiates the WebAssembly kernels; null when the runtime has no WebAssembly SIMD.
 * @internal
 */
export function createWasmKernels(opts: WasmKernelOptions = {}): WasmKernelSet | null {
  const compiled = compileKernels(opts.relaxed ?? true);
  if (compiled === null) return null;
  const threadCount = Math.max(0, Math.min(MAX_THREADS, Math.floor(opts.threads ?? 0)));
  const threadMinFlops = opts.threadMinFlops ?? DEFAULT_THREAD_MIN_FLOPS;
  const reserved = (MAX_THREADS + 1) * SLOT_WORDS * 4;
  const heap = new WasmHeap(reserved);
  const instance = new WebAssembly.Instance(compiled.module, {
    env: { memory: heap.memory, abort: () => { throw new Error('tapegrad: a WebAssembly kernel aborted'); } },
  });
  const wasm = instance.exports as unknown as Exports;
  const workspaceBytes = wasm.gemmWorkspaceBytes(8);
  /** Packing workspace per thread (index 0: the calling thread), allocated on first use. */
  const workspaces: number[] = [];
  const workspace = (i: number): number => (workspaces[i] ??= heap.alloc(workspaceBytes));
  let threads: GemmThreads | null = null;
  const pool = (): GemmThreads => (threads ??= new GemmThreads(compiled.module, heap.memory, SLOT_WORDS * 4, threadCount));

  /** Blocks taken for one call's copies, given back at its end. */
  const temporaries: number[] = [];
  /** The byte address of `length` elements of `x` from `offset`: in place, or a copy (when `copyIn`). */
  const address = (x: FloatArray, offset: number, length: number, copyIn: boolean): number => {
    if (heap.owns(x)) return x.byteOffset + offset * x.BYTES_PER_ELEMENT;
    const ptr = heap.alloc(length * x.BYTES_PER_ELEMENT);
    temporaries.push(ptr);
    if (copyIn && length > 0) heap.view(x.BYTES_PER_ELEMENT as 4 | 8, ptr, length).set(x.subarray(offset, offset + length));
    return ptr;
  };
  const releaseTemporaries = (): void => {
    for (const ptr of temporaries) heap.release(ptr);
    temporaries.length = 0;
  };

  const gemm: KernelSet['gemm'] = (transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, accumulate) => {
    const S = a.BYTES_PER_ELEMENT as 4 | 8;
    const aSpan = k === 0 ? 0 : (transA ? k - 1 : m - 1) * lda + (transA ? m : k);
    const bSpan = k === 0 ? 0 : (transB ? n - 1 : k - 1) * ldb + (transB ? k : n);
    const cSpan = (m - 1) * ldc + n;
    try {
      const pa = address(a, aOffset, aSpan, true);
      const pb = address(b, bOffset, bSpan, true);
      const cOwned = heap.owns(c);
      const pc = address(c, cOffset, cSpan, accumulate || ldc !== n);
      const op = S === 4 ? JOB_GEMM_F32 : JOB_GEMM_F64;
      const run = S === 4 ? wasm.gemmF32 : wasm.gemmF64;
      const tA = transA ? 1 : 0, tB = transB ? 1 : 0, acc = accumulate ? 1 : 0;
      const workers = threadCount > 0 && 2 * m * n * k >= threadMinFlops ? pool() : null;
      const parts = workers === null ? 1 : workers.size + 1;
      if (parts === 1) {
        run(tA, tB, m, n, k, pa, lda, pb, ldb, pc, ldc, acc, workspace(0));
      } else {
        // slices of C's columns (or rows, when C is taller than wide), the calling thread takes the first
        const byColumns = n >= m;
        const extent = byColumns ? n : m;
        const step = Math.ceil(extent / parts / SLICE_ALIGN) * SLICE_ALIGN;
        const slices: [number, number][] = [];
        for (let start = 0; start < extent; start += step) slices.push([start, Math.min(step, extent - start)]);
        const jobs = slices.map(([start, size]) => byColumns
          ? [tA, tB, m, size, k, pa, lda, pb + start * (transB ? ldb : 1) * S, ldb, pc + start * S, ldc, acc]
          : [tA, tB, size, n, k, pa + start * (transA ? 1 : lda) * S, lda, pb, ldb, pc + start * ldc * S, ldc, acc]);
        for (let i = 1; i < jobs.length; i++) workers!.post(i - 1, op, [...jobs[i]!, workspace(i)]);
        run(...jobs[0]!, workspace(0));
        for (let i = 1; i < jobs.length; i++) workers!.wait(i - 1);
      }
      if (!cOwned) c.set(heap.view(S, pc, cSpan), cOffset);
    } finally {
      releaseTemporaries();
    }
  };

  return {
    name: 'wasm',
    relaxed: compiled.relaxed,
    heap,
    get threads() {
      return threadCount;
    },
    gemm,
    addRowVector: addRowVectorJs,
    sumRows: sumRowsJs,
    relu: reluJs,
    reluBackward: reluBackwardJs,
    batchNormForward: batchNormForwardJs,
    batchNormBackward: batchNormBackwardJs,
    layerNormForward: layerNormForwardJs,
    layerNormBackward: layerNormBackwardJs,
    adamUpdate: (n: number, p: FloatArray, po: number, g: FloatArray, go: number, m: FloatArray, v: FloatArray, vMax: FloatArray | null, s: AdamStep) =>
      adamUpdateJs(n, p, po, g, go, m, v, vMax, s),
    allocate: (dtype, length) => heap.allocateView(dtype === 'float32' ? 4 : 8, length),
    dispose: () => {
      threads?.terminate();
      threads = null;
    },
  };
}
