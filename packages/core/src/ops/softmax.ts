import { softmaxAlong, softmaxBackwardAlong } from '../kernels/softmax.js';
import { normalizeDim } from '../shape.js';
import { applyOp, type OpSpec } from '../tape.js';
import type { Tensor } from '../tensor.js';
import { unaryOperand } from './operands.js';

/** Softmax along a dim; dx = y·(dy - Σ dy·y). @internal */
export const softmaxOp: OpSpec<{ dim: number }> = {
  name: 'softmax',
  forward(ctx, x) {
    const y = softmaxAlong(x, ctx.attrs.dim, false);
    ctx.save(y);
    return y;
  },
  backward(ctx, dy) {
    const [y] = ctx.saved;
    return [softmaxBackwardAlong(y!, dy, ctx.attrs.dim, false)];
  },
};

/**
 * Softmax of `x` along `dim` (default the last): exp(x - max) / Σ exp(x - max), so large inputs do
 * not overflow.
 *
 * @throws {@link ShapeError} when the dim is out of range.
 * @example
 * ```ts
 * import { tensor, softmax } from '@tapegrad/core';
 * console.log(softmax(tensor([[0, 0]])).toArray()); // [[0.5, 0.5]]
 * ```
 * @category Ops
 */
export function softmax(x: Tensor, dim = -1): Tensor {
  const [input] = unaryOperand('softmax', x);
  return applyOp(softmaxOp, [input], { dim: normalizeDim('softmax', dim, x.ndim) });
}
