/**
 * What a convolution needs around its GEMM, in pure TypeScript (the `'js'` kernel set's): im2col,
 * col2im and the `[c, n, l] ↔ [n, c, l]` permutations; see {@link SpatialKernels}.
 * @module
 * @internal
 */
import type { FloatArray } from '../dtype.js';
import type { SpatialWindow } from './spatialKernelSet.js';

/**
 * The output columns `[lo, hi)` whose window cell at column offset `offset` (= j·dilationW −
 * padLeft) falls inside the input's `w` columns: `0 <= ow·stride + offset < w`.
 * @internal
 */
export function validRange(offset: number, stride: number, w: number, out: number): [number, number] {
  const lo = Math.min(out, Math.max(0, Math.ceil(-offset / stride)));
  const hi = Math.max(lo, Math.min(out, Math.ceil((w - offset) / stride)));
  return [lo, hi];
}

/** im2col: see {@link SpatialKernels.im2col}. */
export function im2colJs(g: SpatialWindow, x: FloatArray, xo: number, cols: FloatArray, co: number, kStride: number, bStride: number): void {
  const { n, c, h, w, kh, kw, strideH: sh, strideW: sw, padTop, padLeft, dilationH: dh, dilationW: dw, outH, outW } = g;
  for (let ci = 0; ci < c; ci++) {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const k = (ci * kh + i) * kw + j;
        const offset = j * dw - padLeft;
        const [lo, hi] = validRange(offset, sw, w, outW);
        for (let b = 0; b < n; b++) {
          const plane = xo + (b * c + ci) * h * w;
          let dst = co + k * kStride + b * bStride;
          for (let oh = 0; oh < outH; oh++, dst += outW) {
            const ih = oh * sh - padTop + i * dh;
            if (ih < 0 || ih >= h) {
              for (let ow = 0; ow < outW; ow++) cols[dst + ow] = 0;
              continue;
            }
            const row = plane + ih * w + offset;
            for (let ow = 0; ow < lo; ow++) cols[dst + ow] = 0;
            for (let ow = lo; ow < hi; ow++) cols[dst + ow] = x[row + ow * sw]!;
            for (let ow = hi; ow < outW; ow++) cols[dst + ow] = 0;
          }
        }
      }
    }
  }
}

/** col2im: see {@link SpatialKernels.col2im}. */
export function col2imJs(g: SpatialWindow, cols: FloatArray, co: number, kStride: number, bStride: number, dx: FloatArray): void {
  const { n, c, h, w, kh, kw, strideH: sh, strideW: sw, padTop, padLeft, dilationH: dh, dilationW: dw, outH, outW } = g;
  dx.fill(0, 0, n * c * h * w);
  for (let ci = 0; ci < c; ci++) {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const k = (ci * kh + i) * kw + j;
        const offset = j * dw - padLeft;
        const [lo, hi] = validRange(offset, sw, w, outW);
        for (let b = 0; b < n; b++) {
          const plane = (b * c + ci) * h * w;
          let src = co + k * kStride + b * bStride;
          for (let oh = 0; oh < outH; oh++, src += outW) {
            const ih = oh * sh - padTop + i * dh;
            if (ih < 0 || ih >= h) continue;
            const row = plane + ih * w + offset;
            for (let ow = lo; ow < hi; ow++) dx[row + ow * sw] = dx[row + ow * sw]! + cols[src + ow]!;
          }
        }
      }
    }
  }
}

/** `[c, n, l] → [n, c, l]` plus a bias per c: see {@link SpatialKernels.cnlToNcl}. */
export function cnlToNclJs(c: number, n: number, l: number, src: FloatArray, so: number, bias: Float64Array | null, y: FloatArray, yo: number): void {
  for (let ch = 0; ch < c; ch++) {
    const add = bias === null ? 0 : bias[ch]!;
    for (let b = 0; b < n; b++) {
      const from = so + (ch * n + b) * l, to = yo + (b * c + ch) * l;
      for (let t = 0; t < l; t++) y[to + t] = src[from + t]! + add;
    }
  }
}

/** `[n, c, l] → [c, n, l]` with sums per c: see {@link SpatialKernels.nclToCnl}. */
export function nclToCnlJs(n: number, c: number, l: number, src: FloatArray, so: number, dst: FloatArray, sums: Float64Array | null): void {
  if (sums !== null) sums.fill(0, 0, c);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const from = so + (b * c + ch) * l, to = (ch * n + b) * l;
      let s = 0;
      for (let t = 0; t < l; t++) {
        const v = src[from + t]!;
        dst[to + t] = v;
        s += v;
      }
      if (sums !== null) sums[ch] = sums[ch]! + s;
    }
  }
}
