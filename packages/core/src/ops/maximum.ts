import { binary } from '../kernels/elementwise.js';
import { broadcastShapes } from '../shape.js';
import type { NdArray } from '../dtype.js';
import { applyOp, type OpSpec } from '../tape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { binaryOperands, sumTo } from './operands.js';

/**
 * The gradients `maximum` (`larger`) and `minimum` send to a and b: all of dy to the winner, half
 * each on a tie. @internal
 */
export function extremumGrads(needsGrad: readonly boolean[], a: NdArray, b: NdArray, dy: NdArray, larger: boolean): (NdArray | null)[] {
  const [first, second] = larger ? [a, b] : [b, a];
  return [
    needsGrad[0] ? sumTo(binary('mul', dy, binary('maxShare', first, second, dy.shape), dy.shape), a.shape) : null,
    needsGrad[1] ? sumTo(binary('mul', dy, binary('maxShare', second, first, dy.shape), dy.shape), b.shape) : null,
  ];
}

/** Elementwise maximum; a tie splits dy in half between a and b, as PyTorch does. @internal */
export const maximumOp: OpSpec = {
  name: 'maximum',
  forward(ctx, a, b) {
    ctx.save(a, b);
    return binary('maximum', a, b, broadcastShapes('maximum', a.shape, b.shape));
  },
  backward(ctx, dy) {
    const [a, b] = ctx.saved;
    return extremumGrads(ctx.needsGrad, a!, b!, dy, true);
  },
};

/**
 * Elementwise maximum of `a` and `b` with numpy broadcasting (NaN where either is NaN). Where
 * `a == b` the gradient is split in half between them, as in PyTorch.
 *
 * @param a - the first operand: a tensor, or a number.
 * @param b - the second: a tensor or a number, broadcastable with `a`, of the same (floating) dtype.
 * @returns a tensor of the broadcast shape.
 * @throws {@link ShapeError} when the shapes do not broadcast; {@link DtypeError} when the dtypes
 *   differ or are not float32/float64.
 * @example
 * ```ts
 * import { tensor, maximum } from '@tapegrad/core';
 * console.log(maximum(tensor([-1, 2, 5]), 0).toArray()); // [0, 2, 5]
 * const a = tensor([1, 2], { requiresGrad: true });
 * const m = a.maximum(tensor([2, 2])); // a tie at index 1
 * m.sum().backward();
 * console.log(m.toArray(), a.grad?.toArray()); // [2, 2] [0, 0.5]
 * ```
 * @category Ops
 */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(maximumOp, binaryOperands('maximum', a, b), undefined);
}
