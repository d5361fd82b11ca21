import { ShapeError } from '../errors.js';
import { formatShape } from '../text.js';
import { matmulNd } from '../kernels/matmul.js';
import { reshapeNd } from '../kernels/layout.js';
import type { NdArray } from '../dtype.js';
import { applyOp, type OpSpec } from '../tape.js';
import type { Tensor } from '../tensor.js';
import { binaryOperands } from './operands.js';

/** A 1-D operand seen as a matrix: a row vector on the left, a column vector on the right. */
function asMatrix(x: NdArray, side: 'left' | 'right'): NdArray {
  if (x.shape.length === 2) return x;
  return reshapeNd(x, side === 'left' ? [1, x.shape[0]!] : [x.shape[0]!, 1]);
}

/** The result shape: the matrix product's, without the dims that 1-D operands lent. */
function resultShape(a: NdArray, b: NdArray): number[] {
  const shape: number[] = [];
  if (a.shape.length === 2) shape.push(a.shape[0]!);
  if (b.shape.length === 2) shape.push(b.shape[1]!);
  return shape;
}

/** Whether `x` is an [rows, cols] array laid out row-major (as a reshaped view of it would be). */
function isRowMajor(x: NdArray, rows: number, cols: number): boolean {
  return x.shape.length === 2 && x.shape[0] === rows && x.shape[1] === cols && x.stride[0] === cols && x.stride[1] === 1;
}

/** `a @ b`; dA = dy·Bᵀ, dB = Aᵀ·dy, without materialising a transpose. @internal */
export const matmulOp: OpSpec = {
  name: 'matmul',
  forward(ctx, a, b) {
    if (a.shape.length < 1 || a.shape.length > 2 || b.shape.length < 1 || b.shape.length > 2) {
      throw new ShapeError(`matmul: operands must be 1-D or 2-D (got a${formatShape(a.shape)} and b${formatShape(b.shape)})`);
    }
    const a2 = asMatrix(a, 'left');
    const b2 = asMatrix(b, 'right');
    if (a2.shape[1] !== b2.shape[0]) {
      throw new ShapeError(`matmul: inner dims must match (got a${formatShape(a.shape)} and b${formatShape(b.shape)})`);
    }
    ctx.save(a2, b2);
    // the product of two matrices is the result as it is (reshaped only where a 1-D operand lent a dim)
    const product = matmulNd(a2, false, b2, false);
    return a2 === a && b2 === b ? product : reshapeNd(product, resultShape(a, b));
  },
  backward(ctx, dy) {
    const [a2, b2] = ctx.saved;
    const [shapeA, shapeB] = ctx.inputShapes;
    const m = a2!.shape[0]!, n = b2!.shape[1]!;
    const dy2 = isRowMajor(dy, m, n) ? dy : reshapeNd(dy, [m, n]);
    const da = ctx.needsGrad[0] ? matmulNd(dy2, false, b2!, true) : null;
    const db = ctx.needsGrad[1] ? matmulNd(a2!, true, dy2, false) : null;
    return [
      da !== null && shapeA!.length !== 2 ? reshapeNd(da, shapeA!) : da,
      db !== null && shapeB!.length !== 2 ? reshapeNd(db, shapeB!) : db,
    ];
  },
};

/**
 * Matrix product `a @ b` of 1-D or 2-D tensors: `out[i, j] = Σₖ a[i, k] · b[k, j]`. A 1-D left
 * operand is a row and a 1-D right operand a column, and their dim is dropped from the result, as in
 * numpy. Runs on the cache-blocked GEMM kernel; transposed views (`w.T`) are read in place, not copied.
 *
 * @param a - `[m, k]` or `[k]`, float32 or float64.
 * @param b - `[k, n]` or `[k]`, `a`'s dtype.
 * @returns `[m, n]` (or `[n]`, `[m]`, `[]` for 1-D operands).
 * @throws {@link ShapeError} when the inner dims differ or an operand is not 1-D or 2-D;
 *   {@link DtypeError} when the dtypes differ or are not float32/float64.
 * @example
 * ```ts
 * import { tensor, matmul } from '@tapegrad/core';
 * console.log(matmul(tensor([[1, 2], [3, 4]]), tensor([[5], [6]])).toArray()); // [[17], [39]]
 * console.log(tensor([[1, 2], [3, 4]]).matmul(tensor([[1], [1]])).toArray()); // [[3], [7]]
 * console.log(tensor([1, 2]).matmul(tensor([3, 4])).item()); // 11
 * ```
 * @category Ops
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  return applyOp(matmulOp, binaryOperands('matmul', a, b), undefined);
}
