import { binary } from '../kernels/elementwise.js';
import { broadcastShapes } from '../shape.js';
import { applyOp, type OpSpec } from '../tape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { binaryOperands, sumTo } from './operands.js';

/** `a * b`; da = dy·b, db = dy·a, each summed back to its input's shape. @internal */
export const mulOp: OpSpec = {
  name: 'mul',
  forward(ctx, a, b) {
    ctx.save(a, b);
    return binary('mul', a, b, broadcastShapes('mul', a.shape, b.shape));
  },
  backward(ctx, dy) {
    const [a, b] = ctx.saved;
    return [
      ctx.needsGrad[0] ? sumTo(binary('mul', dy, b!, dy.shape), a!.shape) : null,
      ctx.needsGrad[1] ? sumTo(binary('mul', dy, a!, dy.shape), b!.shape) : null,
    ];
  },
};

/**
 * Elementwise `a * b` with numpy broadcasting.
 *
 * @param a - the first operand: a tensor, or a number.
 * @param b - the second: a tensor or a number, broadcastable with `a`, of the same (floating) dtype.
 * @returns a tensor of the broadcast shape.
 * @throws {@link ShapeError} when the shapes do not broadcast; {@link DtypeError} when the dtypes
 *   differ or are not float32/float64.
 * @example
 * ```ts
 * import { tensor, mul } from '@tapegrad/core';
 * console.log(mul(tensor([[1, 2], [3, 4]]), tensor([[10], [100]])).toArray()); // [[10, 20], [300, 400]]
 * console.log(tensor([[1, 2], [3, 4]]).mul(tensor([10, 100])).toArray()); // [[10, 200], [30, 400]]
 * ```
 * @category Ops
 */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(mulOp, binaryOperands('mul', a, b), undefined);
}
