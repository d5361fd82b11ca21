/**
 * BatchNorm and LayerNorm forward and backward in pure TypeScript: flat loops over contiguous rows,
 * statistics in float64 (the `'js'` kernel set's, see {@link KernelSet}).
 * @module
 * @internal
 */
import type { FloatArray } from '../dtype.js';

// Column sums run four rows at a time: one load and store of the per-column accumulator per four
// elements instead of per element, which V8 runs faster than one row at a time.

/** Column means and biased variances of the [n, c] block at `x[xo..]` (two passes, as numpy). */
function columnMoments(x: FloatArray, xo: number, n: number, c: number, mean: Float64Array, variance: Float64Array): void {
  mean.fill(0, 0, c);
  variance.fill(0, 0, c);
  const n4 = n - (n % 4);
  for (let r = 0; r < n4; r += 4) {
    const r0 = xo + r * c, r1 = r0 + c, r2 = r1 + c, r3 = r2 + c;
    for (let j = 0; j < c; j++) mean[j] = mean[j]! + (x[r0 + j]! + x[r1 + j]! + (x[r2 + j]! + x[r3 + j]!));
  }
  for (let r = n4; r < n; r++) for (let j = 0, row = xo + r * c; j < c; j++) mean[j] = mean[j]! + x[row + j]!;
  const invN = 1 / n;
  for (let j = 0; j < c; j++) mean[j] = mean[j]! * invN;
  for (let r = 0; r < n4; r += 4) {
    const r0 = xo + r * c, r1 = r0 + c, r2 = r1 + c, r3 = r2 + c;
    for (let j = 0; j < c; j++) {
      const m = mean[j]!;
      const t0 = x[r0 + j]! - m, t1 = x[r1 + j]! - m, t2 = x[r2 + j]! - m, t3 = x[r3 + j]! - m;
      variance[j] = variance[j]! + (t0 * t0 + t1 * t1 + (t2 * t2 + t3 * t3));
    }
  }
  for (let r = n4; r < n; r++) {
    for (let j = 0, row = xo + r * c; j < c; j++) {
      const t = x[row + j]! - mean[j]!;
      variance[j] = variance[j]! + t * t;
    }
  }
  for (let j = 0; j < c; j++) variance[j] = variance[j]! * invN;
}

/** BatchNorm forward: see {@link KernelSet.batchNormForward}. */
export function batchNormForwardJs(
  n: number, c: number, x: FloatArray, xo: number, training: boolean, eps: number,
  scale: Float64Array, shift: Float64Array, mean: Float64Array, variance: Float64Array, invStd: Float64Array,
  xHat: FloatArray | null, out: FloatArray,
): void {
  if (training) columnMoments(x, xo, n, c, mean, variance);
  for (let j = 0; j < c; j++) invStd[j] = 1 / Math.sqrt(variance[j]! + eps);
  for (let r = 0; r < n; r++) {
    const row = xo + r * c;
    const o = r * c;
    for (let j = 0; j < c; j++) {
      const h = (x[row + j]! - mean[j]!) * invStd[j]!;
      if (xHat !== null) xHat[o + j] = h;
      out[o + j] = h * scale[j]! + shift[j]!;
    }
  }
}

/** Σ dy and Σ dy·(x − mean) per column (the second times invStd is Σ dy·xHat). One pass. */
function columnGradSums(
  dy: FloatArray, dyo: number, x: FloatArray, xo: number, mean: Float64Array, n: number, c: number, sumDy: Float64Array, sumDyXc: Float64Array,
): void {
  for (let r = 0; r < n; r++) {
    for (let j = 0, row = dyo + r * c, xr = xo + r * c; j < c; j++) {
      const g = dy[row + j]!;
      sumDy[j] = sumDy[j]! + g;
      sumDyXc[j] = sumDyXc[j]! + g * (x[xr + j]! - mean[j]!);
    }
  }
}

/** BatchNorm backward: see {@link KernelSet.batchNormBackward}. */
export function batchNormBackwardJs(
  n: number, c: number, dy: FloatArray, dyo: number, x: FloatArray, xo: number, mean: Float64Array, training: boolean,
  invStd: Float64Array, scale: Float64Array, sumDy: Float64Array, sumDyXHat: Float64Array, dx: FloatArray | null,
): void {
  sumDy.fill(0, 0, c);
  sumDyXHat.fill(0, 0, c);
  columnGradSums(dy, dyo, x, xo, mean, n, c, sumDy, sumDyXHat);
  for (let j = 0; j < c; j++) sumDyXHat[j] = sumDyXHat[j]! * invStd[j]!;
  if (dx === null) return;
  // dx = (γ·invStd/N)·(N·dy − Σdy − xHat·Σ(dy·xHat)), written as a·dy − b − (x − mean)·e
  const a = new Float64Array(c), b = new Float64Array(c), e = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    a[j] = scale[j]! * invStd[j]!;
    if (training) {
      b[j] = (a[j]! * sumDy[j]!) / n;
      e[j] = ((a[j]! * sumDyXHat[j]!) / n) * invStd[j]!;
    }
  }
  for (let r = 0; r < n; r++) {
    const row = dyo + r * c, xr = xo + r * c;
    const o = r * c;
    for (let j = 0; j < c; j++) dx[o + j] = a[j]! * dy[row + j]! - b[j]! - (x[xr + j]! - mean[j]!) * e[j]!;
  }
}

/** LayerNorm forward: see {@link KernelSet.layerNormForward}. */
export function layerNormForwardJs(
  m: number, d: number, x: FloatArray, xo: number, eps: number,
  scale: Float64Array, shift: Float64Array, xHat: FloatArray, out: FloatArray, invStd: Float64Array,
): void {
  const invD = 1 / d;
  for (let r = 0; r < m; r++) {
    const row = xo + r * d;
    const o = r * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += x[row + j]!;
    const mu = s * invD;
    let v = 0;
    for (let j = 0; j < d; j++) {
      const t = x[row + j]! - mu;
      v += t * t;
    }
    const is = 1 / Math.sqrt(v * invD + eps);
    invStd[r] = is;
    for (let j = 0; j < d; j++) {
      const h = (x[row + j]! - mu) * is;
      xHat[o + j] = h;
      out[o + j] = h * scale[j]! + shift[j]!;
    }
  }
}

/** LayerNorm backward: see {@link KernelSet.layerNormBackward}. */
export function layerNormBackwardJs(
  m: number, d: number, dy: FloatArray, dyo: number, xHat: FloatArray, invStd: Float64Array,
  scale: Float64Array, dx: FloatArray | null, dScale: Float64Array, dShift: Float64Array,
): void {
  for (let r = 0; r < m; r++) {
    const row = dyo + r * d;
    const o = r * d;
    let sumG = 0, sumGXHat = 0;
    for (let j = 0; j < d; j++) {
      const g = dy[row + j]!;
      const h = xHat[o + j]!;
      dShift[j] = dShift[j]! + g;
      dScale[j] = dScale[j]! + g * h;
      const gs = g * scale[j]!;
      sumG += gs;
      sumGXHat += gs * h;
    }
    if (dx === null) continue;
    const is = invStd[r]!;
    const b = (is * sumG) / d, e = (is * sumGXHat) / d;
    for (let j = 0; j < d; j++) dx[o + j] = is * scale[j]! * dy[row + j]! - b - xHat[o + j]! * e;
  }
}
