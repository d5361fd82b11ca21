/**
 * Small public helpers for writing ops on ndarrays (see {@link defineOp}).
 * @module
 */
import type { DType, NdArray } from './dtype.js';
import { createNd, toContiguous } from './kernels/layout.js';

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
