import { binary } from '../kernels/elementwise.js';
import { broadcastShapes } from '../shape.js';
import { applyOp, type OpSpec } from '../tape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { binaryOperands } from './operands.js';
import { extremumGrads } from './maximum.js';

/** Elementwise minimum; a tie splits dy in half between a and b. @internal */
export const minimumOp: OpSpec = {
  name: 'minimum',
  forward(ctx, a, b) {
    ctx.save(a, b);
    return binary('minimum', a, b, broadcastShapes('minimum', a.shape, b.shape));
  },
  backward(ctx, dy) {
    const [a, b] = ctx.saved;
    return extremumGrads(ctx.needsGrad, a!, b!, dy, false);
  },
};

/**
 * Elementwise minimum of `a` and `b` with numpy broadcasting (NaN where either is NaN). Where
 * `a == b` the gradient is split in half between them, as in PyTorch.
 *
 * @param a - the first operand: a tensor, or a number.
 * @param b - the second: a tensor or a number, broadcastable with `a`, of the same (floating) dtype.
 * @returns a tensor of the broadcast shape.
 * @throws {@link ShapeError} when the shapes do not broadcast; {@link DtypeError} when the dtypes
 *   differ or are not float32/float64.
 * @example
 * ```ts
 * import { tensor, minimum } from '@tapegrad/core';
 * console.log(minimum(tensor([-1, 2, 5]), 1).toArray()); // [-1, 1, 1]
 * console.log(tensor([1, 5, 3]).minimum(3).toArray()); // [1, 3, 3]
 * ```
 * @category Ops
 */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(minimumOp, binaryOperands('minimum', a, b), undefined);
}
