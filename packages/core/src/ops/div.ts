import { binary, unary } from '../kernels/elementwise.js';
import { broadcastShapes } from '../shape.js';
import { applyOp, type OpSpec } from '../tape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { binaryOperands, sumTo } from './operands.js';

/** `a / b`; da = dy / b, db = -dy·a / b², each summed back to its input's shape. @internal */
export const divOp: OpSpec = {
  name: 'div',
  forward(ctx, a, b) {
    ctx.save(a, b);
    return binary('div', a, b, broadcastShapes('div', a.shape, b.shape));
  },
  backward(ctx, dy) {
    const [a, b] = ctx.saved;
    const dyOverB = binary('div', dy, b!, dy.shape);
    const db = ctx.needsGrad[1] ? unary('neg', binary('div', binary('mul', dyOverB, a!, dy.shape), b!, dy.shape)) : null;
    return [ctx.needsGrad[0] ? sumTo(dyOverB, a!.shape) : null, db && sumTo(db, b!.shape)];
  },
};

/**
 * Elementwise `a / b` with numpy broadcasting. Division by zero gives ±Infinity, or NaN for
 * 0 / 0 (IEEE).
 *
 * @param a - the first operand: a tensor, or a number.
 * @param b - the second: a tensor or a number, broadcastable with `a`, of the same (floating) dtype.
 * @returns a tensor of the broadcast shape.
 * @throws {@link ShapeError} when the shapes do not broadcast; {@link DtypeError} when the dtypes
 *   differ or are not float32/float64.
 * @example
 * ```ts
 * import { tensor, div } from '@tapegrad/core';
 * console.log(div(tensor([1, 3]), 2).toArray()); // [0.5, 1.5]
 * console.log(tensor([1, -1, 0]).div(0).toArray()); // [Infinity, -Infinity, NaN]
 * ```
 * @category Ops
 */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(divOp, binaryOperands('div', a, b), undefined);
}
