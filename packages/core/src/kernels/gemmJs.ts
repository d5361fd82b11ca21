/**
 * The pure-TypeScript GEMM: cache-blocked GotoBLAS/BLIS-style loops around a 2×3 register-blocked
 * micro-kernel, accumulating in float64 (see `bench/README.md` for how it was tuned).
 * @module
 * @internal
 */
import type { FloatArray } from '../dtype.js';
import type { KernelSet } from './kernelSet.js';
import { microKernel2x3 } from './gemmMicroKernel.js';
import { packPanelsOf2, packPanelsOf3 } from './gemmPack.js';

/**
 * Block sizes of {@link gemmJs}: register tile `mr × nr`, A blocks of `mc × kc` (kept in L2), B blocks
 * of `kc × nc`, and at most `tileBudget` float64 values in the work tile that holds a block of C.
 * @internal
 */
export const gemmBlocking = { mr: 2, nr: 3, kc: 512, mc: 120, nc: 1536, tileBudget: 1 << 20 } as const;
const { mr: MR, nr: NR, kc: KC, mc: MC, nc: NC, tileBudget: TILE_BUDGET } = gemmBlocking;

// Scratch reused by every call and grown on demand: packed A and B panels, and the float64 work
// tile. Plain arrays of doubles (see microKernel2x3); they start as [0.5] and only ever get doubles.
const packed: number[] = [0.5];
const tile: number[] = [0.5];

/**
 * `C = op(A)·op(B)` (or `+=` when `accumulate`) in pure TypeScript; the arguments of core's `gemm`,
 * already checked. op(B) is packed into 3-column panels and op(A) into 2-row panels (the packing
 * reads through strides, which absorbs the transposes), blocked so a `120 × 512` A block stays in
 * L2 while a 2×3 micro-kernel sweeps it. Products accumulate in float64 for both dtypes and C is
 * written once at the end, so a float32 result is the float32 rounding of a float64-accumulated
 * product (`bench/README.md` has its speed).
 * @internal
 */
export const gemmJs: KernelSet['gemm'] = (transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, accumulate) => {
  if (m === 0 || n === 0) return;

  // op(A)(i, p) = a[aOffset + i·aRow + p·aCol]; op(B)(p, j) = b[bOffset + j·bRow + p·bCol].
  const aRow = transA ? 1 : lda, aCol = transA ? lda : 1;
  const bRow = transB ? ldb : 1, bCol = transB ? 1 : ldb;
  const blockCols = Math.min(NC, roundUp(n, NR));
  const chunkRows = Math.max(MC, Math.floor(TILE_BUDGET / blockCols / MC) * MC);
  const blockDepth = Math.min(KC, k);
  const aPanelsSize = Math.min(MC, roundUp(m, MR)) * blockDepth;
  grow(packed, aPanelsSize + blockDepth * blockCols);
  grow(tile, Math.min(chunkRows, roundUp(m, MR)) * blockCols);

  for (let i2 = 0; i2 < m; i2 += chunkRows) {
    const rows = Math.min(chunkRows, m - i2);
    for (let j0 = 0; j0 < n; j0 += NC) {
      const cols = Math.min(NC, n - j0);
      const stride = roundUp(cols, NR);
      const cStart = cOffset + i2 * ldc + j0;
      loadTile(accumulate, c, cStart, ldc, rows, cols, stride);
      for (let p0 = 0; p0 < k; p0 += KC) {
        const depth = Math.min(KC, k - p0);
        packPanelsOf3(b, bOffset + j0 * bRow + p0 * bCol, bRow, bCol, cols, depth, packed, aPanelsSize);
        for (let i0 = 0; i0 < rows; i0 += MC) {
          const blockRows = Math.min(MC, rows - i0);
          packPanelsOf2(a, aOffset + (i2 + i0) * aRow + p0 * aCol, aRow, aCol, blockRows, depth, packed, 0);
          for (let jr = 0; jr < cols; jr += NR) {
            for (let ir = 0; ir < blockRows; ir += MR) {
              microKernel2x3(depth, packed, ir * depth, aPanelsSize + jr * depth, tile, (i0 + ir) * stride + jr, stride);
            }
          }
        }
      }
      storeTile(c, cStart, ldc, rows, cols, stride);
    }
  }
};

/** Fills the work tile (rows rounded up to MR, `stride` columns) with C's block, or zeros. */
function loadTile(accumulate: boolean, c: FloatArray, cStart: number, ldc: number, rows: number, cols: number, stride: number): void {
  const tileRows = roundUp(rows, MR);
  for (let i = 0; i < tileRows; i++) {
    const t = i * stride;
    let j = 0;
    if (accumulate && i < rows) {
      for (const x = cStart + i * ldc; j < cols; j++) tile[t + j] = c[x + j]!;
    }
    for (; j < stride; j++) tile[t + j] = 0;
  }
}

/** Writes the work tile's `rows × cols` block to C (rounding once, for a Float32Array). */
function storeTile(c: FloatArray, cStart: number, ldc: number, rows: number, cols: number, stride: number): void {
  for (let i = 0; i < rows; i++) {
    const t = i * stride;
    for (let j = 0, x = cStart + i * ldc; j < cols; j++) c[x + j] = tile[t + j]!;
  }
}

function roundUp(x: number, multiple: number): number {
  return Math.ceil(x / multiple) * multiple;
}

/** Lengthens `scratch` to at least `length` with doubles (push keeps it a packed double array). */
function grow(scratch: number[], length: number): void {
  while (scratch.length < length) scratch.push(0.5);
}
