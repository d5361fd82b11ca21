/**
 * The register-blocked inner loop of {@link gemm}.
 * @module
 * @internal
 */

/**
 * Adds a 2-row A panel times a 3-column B panel, `depth` deep, into a 2×3 block of the work tile:
 * `tile[tileIndex + r·tileStride + j] += Σ_p packed[aIndex + 2p + r] · packed[bIndex + 3p + j]`.
 *
 * The six sums live in local variables for the whole loop. 2×3 is what fits: TurboFan computes all
 * the products of an iteration before the sums, so a tile needs about twice its size in xmm
 * registers, and V8 has 15; larger tiles (3×3, 4×4, 4×8) spill and measured slower. `packed` and
 * `tile` are plain arrays of doubles, never typed arrays: V8 11 indexes a double-elements array in
 * four instructions and a `Float64Array` in six, which made this loop faster (bench/README.md has
 * the figures). Both arrays must stay packed doubles (no holes, no non-numbers) for that; every call
 * site sees the same two arrays, so it stays monomorphic.
 *
 * @param depth - Number of rank-1 updates (the k extent of this block).
 * @param packed - Scratch holding both packed panels.
 * @param aIndex - Start of the A panel (`2·depth` values).
 * @param bIndex - Start of the B panel (`3·depth` values).
 * @param tile - The float64 work tile that holds a block of C.
 * @param tileIndex - Index of the block's top-left element in `tile`.
 * @param tileStride - Distance between rows of `tile`.
 * @example
 * ```ts
 * import { microKernel2x3 } from './gemmMicroKernel.js';
 * const packed = [1, 2, 10, 20, 30];        // A panel [1, 2]ᵀ at 0, B panel [10, 20, 30] at 2
 * const tile = [0.5, 0, 0, 0, 0, 0];
 * microKernel2x3(1, packed, 0, 2, tile, 0, 3);
 * console.log(tile); // [10.5, 20, 30, 20, 40, 60]
 * ```
 * @category Kernels
 * @internal
 */
export function microKernel2x3(
  depth: number, packed: number[], aIndex: number, bIndex: number,
  tile: number[], tileIndex: number, tileStride: number,
): void {
  let c00 = 0, c01 = 0, c02 = 0;
  let c10 = 0, c11 = 0, c12 = 0;
  const aEnd = (aIndex + 2 * depth) | 0;
  for (let a = aIndex | 0, b = bIndex | 0; a < aEnd; a = (a + 2) | 0, b = (b + 3) | 0) {
    const b0 = packed[b]!, b1 = packed[(b + 1) | 0]!, b2 = packed[(b + 2) | 0]!;
    const a0 = packed[a]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2;
    const a1 = packed[(a + 1) | 0]!;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2;
  }
  const row1 = tileIndex + tileStride;
  tile[tileIndex] = tile[tileIndex]! + c00;
  tile[tileIndex + 1] = tile[tileIndex + 1]! + c01;
  tile[tileIndex + 2] = tile[tileIndex + 2]! + c02;
  tile[row1] = tile[row1]! + c10;
  tile[row1 + 1] = tile[row1 + 1]! + c11;
  tile[row1 + 2] = tile[row1 + 2]! + c12;
}
