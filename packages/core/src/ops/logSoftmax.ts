import { softmaxAlong, softmaxBackwardAlong } from '../kernels/softmax.js';
import { alongDim, normalizeDim } from '../shape.js';
import { applyOp, type OpSpec } from '../tape.js';
import type { Tensor } from '../tensor.js';
import { unaryOperand } from './operands.js';

/** Log-softmax along a dim; dx = dy - softmax·Σ dy. @internal */
export const logSoftmaxOp: OpSpec<{ dim: number }> = {
  name: 'logSoftmax',
  forward(ctx, x) {
    const y = softmaxAlong(x, ctx.attrs.dim, true);
    ctx.save(y);
    return y;
  },
  backward(ctx, dy) {
    return [softmaxBackwardAlong(ctx.saved[0]!, dy, ctx.attrs.dim, true)];
  },
};

/**
 * Log-softmax of `x` along `dim` (default the last): `xᵢ - max - log Σⱼ exp(xⱼ - max)`, exact
 * where a naive `log(softmax(x))` would hit log(0).
 *
 * @param x - a float32 or float64 tensor.
 * @param dim - the dim to normalize over (default -1).
 * @throws {@link ShapeError} when the dim is out of range; {@link DtypeError} for an integer tensor.
 * @example
 * ```ts
 * import { tensor, logSoftmax } from '@tapegrad/core';
 * console.log(logSoftmax(tensor([[0, 1000]], { dtype: 'float64' })).toArray()); // [[-1000, 0]]
 * console.log(tensor([0, 0]).logSoftmax().toArray()); // [-0.6931471805599453, -0.6931471805599453]
 * ```
 * @category Ops
 */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  const inputs = unaryOperand('logSoftmax', x);
  return applyOp(logSoftmaxOp, inputs, alongDim(normalizeDim('logSoftmax', dim, x.ndim)));
}
