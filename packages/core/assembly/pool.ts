/**
 * Max and average pooling over [n, c, h, w] planes on wasm memory (see SpatialKernels in
 * src/kernels/spatialKernelSet.ts). Indices are i32 positions within a plane; sums run in f64.
 * The 2×2, stride-2 max pool without padding (a convnet's usual pool) runs four f32 outputs per
 * step: the even and odd columns of two input rows are shuffled apart and compared lane-wise.
 */
import { zeroRun } from './conv';

/** Four f32 outputs of a 2×2 stride-2 max pool from rows r0, r1 at column 2·ow; returns the next ow. */
// @ts-ignore: decorator
@inline function maxPool2x2RowF32(r0: usize, r1: usize, rowIndex: i32, outW: i32, w: i32, y: usize, idx: usize): i32 {
  let ow = 0;
  const one = i32x4.splat(1), down = i32x4.splat(w), diagonal = i32x4.splat(w + 1);
  for (; ow + 4 <= outW; ow += 4) {
    const o = <usize>(2 * ow) * 4;
    const a0 = v128.load(r0 + o), a1 = v128.load(r0 + o, 16);
    const b0 = v128.load(r1 + o), b1 = v128.load(r1 + o, 16);
    let m = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6);
    let off = i32x4.splat(0);
    let v = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
    let take = v128.or(f32x4.gt(v, m), f32x4.ne(v, v));
    m = v128.bitselect(v, m, take);
    off = v128.bitselect(one, off, take);
    v = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
    take = v128.or(f32x4.gt(v, m), f32x4.ne(v, v));
    m = v128.bitselect(v, m, take);
    off = v128.bitselect(down, off, take);
    v = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
    take = v128.or(f32x4.gt(v, m), f32x4.ne(v, v));
    m = v128.bitselect(v, m, take);
    off = v128.bitselect(diagonal, off, take);
    v128.store(y + <usize>ow * 4, m);
    const base = i32x4.add(i32x4.splat(rowIndex + 2 * ow), i32x4(0, 2, 4, 6));
    v128.store(idx + <usize>ow * 4, i32x4.add(base, off));
  }
  return ow;
}

function maxPoolForward<T>(
  n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  outH: i32, outW: i32, x: usize, y: usize, idx: usize,
): void {
  const S: usize = sizeof<T>();
  const fast = sizeof<T>() == 4 && kh == 2 && kw == 2 && sh == 2 && sw == 2 && pt == 0 && pl == 0 && dh == 1 && dw == 1;
  let o: usize = 0;
  for (let p = 0; p < n * c; p++) {
    const plane = x + <usize>p * <usize>(h * w) * S;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = oh * sh - pt;
      let ow = 0;
      if (fast) {
        const r0 = plane + <usize>(2 * oh * w) * S;
        ow = maxPool2x2RowF32(r0, r0 + <usize>w * S, 2 * oh * w, outW, w, y + o * S, idx + o * 4);
      }
      for (; ow < outW; ow++) {
        const w0 = ow * sw - pl;
        let best = <T>(-Infinity);
        let at = -1;
        for (let i = 0; i < kh; i++) {
          const ih = h0 + i * dh;
          if (ih < 0 || ih >= h) continue;
          for (let j = 0; j < kw; j++) {
            const iw = w0 + j * dw;
            if (iw < 0 || iw >= w) continue;
            const v = load<T>(plane + <usize>(ih * w + iw) * S);
            if (at < 0) at = ih * w + iw;
            if (v > best || v != v) {
              best = v;
              at = ih * w + iw;
            }
          }
        }
        store<T>(y + (o + <usize>ow) * S, best);
        store<i32>(idx + (o + <usize>ow) * 4, at);
      }
      o += <usize>outW;
    }
  }
}

export function maxPool2dForwardF32(
  n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  outH: i32, outW: i32, x: usize, y: usize, idx: usize,
): void {
  maxPoolForward<f32>(n, c, h, w, kh, kw, sh, sw, pt, pl, dh, dw, outH, outW, x, y, idx);
}

export function maxPool2dForwardF64(
  n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  outH: i32, outW: i32, x: usize, y: usize, idx: usize,
): void {
  maxPoolForward<f64>(n, c, h, w, kh, kw, sh, sw, pt, pl, dh, dw, outH, outW, x, y, idx);
}

/** dx (planes·hw, overwritten) += dy at each output's index (none for −1: a window without input cells). */
function maxPoolBackward<T>(planes: i32, hw: i32, l: i32, dy: usize, idx: usize, dx: usize): void {
  const S: usize = sizeof<T>();
  zeroRun<T>(dx, planes * hw);
  let o: usize = 0;
  for (let p = 0; p < planes; p++) {
    const plane = dx + <usize>p * <usize>hw * S;
    for (let t = 0; t < l; t++, o++) {
      const k = load<i32>(idx + o * 4);
      if (k < 0) continue;
      const at = plane + <usize>k * S;
      store<T>(at, load<T>(at) + load<T>(dy + o * S));
    }
  }
}

export function maxPool2dBackwardF32(planes: i32, hw: i32, l: i32, dy: usize, idx: usize, dx: usize): void { maxPoolBackward<f32>(planes, hw, l, dy, idx, dx); }
export function maxPool2dBackwardF64(planes: i32, hw: i32, l: i32, dy: usize, idx: usize, dx: usize): void { maxPoolBackward<f64>(planes, hw, l, dy, idx, dx); }

/** The first window cell inside [0, size) along an axis for a window starting at `start`. */
// @ts-ignore: decorator
@inline function firstCell(start: i32, k: i32, dilation: i32): i32 {
  return start >= 0 ? 0 : min(k, (-start + dilation - 1) / dilation);
}

/** One past the last such cell. */
// @ts-ignore: decorator
@inline function endCell(start: i32, k: i32, dilation: i32, size: i32, first: i32): i32 {
  const room = size - start;
  return max(first, min(k, room <= 0 ? 0 : (room + dilation - 1) / dilation));
}

/**
 * Average pooling forward (`backward` 0) or backward (1): forward writes y = Σ window / divisor; backward
 * adds dy / divisor to the window's cells of dx (zeroed first). `src` is x or dy, `dst` y or dx.
 */
function avgPool<T>(
  n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  outH: i32, outW: i32, countIncludePad: i32, backward: i32, src: usize, dst: usize,
): void {
  const S: usize = sizeof<T>();
  if (backward) zeroRun<T>(dst, n * c * h * w);
  let o: usize = 0;
  for (let p = 0; p < n * c; p++) {
    const plane = (backward ? dst : src) + <usize>p * <usize>(h * w) * S;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = oh * sh - pt;
      const i0 = firstCell(h0, kh, dh), i1 = endCell(h0, kh, dh, h, i0);
      for (let ow = 0; ow < outW; ow++, o++) {
        const w0 = ow * sw - pl;
        const j0 = firstCell(w0, kw, dw), j1 = endCell(w0, kw, dw, w, j0);
        const count = countIncludePad ? kh * kw : (i1 - i0) * (j1 - j0);
        if (backward) {
          const share = <f64>load<T>(src + o * S) / <f64>count;
          for (let i = i0; i < i1; i++) {
            const row = plane + <usize>((h0 + i * dh) * w + w0) * S;
            for (let j = j0; j < j1; j++) {
              const at = row + <usize>(j * dw) * S;
              store<T>(at, <T>(<f64>load<T>(at) + share));
            }
          }
        } else {
          let s: f64 = 0;
          for (let i = i0; i < i1; i++) {
            const row = plane + <usize>((h0 + i * dh) * w + w0) * S;
            for (let j = j0; j < j1; j++) s += <f64>load<T>(row + <usize>(j * dw) * S);
          }
          store<T>(dst + o * S, <T>(s / <f64>count));
        }
      }
    }
  }
}

export function avgPool2dF32(
  n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  outH: i32, outW: i32, countIncludePad: i32, backward: i32, src: usize, dst: usize,
): void {
  avgPool<f32>(n, c, h, w, kh, kw, sh, sw, pt, pl, dh, dw, outH, outW, countIncludePad, backward, src, dst);
}

export function avgPool2dF64(
  n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  outH: i32, outW: i32, countIncludePad: i32, backward: i32, src: usize, dst: usize,
): void {
  avgPool<f64>(n, c, h, w, kh, kw, sh, sw, pt, pl, dh, dw, outH, outW, countIncludePad, backward, src, dst);
}
