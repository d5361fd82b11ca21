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
 * `x` converted to `dtype` (a copy; `x` itself when it already has that dtype); the method form is
 * `x.to(dtype)`. Float to float conversions are recorded on the tape; floats become integers as typed
 * arrays store them: truncated toward zero (and wrapped for uint8).
 *
 * @param x - the tensor.
 * @param dtype - 'float32', 'float64', 'int32' or 'uint8'.
 * @throws {@link DtypeError} when `dtype` is none of those.
 * @example
 * ```ts
 * import { tensor, cast } from '@tapegrad/core';
 * const x = tensor([1.5, 2.7, -1.5]);
 * console.log(cast(x, 'float64').dtype, x.to('int32').toArray(), x.to('float32') === x); // 'float64' [1, 2, -1] true
 * ```
 * @category Tensors
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`to: input must be a Tensor (got ${typeof x})`);
  const target = checkDType('to', dtype);
  if (x.dtype === target) return x;
  return applyOp(castOp, [x], { dtype: target });
}
