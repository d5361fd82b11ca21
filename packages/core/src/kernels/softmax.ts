/**
 * Softmax and log-softmax along one dim of a contiguous array seen as [outer, reduced, inner],
 * computed stably (the maximum is subtracted first), with their backward passes. Exp and log are
 * core's fdlibm ports (math/), not Math.exp / Math.log, whose last bit differs between engines: so a
 * loss is the same number in a browser as in Node (Node's bits: the ports equal its Math functions).
 * @module
 * @internal
 */
import { fdlibmExp } from '../math/fdlibmExp.js';
import { fdlibmLog } from '../math/fdlibmLog.js';
import { createNd, dtypeOf, toContiguous } from './layout.js';
import type { NdArray, TypedArray } from '../dtype.js';
import { splitAround } from './reduce.js';

/** softmax (log = false) or log-softmax (log = true) of `x` along `dim`. */
export function softmaxAlong(x: NdArray, dim: number, log: boolean): NdArray {
  const c = toContiguous(x);
  const out = createNd(dtypeOf(x), x.shape, false); // every line is written whole
  const parts = splitAround(x.shape, dim, dim);
  const outer = parts[0], n = parts[1], inner = parts[2];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const start = o * n * inner + i;
      softmaxLine(c.data, c.offset + start, out.data, start, inner, n, log);
    }
  }
  return out;
}

/**
 * The input gradient of softmax (log = false): y·(dy - Σ dy·y), or of log-softmax (log = true):
 * dy - softmax·Σ dy, where `y` is the forward's output.
 */
export function softmaxBackwardAlong(y: NdArray, dy: NdArray, dim: number, log: boolean): NdArray {
  const yc = toContiguous(y);
  const gc = toContiguous(dy);
  const out = createNd(dtypeOf(y), y.shape, false); // every line is written whole
  const parts = splitAround(y.shape, dim, dim);
  const outer = parts[0], n = parts[1], inner = parts[2];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const start = o * n * inner + i;
      softmaxBackwardLine(yc.data, yc.offset + start, gc.data, gc.offset + start, out.data, start, inner, n, log);
    }
  }
  return out;
}

// The kernels of one line (n elements `stride` apart, from its own start in each array) are plain functions
// called per line, not closures made per call: a closure made anew on every call is optimized
// anew, and as an argument of a shared loop it is not inlined, so the exp it calls is not either,
// and every element's double then goes into and out of that call as a heap object. Each calls exp
// at one place only: the engine inlines a function of exp's size once per caller, not twice.

/** The exponentials of the line softmaxLine works on, kept in float64 between its two passes (as long as the longest line yet). */
let exps = new Float64Array(64);

/** The largest of a line's n elements (`stride` apart from `s`), or 0 when it is −∞ or NaN: the softmaxes' shift. */
function lineMax(src: ArrayLike<number>, s: number, stride: number, n: number): number {
  let m = -Infinity;
  for (let r = 0, k = 0; r < n; r++, k += stride) if (src[s + k]! > m) m = src[s + k]!;
  return m === -Infinity || m !== m ? 0 : m;
}

/**
 * The log-softmax's shift of a line of n elements `stride` apart from `s`: m + log Σ exp(x − m), m
 * its largest element, so that x − shift is its log-softmax, bit for bit as `logSoftmax` computes
 * it (nn's fused cross-entropy keeps it per row for its backward).
 * @internal
 */
export function logSoftmaxShift(src: ArrayLike<number>, s: number, stride: number, n: number): number {
  const m = lineMax(src, s, stride, n);
  let total = 0;
  for (let r = 0, k = 0; r < n; r++, k += stride) total += fdlibmExp(src[s + k]! - m);
  return m + fdlibmLog(total);
}

/** One line of softmaxAlong: `dst` = softmax or log-softmax of `src` (from `s` and `d`). */
function softmaxLine(src: TypedArray, s: number, dst: TypedArray, d: number, stride: number, n: number, log: boolean): void {
  if (log) {
    const shift = logSoftmaxShift(src, s, stride, n);
    for (let r = 0, k = 0; r < n; r++, k += stride) dst[d + k] = src[s + k]! - shift;
    return;
  }
  if (exps.length < n) exps = new Float64Array(Math.max(n, 2 * exps.length));
  const e = exps;
  const m = lineMax(src, s, stride, n);
  let total = 0;
  for (let r = 0, k = 0; r < n; r++, k += stride) {
    e[r] = fdlibmExp(src[s + k]! - m);
    total += e[r]!;
  }
  for (let r = 0, k = 0; r < n; r++, k += stride) dst[d + k] = e[r]! / total;
}

/** One line of softmaxBackwardAlong: `dst` = the input gradient, from `y` (from `yo`) and `g` = dy (from `go`). */
function softmaxBackwardLine(
  y: TypedArray, yo: number, g: TypedArray, go: number, dst: TypedArray, d: number, stride: number, n: number, log: boolean,
): void {
  let dot = 0;
  for (let r = 0, k = 0; r < n; r++, k += stride) dot += log ? g[go + k]! : g[go + k]! * y[yo + k]!;
  for (let r = 0, k = 0; r < n; r++, k += stride) {
    dst[d + k] = log ? g[go + k]! - fdlibmExp(y[yo + k]!) * dot : y[yo + k]! * (g[go + k]! - dot);
  }
}
