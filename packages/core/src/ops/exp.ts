import { binary, unary } from '../kernels/elementwise.js';
import { applyOp, type OpSpec } from '../tape.js';
import type { Tensor } from '../tensor.js';
import { unaryOperand } from './operands.js';

/** `eˣ`; dx = dy·y, with y the saved output. @internal */
export const expOp: OpSpec = {
  name: 'exp',
  forward(ctx, x) {
    const y = unary('exp', x);
    ctx.save(y);
    return y;
  },
  backward(ctx, dy) {
    const [y] = ctx.saved;
    return [binary('mul', dy, y!, dy.shape)];
  },
};

/**
 * Elementwise exponential, `e ** x`.
 *
 * @param x - a float32 or float64 tensor.
 * @throws {@link DtypeError} when `x` is not float32 or float64.
 * @example
 * ```ts
 * import { tensor, exp } from '@tapegrad/core';
 * console.log(exp(tensor([0], { dtype: 'float64' })).toArray()); // [1]
 * console.log(tensor([0, 1], { dtype: 'float64' }).exp().toArray()); // [1, 2.718281828459045]
 * ```
 * @category Ops
 */
export function exp(x: Tensor): Tensor {
  return applyOp(expOp, unaryOperand('exp', x), undefined);
}
