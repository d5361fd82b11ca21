/**
 * BatchNorm over NCHW, GroupNorm and RMSNorm, forward and backward, in pure TypeScript (the `'js'`
 * kernel set's): statistics and sums in float64, x̂ recomputed from x in the backward instead of
 * being stored by the forward; see {@link SpatialKernels}.
 * @module
 * @internal
 */
import type { FloatArray } from '../dtype.js';

/** BatchNorm over [n, c, hw] forward: see {@link SpatialKernels.batchNorm2dForward}. */
export function batchNorm2dForwardJs(
  n: number, c: number, hw: number, x: FloatArray, xo: number, training: boolean, eps: number,
  scale: Float64Array, shift: Float64Array, mean: Float64Array, variance: Float64Array, invStd: Float64Array, y: FloatArray,
): void {
  const m = n * hw;
  for (let ch = 0; ch < c; ch++) {
    if (training) {
      let s = 0;
      for (let b = 0; b < n; b++) for (let t = 0, at = xo + (b * c + ch) * hw; t < hw; t++) s += x[at + t]!;
      const mu = s / m;
      let v = 0;
      for (let b = 0; b < n; b++) {
        for (let t = 0, at = xo + (b * c + ch) * hw; t < hw; t++) {
          const d = x[at + t]! - mu;
          v += d * d;
        }
      }
      mean[ch] = mu;
      variance[ch] = v / m;
    }
    const mu = mean[ch]!, is = 1 / Math.sqrt(variance[ch]! + eps), sc = scale[ch]!, sh = shift[ch]!;
    invStd[ch] = is;
    for (let b = 0; b < n; b++) {
      const at = xo + (b * c + ch) * hw, to = (b * c + ch) * hw;
      for (let t = 0; t < hw; t++) y[to + t] = (x[at + t]! - mu) * is * sc + sh;
    }
  }
}

/** BatchNorm over [n, c, hw] backward: see {@link SpatialKernels.batchNorm2dBackward}. */
export function batchNorm2dBackwardJs(
  n: number, c: number, hw: number, dy: FloatArray, dyo: number, x: FloatArray, xo: number, training: boolean,
  mean: Float64Array, invStd: Float64Array, scale: Float64Array, sumDy: Float64Array, sumDyXHat: Float64Array, dx: FloatArray | null,
): void {
  const m = n * hw;
  for (let ch = 0; ch < c; ch++) {
    const mu = mean[ch]!, is = invStd[ch]!;
    let g = 0, gx = 0;
    for (let b = 0; b < n; b++) {
      const xa = xo + (b * c + ch) * hw, da = dyo + (b * c + ch) * hw;
      for (let t = 0; t < hw; t++) {
        const d = dy[da + t]!;
        g += d;
        gx += d * (x[xa + t]! - mu);
      }
    }
    sumDy[ch] = g;
    sumDyXHat[ch] = gx * is;
    if (dx === null) continue;
    const a = scale[ch]! * is;
    const bias = training ? (a * g) / m : 0, e = training ? (a * gx * is) / m : 0;
    for (let b = 0; b < n; b++) {
      const xa = xo + (b * c + ch) * hw, da = dyo + (b * c + ch) * hw, to = (b * c + ch) * hw;
      for (let t = 0; t < hw; t++) dx[to + t] = a * dy[da + t]! - bias - (x[xa + t]! - mu) * is * e;
    }
  }
}

/** GroupNorm forward: see {@link SpatialKernels.groupNormForward}. */
export function groupNormForwardJs(
  n: number, c: number, s: number, groups: number, x: FloatArray, xo: number, eps: number,
  scale: Float64Array, shift: Float64Array, mean: Float64Array, invStd: Float64Array, y: FloatArray,
): void {
  const cg = c / groups, d = cg * s;
  for (let r = 0; r < n * groups; r++) {
    const at = xo + r * d, to = r * d;
    let sum = 0;
    for (let t = 0; t < d; t++) sum += x[at + t]!;
    const mu = sum / d;
    let v = 0;
    for (let t = 0; t < d; t++) {
      const e = x[at + t]! - mu;
      v += e * e;
    }
    const is = 1 / Math.sqrt(v / d + eps);
    mean[r] = mu;
    invStd[r] = is;
    for (let q = 0; q < cg; q++) {
      const ch = (r % groups) * cg + q, sc = scale[ch]!, sh = shift[ch]!;
      for (let t = q * s; t < (q + 1) * s; t++) y[to + t] = (x[at + t]! - mu) * is * sc + sh;
    }
  }
}

/** GroupNorm backward: see {@link SpatialKernels.groupNormBackward}. */
export function groupNormBackwardJs(
  n: number, c: number, s: number, groups: number, dy: FloatArray, dyo: number, x: FloatArray, xo: number,
  mean: Float64Array, invStd: Float64Array, scale: Float64Array, dx: FloatArray | null, dScale: Float64Array, dShift: Float64Array,
): void {
  const cg = c / groups, d = cg * s;
  dScale.fill(0, 0, c);
  dShift.fill(0, 0, c);
  for (let r = 0; r < n * groups; r++) {
    const xa = xo + r * d, da = dyo + r * d;
    const mu = mean[r]!, is = invStd[r]!;
    let sumG = 0, sumGXHat = 0;
    for (let q = 0; q < cg; q++) {
      const ch = (r % groups) * cg + q;
      let g = 0, gx = 0;
      for (let t = q * s; t < (q + 1) * s; t++) {
        const e = dy[da + t]!;
        g += e;
        gx += e * (x[xa + t]! - mu);
      }
      dShift[ch] = dShift[ch]! + g;
      dScale[ch] = dScale[ch]! + gx * is;
      sumG += scale[ch]! * g;
      sumGXHat += scale[ch]! * gx * is;
    }
    if (dx === null) continue;
    const b = (is * sumG) / d, e = (is * sumGXHat) / d;
    for (let q = 0; q < cg; q++) {
      const a = is * scale[(r % groups) * cg + q]!;
      for (let t = q * s; t < (q + 1) * s; t++) dx[r * d + t] = a * dy[da + t]! - b - (x[xa + t]! - mu) * is * e;
    }
  }
}

/** RMSNorm forward: see {@link SpatialKernels.rmsNormForward}. */
export function rmsNormForwardJs(m: number, d: number, x: FloatArray, xo: number, eps: number, scale: Float64Array, y: FloatArray, invRms: Float64Array): void {
  for (let r = 0; r < m; r++) {
    const at = xo + r * d, to = r * d;
    let ss = 0;
    for (let j = 0; j < d; j++) ss += x[at + j]! * x[at + j]!;
    const ir = 1 / Math.sqrt(ss / d + eps);
    invRms[r] = ir;
    for (let j = 0; j < d; j++) y[to + j] = x[at + j]! * ir * scale[j]!;
  }
}

/** RMSNorm backward: see {@link SpatialKernels.rmsNormBackward}. */
export function rmsNormBackwardJs(
  m: number, d: number, dy: FloatArray, dyo: number, x: FloatArray, xo: number, invRms: Float64Array,
  scale: Float64Array, dx: FloatArray | null, dScale: Float64Array,
): void {
  dScale.fill(0, 0, d);
  for (let r = 0; r < m; r++) {
    const xa = xo + r * d, da = dyo + r * d;
    const ir = invRms[r]!;
    let gx = 0;
    for (let j = 0; j < d; j++) {
      const g = dy[da + j]!, v = x[xa + j]!;
      dScale[j] = dScale[j]! + g * v * ir;
      gx += g * scale[j]! * v;
    }
    if (dx === null) continue;
    const e = (ir * ir * ir * gx) / d;
    for (let j = 0; j < d; j++) dx[r * d + j] = ir * scale[j]! * dy[da + j]! - x[xa + j]! * e;
  }
}
