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
import type { NdArray } from '../dtype.js';
import { splitAround } from './reduce.js';

/** Calls `fn(start, stride, n)` for every line along `dim` of a contiguous array of `shape`. */
function forEachLine(shape: readonly number[], dim: number, fn: (start: number, stride: number, n: number) => void): void {
  const [outer, reduced, inner] = splitAround(shape, dim, dim);
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) fn(o * reduced * inner + i, inner, reduced);
}

/** softmax (log = false) or log-softmax (log = true) of `x` along `dim`. */
export function softmaxAlong(x: NdArray, dim: number, log: boolean): NdArray {
  const c = toContiguous(x);
  const src = c.data;
  const base = c.offset;
  const out = createNd(dtypeOf(x), x.shape, false); // every line is written whole
  const dst = out.data;
  forEachLine(x.shape, dim, (start, stride, n) => {
    let m = -Infinity;
    for (let r = 0, k = start; r < n; r++, k += stride) if (src[base + k]! > m) m = src[base + k]!;
    if (m === -Infinity || m !== m) m = 0;
    let total = 0;
    for (let r = 0, k = start; r < n; r++, k += stride) total += fdlibmExp(src[base + k]! - m);
    if (log) {
      const shift = m + fdlibmLog(total);
      for (let r = 0, k = start; r < n; r++, k += stride) dst[k] = src[base + k]! - shift;
    } else {
      for (let r = 0, k = start; r < n; r++, k += stride) dst[k] = fdlibmExp(src[base + k]! - m) / total;
    }
  });
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
  const yv = yc.data, g = gc.data, dst = out.data;
  const yo = yc.offset, go = gc.offset;
  forEachLine(y.shape, dim, (start, stride, n) => {
    let dot = 0;
    for (let r = 0, k = start; r < n; r++, k += stride) dot += log ? g[go + k]! : g[go + k]! * yv[yo + k]!;
    for (let r = 0, k = start; r < n; r++, k += stride) {
      dst[k] = log ? g[go + k]! - fdlibmExp(yv[yo + k]!) * dot : yv[yo + k]! * (g[go + k]! - dot);
    }
  });
  return out;
}
