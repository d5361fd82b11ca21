/**
 * BatchNorm and LayerNorm forward and backward on wasm memory. Data is T (f32 or f64); statistics,
 * per-channel vectors (γ, β, mean, variance, 1/σ) and sums are f64, and the arithmetic runs in f64
 * two lanes at a time (f32 data is widened on load and rounded once on store), as the TypeScript
 * kernels do. Addresses are bytes.
 */
import { load2, store2, total } from './pointwise';

/**
 * BatchNorm forward over contiguous [n, c] rows; see KernelSet.batchNormForward. Training: the
 * statistics in one pass, from sums of d = x − x[0] (the first row shifts the data, so the sums do
 * not cancel when the mean is large against the spread): mean = x[0] + Σd/n,
 * variance = (Σd² − (Σd)²/n)/n. Then y = x·A + B with A = γ·invStd, B = β − mean·A in a second
 * pass (and x̂, when asked for). `work` holds 2·c f64.
 */
function batchNormForward<T>(
  n: i32, c: i32, x: usize, training: i32, eps: f64,
  scale: usize, shift: usize, mean: usize, variance: usize, invStd: usize, xHat: usize, y: usize, work: usize,
): void {
  const S: usize = sizeof<T>();
  const rowBytes = <usize>c * S;
  if (training) {
    const invN = f64x2.splat(1 / <f64>n), zero = f64x2.splat(0);
    let j = 0;
    for (; j + 4 <= c; j += 4) {
      let at = x + <usize>j * S;
      const x0 = load2<T>(at), x1 = load2<T>(at + 2 * S);
      let s0 = zero, s1 = zero, q0 = zero, q1 = zero;
      for (let r = 0; r < n; r++) {
        const d0 = f64x2.sub(load2<T>(at), x0), d1 = f64x2.sub(load2<T>(at + 2 * S), x1);
        s0 = f64x2.add(s0, d0);
        s1 = f64x2.add(s1, d1);
        q0 = f64x2.add(q0, f64x2.mul(d0, d0));
        q1 = f64x2.add(q1, f64x2.mul(d1, d1));
        at += rowBytes;
      }
      const k = <usize>j * 8;
      v128.store(mean + k, f64x2.add(x0, f64x2.mul(s0, invN)));
      v128.store(mean + k, f64x2.add(x1, f64x2.mul(s1, invN)), 16);
      v128.store(variance + k, f64x2.max(zero, f64x2.mul(f64x2.sub(q0, f64x2.mul(f64x2.mul(s0, s0), invN)), invN)));
      v128.store(variance + k, f64x2.max(zero, f64x2.mul(f64x2.sub(q1, f64x2.mul(f64x2.mul(s1, s1), invN)), invN)), 16);
    }
    for (; j < c; j++) {
      const x0 = <f64>load<T>(x + <usize>j * S);
      let s: f64 = 0, q: f64 = 0;
      for (let r = 0; r < n; r++) {
        const d = <f64>load<T>(x + <usize>(r * c + j) * S) - x0;
        s += d;
        q += d * d;
      }
      store<f64>(mean + <usize>j * 8, x0 + s / <f64>n);
      store<f64>(variance + <usize>j * 8, Math.max(0, (q - (s * s) / <f64>n) / <f64>n));
    }
  }
  const A = work, B = work + <usize>c * 8;
  for (let j = 0; j < c; j++) {
    const k = <usize>j * 8;
    const is = 1 / Math.sqrt(load<f64>(variance + k) + eps);
    store<f64>(invStd + k, is);
    const a = is * load<f64>(scale + k);
    store<f64>(A + k, a);
    store<f64>(B + k, load<f64>(shift + k) - load<f64>(mean + k) * a);
  }
  for (let r = 0; r < n; r++) {
    const xr = x + <usize>r * rowBytes, hr = xHat + <usize>r * rowBytes, yr = y + <usize>r * rowBytes;
    let j = 0;
    for (; j + 2 <= c; j += 2) {
      const o = <usize>j * S, k = <usize>j * 8;
      const v = load2<T>(xr + o);
      if (xHat) store2<T>(hr + o, f64x2.mul(f64x2.sub(v, v128.load(mean + k)), v128.load(invStd + k)));
      store2<T>(yr + o, f64x2.add(f64x2.mul(v, v128.load(A + k)), v128.load(B + k)));
    }
    for (; j < c; j++) {
      const o = <usize>j * S, k = <usize>j * 8;
      const v = <f64>load<T>(xr + o);
      if (xHat) store<T>(hr + o, ((v - load<f64>(mean + k)) * load<f64>(invStd + k)) as T);
      store<T>(yr + o, (v * load<f64>(A + k) + load<f64>(B + k)) as T);
    }
  }
}

export function batchNormForwardF32(
  n: i32, c: i32, x: usize, training: i32, eps: f64,
  scale: usize, shift: usize, mean: usize, variance: usize, invStd: usize, xHat: usize, y: usize, work: usize,
): void {
  batchNormForward<f32>(n, c, x, training, eps, scale, shift, mean, variance, invStd, xHat, y, work);
}

export function batchNormForwardF64(
  n: i32, c: i32, x: usize, training: i32, eps: f64,
  scale: usize, shift: usize, mean: usize, variance: usize, invStd: usize, xHat: usize, y: usize, work: usize,
): void {
  batchNormForward<f64>(n, c, x, training, eps, scale, shift, mean, variance, invStd, xHat, y, work);
}

/**
 * BatchNorm backward; see KernelSet.batchNormBackward. x̂ = (x − mean)·invStd is recomputed from x
 * (never stored): one pass for Σdy and Σdy·x̂, one for dx. `sumDy`, `sumDyXHat` are overwritten;
 * `dx` 0 means none; `work` holds 3·c f64.
 */
function batchNormBackward<T>(
  n: i32, c: i32, dy: usize, x: usize, mean: usize, training: i32,
  invStd: usize, scale: usize, sumDy: usize, sumDyXHat: usize, dx: usize, work: usize,
): void {
  const S: usize = sizeof<T>();
  const rowBytes = <usize>c * S;
  let j = 0;
  for (; j + 4 <= c; j += 4) {
    const k = <usize>j * 8;
    const m0 = v128.load(mean + k), m1 = v128.load(mean + k, 16);
    let g0 = f64x2.splat(0), g1 = g0, h0 = g0, h1 = g0;
    let at = <usize>j * S;
    for (let r = 0; r < n; r++) {
      const d0 = load2<T>(dy + at), d1 = load2<T>(dy + at + 2 * S);
      g0 = f64x2.add(g0, d0);
      g1 = f64x2.add(g1, d1);
      h0 = f64x2.add(h0, f64x2.mul(d0, f64x2.sub(load2<T>(x + at), m0)));
      h1 = f64x2.add(h1, f64x2.mul(d1, f64x2.sub(load2<T>(x + at + 2 * S), m1)));
      at += rowBytes;
    }
    v128.store(sumDy + k, g0); v128.store(sumDy + k, g1, 16);
    v128.store(sumDyXHat + k, f64x2.mul(h0, v128.load(invStd + k)));
    v128.store(sumDyXHat + k, f64x2.mul(h1, v128.load(invStd + k, 16)), 16);
  }
  for (; j < c; j++) {
    const mj = load<f64>(mean + <usize>j * 8);
    let g: f64 = 0, h: f64 = 0;
    for (let r = 0; r < n; r++) {
      const o = <usize>(r * c + j) * S;
      const d = <f64>load<T>(dy + o);
      g += d;
      h += d * (<f64>load<T>(x + o) - mj);
    }
    store<f64>(sumDy + <usize>j * 8, g);
    store<f64>(sumDyXHat + <usize>j * 8, h * load<f64>(invStd + <usize>j * 8));
  }
  if (!dx) return;
  // dx = a·dy − b − (x − mean)·e = a·dy − x·e + (mean·e − b) per column, a = γ·invStd,
  // b = a·Σdy/n, e = invStd·a·Σ(dy·x̂)/n (b, e: 0 in eval)
  const a = work, e = work + <usize>c * 8, f = work + <usize>c * 16;
  for (let q = 0; q < c; q++) {
    const k = <usize>q * 8;
    const aq = load<f64>(scale + k) * load<f64>(invStd + k);
    const bq = training ? (aq * load<f64>(sumDy + k)) / <f64>n : 0;
    const eq = training ? ((aq * load<f64>(sumDyXHat + k)) / <f64>n) * load<f64>(invStd + k) : 0;
    store<f64>(a + k, aq);
    store<f64>(e + k, eq);
    store<f64>(f + k, load<f64>(mean + k) * eq - bq);
  }
  for (let r = 0; r < n; r++) {
    const dr = dy + <usize>r * rowBytes, xr = x + <usize>r * rowBytes, outr = dx + <usize>r * rowBytes;
    let q = 0;
    for (; q + 2 <= c; q += 2) {
      const o = <usize>q * S, k = <usize>q * 8;
      const v = f64x2.add(f64x2.sub(f64x2.mul(v128.load(a + k), load2<T>(dr + o)), f64x2.mul(load2<T>(xr + o), v128.load(e + k))), v128.load(f + k));
      store2<T>(outr + o, v);
    }
    for (; q < c; q++) {
      const o = <usize>q * S, k = <usize>q * 8;
      const v = load<f64>(a + k) * <f64>load<T>(dr + o) - <f64>load<T>(xr + o) * load<f64>(e + k) + load<f64>(f + k);
      store<T>(outr + o, v as T);
    }
  }
}

export function batchNormBackwardF32(
  n: i32, c: i32, dy: usize, x: usize, mean: usize, training: i32,
  invStd: usize, scale: usize, sumDy: usize, sumDyXHat: usize, dx: usize, work: usize,
): void {
  batchNormBackward<f32>(n, c, dy, x, mean, training, invStd, scale, sumDy, sumDyXHat, dx, work);
}

export function batchNormBackwardF64(
  n: i32, c: i32, dy: usize, x: usize, mean: usize, training: i32,
  invStd: usize, scale: usize, sumDy: usize, sumDyXHat: usize, dx: usize, work: usize,
): void {
  batchNormBackward<f64>(n, c, dy, x, mean, training, invStd, scale, sumDy, sumDyXHat, dx, work);
}


/** LayerNorm forward over m contiguous rows of d; see KernelSet.layerNormForward. */
function layerNormForward<T>(
  m: i32, d: i32, x: usize, eps: f64, scale: usize, shift: usize, xHat: usize, y: usize, invStd: usize,
): void {
  const S: usize = sizeof<T>();
  const rowBytes = <usize>d * S;
  for (let r = 0; r < m; r++) {
    const xr = x + <usize>r * rowBytes, hr = xHat + <usize>r * rowBytes, yr = y + <usize>r * rowBytes;
    let acc = f64x2.splat(0);
    let j = 0;
    for (; j + 2 <= d; j += 2) acc = f64x2.add(acc, load2<T>(xr + <usize>j * S));
    let s = total(acc);
    for (; j < d; j++) s += <f64>load<T>(xr + <usize>j * S);
    const mu = s / <f64>d;
    const mu2 = f64x2.splat(mu);
    acc = f64x2.splat(0);
    j = 0;
    for (; j + 2 <= d; j += 2) {
      const t = f64x2.sub(load2<T>(xr + <usize>j * S), mu2);
      acc = f64x2.add(acc, f64x2.mul(t, t));
    }
    let v = total(acc);
    for (; j < d; j++) {
      const t = <f64>load<T>(xr + <usize>j * S) - mu;
      v += t * t;
    }
    const is = 1 / Math.sqrt(v / <f64>d + eps);
    store<f64>(invStd + <usize>r * 8, is);
    const is2 = f64x2.splat(is);
    j = 0;
    for (; j + 2 <= d; j += 2) {
      const o = <usize>j * S, k = <usize>j * 8;
      const h = f64x2.mul(f64x2.sub(load2<T>(xr + o), mu2), is2);
      store2<T>(hr + o, h);
      store2<T>(yr + o, f64x2.add(f64x2.mul(h, v128.load(scale + k)), v128.load(shift + k)));
    }
    for (; j < d; j++) {
      const o = <usize>j * S, k = <usize>j * 8;
      const h = (<f64>load<T>(xr + o) - mu) * is;
      store<T>(hr + o, h as T);
      store<T>(yr + o, (h * load<f64>(scale + k) + load<f64>(shift + k)) as T);
    }
  }
}

export function layerNormForwardF32(m: i32, d: i32, x: usize, eps: f64, scale: usize, shift: usize, xHat: usize, y: usize, invStd: usize): void {
  layerNormForward<f32>(m, d, x, eps, scale, shift, xHat, y, invStd);
}

export function layerNormForwardF64(m: i32, d: i32, x: usize, eps: f64, scale: usize, shift: usize, xHat: usize, y: usize, invStd: usize): void {
  layerNormForward<f64>(m, d, x, eps, scale, shift, xHat, y, invStd);
}

/** LayerNorm backward; see KernelSet.layerNormBackward. `dx` 0 means none; dScale, dShift accumulate. */
function layerNormBackward<T>(
  m: i32, d: i32, dy: usize, xHat: usize, invStd: usize, scale: usize, dx: usize, dScale: usize, dShift: usize,
): void {
  const S: usize = sizeof<T>();
  const rowBytes = <usize>d * S;
  for (let r = 0; r < m; r++) {
    const dr = dy + <usize>r * rowBytes, hr = xHat + <usize>r * rowBytes;
    let sg = f64x2.splat(0), sgh = sg;
    let j = 0;
    for (; j + 2 <= d; j += 2) {
      const o = <usize>j * S, k = <usize>j * 8;
      const g = load2<T>(dr + o), h = load2<T>(hr + o);
      v128.store(dShift + k, f64x2.add(v128.load(dShift + k), g));
      v128.store(dScale + k, f64x2.add(v128.load(dScale + k), f64x2.mul(g, h)));
      const gs = f64x2.mul(g, v128.load(scale + k));
      sg = f64x2.add(sg, gs);
      sgh = f64x2.add(sgh, f64x2.mul(gs, h));
    }
    let sumG = total(sg), sumGXHat = total(sgh);
    for (; j < d; j++) {
      const o = <usize>j * S, k = <usize>j * 8;
      const g = <f64>load<T>(dr + o), h = <f64>load<T>(hr + o);
      store<f64>(dShift + k, load<f64>(dShift + k) + g);
      store<f64>(dScale + k, load<f64>(dScale + k) + g * h);
      const gs = g * load<f64>(scale + k);
      sumG += gs;
      sumGXHat += gs * h;
    }
    if (!dx) continue;
    const is = load<f64>(invStd + <usize>r * 8);
    const b = (is * sumG) / <f64>d, e = (is * sumGXHat) / <f64>d;
    const is2 = f64x2.splat(is), b2 = f64x2.splat(b), e2 = f64x2.splat(e);
    const xr = dx + <usize>r * rowBytes;
    j = 0;
    for (; j + 2 <= d; j += 2) {
      const o = <usize>j * S, k = <usize>j * 8;
      const v = f64x2.sub(f64x2.sub(f64x2.mul(f64x2.mul(is2, v128.load(scale + k)), load2<T>(dr + o)), b2), f64x2.mul(load2<T>(hr + o), e2));
      store2<T>(xr + o, v);
    }
    for (; j < d; j++) {
      const o = <usize>j * S, k = <usize>j * 8;
      store<T>(xr + o, (is * load<f64>(scale + k) * <f64>load<T>(dr + o) - b - <f64>load<T>(hr + o) * e) as T);
    }
  }
}

export function layerNormBackwardF32(m: i32, d: i32, dy: usize, xHat: usize, invStd: usize, scale: usize, dx: usize, dScale: usize, dShift: usize): void {
  layerNormBackward<f32>(m, d, dy, xHat, invStd, scale, dx, dScale, dShift);
}

export function layerNormBackwardF64(m: i32, d: i32, dy: usize, xHat: usize, invStd: usize, scale: usize, dx: usize, dScale: usize, dShift: usize): void {
  layerNormBackward<f64>(m, d, dy, xHat, invStd, scale, dx, dScale, dShift);
}
