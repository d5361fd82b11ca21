/**
 * BatchNorm over [n, c, hw], GroupNorm and RMSNorm, forward and backward, on wasm memory (see
 * SpatialKernels in src/kernels/spatialKernelSet.ts). Data is T (f32 or f64); statistics and
 * per-channel vectors are f64. The sums and elementwise passes over each contiguous run are in
 * normRuns.ts (f64 data in f64; f32 data in f32 lanes over short blocks carried into f64). The
 * forward takes the mean and variance in one read, shifted by a value of the data, and stores no
 * x̂: the backward recomputes it from x, so each pass reads x (and dy) once and writes at most one
 * array. RMSNorm sums in f64 for both dtypes.
 */
import { load2, store2, total } from './pointwise';
import { dyDeviation, gradRun, gradSums, normalizeRun, shiftedSquares, shiftedSums, squaredDeviations } from './normRuns';

function batchNorm2dForward<T>(
  n: i32, c: i32, hw: i32, x: usize, training: i32, eps: f64,
  scale: usize, shift: usize, mean: usize, variance: usize, invStd: usize, y: usize,
): void {
  const S: usize = sizeof<T>();
  const m = <f64>n * <f64>hw;
  for (let ch = 0; ch < c; ch++) {
    const k = <usize>ch * 8;
    if (training) {
      // one read of the channel (the row too, below): sums shifted by its first value
      const shift0 = <f64>load<T>(x + <usize>ch * <usize>hw * S);
      let s: f64 = 0, q: f64 = 0;
      for (let b = 0; b < n; b++) {
        s += shiftedSums<T>(x + <usize>(b * c + ch) * <usize>hw * S, hw, shift0);
        q += shiftedSquares;
      }
      const d = s / m;
      store<f64>(mean + k, shift0 + d);
      store<f64>(variance + k, max(q / m - d * d, 0));
    }
    const mu = load<f64>(mean + k), is = 1 / Math.sqrt(load<f64>(variance + k) + eps);
    store<f64>(invStd + k, is);
    const sc = load<f64>(scale + k), sh = load<f64>(shift + k);
    for (let b = 0; b < n; b++) {
      const o = <usize>(b * c + ch) * <usize>hw * S;
      normalizeRun<T>(x + o, y + o, hw, mu, is, sc, sh);
    }
  }
}

export function batchNorm2dForwardF32(
  n: i32, c: i32, hw: i32, x: usize, training: i32, eps: f64,
  scale: usize, shift: usize, mean: usize, variance: usize, invStd: usize, y: usize,
): void {
  batchNorm2dForward<f32>(n, c, hw, x, training, eps, scale, shift, mean, variance, invStd, y);
}

export function batchNorm2dForwardF64(
  n: i32, c: i32, hw: i32, x: usize, training: i32, eps: f64,
  scale: usize, shift: usize, mean: usize, variance: usize, invStd: usize, y: usize,
): void {
  batchNorm2dForward<f64>(n, c, hw, x, training, eps, scale, shift, mean, variance, invStd, y);
}

function batchNorm2dBackward<T>(
  n: i32, c: i32, hw: i32, dy: usize, x: usize, training: i32,
  mean: usize, invStd: usize, scale: usize, sumDy: usize, sumDyXHat: usize, dx: usize,
): void {
  const S: usize = sizeof<T>();
  const m = <f64>n * <f64>hw;
  for (let ch = 0; ch < c; ch++) {
    const k = <usize>ch * 8;
    const mu = load<f64>(mean + k), is = load<f64>(invStd + k);
    let g: f64 = 0, gx: f64 = 0;
    for (let b = 0; b < n; b++) {
      const o = <usize>(b * c + ch) * <usize>hw * S;
      g += gradSums<T>(dy + o, x + o, hw, mu);
      gx += dyDeviation;
    }
    store<f64>(sumDy + k, g);
    store<f64>(sumDyXHat + k, gx * is);
    if (!dx) continue;
    const a = load<f64>(scale + k) * is;
    const bias = training ? (a * g) / m : 0, e = training ? (a * gx * is) / m : 0;
    for (let b = 0; b < n; b++) {
      const o = <usize>(b * c + ch) * <usize>hw * S;
      gradRun<T>(dy + o, x + o, dx + o, hw, mu, is, a, bias, e);
    }
  }
}

export function batchNorm2dBackwardF32(
  n: i32, c: i32, hw: i32, dy: usize, x: usize, training: i32,
  mean: usize, invStd: usize, scale: usize, sumDy: usize, sumDyXHat: usize, dx: usize,
): void {
  batchNorm2dBackward<f32>(n, c, hw, dy, x, training, mean, invStd, scale, sumDy, sumDyXHat, dx);
}

export function batchNorm2dBackwardF64(
  n: i32, c: i32, hw: i32, dy: usize, x: usize, training: i32,
  mean: usize, invStd: usize, scale: usize, sumDy: usize, sumDyXHat: usize, dx: usize,
): void {
  batchNorm2dBackward<f64>(n, c, hw, dy, x, training, mean, invStd, scale, sumDy, sumDyXHat, dx);
}

function groupNormForward<T>(
  n: i32, c: i32, s: i32, groups: i32, x: usize, eps: f64,
  scale: usize, shift: usize, mean: usize, invStd: usize, y: usize,
): void {
  const S: usize = sizeof<T>();
  const cg = c / groups, d = cg * s;
  for (let r = 0; r < n * groups; r++) {
    const row = <usize>r * <usize>d * S;
    const shift0 = <f64>load<T>(x + row);
    const dm = shiftedSums<T>(x + row, d, shift0) / <f64>d;
    const mu = shift0 + dm;
    const is = 1 / Math.sqrt(max(shiftedSquares / <f64>d - dm * dm, 0) + eps);
    store<f64>(mean + <usize>r * 8, mu);
    store<f64>(invStd + <usize>r * 8, is);
    for (let q = 0; q < cg; q++) {
      const k = <usize>((r % groups) * cg + q) * 8;
      const o = row + <usize>(q * s) * S;
      normalizeRun<T>(x + o, y + o, s, mu, is, load<f64>(scale + k), load<f64>(shift + k));
    }
  }
}

export function groupNormForwardF32(
  n: i32, c: i32, s: i32, groups: i32, x: usize, eps: f64, scale: usize, shift: usize, mean: usize, invStd: usize, y: usize,
): void {
  groupNormForward<f32>(n, c, s, groups, x, eps, scale, shift, mean, invStd, y);
}

export function groupNormForwardF64(
  n: i32, c: i32, s: i32, groups: i32, x: usize, eps: f64, scale: usize, shift: usize, mean: usize, invStd: usize, y: usize,
): void {
  groupNormForward<f64>(n, c, s, groups, x, eps, scale, shift, mean, invStd, y);
}

function groupNormBackward<T>(
  n: i32, c: i32, s: i32, groups: i32, dy: usize, x: usize,
  mean: usize, invStd: usize, scale: usize, dx: usize, dScale: usize, dShift: usize,
): void {
  const S: usize = sizeof<T>();
  const cg = c / groups, d = cg * s;
  for (let ch = 0; ch < c; ch++) {
    store<f64>(dScale + <usize>ch * 8, 0);
    store<f64>(dShift + <usize>ch * 8, 0);
  }
  for (let r = 0; r < n * groups; r++) {
    const row = <usize>r * <usize>d * S;
    const mu = load<f64>(mean + <usize>r * 8), is = load<f64>(invStd + <usize>r * 8);
    let sumG: f64 = 0, sumGXHat: f64 = 0;
    for (let q = 0; q < cg; q++) {
      const k = <usize>((r % groups) * cg + q) * 8;
      const o = row + <usize>(q * s) * S;
      const g = gradSums<T>(dy + o, x + o, s, mu);
      const gx = dyDeviation;
      store<f64>(dShift + k, load<f64>(dShift + k) + g);
      store<f64>(dScale + k, load<f64>(dScale + k) + gx * is);
      const sc = load<f64>(scale + k);
      sumG += sc * g;
      sumGXHat += sc * gx * is;
    }
    if (!dx) continue;
    const b = (is * sumG) / <f64>d, e = (is * sumGXHat) / <f64>d;
    for (let q = 0; q < cg; q++) {
      const k = <usize>((r % groups) * cg + q) * 8;
      const o = row + <usize>(q * s) * S;
      gradRun<T>(dy + o, x + o, dx + o, s, mu, is, is * load<f64>(scale + k), b, e);
    }
  }
}

export function groupNormBackwardF32(
  n: i32, c: i32, s: i32, groups: i32, dy: usize, x: usize, mean: usize, invStd: usize, scale: usize, dx: usize, dScale: usize, dShift: usize,
): void {
  groupNormBackward<f32>(n, c, s, groups, dy, x, mean, invStd, scale, dx, dScale, dShift);
}

export function groupNormBackwardF64(
  n: i32, c: i32, s: i32, groups: i32, dy: usize, x: usize, mean: usize, invStd: usize, scale: usize, dx: usize, dScale: usize, dShift: usize,
): void {
  groupNormBackward<f64>(n, c, s, groups, dy, x, mean, invStd, scale, dx, dScale, dShift);
}

function rmsNormForward<T>(m: i32, d: i32, x: usize, eps: f64, scale: usize, y: usize, invRms: usize): void {
  const S: usize = sizeof<T>();
  for (let r = 0; r < m; r++) {
    const xr = x + <usize>r * <usize>d * S, yr = y + <usize>r * <usize>d * S;
    const ir = 1 / Math.sqrt(squaredDeviations<T>(xr, d, 0) / <f64>d + eps);
    store<f64>(invRms + <usize>r * 8, ir);
    const i2 = f64x2.splat(ir);
    let j = 0;
    for (; j + 2 <= d; j += 2) {
      const o = <usize>j * S;
      store2<T>(yr + o, f64x2.mul(f64x2.mul(load2<T>(xr + o), i2), v128.load(scale + <usize>j * 8)));
    }
    for (; j < d; j++) {
      const o = <usize>j * S;
      store<T>(yr + o, <T>(<f64>load<T>(xr + o) * ir * load<f64>(scale + <usize>j * 8)));
    }
  }
}

export function rmsNormForwardF32(m: i32, d: i32, x: usize, eps: f64, scale: usize, y: usize, invRms: usize): void {
  rmsNormForward<f32>(m, d, x, eps, scale, y, invRms);
}

export function rmsNormForwardF64(m: i32, d: i32, x: usize, eps: f64, scale: usize, y: usize, invRms: usize): void {
  rmsNormForward<f64>(m, d, x, eps, scale, y, invRms);
}

function rmsNormBackward<T>(m: i32, d: i32, dy: usize, x: usize, invRms: usize, scale: usize, dx: usize, dScale: usize): void {
  const S: usize = sizeof<T>();
  for (let j = 0; j < d; j++) store<f64>(dScale + <usize>j * 8, 0);
  for (let r = 0; r < m; r++) {
    const xr = x + <usize>r * <usize>d * S, dr = dy + <usize>r * <usize>d * S;
    const ir = load<f64>(invRms + <usize>r * 8);
    const i2 = f64x2.splat(ir);
    let acc = f64x2.splat(0);
    let j = 0;
    for (; j + 2 <= d; j += 2) {
      const o = <usize>j * S, k = <usize>j * 8;
      const g = load2<T>(dr + o), v = load2<T>(xr + o);
      v128.store(dScale + k, f64x2.add(v128.load(dScale + k), f64x2.mul(f64x2.mul(g, v), i2)));
      acc = f64x2.add(acc, f64x2.mul(f64x2.mul(g, v128.load(scale + k)), v));
    }
    let gx = total(acc);
    for (; j < d; j++) {
      const o = <usize>j * S, k = <usize>j * 8;
      const g = <f64>load<T>(dr + o), v = <f64>load<T>(xr + o);
      store<f64>(dScale + k, load<f64>(dScale + k) + g * v * ir);
      gx += g * load<f64>(scale + k) * v;
    }
    if (!dx) continue;
    const e = (ir * ir * ir * gx) / <f64>d;
    const e2 = f64x2.splat(e);
    const xo = dx + <usize>r * <usize>d * S;
    j = 0;
    for (; j + 2 <= d; j += 2) {
      const o = <usize>j * S;
      const a = f64x2.mul(i2, v128.load(scale + <usize>j * 8));
      store2<T>(xo + o, f64x2.sub(f64x2.mul(a, load2<T>(dr + o)), f64x2.mul(load2<T>(xr + o), e2)));
    }
    for (; j < d; j++) {
      const o = <usize>j * S;
      store<T>(xo + o, <T>(ir * load<f64>(scale + <usize>j * 8) * <f64>load<T>(dr + o) - <f64>load<T>(xr + o) * e));
    }
  }
}

export function rmsNormBackwardF32(m: i32, d: i32, dy: usize, x: usize, invRms: usize, scale: usize, dx: usize, dScale: usize): void {
  rmsNormBackward<f32>(m, d, dy, x, invRms, scale, dx, dScale);
}

export function rmsNormBackwardF64(m: i32, d: i32, dy: usize, x: usize, invRms: usize, scale: usize, dx: usize, dScale: usize): void {
  rmsNormBackward<f64>(m, d, dy, x, invRms, scale, dx, dScale);
}
