/**
 * numpy's `x.mean(axis)` and `x.std(axis)` of a 2-D array, summed in numpy's order (rows one after
 * another along axis 0; numpy's pairwise summation along the contiguous axis 1), so that the last
 * digits the notebook printed come out the same.
 * @module
 */
import type { Tensor } from '@tapegrad/core';

/** numpy's pairwise_sum of `n` values at `a[at], a[at + stride], ...` (blocks of 8, split above 128). */
function pairwiseSum(a: Float64Array, at: number, n: number, stride: number): number {
  if (n < 8) {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[at + i * stride]!;
    return s;
  }
  if (n <= 128) {
    const r = Array.from({ length: 8 }, (_, j) => a[at + j * stride]!);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j]! += a[at + (i + j) * stride]!;
    let s = ((r[0]! + r[1]!) + (r[2]! + r[3]!)) + ((r[4]! + r[5]!) + (r[6]! + r[7]!));
    for (; i < n; i++) s += a[at + i * stride]!;
    return s;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, at, n2, stride) + pairwiseSum(a, at + n2 * stride, n - n2, stride);
}

/** numpy's `add.reduce` of a row-major [rows, cols] array along `axis`. */
function sumAxis(a: Float64Array, rows: number, cols: number, axis: 0 | 1): Float64Array {
  if (axis === 1) return Float64Array.from({ length: rows }, (_, i) => 0 + pairwiseSum(a, i * cols, cols, 1));
  const out = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j]! += a[i * cols + j]!;
  return out;
}

function matrix(x: Tensor): { a: Float64Array; rows: number; cols: number } {
  if (x.ndim !== 2) throw new RangeError(`npMeanStd: expected a 2-D tensor (got [${x.shape.join(', ')}])`);
  return { a: x.toFloat64Array(), rows: x.shape[0]!, cols: x.shape[1]! };
}

/** numpy's `x.mean(axis)` and `x.std(axis)` (ddof 0) of a 2-D tensor, in float64. */
export function npMeanStd(x: Tensor, axis: 0 | 1): { means: number[]; stds: number[] } {
  const { a, rows, cols } = matrix(x);
  const count = axis === 0 ? rows : cols;
  const means = sumAxis(a, rows, cols, axis).map((s) => s / count);
  const sq = a.map((v, k) => {
    const d = v - means[axis === 0 ? k % cols : Math.floor(k / cols)]!;
    return d * d;
  });
  const stds = sumAxis(sq, rows, cols, axis).map((s) => Math.sqrt(s / count));
  return { means: [...means], stds: [...stds] };
}
