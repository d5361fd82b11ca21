/**
 * 2-D average pooling as a function (PyTorch's `F.avg_pool2d`): one tape node with a handwritten
 * backward that spreads each output's gradient evenly over its window.
 * @module
 */
import { createNdArray, defineOpWithAttrs, getKernels, type FloatArray, type FloatDType, type SpatialWindow, type Tensor } from '@tapegrad/core';
import { poolWindow } from './maxPool2d.js';

/**
 * Options of {@link avgPool2d} (PyTorch's `F.avg_pool2d` arguments; one number for both dims or `[h, w]`).
 * @category Functional
 */
export interface AvgPool2dOptions {
  /** Rows and columns between two windows. Default: the kernel size. */
  stride?: number | readonly [number, number];
  /** Zero rows above and below, columns left and right; at most half the window. Default 0. */
  padding?: number | readonly [number, number];
  /**
   * Divide by the whole window `kh·kw`, padding cells included (true, the default), or by the number
   * of window cells inside the input (false).
   */
  countIncludePad?: boolean;
}

/** The one-node average pool; attributes: the window and the divisor's rule. */
const avgPoolOp = defineOpWithAttrs<{ readonly window: SpatialWindow; readonly countIncludePad: boolean }, readonly []>({
  name: 'avgPool2d',
  forward(ctx, x) {
    const { window: g, countIncludePad } = ctx.attrs;
    const y = createNdArray(ctx.inputDtypes[0] as FloatDType, [g.n, g.c, g.outH, g.outW], false); // every output written
    if (y.size > 0) getKernels().avgPool2dForward(g, countIncludePad, x.data as FloatArray, x.offset, y.data as FloatArray);
    return y;
  },
  backward(ctx, dy) {
    const { window: g, countIncludePad } = ctx.attrs;
    const dx = createNdArray(ctx.inputDtypes[0] as FloatDType, ctx.inputShapes[0]!, false); // the kernel zeroes it first
    if (dy.size > 0) getKernels().avgPool2dBackward(g, countIncludePad, dy.data as FloatArray, dy.offset, dx.data as FloatArray);
    return [dx];
  },
});

/**
 * Average pooling over `[N, C, H, W]` (PyTorch's `F.avg_pool2d`, floor mode): each output is the
 * mean of its window, padding cells counting as 0. One tape node with a handwritten backward on
 * core's active kernels: each window cell inside the input gets `dy / divisor`.
 *
 * `y[n, c, oh, ow] = Σ_{cells inside x} x / divisor`, divisor `kh·kw` (`countIncludePad`) or the
 * number of window cells inside x; `OH = ⌊(H + 2·ph − kh)/sh⌋ + 1`, likewise OW.
 *
 * @param x - `[N, C, H, W]`, float32 or float64.
 * @param kernelSize - `k` or `[kh, kw]`.
 * @param opts - `stride` (the kernel size), `padding` (0, at most half the window), `countIncludePad` (true); see {@link AvgPool2dOptions}.
 * @returns `[N, C, OH, OW]`, recorded as one node named `avgPool2d`.
 * @throws {@link @tapegrad/core!ShapeError | ShapeError} when x is not 4-D or the window is larger than the padded input.
 * @throws RangeError for a kernel size or stride that is not a positive integer, or a padding that
 *   is negative or more than half the window.
 * @throws {@link @tapegrad/core!DtypeError | DtypeError} for an integer tensor.
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { avgPool2d } from '@tapegrad/nn';
 * const x = tensor([[[[1, 2], [3, 6]]]]);
 * console.log(avgPool2d(x, 2).toArray()); // [[[[3]]]]
 * console.log(avgPool2d(x, 2, { stride: 1, padding: 1, countIncludePad: false }).toArray()); // [[[[1, 1.5, 2], [2, 3, 4], [3, 4.5, 6]]]]
 * ```
 * @category Functional
 */
export function avgPool2d(x: Tensor, kernelSize: number | readonly [number, number], opts: AvgPool2dOptions = {}): Tensor {
  const countIncludePad = opts.countIncludePad ?? true;
  if (typeof countIncludePad !== 'boolean') throw new TypeError(`avgPool2d: countIncludePad must be a boolean (got ${typeof countIncludePad})`);
  return avgPoolOp([x], { window: poolWindow('avgPool2d', x, kernelSize, { stride: opts.stride, padding: opts.padding }), countIncludePad });
}
