import { binary, unary } from '../kernels/elementwise.js';
import { applyOp, type OpSpec } from '../tape.js';
import type { Tensor } from '../tensor.js';
import { unaryOperand } from './operands.js';

/** `√x`; dx = dy / (2y), with y the saved output. @internal */
export const sqrtOp: OpSpec = {
  name: 'sqrt',
  forward(ctx, x) {
    const y = unary('sqrt', x);
    ctx.save(y);
    return y;
  },
  backward(ctx, dy) {
    const [y] = ctx.saved;
    return [binary('div', unary('scale', dy, 0.5), y!, dy.shape)];
  },
};

/**
 * Elementwise square root (NaN for negative values).
 *
 * @param x - a float32 or float64 tensor.
 * @throws {@link DtypeError} when `x` is not float32 or float64.
 * @example
 * ```ts
 * import { tensor, sqrt } from '@tapegrad/core';
 * console.log(sqrt(tensor([4, 9])).toArray()); // [2, 3]
 * console.log(tensor([1, 4, 9, -1]).sqrt().toArray()); // [1, 2, 3, NaN]
 * ```
 * @category Ops
 */
export function sqrt(x: Tensor): Tensor {
  return applyOp(sqrtOp, unaryOperand('sqrt', x), undefined);
}
