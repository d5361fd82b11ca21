/**
 * The WebAssembly set's BatchNorm and LayerNorm kernels over `[n, c]` rows (`assembly/norm.ts`).
 * BatchNorm's calls on large enough arrays split by ranges of columns over the kernel threads: the
 * kernels take a row stride apart from the column count, so a range `[c0, c0 + cs)` is one call on
 * the operands moved to column c0. Ranges start on a multiple of 64 bytes of data (8 float64 or 16
 * float32 columns, so also of the float64 per-channel vectors, and of the kernels' four-column
 * strips), so every column runs the same strip code as in the whole call and the results equal one
 * thread's bit for bit.
 * @module
 * @internal
 */
import type { FloatArray } from '../../dtype.js';
import type { KernelSet } from '../kernelSet.js';
import { cut, runParts, type Kernel } from './splitJobs.js';

/** The kernel threads, as `runParts` takes them (the set's pool). */
type Workers = Parameters<typeof runParts>[0];
/** The exports of this file that the threads run. */
type NormJob = 'batchNormForwardF32' | 'batchNormForwardF64' | 'batchNormBackwardF32' | 'batchNormBackwardF64';

/** The exports this file calls, each in its f32 and f64 form. */
interface NormExports {
  batchNormForwardF32: Kernel; batchNormForwardF64: Kernel;
  batchNormBackwardF32: Kernel; batchNormBackwardF64: Kernel;
  layerNormForwardF32: Kernel; layerNormForwardF64: Kernel;
  layerNormBackwardF32: Kernel; layerNormBackwardF64: Kernel;
}

/** What the WebAssembly kernel set lends these kernels (see `createWasmKernels`). */
export interface NormCallHelpers {
  /** The instance's exports. */
  readonly exports: object;
  /** The address of `length` elements of `x` from `offset`, copied in unless `x` lives in the heap. */
  input(x: FloatArray, offset: number, length: number): number;
  /** The same for an output (copied back by `copyOutputs`); `copyIn` when the kernel also reads it. */
  output(x: FloatArray, offset: number, length: number, copyIn?: boolean): number;
  /** Copies the call's outputs back. */
  copyOutputs(): void;
  /** Releases the call's scratch, whether or not the kernel returned. */
  endCall(): void;
  /** The workers when a call over `elements` elements is to be split, else null. */
  workers(elements: number): Workers | null;
  /** The threads' job code of an export. */
  jobCode(name: NormJob): number;
}

/**
 * Which of a batch-norm export's arguments move with a range of columns: 'S' an address of data
 * (moved by the data's bytes a column), '8' an address of float64 per-channel values, '' stays.
 * Index 1 is the column count (the range's size); the row stride (index 2) stays.
 */
const FORWARD_COLUMNS = ['', '', '', 'S', '', '', '8', '8', '8', '8', '8', 'S', 'S'] as const;
const BACKWARD_COLUMNS = ['', '', '', 'S', 'S', '8', '', '8', '8', '8', '8', 'S'] as const;

/**
 * A batch-norm call's parts by ranges of columns starting on 64 bytes of data. Kept out of the kernel
 * entries, so that their closures-free bodies allocate nothing when the call is not split.
 */
function columnParts(workers: Workers, c: number, bytes: number, args: readonly number[], moves: readonly string[]): number[][] {
  return cut(c, workers.size + 1, 64 / bytes, (c0, cs) => args.map((value, i) => {
    if (i === 1) return cs;
    const step = moves[i] === 'S' ? bytes : moves[i] === '8' ? 8 : 0;
    return step === 0 || value === 0 ? value : value + c0 * step;
  }));
}

/** The kernels of this file, on a WebAssembly instance. @internal */
export function normWasmKernels(h: NormCallHelpers): Pick<KernelSet, 'batchNormForward' | 'batchNormBackward' | 'layerNormForward' | 'layerNormBackward'> {
  const wasm = h.exports as NormExports;
  const { input, output, copyOutputs, endCall, jobCode } = h;
  const f32 = (x: FloatArray): boolean => x.BYTES_PER_ELEMENT === 4;
  /** The workers for a BatchNorm call over [n, c] of `bytes` each, when it is split (at least two ranges of 64 bytes). */
  const columnWorkers = (n: number, c: number, bytes: number): Workers | null => (c >= 2 * (64 / bytes) ? h.workers(n * c) : null);
  /** An address moved by `columns` columns of `bytes` (0, "none", stays 0). */

  return {
    batchNormForward: (n, c, x, xOffset, training, eps, scale, shift, mean, variance, invStd, xHat, y) => {
      try {
        const stats = training ? output : input;
        const S = x.BYTES_PER_ELEMENT, run = S === 4 ? wasm.batchNormForwardF32 : wasm.batchNormForwardF64;
        const px = input(x, xOffset, n * c), t = training ? 1 : 0, ps = input(scale, 0, c), pb = input(shift, 0, c);
        const pm = stats(mean, 0, c), pv = stats(variance, 0, c), pi = output(invStd, 0, c);
        const ph = xHat === null ? 0 : output(xHat, 0, n * c), py = output(y, 0, n * c);
        const workers = columnWorkers(n, c, S);
        if (workers === null) run(n, c, c, px, t, eps, ps, pb, pm, pv, pi, ph, py);
        else {
          runParts(workers, jobCode(S === 4 ? 'batchNormForwardF32' : 'batchNormForwardF64'), run, columnParts(workers, c, S, [n, c, c, px, t, eps, ps, pb, pm, pv, pi, ph, py], FORWARD_COLUMNS));
        }
        copyOutputs();
      } finally {
        endCall();
      }
    },
    batchNormBackward: (n, c, dy, dyOffset, x, xOffset, mean, training, invStd, scale, sumDy, sumDyXHat, dx) => {
      try {
        const S = dy.BYTES_PER_ELEMENT, run = S === 4 ? wasm.batchNormBackwardF32 : wasm.batchNormBackwardF64;
        const pdy = input(dy, dyOffset, n * c), px = input(x, xOffset, n * c), pm = input(mean, 0, c), t = training ? 1 : 0;
        const pi = input(invStd, 0, c), ps = input(scale, 0, c), pg = output(sumDy, 0, c), ph = output(sumDyXHat, 0, c);
        const pdx = dx === null ? 0 : output(dx, 0, n * c);
        const workers = columnWorkers(n, c, S);
        if (workers === null) run(n, c, c, pdy, px, pm, t, pi, ps, pg, ph, pdx);
        else {
          runParts(workers, jobCode(S === 4 ? 'batchNormBackwardF32' : 'batchNormBackwardF64'), run, columnParts(workers, c, S, [n, c, c, pdy, px, pm, t, pi, ps, pg, ph, pdx], BACKWARD_COLUMNS));
        }
        copyOutputs();
      } finally {
        endCall();
      }
    },
    layerNormForward: (m, d, x, xOffset, eps, scale, shift, xHat, y, invStd) => {
      try {
        (f32(x) ? wasm.layerNormForwardF32 : wasm.layerNormForwardF64)(
          m, d, input(x, xOffset, m * d), eps, input(scale, 0, d), input(shift, 0, d), output(xHat, 0, m * d), output(y, 0, m * d), output(invStd, 0, m),
        );
        copyOutputs();
      } finally {
        endCall();
      }
    },
    layerNormBackward: (m, d, dy, dyOffset, xHat, invStd, scale, dx, dScale, dShift) => {
      try {
        (f32(dy) ? wasm.layerNormBackwardF32 : wasm.layerNormBackwardF64)(
          m, d, input(dy, dyOffset, m * d), input(xHat, 0, m * d), input(invStd, 0, m), input(scale, 0, d),
          dx === null ? 0 : output(dx, 0, m * d), output(dScale, 0, d, true), output(dShift, 0, d, true),
        );
        copyOutputs();
      } finally {
        endCall();
      }
    },
  };
}
