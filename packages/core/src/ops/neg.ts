import { unary } from '../kernels/elementwise.js';
import { applyOp, type OpSpec } from '../tape.js';
import type { Tensor } from '../tensor.js';
import { unaryOperand } from './operands.js';

/** `-x`; dx = -dy. @internal */
export const negOp: OpSpec = {
  name: 'neg',
  forward(_ctx, x) {
    return unary('neg', x);
  },
  backward(ctx, dy) {
    return [ctx.needsGrad[0] ? unary('neg', dy) : null];
  },
};

/**
 * Elementwise negation, `-x`.
 *
 * @param x - a float32 or float64 tensor.
 * @throws {@link DtypeError} when `x` is not float32 or float64.
 * @example
 * ```ts
 * import { tensor, neg } from '@tapegrad/core';
 * console.log(neg(tensor([1, -2])).toArray(), tensor([3]).neg().toArray()); // [-1, 2] [-3]
 * ```
 * @category Ops
 */
export function neg(x: Tensor): Tensor {
  return applyOp(negOp, unaryOperand('neg', x), undefined);
}
