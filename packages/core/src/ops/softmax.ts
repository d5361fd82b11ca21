import { softmaxAlong, softmaxBackwardAlong } from '../kernels/softmax.js';
import { alongDim, normalizeDim } from '../shape.js';
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
    return [softmaxBackwardAlong(ctx.saved[0]!, dy, ctx.attrs.dim, false)];
  },
};

/**
 * Softmax of `x` along `dim` (default the last): `exp(xᵢ - max) / Σⱼ exp(xⱼ - max)`, so large
 * inputs do not overflow.
 *
 * @param x - a float32 or float64 tensor.
 * @param dim - the dim to normalize over (default -1).
 * @throws {@link ShapeError} when the dim is out of range; {@link DtypeError} for an integer tensor.
 * @example
 * ```ts
 * import { tensor, softmax } from '@tapegrad/core';
 * console.log(softmax(tensor([[0, 0]])).toArray()); // [[0.5, 0.5]]
 * const p = tensor([[1, 2, 3]], { dtype: 'float64' }).softmax();
 * console.log(p.toArray(), p.sum().item()); // [[0.09003057317038046, 0.24472847105479767, 0.6652409557748219]] 1
 * ```
 * @category Ops
 */
export function softmax(x: Tensor, dim = -1): Tensor {
  const inputs = unaryOperand('softmax', x);
  return applyOp(softmaxOp, inputs, alongDim(normalizeDim('softmax', dim, x.ndim)));
}
