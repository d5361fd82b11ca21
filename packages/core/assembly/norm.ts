/**
 * BatchNorm and LayerNorm forward and backward on wasm memory. Data is T (f32 or f64); statistics,
 * per-channel vectors (γ, β, mean, variance, 1/σ) and sums are f64, and the arithmetic runs in f64
 * two lanes at a time (f32 data is widened on load and rounded once on store), as the TypeScript
 * kernels do. Addresses are bytes.
 *
 * BatchNorm works on strips of four columns (two f64x2), then two, then one, each down all n rows:
 * a strip's sums take one read of its rows from L2, and the elementwise pass (y, or dx) reads the
 * same rows again while they are in L1, with the strip's per-column coefficients held in registers.
 * Training forward without x̂ and training backward with dx (the training step's calls) run their
 * strips of four software-pipelined, each strip's elementwise pass in one loop with the next
 * strip's sums (`normStrips.ts`); the other cases run a strip's two passes one after the other.
 * Every column sums its rows in order with one accumulator, so the results do not depend on the
 * strip a column falls in, nor on the range of columns a call takes (the kernel threads split a
 * call into ranges starting on multiples of four columns: each column keeps its strip width).
 * (Wider strips ran slower: V8 spills their accumulators.)
 */
import { backwardStrips, forwardStrips, madd, nmadd } from './normStrips';
import { load2, store2, total } from './pointwise';

/**
 * One strip's BatchNorm forward: its columns at `xs` (k: the byte offset of its first column in
 * the per-channel f64 vectors), two of them, or four when `wide`. Training: mean = x[0] + Σd/n and
 * variance = max(0, (Σd² − (Σd)²/n)/n) from d = x − x[0] (the first row shifts the data, so the
 * sums do not cancel when the mean is large against the spread); else both are read. Then
 * invStd = 1/√(variance + eps) and y = x·A + B with A = γ·invStd, B = β − mean·A (and x̂ at `hs`, when not 0).
 */
// @ts-ignore: decorator
@inline function forwardStrip<T>(
  wide: bool, n: i32, rowBytes: usize, xs: usize, ys: usize, hs: usize, training: i32, eps: v128, invN: v128,
  scale: usize, shift: usize, mean: usize, variance: usize, invStd: usize, k: usize,
): void {
  const S: usize = sizeof<T>();
  const zero = f64x2.splat(0);
  const end = xs + <usize>n * rowBytes;
  let m0 = zero, m1 = zero, v0 = zero, v1 = zero;
  if (training) {
    const x0 = load2<T>(xs), x1 = wide ? load2<T>(xs + 2 * S) : zero;
    let s0 = zero, s1 = zero, q0 = zero, q1 = zero;
    for (let at = xs; at < end; at += rowBytes) {
      const d0 = f64x2.sub(load2<T>(at), x0);
      s0 = f64x2.add(s0, d0);
      q0 = f64x2.add(q0, f64x2.mul(d0, d0));
      if (wide) {
        const d1 = f64x2.sub(load2<T>(at + 2 * S), x1);
        s1 = f64x2.add(s1, d1);
        q1 = f64x2.add(q1, f64x2.mul(d1, d1));
      }
    }
    m0 = f64x2.add(x0, f64x2.mul(s0, invN));
    v0 = f64x2.max(zero, f64x2.mul(f64x2.sub(q0, f64x2.mul(f64x2.mul(s0, s0), invN)), invN));
    v128.store(mean + k, m0);
    v128.store(variance + k, v0);
    if (wide) {
      m1 = f64x2.add(x1, f64x2.mul(s1, invN));
      v1 = f64x2.max(zero, f64x2.mul(f64x2.sub(q1, f64x2.mul(f64x2.mul(s1, s1), invN)), invN));
      v128.store(mean + k, m1, 16);
      v128.store(variance + k, v1, 16);
    }
  } else {
    m0 = v128.load(mean + k);
    v0 = v128.load(variance + k);
    if (wide) {
      m1 = v128.load(mean + k, 16);
      v1 = v128.load(variance + k, 16);
    }
  }
  const one = f64x2.splat(1);
  const i0 = f64x2.div(one, f64x2.sqrt(f64x2.add(v0, eps))), i1 = wide ? f64x2.div(one, f64x2.sqrt(f64x2.add(v1, eps))) : zero;
  const a0 = f64x2.mul(i0, v128.load(scale + k)), a1 = wide ? f64x2.mul(i1, v128.load(scale + k, 16)) : zero;
  const b0 = f64x2.sub(v128.load(shift + k), f64x2.mul(m0, a0)), b1 = wide ? f64x2.sub(v128.load(shift + k, 16), f64x2.mul(m1, a1)) : zero;
  v128.store(invStd + k, i0);
  if (wide) v128.store(invStd + k, i1, 16);
  let yat = ys;
  if (hs) {
    let hat = hs;
    for (let at = xs; at < end; at += rowBytes) {
      const x0 = load2<T>(at);
      store2<T>(hat, f64x2.mul(f64x2.sub(x0, m0), i0));
      store2<T>(yat, madd(x0, a0, b0));
      if (wide) {
        const x1 = load2<T>(at + 2 * S);
        store2<T>(hat + 2 * S, f64x2.mul(f64x2.sub(x1, m1), i1));
        store2<T>(yat + 2 * S, madd(x1, a1, b1));
      }
      yat += rowBytes;
      hat += rowBytes;
    }
    return;
  }
  for (let at = xs; at < end; at += rowBytes) {
    store2<T>(yat, madd(load2<T>(at), a0, b0));
    if (wide) store2<T>(yat + 2 * S, madd(load2<T>(at + 2 * S), a1, b1));
    yat += rowBytes;
  }
}

/** forwardStrip for a single column j (the last one, when c is odd). */
function forwardColumn<T>(
  n: i32, ld: i32, j: i32, x: usize, y: usize, xHat: usize, training: i32, eps: f64,
  scale: usize, shift: usize, mean: usize, variance: usize, invStd: usize,
): void {
  const S: usize = sizeof<T>();
  const k = <usize>j * 8, invN = 1 / <f64>n;
  if (training) {
    const x0 = <f64>load<T>(x + <usize>j * S);
    let s: f64 = 0, q: f64 = 0;
    for (let r = 0; r < n; r++) {
      const d = <f64>load<T>(x + <usize>(r * ld + j) * S) - x0;
      s += d;
      q += d * d;
    }
    store<f64>(mean + k, x0 + s * invN);
    store<f64>(variance + k, Math.max(0, (q - s * s * invN) * invN));
  }
  const mu = load<f64>(mean + k), is = 1 / Math.sqrt(load<f64>(variance + k) + eps);
  const a = is * load<f64>(scale + k), b = load<f64>(shift + k) - mu * a;
  store<f64>(invStd + k, is);
  for (let r = 0; r < n; r++) {
    const o = <usize>(r * ld + j) * S;
    const v = <f64>load<T>(x + o);
    if (xHat) store<T>(xHat + o, ((v - mu) * is) as T);
    store<T>(y + o, (v * a + b) as T);
  }
}

/** BatchNorm forward over [n, c] rows `ld` elements apart (x, x̂, y alike); see KernelSet.batchNormForward. */
function batchNormForward<T>(
  n: i32, c: i32, ld: i32, x: usize, training: i32, eps: f64,
  scale: usize, shift: usize, mean: usize, variance: usize, invStd: usize, xHat: usize, y: usize,
): void {
  const S: usize = sizeof<T>();
  const rowBytes = <usize>ld * S;
  const invN = f64x2.splat(1 / <f64>n), eps2 = f64x2.splat(eps);
  let j = 0;
  if (training && !xHat) {
    j = c & ~3;
    if (j) forwardStrips<T>(n, rowBytes, j, x, y, eps, scale, shift, mean, variance, invStd);
  }
  for (; j + 4 <= c; j += 4) {
    const o = <usize>j * S;
    forwardStrip<T>(true, n, rowBytes, x + o, y + o, xHat ? xHat + o : 0, training, eps2, invN, scale, shift, mean, variance, invStd, <usize>j * 8);
  }
  if (j + 2 <= c) {
    const o = <usize>j * S;
    forwardStrip<T>(false, n, rowBytes, x + o, y + o, xHat ? xHat + o : 0, training, eps2, invN, scale, shift, mean, variance, invStd, <usize>j * 8);
    j += 2;
  }
  if (j < c) forwardColumn<T>(n, ld, j, x, y, xHat, training, eps, scale, shift, mean, variance, invStd);
}

export function batchNormForwardF32(
  n: i32, c: i32, ld: i32, x: usize, training: i32, eps: f64,
  scale: usize, shift: usize, mean: usize, variance: usize, invStd: usize, xHat: usize, y: usize,
): void {
  batchNormForward<f32>(n, c, ld, x, training, eps, scale, shift, mean, variance, invStd, xHat, y);
}

export function batchNormForwardF64(
  n: i32, c: i32, ld: i32, x: usize, training: i32, eps: f64,
  scale: usize, shift: usize, mean: usize, variance: usize, invStd: usize, xHat: usize, y: usize,
): void {
  batchNormForward<f64>(n, c, ld, x, training, eps, scale, shift, mean, variance, invStd, xHat, y);
}

/**
 * One strip's BatchNorm backward (two columns, or four when `wide`), x̂ = (x − mean)·invStd
 * recomputed from x: Σdy and Σdy·x̂ in one read of the strip's rows, then (when `dxs` is not 0)
 * dx = a·dy − a·Σdy/n − (x − mean)·e = a·dy − x·e + f per column, with a = γ·invStd,
 * e = invStd·a·Σ(dy·x̂)/n and f = mean·e − a·Σdy/n (e, f: 0 in eval).
 */
// @ts-ignore: decorator
@inline function backwardStrip<T>(
  wide: bool, n: i32, rowBytes: usize, dys: usize, xs: usize, dxs: usize, training: i32, nf: v128,
  mean: usize, invStd: usize, scale: usize, sumDy: usize, sumDyXHat: usize, k: usize,
): void {
  const S: usize = sizeof<T>();
  const zero = f64x2.splat(0);
  const end = dys + <usize>n * rowBytes;
  const m0 = v128.load(mean + k), m1 = wide ? v128.load(mean + k, 16) : zero;
  let g0 = zero, g1 = zero, h0 = zero, h1 = zero;
  let xat = xs;
  for (let dat = dys; dat < end; dat += rowBytes) {
    const d0 = load2<T>(dat);
    g0 = f64x2.add(g0, d0);
    h0 = madd(d0, f64x2.sub(load2<T>(xat), m0), h0);
    if (wide) {
      const d1 = load2<T>(dat + 2 * S);
      g1 = f64x2.add(g1, d1);
      h1 = madd(d1, f64x2.sub(load2<T>(xat + 2 * S), m1), h1);
    }
    xat += rowBytes;
  }
  const is0 = v128.load(invStd + k), is1 = wide ? v128.load(invStd + k, 16) : zero;
  const sh0 = f64x2.mul(h0, is0), sh1 = f64x2.mul(h1, is1);
  v128.store(sumDy + k, g0);
  v128.store(sumDyXHat + k, sh0);
  if (wide) {
    v128.store(sumDy + k, g1, 16);
    v128.store(sumDyXHat + k, sh1, 16);
  }
  if (!dxs) return;
  const a0 = f64x2.mul(v128.load(scale + k), is0), a1 = wide ? f64x2.mul(v128.load(scale + k, 16), is1) : zero;
  let e0 = zero, e1 = zero, f0 = zero, f1 = zero;
  if (training) {
    e0 = f64x2.mul(f64x2.div(f64x2.mul(a0, sh0), nf), is0);
    f0 = f64x2.sub(f64x2.mul(m0, e0), f64x2.div(f64x2.mul(a0, g0), nf));
    if (wide) {
      e1 = f64x2.mul(f64x2.div(f64x2.mul(a1, sh1), nf), is1);
      f1 = f64x2.sub(f64x2.mul(m1, e1), f64x2.div(f64x2.mul(a1, g1), nf));
    }
  }
  xat = xs;
  let dxat = dxs;
  for (let dat = dys; dat < end; dat += rowBytes) {
    store2<T>(dxat, nmadd(load2<T>(xat), e0, madd(a0, load2<T>(dat), f0)));
    if (wide) store2<T>(dxat + 2 * S, nmadd(load2<T>(xat + 2 * S), e1, madd(a1, load2<T>(dat + 2 * S), f1)));
    xat += rowBytes;
    dxat += rowBytes;
  }
}

/** backwardStrip for a single column j (the last one, when c is odd). */
function backwardColumn<T>(
  n: i32, ld: i32, j: i32, dy: usize, x: usize, dx: usize, training: i32,
  mean: usize, invStd: usize, scale: usize, sumDy: usize, sumDyXHat: usize,
): void {
  const S: usize = sizeof<T>();
  const k = <usize>j * 8;
  const mu = load<f64>(mean + k), is = load<f64>(invStd + k);
  let g: f64 = 0, h: f64 = 0;
  for (let r = 0; r < n; r++) {
    const o = <usize>(r * ld + j) * S;
    const d = <f64>load<T>(dy + o);
    g += d;
    h += d * (<f64>load<T>(x + o) - mu);
  }
  const sh = h * is;
  store<f64>(sumDy + k, g);
  store<f64>(sumDyXHat + k, sh);
  if (!dx) return;
  const a = load<f64>(scale + k) * is;
  const e = training ? ((a * sh) / <f64>n) * is : 0;
  const f = training ? mu * e - (a * g) / <f64>n : 0;
  for (let r = 0; r < n; r++) {
    const o = <usize>(r * ld + j) * S;
    store<T>(dx + o, (a * <f64>load<T>(dy + o) - <f64>load<T>(x + o) * e + f) as T);
  }
}

/**
 * BatchNorm backward over [n, c] rows `ld` elements apart (dy, x, dx alike); see KernelSet.batchNormBackward
 * and backwardStrip. `sumDy`, `sumDyXHat` are overwritten; `dx` 0 means none.
 */
function batchNormBackward<T>(
  n: i32, c: i32, ld: i32, dy: usize, x: usize, mean: usize, training: i32,
  invStd: usize, scale: usize, sumDy: usize, sumDyXHat: usize, dx: usize,
): void {
  const S: usize = sizeof<T>();
  const rowBytes = <usize>ld * S;
  const nf = f64x2.splat(<f64>n);
  let j = 0;
  if (training && dx) {
    j = c & ~3;
    if (j) backwardStrips<T>(n, rowBytes, j, dy, x, dx, mean, invStd, scale, sumDy, sumDyXHat);
  }
  for (; j + 4 <= c; j += 4) {
    const o = <usize>j * S;
    backwardStrip<T>(true, n, rowBytes, dy + o, x + o, dx ? dx + o : 0, training, nf, mean, invStd, scale, sumDy, sumDyXHat, <usize>j * 8);
  }
  if (j + 2 <= c) {
    const o = <usize>j * S;
    backwardStrip<T>(false, n, rowBytes, dy + o, x + o, dx ? dx + o : 0, training, nf, mean, invStd, scale, sumDy, sumDyXHat, <usize>j * 8);
    j += 2;
  }
  if (j < c) backwardColumn<T>(n, ld, j, dy, x, dx, training, mean, invStd, scale, sumDy, sumDyXHat);
}

export function batchNormBackwardF32(
  n: i32, c: i32, ld: i32, dy: usize, x: usize, mean: usize, training: i32,
  invStd: usize, scale: usize, sumDy: usize, sumDyXHat: usize, dx: usize,
): void {
  batchNormBackward<f32>(n, c, ld, dy, x, mean, training, invStd, scale, sumDy, sumDyXHat, dx);
}

export function batchNormBackwardF64(
  n: i32, c: i32, ld: i32, dy: usize, x: usize, mean: usize, training: i32,
  invStd: usize, scale: usize, sumDy: usize, sumDyXHat: usize, dx: usize,
): void {
  batchNormBackward<f64>(n, c, ld, dy, x, mean, training, invStd, scale, sumDy, sumDyXHat, dx);
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
