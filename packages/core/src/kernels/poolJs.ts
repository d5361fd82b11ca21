/**
 * Max and average pooling over `[n, c, h, w]` planes in pure TypeScript (the `'js'` kernel set's);
 * see {@link SpatialKernels}.
 * @module
 * @internal
 */
import type { FloatArray } from '../dtype.js';
import type { SpatialWindow } from './spatialKernelSet.js';

/** Max pooling forward: see {@link SpatialKernels.maxPool2dForward}. */
export function maxPool2dForwardJs(g: SpatialWindow, x: FloatArray, xo: number, y: FloatArray, indices: Int32Array): void {
  const { n, c, h, w, kh, kw, strideH: sh, strideW: sw, padTop, padLeft, dilationH: dh, dilationW: dw, outH, outW } = g;
  let o = 0;
  for (let p = 0; p < n * c; p++) {
    const plane = xo + p * h * w;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = oh * sh - padTop;
      for (let ow = 0; ow < outW; ow++, o++) {
        const w0 = ow * sw - padLeft;
        let best = -Infinity;
        let at = -1;
        for (let i = 0; i < kh; i++) {
          const ih = h0 + i * dh;
          if (ih < 0 || ih >= h) continue;
          for (let j = 0; j < kw; j++) {
            const iw = w0 + j * dw;
            if (iw < 0 || iw >= w) continue;
            const v = x[plane + ih * w + iw]!;
            if (at < 0) at = ih * w + iw;
            if (v > best || v !== v) {
              best = v;
              at = ih * w + iw;
            }
          }
        }
        y[o] = best;
        indices[o] = at;
      }
    }
  }
}

/** Max pooling backward: see {@link SpatialKernels.maxPool2dBackward}. */
export function maxPool2dBackwardJs(g: SpatialWindow, dy: FloatArray, dyo: number, indices: Int32Array, dx: FloatArray): void {
  const planes = g.n * g.c, hw = g.h * g.w, l = g.outH * g.outW;
  dx.fill(0, 0, planes * hw);
  for (let p = 0; p < planes; p++) {
    const plane = p * hw;
    for (let t = 0, o = p * l; t < l; t++, o++) {
      const k = indices[o]!;
      if (k < 0) continue; // a window without input cells (only with dilation)
      dx[plane + k] = dx[plane + k]! + dy[dyo + o]!;
    }
  }
}

/**
 * The window's first and last-plus-one cell index inside the input along one axis, for output
 * position `start` (= o·stride − pad): cells `start + i·dilation`, i < k.
 */
function inside(start: number, k: number, dilation: number, size: number): [number, number] {
  const lo = start >= 0 ? 0 : Math.min(k, Math.ceil(-start / dilation));
  const hi = Math.max(lo, Math.min(k, Math.ceil((size - start) / dilation)));
  return [lo, hi];
}

/** Average pooling forward: see {@link SpatialKernels.avgPool2dForward}. */
export function avgPool2dForwardJs(g: SpatialWindow, countIncludePad: boolean, x: FloatArray, xo: number, y: FloatArray): void {
  const { n, c, h, w, kh, kw, strideH: sh, strideW: sw, padTop, padLeft, dilationH: dh, dilationW: dw, outH, outW } = g;
  let o = 0;
  for (let p = 0; p < n * c; p++) {
    const plane = xo + p * h * w;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = oh * sh - padTop;
      const [i0, i1] = inside(h0, kh, dh, h);
      for (let ow = 0; ow < outW; ow++, o++) {
        const w0 = ow * sw - padLeft;
        const [j0, j1] = inside(w0, kw, dw, w);
        let s = 0;
        for (let i = i0; i < i1; i++) {
          const row = plane + (h0 + i * dh) * w + w0;
          for (let j = j0; j < j1; j++) s += x[row + j * dw]!;
        }
        const count = countIncludePad ? kh * kw : (i1 - i0) * (j1 - j0);
        y[o] = s / count;
      }
    }
  }
}

/** Average pooling backward: see {@link SpatialKernels.avgPool2dBackward}. */
export function avgPool2dBackwardJs(g: SpatialWindow, countIncludePad: boolean, dy: FloatArray, dyo: number, dx: FloatArray): void {
  const { n, c, h, w, kh, kw, strideH: sh, strideW: sw, padTop, padLeft, dilationH: dh, dilationW: dw, outH, outW } = g;
  dx.fill(0, 0, n * c * h * w);
  let o = dyo;
  for (let p = 0; p < n * c; p++) {
    const plane = p * h * w;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = oh * sh - padTop;
      const [i0, i1] = inside(h0, kh, dh, h);
      for (let ow = 0; ow < outW; ow++, o++) {
        const w0 = ow * sw - padLeft;
        const [j0, j1] = inside(w0, kw, dw, w);
        const count = countIncludePad ? kh * kw : (i1 - i0) * (j1 - j0);
        const share = dy[o]! / count;
        for (let i = i0; i < i1; i++) {
          const row = plane + (h0 + i * dh) * w + w0;
          for (let j = j0; j < j1; j++) dx[row + j * dw] = dx[row + j * dw]! + share;
        }
      }
    }
  }
}
