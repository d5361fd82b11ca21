import { copyNd } from '../kernels/layout.js';
import { applyOp, type OpSpec } from '../tape.js';
import { Tensor } from '../tensor.js';

/** A contiguous copy; dx = dy. @internal */
export const cloneOp: OpSpec = {
  name: 'clone',
  forward(_ctx, x) {
    return copyNd(x);
  },
  backward(_ctx, dy) {
    return [dy];
  },
};

/**
 * A contiguous copy of `x` with its own data, recorded on the tape (the gradient flows back to `x`).
 *
 * @param x - the tensor to copy.
 * @returns a contiguous tensor of `x`'s shape and dtype.
 * @example
 * ```ts
 * import { tensor, clone } from '@tapegrad/core';
 * const x = tensor([1, 2], { requiresGrad: true });
 * const y = clone(x), c = x.clone();
 * c.mul(3).sum().backward();
 * console.log(y.data.data === x.data.data, c.data.data === x.data.data, x.grad?.toArray()); // false false [3, 3]
 * ```
 * @category Tensors
 */
export function clone(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`clone: input must be a Tensor (got ${typeof x})`);
  return applyOp(cloneOp, [x], undefined);
}
