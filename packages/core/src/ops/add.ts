import { binary } from '../kernels/elementwise.js';
import { broadcastShapes } from '../shape.js';
import { applyOp, type OpSpec } from '../tape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { binaryOperands, sumTo } from './operands.js';

/** `a + b`; each gradient is dy summed back to its input's shape. @internal */
export const addOp: OpSpec = {
  name: 'add',
  forward(_ctx, a, b) {
    return binary('add', a, b, broadcastShapes('add', a.shape, b.shape));
  },
  backward(ctx, dy) {
    const [shapeA, shapeB] = ctx.inputShapes;
    return [ctx.needsGrad[0] ? sumTo(dy, shapeA!) : null, ctx.needsGrad[1] ? sumTo(dy, shapeB!) : null];
  },
};

/**
 * Elementwise `a + b` with numpy broadcasting.
 *
 * @param a - the first operand: a tensor, or a number.
 * @param b - the second: a tensor or a number, broadcastable with `a`, of the same (floating) dtype.
 * @returns a tensor of the broadcast shape.
 * @throws {@link ShapeError} when the shapes do not broadcast; {@link DtypeError} when the dtypes
 *   differ or are not float32/float64.
 * @example
 * ```ts
 * import { tensor, add } from '@tapegrad/core';
 * console.log(add(tensor([[1, 2], [3, 4]]), tensor([10, 20])).toArray()); // [[11, 22], [13, 24]]
 * console.log(tensor([1, 2]).add(tensor([[10], [20]])).toArray()); // [[11, 12], [21, 22]]
 * console.log(tensor([1, 2]).add(0.5).toArray()); // [1.5, 2.5]
 * ```
 * @category Ops
 */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(addOp, binaryOperands('add', a, b), undefined);
}
