import { sumAxes } from '../kernels/reduce.js';
import { expandNd, reshapeNd } from '../kernels/layout.js';
import { normalizeDim, normalizeDims, reducedShape, shapeTable } from '../shape.js';
import { applyOp, type OpSpec } from '../tape.js';
import type { Tensor } from '../tensor.js';
import { unaryOperand } from './operands.js';

/** The attributes of an axis reduction: sorted dims, and whether they are kept as size 1. @internal */
export interface ReduceAttrs {
  readonly dims: readonly number[];
  readonly keepdim: boolean;
}

/** The attributes of the reductions of every dim, or of one, by keepdim, rank and dim (they are never changed). */
const sharedAttrs: Map<number, ReduceAttrs>[] = [new Map(), new Map()];

/**
 * A reduction's attributes: `dims` resolved as `normalizeDims` does (throwing for `op`). Those of
 * every dim and of a single dim are one frozen object per rank and dim, shared by every call
 * (the node keeps its attributes, so a new object per call would be one per step).
 */
export function reduceAttrs(op: string, dim: number | readonly number[] | undefined | null, rank: number, keepdim: boolean): ReduceAttrs {
  if ((typeof dim === 'number' || dim === undefined || dim === null) && rank < 64) {
    const one = typeof dim === 'number' ? normalizeDim(op, dim, rank) : -1;
    const key = rank * 64 + one + 1;
    const byKey = sharedAttrs[keepdim ? 1 : 0]!;
    let attrs = byKey.get(key);
    if (attrs === undefined) {
      attrs = Object.freeze({ dims: Object.freeze(normalizeDims(op, dim, rank)), keepdim });
      byKey.set(key, attrs);
    }
    return attrs;
  }
  return { dims: normalizeDims(op, dim, rank), keepdim };
}

/** The reduced shapes handed to a view, which copies them. */
const viewShapes = shapeTable();

/** Sum over dims; dx = dy broadcast back over the summed dims. @internal */
export const sumOp: OpSpec<ReduceAttrs> = {
  name: 'sum',
  forward(ctx, x) {
    const { dims, keepdim } = ctx.attrs;
    return reshapeNd(sumAxes(x, dims), reducedShape(x.shape, dims, keepdim, viewShapes));
  },
  backward(ctx, dy) {
    const shape = ctx.inputShapes[0]!;
    return [expandNd(reshapeNd(dy, reducedShape(shape, ctx.attrs.dims, true, viewShapes)), shape)];
  },
};

/**
 * Sum of the elements of `x` over `dim` (a dim, a list of dims, or all dims when omitted):
 * `Σᵢ xᵢ` over the reduced dims, accumulated in float64 whatever the dtype.
 *
 * @param x - a float32 or float64 tensor.
 * @param dim - a dim or a list of dims (negative counts from the end). Default: all.
 * @param keepdim - keep the reduced dims as size 1 (default false).
 * @throws {@link ShapeError} when a dim is out of range; {@link DtypeError} for an integer tensor.
 * @example
 * ```ts
 * import { tensor, sum } from '@tapegrad/core';
 * const x = tensor([[1, 2], [3, 4]]);
 * console.log(sum(x, 0).toArray(), x.sum().item(), x.sum(1, true).toArray()); // [4, 6] 10 [[3], [7]]
 * ```
 * @category Reductions
 */
export function sum(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const inputs = unaryOperand('sum', x);
  return applyOp(sumOp, inputs, reduceAttrs('sum', dim, x.ndim, keepdim));
}
