import { binary, unary } from '../kernels/elementwise.js';
import { broadcastShapes } from '../shape.js';
import type { NdArray } from '../dtype.js';
import { applyOp, type OpSpec } from '../tape.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { binaryOperands, sumTo, unaryOperand } from './operands.js';

/** `x ** p` for a number p; dx = dy·p·x^(p-1). @internal */
export const powScalarOp: OpSpec<{ exponent: number }> = {
  name: 'pow',
  forward(ctx, x) {
    ctx.save(x);
    return unary('powScalar', x, ctx.attrs.exponent);
  },
  backward(ctx, dy) {
    const [x] = ctx.saved;
    const p = ctx.attrs.exponent;
    const slope = p === 2 ? unary('scale', x!, 2) : unary('scale', unary('powScalar', x!, p - 1), p);
    return [binary('mul', dy, slope, dy.shape)];
  },
};

/** `a ** b` for two tensors; da = dy·b·a^(b-1), db = dy·aᵇ·ln a. @internal */
export const powOp: OpSpec<undefined, readonly [NdArray, NdArray, NdArray]> = {
  name: 'pow',
  forward(ctx, a, b) {
    const out = binary('pow', a, b, broadcastShapes('pow', a.shape, b.shape));
    ctx.save(a, b, out);
    return out;
  },
  backward(ctx, dy) {
    const [a, b, out] = ctx.saved;
    const da = ctx.needsGrad[0]
      ? sumTo(binary('mul', dy, binary('mul', b, binary('pow', a, unary('addScalar', b, -1), dy.shape), dy.shape), dy.shape), a.shape)
      : null;
    const db = ctx.needsGrad[1] ? sumTo(binary('mul', binary('mul', dy, out, dy.shape), unary('log', a), dy.shape), b.shape) : null;
    return [da, db];
  },
};

/**
 * Elementwise power `x ** exponent`. The gradient is `exponent · x ** (exponent - 1)` (and
 * `log(x) · x ** exponent` for a tensor exponent).
 *
 * @param x - a float32 or float64 tensor.
 * @param exponent - a number, or a tensor broadcastable with `x` of the same dtype.
 * @returns a tensor of the broadcast shape.
 * @throws {@link ShapeError} when the shapes do not broadcast; {@link DtypeError} when the dtypes
 *   differ or are not float32/float64.
 * @example
 * ```ts
 * import { tensor, pow } from '@tapegrad/core';
 * console.log(pow(tensor([2, 3]), 2).toArray()); // [4, 9]
 * console.log(tensor([1, 2, 3]).pow(2).toArray(), tensor([4, 9]).pow(0.5).toArray()); // [1, 4, 9] [2, 3]
 * ```
 * @category Ops
 */
export function pow(x: TensorLike, exponent: TensorLike): Tensor {
  if (x instanceof Tensor && typeof exponent === 'number') {
    return applyOp(powScalarOp, unaryOperand('pow', x), { exponent });
  }
  return applyOp(powOp, binaryOperands('pow', x, exponent), undefined);
}
