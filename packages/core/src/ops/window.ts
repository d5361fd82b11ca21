/**
 * The geometry of a 2-D sliding window (convolution, pooling, unfold), checked once for every op
 * that slides one.
 * @module
 */
import { ShapeError } from '../errors.js';
import { formatShape } from '../text.js';
import type { SpatialWindow } from '../kernels/spatialKernelSet.js';

/**
 * The arguments of {@link spatialWindow}, PyTorch's: each is one number for both dims or `[h, w]`.
 * @category Kernels
 */
export interface WindowOptions {
  /** Rows and columns between two windows. Default 1. */
  stride?: number | readonly [number, number];
  /**
   * Zero (or −∞) cells around the input: one number for all four sides, `[ph, pw]` (top and bottom
   * `ph`, left and right `pw`), or `[top, bottom, left, right]`. Default 0.
   */
  padding?: number | readonly [number, number] | readonly [number, number, number, number];
  /** Rows and columns between two cells of a window. Default 1. */
  dilation?: number | readonly [number, number];
}

/** `value` as [h, w] of integers >= `min`, or a RangeError naming `where` and `name`. */
function pair(where: string, name: string, value: unknown, min: number): [number, number] {
  const v = typeof value === 'number' ? [value, value] : Array.isArray(value) ? value : null;
  if (v === null || v.length !== 2 || !v.every((d) => Number.isInteger(d) && d >= min)) {
    const what = min === 0 ? 'non-negative' : 'positive';
    throw new RangeError(`${where}: ${name} must be a ${what} integer or a pair of them (got ${JSON.stringify(value)})`);
  }
  return [v[0] as number, v[1] as number];
}

/** `padding` as [top, bottom, left, right]. */
function pads(where: string, value: unknown): [number, number, number, number] {
  if (Array.isArray(value) && value.length === 4) {
    if (!value.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new RangeError(`${where}: padding must be non-negative integers (got ${JSON.stringify(value)})`);
    }
    return [value[0], value[1], value[2], value[3]];
  }
  const [ph, pw] = pair(where, 'padding', value, 0);
  return [ph, ph, pw, pw];
}

/**
 * The window a 2-D sliding op (convolution, pooling, `unfold`) makes over an `[N, C, H, W]` input,
 * with the output size PyTorch gives (floor mode):
 * `outH = ⌊(H + top + bottom − dilationH·(kh − 1) − 1) / strideH⌋ + 1`, and so for the width.
 *
 * @param where - the op or module, first word of error messages.
 * @param shape - the input's shape, `[N, C, H, W]`.
 * @param kernelSize - the window, `k` or `[kh, kw]`.
 * @param opts - `stride` (1), `padding` (0; `p`, `[ph, pw]` or `[top, bottom, left, right]`), `dilation` (1).
 * @returns the checked {@link SpatialWindow}.
 * @throws {@link ShapeError} when `shape` is not 4-D, or the (dilated) window is larger than the padded input.
 * @throws RangeError for a kernel size, stride or dilation that is not a positive integer, or a negative padding.
 * @example
 * ```ts
 * import { spatialWindow } from '@tapegrad/core';
 * const g = spatialWindow('myPool', [2, 3, 7, 7], 3, { stride: 2, padding: 1 });
 * console.log(g.outH, g.outW, g.padTop); // 4 4 1
 * ```
 * @category Kernels
 */
export function spatialWindow(
  where: string, shape: readonly number[], kernelSize: number | readonly [number, number], opts: WindowOptions = {},
): SpatialWindow {
  if (shape.length !== 4) throw new ShapeError(`${where}: expected input [N, C, H, W] (got ${formatShape(shape)})`);
  const [kh, kw] = pair(where, 'kernelSize', kernelSize, 1);
  const [strideH, strideW] = pair(where, 'stride', opts.stride ?? 1, 1);
  const [dilationH, dilationW] = pair(where, 'dilation', opts.dilation ?? 1, 1);
  const [top, bottom, left, right] = pads(where, opts.padding ?? 0);
  const [n, c, h, w] = shape as [number, number, number, number];
  const spanH = dilationH * (kh - 1) + 1, spanW = dilationW * (kw - 1) + 1;
  const paddedH = h + top + bottom, paddedW = w + left + right;
  if (spanH > paddedH || spanW > paddedW) {
    const dilated = dilationH > 1 || dilationW > 1 ? ` (dilated ${spanH}×${spanW})` : '';
    throw new ShapeError(
      `${where}: the window ${kh}×${kw}${dilated} must fit in the padded input ${paddedH}×${paddedW} ` +
      `(got input ${formatShape(shape)} with padding [${top}, ${bottom}, ${left}, ${right}])`,
    );
  }
  return {
    n, c, h, w, kh, kw, strideH, strideW, padTop: top, padLeft: left, dilationH, dilationW,
    outH: Math.floor((paddedH - spanH) / strideH) + 1,
    outW: Math.floor((paddedW - spanW) / strideW) + 1,
  };
}
