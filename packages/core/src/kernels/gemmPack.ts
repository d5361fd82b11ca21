/**
 * Packing for {@link gemm}: copies a block of an operand into the contiguous, zero-padded panel
 * layout the micro-kernel streams through. Packing is also where transposes disappear: a block is
 * read through a row stride and a column stride, so `A`, `Aᵀ`, `B` and `Bᵀ` all pack to the same layout.
 * @module
 * @internal
 */
import type { FloatArray } from '../dtype.js';

/**
 * Packs the `rows × depth` matrix `M(i, p) = src[offset + i·rowStride + p·colStride]` into panels of
 * 2 rows: panel `q` holds rows `2q, 2q+1` depth-major at `dst[dstOffset + 2q·depth + 2p + r]`. A last
 * panel short of rows is padded with zeros, so the micro-kernel never needs an edge case.
 *
 * `dst` must already hold `dstOffset + 2·⌈rows/2⌉·depth` elements, and every source index must be
 * below 2³¹ (the index arithmetic is int32).
 *
 * @example
 * ```ts
 * import { packPanelsOf2 } from './gemmPack.js';
 * const dst = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
 * packPanelsOf2(new Float64Array([1, 2, 3, 4, 5, 6]), 0, 2, 1, 3, 2, dst, 0); // M = [[1, 2], [3, 4], [5, 6]]
 * console.log(dst); // [1, 3, 2, 4, 5, 0, 6, 0]
 * ```
 * @category Kernels
 * @internal
 */
export function packPanelsOf2(
  src: FloatArray, offset: number, rowStride: number, colStride: number, rows: number, depth: number,
  dst: number[], dstOffset: number,
): void {
  const step = colStride | 0;
  let d = dstOffset | 0;
  let i = 0;
  for (; i + 2 <= rows; i += 2) {
    let x = (offset + i * rowStride) | 0;
    let y = (x + rowStride) | 0;
    for (const end = (d + 2 * depth) | 0; d < end; d = (d + 2) | 0) {
      dst[d] = src[x]!;
      dst[(d + 1) | 0] = src[y]!;
      x = (x + step) | 0;
      y = (y + step) | 0;
    }
  }
  if (i < rows) {
    let x = (offset + i * rowStride) | 0;
    for (const end = (d + 2 * depth) | 0; d < end; d = (d + 2) | 0) {
      dst[d] = src[x]!;
      dst[(d + 1) | 0] = 0;
      x = (x + step) | 0;
    }
  }
}

/**
 * Packs the `rows × depth` matrix `M(i, p) = src[offset + i·rowStride + p·colStride]` into panels of
 * 3 rows, depth-major: `dst[dstOffset + 3q·depth + 3p + r]` is `M(3q + r, p)`, zero for rows past the end.
 * Same contract as {@link packPanelsOf2}.
 *
 * @example
 * ```ts
 * import { packPanelsOf3 } from './gemmPack.js';
 * const dst = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
 * packPanelsOf3(new Float32Array([1, 2, 3, 4]), 0, 1, 2, 2, 2, dst, 0); // M = [[1, 3], [2, 4]]
 * console.log(dst); // [1, 2, 0, 3, 4, 0]
 * ```
 * @category Kernels
 * @internal
 */
export function packPanelsOf3(
  src: FloatArray, offset: number, rowStride: number, colStride: number, rows: number, depth: number,
  dst: number[], dstOffset: number,
): void {
  const step = colStride | 0;
  let d = dstOffset | 0;
  let i = 0;
  for (; i + 3 <= rows; i += 3) {
    let x = (offset + i * rowStride) | 0;
    let y = (x + rowStride) | 0;
    let z = (y + rowStride) | 0;
    for (const end = (d + 3 * depth) | 0; d < end; d = (d + 3) | 0) {
      dst[d] = src[x]!;
      dst[(d + 1) | 0] = src[y]!;
      dst[(d + 2) | 0] = src[z]!;
      x = (x + step) | 0;
      y = (y + step) | 0;
      z = (z + step) | 0;
    }
  }
  if (i + 2 === rows) {
    let x = (offset + i * rowStride) | 0;
    let y = (x + rowStride) | 0;
    for (const end = (d + 3 * depth) | 0; d < end; d = (d + 3) | 0) {
      dst[d] = src[x]!;
      dst[(d + 1) | 0] = src[y]!;
      dst[(d + 2) | 0] = 0;
      x = (x + step) | 0;
      y = (y + step) | 0;
    }
  } else if (i + 1 === rows) {
    let x = (offset + i * rowStride) | 0;
    for (const end = (d + 3 * depth) | 0; d < end; d = (d + 3) | 0) {
      dst[d] = src[x]!;
      dst[(d + 1) | 0] = 0;
      dst[(d + 2) | 0] = 0;
      x = (x + step) | 0;
    }
  }
}
