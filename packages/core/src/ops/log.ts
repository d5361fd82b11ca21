import { binary, unary } from '../kernels/elementwise.js';
import { applyOp, type OpSpec } from '../tape.js';
import type { Tensor } from '../tensor.js';
import { unaryOperand } from './operands.js';

/** `ln x`; dx = dy / x. @internal */
export const logOp: OpSpec = {
  name: 'log',
  forward(ctx, x) {
    ctx.save(x);
    return unary('log', x);
  },
  backward(ctx, dy) {
    const [x] = ctx.saved;
    return [binary('div', dy, x!, dy.shape)];
  },
};

/**
 * Elementwise natural logarithm (-Infinity at 0, NaN below).
 *
 * @param x - a float32 or float64 tensor.
 * @throws {@link DtypeError} when `x` is not float32 or float64.
 * @example
 * ```ts
 * import { tensor, log } from '@tapegrad/core';
 * console.log(log(tensor([1])).toArray()); // [0]
 * console.log(tensor([1, Math.E, 0], { dtype: 'float64' }).log().toArray()); // [0, 1, -Infinity]
 * ```
 * @category Ops
 */
export function log(x: Tensor): Tensor {
  return applyOp(logOp, unaryOperand('log', x), undefined);
}
