import { castNd } from '../kernels/layout.js';
import { checkDType, type DType } from '../dtype.js';
import { applyOp, type OpSpec } from '../tape.js';
import { Tensor } from '../tensor.js';

/** Converts to another dtype; dx = dy converted back to the input's dtype. @internal */
export const castOp: OpSpec<{ dtype: DType }> = {
  name: 'to',
  forward(ctx, x) {
    return castNd(x, ctx.attrs.dtype);
  },
  backward(ctx, dy) {
    return [castNd(dy, ctx.inputDtypes[0]!)];
  },
};

/**
 * `x` converted to `dtype` (a copy; `x` itself when it already has that dtype). Float to float
 * conversions are recorded on the tape; converting to an integer dtype truncates toward zero.
 *
 * @throws {@link DtypeError} when `dtype` is not a dtype name.
 * @example
 * ```ts
 * import { tensor, cast } from '@tapegrad/core';
 * console.log(cast(tensor([1.5]), 'float64').dtype); // 'float64'
 * ```
 * @category Tensors
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`to: input must be a Tensor (got ${typeof x})`);
  const target = checkDType('to', dtype);
  if (x.dtype === target) return x;
  return applyOp(castOp, [x], { dtype: target });
}
