/**
 * What the spatial norms (norm2d.ts) do over one contiguous run of a row or channel: the sums of
 * the forward's and the backward's statistics, and the elementwise passes that write y and dx.
 * f64 data sums in f64 two lanes at a time; f32 data sums in f32 lanes over short blocks carried
 * into f64 (as PyTorch does on CPU), and its elementwise passes run four f32 lanes at a time from
 * f64 coefficients. Results that are two come back through a module global (`shiftedSquares`,
 * `dyDeviation`), read right after the call.
 */
import { load2, store2, total } from './pointwise';

/** Σ (p[t] − mu)² over `count` elements of T, in f64. */
// @ts-ignore: decorator
@inline export function squaredDeviations<T>(p: usize, count: i32, mu: f64): f64 {
  const S: usize = sizeof<T>();
  const m = f64x2.splat(mu);
  let a = f64x2.splat(0), b = a;
  let t = 0;
  for (; t + 4 <= count; t += 4) {
    const d0 = f64x2.sub(load2<T>(p + <usize>t * S), m), d1 = f64x2.sub(load2<T>(p + <usize>(t + 2) * S), m);
    a = f64x2.add(a, f64x2.mul(d0, d0));
    b = f64x2.add(b, f64x2.mul(d1, d1));
  }
  let s = total(f64x2.add(a, b));
  for (; t < count; t++) {
    const d = <f64>load<T>(p + <usize>t * S) - mu;
    s += d * d;
  }
  return s;
}

/** The second result of shiftedSums: Σ (p[t] − k)². */
export let shiftedSquares: f64 = 0;

/**
 * Σ (p[t] − k) over `count` elements of T, in f64, and Σ (p[t] − k)² into `shiftedSquares`, in one
 * read. With k one of the data, σ² = Σ(x − k)²/m − (Σ(x − k)/m)² keeps its precision even where the
 * mean dwarfs the spread (the shifted-data algorithm).
 */
// @ts-ignore: decorator
@inline export function shiftedSums<T>(p: usize, count: i32, k: f64): f64 {
  return sizeof<T>() == 4 ? shiftedSumsF32(p, count, k) : shiftedSumsF64(p, count, k);
}

/** shiftedSums for f64 data, two lanes at a time. */
// @ts-ignore: decorator
@inline function shiftedSumsF64(p: usize, count: i32, k: f64): f64 {
  const K = f64x2.splat(k);
  let a = f64x2.splat(0), b = a, qa = a, qb = a;
  let t = 0;
  for (; t + 4 <= count; t += 4) {
    const o = p + (<usize>t << 3);
    const d0 = f64x2.sub(v128.load(o), K), d1 = f64x2.sub(v128.load(o, 16), K);
    a = f64x2.add(a, d0);
    b = f64x2.add(b, d1);
    qa = f64x2.add(qa, f64x2.mul(d0, d0));
    qb = f64x2.add(qb, f64x2.mul(d1, d1));
  }
  let s = total(f64x2.add(a, b)), q = total(f64x2.add(qa, qb));
  for (; t < count; t++) {
    const d = load<f64>(p + (<usize>t << 3)) - k;
    s += d;
    q += d * d;
  }
  shiftedSquares = q;
  return s;
}

/** The second result of gradSums: Σ dy·(x − mu). */
export let dyDeviation: f64 = 0;

/** Σ dy over `count` elements of T, in f64; Σ dy·(x − mu) goes to `dyDeviation`. */
// @ts-ignore: decorator
@inline export function gradSums<T>(dy: usize, x: usize, count: i32, mu: f64): f64 {
  return sizeof<T>() == 4 ? gradSumsF32(dy, x, count, mu) : gradSumsF64(dy, x, count, mu);
}

/** gradSums for f64 data, two lanes at a time. */
// @ts-ignore: decorator
@inline function gradSumsF64(dy: usize, x: usize, count: i32, mu: f64): f64 {
  const m = f64x2.splat(mu);
  let g = f64x2.splat(0), gx = g, h = g, hx = g;
  let t = 0;
  for (; t + 4 <= count; t += 4) {
    const o = <usize>t << 3;
    const d0 = v128.load(dy + o), d1 = v128.load(dy + o, 16);
    g = f64x2.add(g, d0);
    h = f64x2.add(h, d1);
    gx = f64x2.add(gx, f64x2.mul(d0, f64x2.sub(v128.load(x + o), m)));
    hx = f64x2.add(hx, f64x2.mul(d1, f64x2.sub(v128.load(x + o, 16), m)));
  }
  let sg = total(f64x2.add(g, h)), sgx = total(f64x2.add(gx, hx));
  for (; t < count; t++) {
    const o = <usize>t << 3;
    const d = load<f64>(dy + o);
    sg += d;
    sgx += d * (load<f64>(x + o) - mu);
  }
  dyDeviation = sgx;
  return sg;
}

/** `a·b + c` in f32 lanes, fused where relaxed SIMD is on. */
// @ts-ignore: decorator
@inline function maddF32(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/**
 * Elements of f32 data summed in f32 lanes before the partial sums join the f64 totals: each lane
 * adds 16 terms (two accumulators of 8), so a partial sum is within a few f32 ulps, and the f64
 * totals over a whole row or channel lose nothing further (PyTorch's CPU kernels sum f32 in f32
 * cascades). A multiple of 8.
 */
const BLOCK: i32 = 64;

/** The four lanes of an f32x4 as two f64 pair sums (lanes 0 + 2 and 1 + 3). */
// @ts-ignore: decorator
@inline function widen(v: v128): v128 {
  const high = i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
  return f64x2.add(f64x2.promote_low_f32x4(v), f64x2.promote_low_f32x4(high));
}

/** shiftedSums for f32 data: blocks of BLOCK elements in f32 lanes, carried into f64. */
// @ts-ignore: decorator
@inline function shiftedSumsF32(p: usize, count: i32, k: f64): f64 {
  const K = f32x4.splat(<f32>k);
  let s = f64x2.splat(0), q = s;
  const whole = count & ~7;
  let t = 0;
  while (t < whole) {
    const end = min(whole, t + BLOCK);
    let a = f32x4.splat(0), b = a, qa = a, qb = a;
    for (; t < end; t += 8) {
      const o = p + (<usize>t << 2);
      const d0 = f32x4.sub(v128.load(o), K), d1 = f32x4.sub(v128.load(o, 16), K);
      a = f32x4.add(a, d0);
      b = f32x4.add(b, d1);
      qa = maddF32(d0, d0, qa);
      qb = maddF32(d1, d1, qb);
    }
    s = f64x2.add(s, widen(f32x4.add(a, b)));
    q = f64x2.add(q, widen(f32x4.add(qa, qb)));
  }
  let ss = total(s), qq = total(q);
  for (; t < count; t++) {
    const d = <f64>load<f32>(p + (<usize>t << 2)) - k;
    ss += d;
    qq += d * d;
  }
  shiftedSquares = qq;
  return ss;
}

/** gradSums for f32 data: x − mu in f32 lanes (mu split in two f32 parts), sums in blocks as shiftedSumsF32. */
// @ts-ignore: decorator
@inline function gradSumsF32(dy: usize, x: usize, count: i32, mu: f64): f64 {
  const hi = <f32>mu;
  const H = f32x4.splat(hi), Lo = f32x4.splat(<f32>(mu - <f64>hi));
  let sg = f64x2.splat(0), sgx = sg;
  const whole = count & ~7;
  let t = 0;
  while (t < whole) {
    const end = min(whole, t + BLOCK);
    let g = f32x4.splat(0), h = g, gx = g, hx = g;
    for (; t < end; t += 8) {
      const o = <usize>t << 2;
      const d0 = v128.load(dy + o), d1 = v128.load(dy + o, 16);
      const e0 = f32x4.sub(f32x4.sub(v128.load(x + o), H), Lo), e1 = f32x4.sub(f32x4.sub(v128.load(x + o, 16), H), Lo);
      g = f32x4.add(g, d0);
      h = f32x4.add(h, d1);
      gx = maddF32(d0, e0, gx);
      hx = maddF32(d1, e1, hx);
    }
    sg = f64x2.add(sg, widen(f32x4.add(g, h)));
    sgx = f64x2.add(sgx, widen(f32x4.add(gx, hx)));
  }
  let s = total(sg), sx = total(sgx);
  for (; t < count; t++) {
    const o = <usize>t << 2;
    const d = <f64>load<f32>(dy + o);
    s += d;
    sx += d * (<f64>load<f32>(x + o) - mu);
  }
  dyDeviation = sx;
  return s;
}

/**
 * y = (x − mu)·is·sc + sh over `count` elements. f32 data runs four lanes of f32 with the f64 mean
 * split into two f32 parts (x − hi − lo loses nothing that matters where x is near the mean) and the
 * f64 factors rounded once: a fifth of the f64 path's instructions, within a few f32 ulps of it.
 */
// @ts-ignore: decorator
@inline export function normalizeRun<T>(x: usize, y: usize, count: i32, mu: f64, is: f64, sc: f64, sh: f64): void {
  const S: usize = sizeof<T>();
  let t = 0;
  if (sizeof<T>() == 4) {
    const hi = <f32>mu;
    const H = f32x4.splat(hi), Lo = f32x4.splat(<f32>(mu - <f64>hi)), A = f32x4.splat(<f32>(is * sc)), B = f32x4.splat(<f32>sh);
    for (; t + 4 <= count; t += 4) {
      const o = <usize>t * 4;
      v128.store(y + o, maddF32(f32x4.sub(f32x4.sub(v128.load(x + o), H), Lo), A, B));
    }
  } else {
    const m = f64x2.splat(mu), i2 = f64x2.splat(is), s2 = f64x2.splat(sc), h2 = f64x2.splat(sh);
    for (; t + 2 <= count; t += 2) {
      const o = <usize>t * S;
      store2<T>(y + o, f64x2.add(f64x2.mul(f64x2.mul(f64x2.sub(load2<T>(x + o), m), i2), s2), h2));
    }
  }
  for (; t < count; t++) {
    const o = <usize>t * S;
    store<T>(y + o, <T>((<f64>load<T>(x + o) - mu) * is * sc + sh));
  }
}

/** dx = a·dy − b − (x − mu)·is·e over `count` elements (f32 data in f32 lanes, as normalizeRun). */
// @ts-ignore: decorator
@inline export function gradRun<T>(dy: usize, x: usize, dx: usize, count: i32, mu: f64, is: f64, a: f64, b: f64, e: f64): void {
  const S: usize = sizeof<T>();
  let t = 0;
  if (sizeof<T>() == 4) {
    const hi = <f32>mu;
    const H = f32x4.splat(hi), Lo = f32x4.splat(<f32>(mu - <f64>hi));
    const A = f32x4.splat(<f32>a), NB = f32x4.splat(<f32>-b), NE = f32x4.splat(<f32>-(is * e));
    for (; t + 4 <= count; t += 4) {
      const o = <usize>t * 4;
      const d = f32x4.sub(f32x4.sub(v128.load(x + o), H), Lo);
      v128.store(dx + o, maddF32(d, NE, maddF32(A, v128.load(dy + o), NB)));
    }
  } else {
    const m = f64x2.splat(mu), i2 = f64x2.splat(is), a2 = f64x2.splat(a), b2 = f64x2.splat(b), e2 = f64x2.splat(e);
    for (; t + 2 <= count; t += 2) {
      const o = <usize>t * S;
      const h = f64x2.mul(f64x2.sub(load2<T>(x + o), m), i2);
      store2<T>(dx + o, f64x2.sub(f64x2.sub(f64x2.mul(a2, load2<T>(dy + o)), b2), f64x2.mul(h, e2)));
    }
  }
  for (; t < count; t++) {
    const o = <usize>t * S;
    store<T>(dx + o, <T>(a * <f64>load<T>(dy + o) - b - (<f64>load<T>(x + o) - mu) * is * e));
  }
}
