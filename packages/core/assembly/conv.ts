/**
 * What a convolution needs around its GEMM, on wasm memory: im2col, col2im and the [c, n, l] ↔
 * [n, c, l] permutations (see SpatialKernels in src/kernels/spatialKernelSet.ts). Addresses are
 * bytes, counts elements. A window row that lies inside the input is copied (stride 1) or gathered
 * (stride 2: two vectors shuffled into one) a vector at a time; padding is written as zero runs.
 */
/** dst[t] = src[t] for `count` elements of T. */
// @ts-ignore: decorator
@inline function copyRun<T>(dst: usize, src: usize, count: i32): void {
  const bytes = <usize>count * sizeof<T>();
  let o: usize = 0;
  for (; o + 16 <= bytes; o += 16) v128.store(dst + o, v128.load(src + o));
  for (; o < bytes; o += sizeof<T>()) store<T>(dst + o, load<T>(src + o));
}

/** dst[t] = 0 for `count` elements of T. */
// @ts-ignore: decorator
@inline export function zeroRun<T>(dst: usize, count: i32): void {
  const bytes = <usize>count * sizeof<T>();
  const zero = v128.splat<i32>(0);
  let o: usize = 0;
  for (; o + 16 <= bytes; o += 16) v128.store(dst + o, zero);
  for (; o < bytes; o += sizeof<T>()) store<T>(dst + o, 0 as T);
}

/** dst[t] = src[t·stride] for `count` elements of T (stride 2 two vectors at a time, never past src[2·(count−1)]). */
// @ts-ignore: decorator
@inline function gatherRun<T>(dst: usize, src: usize, count: i32, stride: i32): void {
  const S: usize = sizeof<T>();
  let t = 0;
  if (stride == 2) {
    const L: i32 = 16 / <i32>S;
    for (; t + L < count; t += L) {
      const at = src + <usize>(2 * t) * S;
      const a = v128.load(at), b = v128.load(at, 16);
      if (S == 4) v128.store(dst + <usize>t * S, v128.shuffle<f32>(a, b, 0, 2, 4, 6));
      else v128.store(dst + <usize>t * S, v128.shuffle<f64>(a, b, 0, 2));
    }
  }
  for (; t < count; t++) store<T>(dst + <usize>t * S, load<T>(src + <usize>(t * stride) * S));
}

/** dst[t·stride] += src[t] for `count` elements of T. */
// @ts-ignore: decorator
@inline function scatterAddRun<T>(dst: usize, src: usize, count: i32, stride: i32): void {
  const S: usize = sizeof<T>();
  let t = 0;
  if (stride == 1) {
    const L: i32 = 16 / <i32>S;
    for (; t + L <= count; t += L) {
      const o = <usize>t * S;
      v128.store(dst + o, v128.add<T>(v128.load(dst + o), v128.load(src + o)));
    }
  }
  for (; t < count; t++) {
    const d = dst + <usize>(t * stride) * S;
    store<T>(d, load<T>(d) + load<T>(src + <usize>t * S));
  }
}

/** ceil(a / b) for b > 0 and any sign of a. */
// @ts-ignore: decorator
@inline function ceilDiv(a: i32, b: i32): i32 {
  return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

/** The first output column whose window cell at column offset `offset` is inside the input. */
// @ts-ignore: decorator
@inline function firstInside(offset: i32, stride: i32, out: i32): i32 {
  return min(out, max(0, ceilDiv(-offset, stride)));
}

/** One past the last such column. */
// @ts-ignore: decorator
@inline function endInside(offset: i32, stride: i32, w: i32, out: i32, lo: i32): i32 {
  return max(lo, min(out, ceilDiv(w - offset, stride)));
}

function im2col<T>(
  n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  outH: i32, outW: i32, x: usize, cols: usize, kStride: i32, bStride: i32,
): void {
  const S: usize = sizeof<T>();
  for (let ci = 0; ci < c; ci++) {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const k = (ci * kh + i) * kw + j;
        const offset = j * dw - pl;
        const lo = firstInside(offset, sw, outW), hi = endInside(offset, sw, w, outW, lo);
        for (let b = 0; b < n; b++) {
          const plane = (b * c + ci) * h * w;
          let dst = cols + (<usize>k * <usize>kStride + <usize>b * <usize>bStride) * S;
          for (let oh = 0; oh < outH; oh++) {
            const ih = oh * sh - pt + i * dh;
            if (ih < 0 || ih >= h) {
              zeroRun<T>(dst, outW);
            } else {
              zeroRun<T>(dst, lo);
              const src = x + <usize>(plane + ih * w + offset + lo * sw) * S;
              if (sw == 1) copyRun<T>(dst + <usize>lo * S, src, hi - lo);
              else gatherRun<T>(dst + <usize>lo * S, src, hi - lo, sw);
              zeroRun<T>(dst + <usize>hi * S, outW - hi);
            }
            dst += <usize>outW * S;
          }
        }
      }
    }
  }
}

export function im2colF32(
  n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  outH: i32, outW: i32, x: usize, cols: usize, kStride: i32, bStride: i32,
): void {
  im2col<f32>(n, c, h, w, kh, kw, sh, sw, pt, pl, dh, dw, outH, outW, x, cols, kStride, bStride);
}

export function im2colF64(
  n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  outH: i32, outW: i32, x: usize, cols: usize, kStride: i32, bStride: i32,
): void {
  im2col<f64>(n, c, h, w, kh, kw, sh, sw, pt, pl, dh, dw, outH, outW, x, cols, kStride, bStride);
}

function col2im<T>(
  n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  outH: i32, outW: i32, cols: usize, kStride: i32, bStride: i32, dx: usize,
): void {
  const S: usize = sizeof<T>();
  zeroRun<T>(dx, n * c * h * w);
  for (let ci = 0; ci < c; ci++) {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const k = (ci * kh + i) * kw + j;
        const offset = j * dw - pl;
        const lo = firstInside(offset, sw, outW), hi = endInside(offset, sw, w, outW, lo);
        if (hi == lo) continue;
        for (let b = 0; b < n; b++) {
          const plane = (b * c + ci) * h * w;
          let src = cols + (<usize>k * <usize>kStride + <usize>b * <usize>bStride + <usize>lo) * S;
          for (let oh = 0; oh < outH; oh++) {
            const ih = oh * sh - pt + i * dh;
            if (ih >= 0 && ih < h) scatterAddRun<T>(dx + <usize>(plane + ih * w + offset + lo * sw) * S, src, hi - lo, sw);
            src += <usize>outW * S;
          }
        }
      }
    }
  }
}

export function col2imF32(
  n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  outH: i32, outW: i32, cols: usize, kStride: i32, bStride: i32, dx: usize,
): void {
  col2im<f32>(n, c, h, w, kh, kw, sh, sw, pt, pl, dh, dw, outH, outW, cols, kStride, bStride, dx);
}

export function col2imF64(
  n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  outH: i32, outW: i32, cols: usize, kStride: i32, bStride: i32, dx: usize,
): void {
  col2im<f64>(n, c, h, w, kh, kw, sh, sw, pt, pl, dh, dw, outH, outW, cols, kStride, bStride, dx);
}

/** [c, n, l] → [n, c, l] with bias[ch] (f64; `bias` 0 means none) added. */
function cnlToNcl<T>(c: i32, n: i32, l: i32, src: usize, bias: usize, y: usize): void {
  const S: usize = sizeof<T>();
  const L: i32 = 16 / <i32>S;
  for (let ch = 0; ch < c; ch++) {
    const add: T = bias ? load<f64>(bias + <usize>ch * 8) as T : 0 as T;
    const add4 = v128.splat<T>(add);
    for (let b = 0; b < n; b++) {
      const from = src + <usize>(ch * n + b) * <usize>l * S, to = y + <usize>(b * c + ch) * <usize>l * S;
      let t = 0;
      for (; t + L <= l; t += L) v128.store(to + <usize>t * S, v128.add<T>(v128.load(from + <usize>t * S), add4));
      for (; t < l; t++) store<T>(to + <usize>t * S, load<T>(from + <usize>t * S) + add);
    }
  }
}

export function cnlToNclF32(c: i32, n: i32, l: i32, src: usize, bias: usize, y: usize): void { cnlToNcl<f32>(c, n, l, src, bias, y); }
export function cnlToNclF64(c: i32, n: i32, l: i32, src: usize, bias: usize, y: usize): void { cnlToNcl<f64>(c, n, l, src, bias, y); }

/** [n, c, l] → [c, n, l], and sums[ch] (f64; `sums` 0 means none) = Σ over b and t. */
function nclToCnl<T>(n: i32, c: i32, l: i32, src: usize, dst: usize, sums: usize): void {
  const S: usize = sizeof<T>();
  if (sums) zeroRun<f64>(sums, c);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const from = src + <usize>(b * c + ch) * <usize>l * S, to = dst + <usize>(ch * n + b) * <usize>l * S;
      if (!sums) {
        copyRun<T>(to, from, l);
        continue;
      }
      let s0 = f64x2.splat(0), s1 = s0;
      let t = 0;
      for (; t + 4 <= l; t += 4) {
        const o = <usize>t * S;
        if (S == 4) {
          const v = v128.load(from + o);
          v128.store(to + o, v);
          s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
          s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
        } else {
          const v0 = v128.load(from + o), v1 = v128.load(from + o, 16);
          v128.store(to + o, v0);
          v128.store(to + o, v1, 16);
          s0 = f64x2.add(s0, v0);
          s1 = f64x2.add(s1, v1);
        }
      }
      const both = f64x2.add(s0, s1);
      let s = f64x2.extract_lane(both, 0) + f64x2.extract_lane(both, 1);
      for (; t < l; t++) {
        const v = load<T>(from + <usize>t * S);
        store<T>(to + <usize>t * S, v);
        s += <f64>v;
      }
      const at = sums + <usize>ch * 8;
      store<f64>(at, load<f64>(at) + s);
    }
  }
}

export function nclToCnlF32(n: i32, c: i32, l: i32, src: usize, dst: usize, sums: usize): void { nclToCnl<f32>(n, c, l, src, dst, sums); }
export function nclToCnlF64(n: i32, c: i32, l: i32, src: usize, dst: usize, sums: usize): void { nclToCnl<f64>(n, c, l, src, dst, sums); }
