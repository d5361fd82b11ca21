import type { FloatArray } from '../dtype.js';
import { createNd, dtypeOf, toContiguous } from '../kernels/layout.js';
import { getKernels } from '../kernels/registry.js';
import type { SpatialWindow } from '../kernels/spatialKernelSet.js';
import { applyOp, type OpSpec } from '../tape.js';
import type { Tensor } from '../tensor.js';
import { unaryOperand } from './operands.js';
import { spatialWindow } from './window.js';

/**
 * im2col per sample: [N, C, H, W] → [N, C·kh·kw, L], on the active kernels' `im2col`; dx is the
 * adjoint, `col2im` (PyTorch's `fold`), which sums the entries that read one input cell. @internal
 */
export const unfoldOp: OpSpec<{ window: SpatialWindow }> = {
  name: 'unfold',
  forward(ctx, x) {
    const g = ctx.attrs.window;
    const K = g.c * g.kh * g.kw, L = g.outH * g.outW;
    const src = toContiguous(x);
    const out = createNd(dtypeOf(src), [g.n, K, L], false);
    if (out.size > 0) getKernels().im2col(g, src.data as FloatArray, src.offset, out.data as FloatArray, 0, L, K * L);
    return out;
  },
  backward(ctx, dy) {
    const g = ctx.attrs.window;
    const K = g.c * g.kh * g.kw, L = g.outH * g.outW;
    const d = toContiguous(dy);
    const dx = createNd(dtypeOf(d), [g.n, g.c, g.h, g.w]);
    if (d.size > 0) getKernels().col2im(g, d.data as FloatArray, d.offset, L, K * L, dx.data as FloatArray);
    return [dx];
  },
};

/**
 * Options of {@link unfold}: PyTorch's `F.unfold` arguments, each one number or `[h, w]`.
 * @category Ops
 */
export interface UnfoldOptions {
  /** Rows and columns between two cells of a window. Default 1. */
  dilation?: number | readonly [number, number];
  /** Zero rows above and below (`ph`), columns left and right (`pw`). Default 0. */
  padding?: number | readonly [number, number];
  /** Rows and columns between two windows. Default 1. */
  stride?: number | readonly [number, number];
}

/**
 * Extracts sliding windows (im2col; PyTorch's `F.unfold`): column `l = oh·outW + ow` of sample `b`
 * holds the `C·kh·kw` cells that output position `(oh, ow)` sees, channel-major
 * (`row = (c·kh + i)·kw + j`), zeros where the window covers padding. A convolution is then a matrix
 * product: `weight.reshape([F, C·kh·kw]).matmul(unfold(x)[b])`. The gradient is `fold` (col2im): each
 * input cell gets the sum of the entries that read it.
 *
 * `outH = ⌊(H + 2·ph − dilationH·(kh − 1) − 1) / strideH⌋ + 1`, likewise `outW`; `L = outH·outW`.
 *
 * @param x - `[N, C, H, W]`, float32 or float64.
 * @param kernelSize - `k` or `[kh, kw]`.
 * @param opts - `dilation` (1), `padding` (0), `stride` (1); see {@link UnfoldOptions}.
 * @returns `[N, C·kh·kw, L]`.
 * @throws {@link ShapeError} when `x` is not 4-D or the window does not fit in the padded input.
 * @throws RangeError for a kernel size, stride or dilation that is not a positive integer, or a negative padding.
 * @example
 * ```ts
 * import { arange, unfold } from '@tapegrad/core';
 * const x = arange(9).reshape([1, 1, 3, 3]);
 * console.log(unfold(x, 2).toArray()); // [[[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]]]
 * ```
 * @category Ops
 */
export function unfold(x: Tensor, kernelSize: number | readonly [number, number], opts: UnfoldOptions = {}): Tensor {
  const [input] = unaryOperand('unfold', x);
  if (Array.isArray(opts.padding) && opts.padding.length !== 2) {
    throw new RangeError(`unfold: padding must be a non-negative integer or a pair [ph, pw] (got ${JSON.stringify(opts.padding)})`);
  }
  const window = spatialWindow('unfold', input.shape, kernelSize, opts);
  return applyOp(unfoldOp, [input], { window });
}
