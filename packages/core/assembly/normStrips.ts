/**
 * BatchNorm's training passes over strips of four columns, software-pipelined: one loop down a
 * strip's rows writes that strip's outputs (y in forward, dx in backward) and sums the next strip
 * (Σd and Σd² of forward, Σdy and Σdy·(x − mean) of backward). Run one after the other, a strip's
 * sums are bound by their additions and its output pass by its loads and stores, and neither
 * overlaps the other; in one loop they do. `norm.ts` calls these for every strip of four columns
 * of a training forward without x̂ and of a training backward with dx; the other cases, and the
 * last one to three columns, go through its strip and column functions.
 *
 * The arithmetic is that of `norm.ts`'s strip functions, column by column, so a column's results
 * do not depend on the path that computed it: the per-element multiply-adds (y, dx, Σdy·(x − mean))
 * are fused where relaxed SIMD is on, and Σd² keeps a separate multiply and add (fused, its chain
 * waited on the fused operation's longer latency every row, and forward ran slower).
 */
import { load2, store2 } from './pointwise';

/** `a·b + c`, lane-wise in f64, fused where relaxed SIMD is on. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(f64x2.mul(a, b), c);
}

/** `c − a·b`, lane-wise in f64, fused where relaxed SIMD is on. */
// @ts-ignore: decorator
@inline export function nmadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_nmadd(a, b, c);
  return f64x2.sub(c, f64x2.mul(a, b));
}

/**
 * Training forward without x̂ over the strips of four columns in [0, c4) (c4 a multiple of four,
 * at least four): per column, d = x − x[0] (the first row shifts the data, so the sums do not
 * cancel when the mean is large against the spread), mean = x[0] + Σd/n, variance = max(0,
 * (Σd² − (Σd)²/n)/n), invStd = 1/√(variance + eps), y = x·A + B with A = γ·invStd and
 * B = β − mean·A. `rowBytes` is the byte stride of x's and y's rows.
 */
export function forwardStrips<T>(
  n: i32, rowBytes: usize, c4: i32, x: usize, y: usize, epsilon: f64,
  scale: usize, shift: usize, mean: usize, variance: usize, invStd: usize,
): void {
  const S: usize = sizeof<T>();
  const zero = f64x2.splat(0), one = f64x2.splat(1), eps = f64x2.splat(epsilon), invN = f64x2.splat(1 / <f64>n);
  const span = <usize>n * rowBytes;
  // the first strip's sums, alone
  let p0 = load2<T>(x), p1 = load2<T>(x + 2 * S);
  let s0 = zero, s1 = zero, q0 = zero, q1 = zero;
  for (let at = x, end = x + span; at < end; at += rowBytes) {
    const d0 = f64x2.sub(load2<T>(at), p0);
    s0 = f64x2.add(s0, d0);
    q0 = f64x2.add(q0, f64x2.mul(d0, d0));
    const d1 = f64x2.sub(load2<T>(at + 2 * S), p1);
    s1 = f64x2.add(s1, d1);
    q1 = f64x2.add(q1, f64x2.mul(d1, d1));
  }
  for (let j = 0; j < c4; j += 4) {
    const k = <usize>j * 8, xs = x + <usize>j * S, end = xs + span;
    const m0 = f64x2.add(p0, f64x2.mul(s0, invN)), m1 = f64x2.add(p1, f64x2.mul(s1, invN));
    const v0 = f64x2.max(zero, f64x2.mul(f64x2.sub(q0, f64x2.mul(f64x2.mul(s0, s0), invN)), invN));
    const v1 = f64x2.max(zero, f64x2.mul(f64x2.sub(q1, f64x2.mul(f64x2.mul(s1, s1), invN)), invN));
    v128.store(mean + k, m0);
    v128.store(mean + k, m1, 16);
    v128.store(variance + k, v0);
    v128.store(variance + k, v1, 16);
    const i0 = f64x2.div(one, f64x2.sqrt(f64x2.add(v0, eps))), i1 = f64x2.div(one, f64x2.sqrt(f64x2.add(v1, eps)));
    v128.store(invStd + k, i0);
    v128.store(invStd + k, i1, 16);
    const a0 = f64x2.mul(i0, v128.load(scale + k)), a1 = f64x2.mul(i1, v128.load(scale + k, 16));
    const b0 = f64x2.sub(v128.load(shift + k), f64x2.mul(m0, a0)), b1 = f64x2.sub(v128.load(shift + k, 16), f64x2.mul(m1, a1));
    let yat = y + <usize>j * S;
    if (j + 4 < c4) {
      // this strip's y, and the next strip's sums
      p0 = load2<T>(xs + 4 * S);
      p1 = load2<T>(xs + 6 * S);
      s0 = zero;
      s1 = zero;
      q0 = zero;
      q1 = zero;
      for (let at = xs; at < end; at += rowBytes) {
        store2<T>(yat, madd(load2<T>(at), a0, b0));
        store2<T>(yat + 2 * S, madd(load2<T>(at + 2 * S), a1, b1));
        const d0 = f64x2.sub(load2<T>(at + 4 * S), p0);
        s0 = f64x2.add(s0, d0);
        q0 = f64x2.add(q0, f64x2.mul(d0, d0));
        const d1 = f64x2.sub(load2<T>(at + 6 * S), p1);
        s1 = f64x2.add(s1, d1);
        q1 = f64x2.add(q1, f64x2.mul(d1, d1));
        yat += rowBytes;
      }
    } else {
      for (let at = xs; at < end; at += rowBytes) {
        store2<T>(yat, madd(load2<T>(at), a0, b0));
        store2<T>(yat + 2 * S, madd(load2<T>(at + 2 * S), a1, b1));
        yat += rowBytes;
      }
    }
  }
}

/**
 * Training backward with dx over the strips of four columns in [0, c4) (c4 a multiple of four, at
 * least four), x̂ = (x − mean)·invStd recomputed from x: Σdy, Σdy·x̂, then dx = a·dy − x·e + f with
 * a = γ·invStd, e = invStd·a·Σ(dy·x̂)/n and f = mean·e − a·Σdy/n.
 */
export function backwardStrips<T>(
  n: i32, rowBytes: usize, c4: i32, dy: usize, x: usize, dx: usize,
  mean: usize, invStd: usize, scale: usize, sumDy: usize, sumDyXHat: usize,
): void {
  const S: usize = sizeof<T>();
  const zero = f64x2.splat(0), nf = f64x2.splat(<f64>n);
  const span = <usize>n * rowBytes;
  // the first strip's sums, alone
  let m0 = v128.load(mean), m1 = v128.load(mean, 16);
  let g0 = zero, g1 = zero, h0 = zero, h1 = zero;
  let xat = x;
  for (let dat = dy, end = dy + span; dat < end; dat += rowBytes) {
    const d0 = load2<T>(dat);
    g0 = f64x2.add(g0, d0);
    h0 = madd(d0, f64x2.sub(load2<T>(xat), m0), h0);
    const d1 = load2<T>(dat + 2 * S);
    g1 = f64x2.add(g1, d1);
    h1 = madd(d1, f64x2.sub(load2<T>(xat + 2 * S), m1), h1);
    xat += rowBytes;
  }
  for (let j = 0; j < c4; j += 4) {
    const k = <usize>j * 8, o = <usize>j * S;
    const is0 = v128.load(invStd + k), is1 = v128.load(invStd + k, 16);
    const sh0 = f64x2.mul(h0, is0), sh1 = f64x2.mul(h1, is1);
    v128.store(sumDy + k, g0);
    v128.store(sumDy + k, g1, 16);
    v128.store(sumDyXHat + k, sh0);
    v128.store(sumDyXHat + k, sh1, 16);
    const a0 = f64x2.mul(v128.load(scale + k), is0), a1 = f64x2.mul(v128.load(scale + k, 16), is1);
    const e0 = f64x2.mul(f64x2.div(f64x2.mul(a0, sh0), nf), is0), e1 = f64x2.mul(f64x2.div(f64x2.mul(a1, sh1), nf), is1);
    const f0 = f64x2.sub(f64x2.mul(m0, e0), f64x2.div(f64x2.mul(a0, g0), nf));
    const f1 = f64x2.sub(f64x2.mul(m1, e1), f64x2.div(f64x2.mul(a1, g1), nf));
    const dys = dy + o, end = dys + span;
    xat = x + o;
    let dxat = dx + o;
    if (j + 4 < c4) {
      // this strip's dx, and the next strip's sums
      m0 = v128.load(mean + k, 32);
      m1 = v128.load(mean + k, 48);
      g0 = zero;
      g1 = zero;
      h0 = zero;
      h1 = zero;
      for (let dat = dys; dat < end; dat += rowBytes) {
        store2<T>(dxat, nmadd(load2<T>(xat), e0, madd(a0, load2<T>(dat), f0)));
        store2<T>(dxat + 2 * S, nmadd(load2<T>(xat + 2 * S), e1, madd(a1, load2<T>(dat + 2 * S), f1)));
        const d0 = load2<T>(dat + 4 * S);
        g0 = f64x2.add(g0, d0);
        h0 = madd(d0, f64x2.sub(load2<T>(xat + 4 * S), m0), h0);
        const d1 = load2<T>(dat + 6 * S);
        g1 = f64x2.add(g1, d1);
        h1 = madd(d1, f64x2.sub(load2<T>(xat + 6 * S), m1), h1);
        xat += rowBytes;
        dxat += rowBytes;
      }
    } else {
      for (let dat = dys; dat < end; dat += rowBytes) {
        store2<T>(dxat, nmadd(load2<T>(xat), e0, madd(a0, load2<T>(dat), f0)));
        store2<T>(dxat + 2 * S, nmadd(load2<T>(xat + 2 * S), e1, madd(a1, load2<T>(dat + 2 * S), f1)));
        xat += rowBytes;
        dxat += rowBytes;
      }
    }
  }
}
