import { binary, unary } from '../kernels/elementwise.js';
import { broadcastShapes } from '../shape.js';
import { applyOp, type OpSpec } from '../tape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { binaryOperands, sumTo } from './operands.js';

/** `a - b`; da = dy, db = -dy, each summed back to its input's shape. @internal */
export const subOp: OpSpec = {
  name: 'sub',
  forward(_ctx, a, b) {
    return binary('sub', a, b, broadcastShapes('sub', a.shape, b.shape));
  },
  backward(ctx, dy) {
    const [shapeA, shapeB] = ctx.inputShapes;
    return [ctx.needsGrad[0] ? sumTo(dy, shapeA!) : null, ctx.needsGrad[1] ? sumTo(unary('neg', dy), shapeB!) : null];
  },
};

/**
 * Elementwise `a - b` with numpy broadcasting.
 *
 * @param a - the first operand: a tensor, or a number.
 * @param b - the second: a tensor or a number, broadcastable with `a`, of the same (floating) dtype.
 * @returns a tensor of the broadcast shape.
 * @throws {@link ShapeError} when the shapes do not broadcast; {@link DtypeError} when the dtypes
 *   differ or are not float32/float64.
 * @example
 * ```ts
 * import { tensor, sub } from '@tapegrad/core';
 * console.log(sub(tensor([5, 7]), 1).toArray()); // [4, 6]
 * console.log(tensor([[5, 7], [9, 11]]).sub(tensor([1, 2])).toArray()); // [[4, 5], [8, 9]]
 * ```
 * @category Ops
 */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(subOp, binaryOperands('sub', a, b), undefined);
}
