import { sumAxes } from '../kernels/reduce.js';
import { unary } from '../kernels/elementwise.js';
import { expandNd, reshapeNd } from '../kernels/layout.js';
import { reducedShape, shapeTable } from '../shape.js';
import { applyOp, type OpSpec } from '../tape.js';
import type { Tensor } from '../tensor.js';
import { unaryOperand } from './operands.js';
import { reduceAttrs, type ReduceAttrs } from './sum.js';

/** How many elements each output of a reduction over `dims` of `shape` covers. @internal */
export function countOver(shape: readonly number[], dims: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < dims.length; i++) n *= shape[dims[i]!]!;
  return n;
}

/** The reduced shapes handed to a view, which copies them. */
const viewShapes = shapeTable();

/** Mean over dims; dx = dy / n broadcast back over the reduced dims. @internal */
export const meanOp: OpSpec<ReduceAttrs> = {
  name: 'mean',
  forward(ctx, x) {
    const { dims, keepdim } = ctx.attrs;
    const total = sumAxes(x, dims);
    return reshapeNd(unary('scale', total, 1 / countOver(x.shape, dims)), reducedShape(x.shape, dims, keepdim, viewShapes));
  },
  backward(ctx, dy) {
    const shape = ctx.inputShapes[0]!;
    const { dims } = ctx.attrs;
    const expanded = expandNd(reshapeNd(dy, reducedShape(shape, dims, true, viewShapes)), shape);
    return [unary('scale', expanded, 1 / countOver(shape, dims))];
  },
};

/**
 * Mean of the elements of `x` over `dim` (a dim, a list of dims, or all dims when omitted):
 * `(1/n) Σᵢ xᵢ` over the n elements of the reduced dims; NaN over an empty dim, as in PyTorch.
 *
 * @param x - a float32 or float64 tensor.
 * @param dim - a dim or a list of dims (negative counts from the end). Default: all.
 * @param keepdim - keep the reduced dims as size 1 (default false).
 * @throws {@link ShapeError} when a dim is out of range; {@link DtypeError} for an integer tensor.
 * @example
 * ```ts
 * import { tensor, mean } from '@tapegrad/core';
 * const x = tensor([[1, 2], [3, 4]]);
 * console.log(mean(x, 1).toArray(), x.mean().item()); // [1.5, 3.5] 2.5
 * ```
 * @category Reductions
 */
export function mean(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const inputs = unaryOperand('mean', x);
  return applyOp(meanOp, inputs, reduceAttrs('mean', dim, x.ndim, keepdim));
}
