import { binary, unary } from '../kernels/elementwise.js';
import { applyOp, type OpSpec } from '../tape.js';
import type { Tensor } from '../tensor.js';
import { unaryOperand } from './operands.js';

/** `|x|`; dx = dy·sign(x) (0 at x = 0, as PyTorch). @internal */
export const absOp: OpSpec = {
  name: 'abs',
  forward(ctx, x) {
    ctx.save(x);
    return unary('abs', x);
  },
  backward(ctx, dy) {
    const [x] = ctx.saved;
    return [binary('signGrad', dy, x!, dy.shape)];
  },
};

/**
 * Elementwise absolute value; its gradient at 0 is 0, as in PyTorch.
 *
 * @param x - a float32 or float64 tensor.
 * @throws {@link DtypeError} when `x` is not float32 or float64.
 * @example
 * ```ts
 * import { tensor, abs } from '@tapegrad/core';
 * console.log(abs(tensor([-3, 2])).toArray(), tensor([-1.5, 0]).abs().toArray()); // [3, 2] [1.5, 0]
 * ```
 * @category Ops
 */
export function abs(x: Tensor): Tensor {
  return applyOp(absOp, unaryOperand('abs', x), undefined);
}
