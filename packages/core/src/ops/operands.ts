/**
 * Shared checks and gradient helpers of the ops: scalars turned into tensors, dtype checks, and
 * `sumTo`, which sums a broadcast gradient back to an input's shape.
 * @module
 * @internal
 */
import { DtypeError } from '../errors.js';
import { isFloatDType, type NdArray } from '../dtype.js';
import { sumAxes } from '../kernels/reduce.js';
import { reshapeNd, wrapNd, castNd } from '../kernels/layout.js';
import { sameShape } from '../shape.js';
import { Tensor, type TensorLike } from '../tensor.js';

/** Throws a DtypeError naming `op` unless `t` is floating. */
export function checkFloat(op: string, t: Tensor, name = 'input'): void {
  if (!isFloatDType(t.dtype)) throw new DtypeError(`${op}: ${name} must be float32 or float64 (got ${t.dtype})`);
}

/** Checks `x` is a Tensor of a floating dtype and returns it as a one-element list for applyOp. */
export function unaryOperand(op: string, x: Tensor): [Tensor] {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor (got ${typeof x})`);
  checkFloat(op, x);
  return [x];
}

/**
 * The two operands of a binary op as tensors of one floating dtype: a plain number becomes a 0-d
 * tensor of the other operand's dtype; two tensors of different dtypes are a DtypeError.
 */
export function binaryOperands(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') {
    throw new TypeError(`${op}: at least one operand must be a Tensor (got two numbers)`);
  }
  const ta = typeof a === 'number' ? scalarLike(a, b as Tensor) : a;
  const tb = typeof b === 'number' ? scalarLike(b, ta) : b;
  if (!(ta instanceof Tensor) || !(tb instanceof Tensor)) {
    throw new TypeError(`${op}: operands must be Tensors or numbers (got ${typeof a} and ${typeof b})`);
  }
  checkFloat(op, ta, 'a');
  checkFloat(op, tb, 'b');
  if (ta.dtype !== tb.dtype) {
    throw new DtypeError(`${op}: operands must have the same dtype (got ${ta.dtype} and ${tb.dtype}); convert one with .to()`);
  }
  return [ta, tb];
}

function scalarLike(value: number, like: Tensor): Tensor {
  return new Tensor(castNd(wrapNd(new Float64Array([value]), []), like.dtype));
}

/**
 * Sums `grad` (of a broadcast result) back to `shape`: over the leading dims broadcasting added and
 * the dims where `shape` has 1. Returns `grad` itself when the shapes already agree.
 */
export function sumTo(grad: NdArray, shape: readonly number[]): NdArray {
  if (sameShape(grad.shape, shape)) return grad;
  const lead = grad.shape.length - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < grad.shape.length; i++) {
    if (i < lead || (shape[i - lead] === 1 && grad.shape[i] !== 1)) dims.push(i);
  }
  return reshapeNd(sumAxes(grad, dims), shape);
}
