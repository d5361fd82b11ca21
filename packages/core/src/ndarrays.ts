/**
 * Small public helpers for writing ops on ndarrays (see {@link defineOp}).
 * @module
 */
import { dtypeOfArray, type DType, type NdArray } from './dtype.js';
import { DtypeError, ShapeError } from './errors.js';
import { createNd, toContiguous } from './kernels/layout.js';
import { matmulNd } from './kernels/matmul.js';
import { formatShape } from './text.js';

/**
 * A new zero-filled, contiguous ndarray of `dtype` and `shape`, for an op's output or gradient.
 * Its array comes from core's allocator: a reused one when an earlier graph gave one back, and for
 * float arrays of 1024 elements or more on the WebAssembly kernels, one in their memory (which they
 * then read and write in place).
 *
 * @param dtype - the element type.
 * @param shape - the dims.
 * @param zeroed - false for an output the caller writes in full: a reused array then keeps its old
 *   values instead of being filled with zeros first (default true).
 * @example
 * ```ts
 * import { createNdArray } from '@tapegrad/core';
 * const y = createNdArray('float64', [2, 3]);
 * console.log(y.shape, y.data.length); // [2, 3] 6
 * ```
 * @category Autograd
 */
export function createNdArray(dtype: DType, shape: readonly number[], zeroed = true): NdArray {
  return createNd(dtype, shape, zeroed);
}

/**
 * `x` itself when it is contiguous (row-major, no gaps), else a contiguous copy.
 *
 * @example
 * ```ts
 * import { tensor, contiguousNdArray } from '@tapegrad/core';
 * const t = tensor([[1, 2], [3, 4]]).transpose();
 * console.log(Array.from(contiguousNdArray(t.data).data)); // [1, 3, 2, 4]
 * ```
 * @category Autograd
 */
export function contiguousNdArray(x: NdArray): NdArray {
  return toContiguous(x);
}

/**
 * The matrix product op(a)·op(b) of two 2-D ndarrays, where op(x) is x, or xᵀ when its flag is set,
 * into a new contiguous `[m, n]` ndarray from core's allocator (as {@link createNdArray}): the
 * product `matmul` runs, for an op's forward or backward that works on ndarrays, without a tensor
 * or a tape node around it. Operands keep their strides: a transposed view, or a flag, is read in
 * place by the GEMM kernel, not copied.
 *
 * C = op(A)·op(B),  Cᵢⱼ = Σₖ op(A)ᵢₖ · op(B)ₖⱼ
 *
 * @param a - `[m, k]`, or `[k, m]` with `transA`; float32 or float64.
 * @param transA - read `a` transposed.
 * @param b - `[k, n]`, or `[n, k]` with `transB`; `a`'s dtype.
 * @param transB - read `b` transposed.
 * @returns `[m, n]`, `a`'s dtype.
 * @throws {@link ShapeError} when an operand is not 2-D or the inner dims differ;
 *   {@link DtypeError} when the dtypes differ or are not float32/float64.
 * @example
 * ```ts
 * import { matmulNdArray, tensor } from '@tapegrad/core';
 * const a = tensor([[1, 2], [3, 4]]).data, b = tensor([[5, 6], [7, 8]]).data;
 * console.log(Array.from(matmulNdArray(a, false, b, false).data)); // [19, 22, 43, 50]
 * console.log(Array.from(matmulNdArray(a, true, b, false).data)); // [26, 30, 38, 44]: aᵀ·b
 * ```
 * @category Autograd
 */
export function matmulNdArray(a: NdArray, transA: boolean, b: NdArray, transB: boolean): NdArray {
  if (a.shape.length !== 2 || b.shape.length !== 2) {
    throw new ShapeError(`matmulNdArray: operands must be 2-D (got a${formatShape(a.shape)} and b${formatShape(b.shape)})`);
  }
  const dtype = dtypeOfArray(a.data);
  if ((dtype !== 'float32' && dtype !== 'float64') || dtypeOfArray(b.data) !== dtype) {
    throw new DtypeError(`matmulNdArray: operands must be both float32 or both float64 (got ${String(dtype)} and ${String(dtypeOfArray(b.data))})`);
  }
  if ((transA ? a.shape[0] : a.shape[1]) !== (transB ? b.shape[1] : b.shape[0])) {
    const as = `a${formatShape(a.shape)}${transA ? ' transposed' : ''}`, bs = `b${formatShape(b.shape)}${transB ? ' transposed' : ''}`;
    throw new ShapeError(`matmulNdArray: inner dims must match (got ${as} and ${bs})`);
  }
  return matmulNd(a, transA, b, transB);
}
