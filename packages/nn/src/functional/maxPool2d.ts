/**
 * 2-D max pooling as a function (PyTorch's `F.max_pool2d`): one tape node with a handwritten
 * backward that routes each output's gradient to the input cell that won its window.
 * @module
 */
import {
  checkFloatTensor, createNdArray, defineOpWithAttrs, getKernels, spatialWindow,
  type FloatArray, type FloatDType, type SpatialWindow, type Tensor,
} from '@tapegrad/core';

/**
 * Options of {@link maxPool2d} (PyTorch's `F.max_pool2d` arguments; one number for both dims or `[h, w]`).
 * @category Functional
 */
export interface MaxPool2dOptions {
  /** Rows and columns between two windows. Default: the kernel size. */
  stride?: number | readonly [number, number];
  /** −∞ rows above and below, columns left and right; at most half the (dilated) window. Default 0. */
  padding?: number | readonly [number, number];
  /** Rows and columns between two cells of a window. Default 1. */
  dilation?: number | readonly [number, number];
}

/** [h, w] of a number or pair (checked by spatialWindow). */
const pairOf = (v: number | readonly [number, number]): readonly [number, number] => (typeof v === 'number' ? [v, v] : v);

/**
 * The window of a pooling op over an input of `shape`: stride defaults to the kernel size, and the
 * padding may be at most half the (dilated) window, as PyTorch requires. @internal
 */
export function poolWindowOf(
  where: string, shape: readonly number[], kernelSize: number | readonly [number, number],
  opts: { stride?: number | readonly [number, number]; padding?: number | readonly [number, number]; dilation?: number | readonly [number, number] },
): SpatialWindow {
  if (Array.isArray(opts.padding) && opts.padding.length !== 2) {
    throw new RangeError(`${where}: padding must be a non-negative integer or a pair [ph, pw] (got ${JSON.stringify(opts.padding)})`);
  }
  const g = spatialWindow(where, shape, kernelSize, { stride: opts.stride ?? kernelSize, padding: opts.padding, dilation: opts.dilation });
  const [ph, pw] = pairOf(opts.padding ?? 0);
  const spanH = g.dilationH * (g.kh - 1) + 1, spanW = g.dilationW * (g.kw - 1) + 1;
  if (2 * ph > spanH || 2 * pw > spanW) {
    throw new RangeError(`${where}: padding must be at most half the window ${spanH}×${spanW} (got padding [${ph}, ${pw}])`);
  }
  return g;
}

/** {@link poolWindowOf} for a float tensor `x`. @internal */
export function poolWindow(
  where: string, x: Tensor, kernelSize: number | readonly [number, number],
  opts: { stride?: number | readonly [number, number]; padding?: number | readonly [number, number]; dilation?: number | readonly [number, number] },
): SpatialWindow {
  checkFloatTensor(where, x, 'input');
  return poolWindowOf(where, x.shape, kernelSize, opts);
}

/**
 * Checks a pooling layer's numbers before any input comes: those of {@link poolWindowOf} on an input
 * large enough for any window. @internal
 */
export function checkPoolOptions(
  where: string, kernelSize: number | readonly [number, number],
  opts: { stride?: number | readonly [number, number]; padding?: number | readonly [number, number]; dilation?: number | readonly [number, number] },
): void {
  poolWindowOf(where, [1, 1, 1 << 20, 1 << 20], kernelSize, opts);
}

/** The one-node max pool; the window is its attribute. Saves the winning positions (int32, one per output). */
const maxPoolOp = defineOpWithAttrs<SpatialWindow, readonly [Int32Array]>({
  name: 'maxPool2d',
  forward(ctx, x) {
    const g = ctx.attrs;
    const y = createNdArray(ctx.inputDtypes[0] as FloatDType, [g.n, g.c, g.outH, g.outW], false); // every output written
    const indices = new Int32Array(y.size);
    if (y.size > 0) getKernels().maxPool2dForward(g, x.data as FloatArray, x.offset, y.data as FloatArray, indices);
    ctx.save(indices);
    return y;
  },
  backward(ctx, dy) {
    const [indices] = ctx.saved;
    const dx = createNdArray(ctx.inputDtypes[0] as FloatDType, ctx.inputShapes[0]!, false); // the kernel zeroes it first
    if (dy.size > 0) getKernels().maxPool2dBackward(ctx.attrs, dy.data as FloatArray, dy.offset, indices, dx.data as FloatArray);
    return [dx];
  },
});

/**
 * Max pooling over `[N, C, H, W]` (PyTorch's `F.max_pool2d`, floor mode): each output is the
 * largest input cell of its window, padding counting as −∞ (so an all-negative window never
 * returns a padding 0). One tape node with a handwritten backward, on core's active kernels: `dx`
 * gets each output's gradient at the cell that won its window (the first one on a tie; summed where
 * windows overlap).
 *
 * `y[n, c, oh, ow] = max_{i, j} x[n, c, oh·sh − ph + i·dh, ow·sw − pw + j·dw]`,
 * `OH = ⌊(H + 2·ph − dh·(kh − 1) − 1)/sh⌋ + 1`, likewise OW.
 *
 * @param x - `[N, C, H, W]`, float32 or float64.
 * @param kernelSize - `k` or `[kh, kw]`.
 * @param opts - `stride` (the kernel size), `padding` (0, at most half the window), `dilation` (1); see {@link MaxPool2dOptions}.
 * @returns `[N, C, OH, OW]`, recorded as one node named `maxPool2d`.
 * @throws {@link @tapegrad/core!ShapeError | ShapeError} when x is not 4-D or the window is larger than the padded input.
 * @throws RangeError for a kernel size, stride or dilation that is not a positive integer, or a
 *   padding that is negative or more than half the window.
 * @throws {@link @tapegrad/core!DtypeError | DtypeError} for an integer tensor.
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { maxPool2d } from '@tapegrad/nn';
 * const x = tensor([[[[1, 5, 2, 0], [3, 4, 8, 1]]]], { requiresGrad: true });
 * const y = maxPool2d(x, 2);
 * console.log(y.toArray()); // [[[[5, 8]]]]
 * y.sum().backward();
 * console.log(x.grad?.toArray()); // [[[[0, 1, 0, 0], [0, 0, 1, 0]]]]
 * ```
 * @category Functional
 */
export function maxPool2d(x: Tensor, kernelSize: number | readonly [number, number], opts: MaxPool2dOptions = {}): Tensor {
  return maxPoolOp([x], poolWindow('maxPool2d', x, kernelSize, opts));
}
