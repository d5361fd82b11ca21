import { binary, unary } from '../kernels/elementwise.js';
import { applyOp, type OpSpec } from '../tape.js';
import type { Tensor } from '../tensor.js';
import { unaryOperand } from './operands.js';

/** `max(x, 0)`; dx = dy where x > 0, else 0 (0 at x = 0, as PyTorch). @internal */
export const reluOp: OpSpec = {
  name: 'relu',
  forward(ctx, x) {
    ctx.save(x);
    return unary('relu', x);
  },
  backward(ctx, dy) {
    const [x] = ctx.saved;
    return [binary('reluGrad', dy, x!, dy.shape)];
  },
};

/**
 * Elementwise rectified linear unit, `max(x, 0)`; its gradient at exactly 0 is 0, as in PyTorch.
 *
 * @param x - a float32 or float64 tensor.
 * @throws {@link DtypeError} when `x` is not float32 or float64.
 * @example
 * ```ts
 * import { tensor, relu } from '@tapegrad/core';
 * console.log(relu(tensor([-1, 0, 2])).toArray(), tensor([-5, 5]).relu().toArray()); // [0, 0, 2] [0, 5]
 * ```
 * @category Ops
 */
export function relu(x: Tensor): Tensor {
  return applyOp(reluOp, unaryOperand('relu', x), undefined);
}
