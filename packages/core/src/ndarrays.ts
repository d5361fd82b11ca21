/**
 * Small public helpers for writing ops on ndarrays (see {@link defineOp}).
 * @module
 */
import type { DType, NdArray } from './dtype.js';
import { createNd, toContiguous } from './kernels/layout.js';

/**
 * A new zero-filled, contiguous ndarray of `dtype` and `shape`, for an op's output or gradient.
 *
 * @example
 * ```ts
 * import { createNdArray } from '@tapegrad/core';
 * const y = createNdArray('float64', [2, 3]);
 * console.log(y.shape, y.data.length); // [2, 3] 6
 * ```
 * @category Autograd
 */
export function createNdArray(dtype: DType, shape: readonly number[]): NdArray {
  return createNd(dtype, shape);
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
