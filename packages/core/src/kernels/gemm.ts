/**
 * General matrix multiply on row-major typed arrays (BLAS `?gemm`), cache-blocked in pure TypeScript.
 * @module
 */
import type { FloatArray } from '../dtype.js';
import { DtypeError, ShapeError } from '../errors.js';
import { microKernel2x3 } from './gemmMicroKernel.js';
import { packPanelsOf2, packPanelsOf3 } from './gemmPack.js';

/**
 * Block sizes of {@link gemm}: register tile `mr × nr`, A blocks of `mc × kc` (kept in L2), B blocks
 * of `kc × nc`, and at most `tileBudget` float64 values in the work tile that holds a block of C.
 * @internal
 */
export const gemmBlocking = { mr: 2, nr: 3, kc: 512, mc: 120, nc: 1536, tileBudget: 1 << 20 } as const;
const { mr: MR, nr: NR, kc: KC, mc: MC, nc: NC, tileBudget: TILE_BUDGET } = gemmBlocking;

/** Largest index the int32 arithmetic of the packing loops can reach. */
const MAX_INDEX = 2 ** 31 - 1;

// Scratch reused by every call and grown on demand: packed A and B panels, and the float64 work
// tile. Plain arrays of doubles (see microKernel2x3); they start as [0.5] and only ever get doubles.
const packed: number[] = [0.5];
const tile: number[] = [0.5];

/**
 * General matrix multiply: `C = op(A)·op(B)`, or `C += op(A)·op(B)` when `accumulate`, where
 * `op(A)` is `m × k` and `op(B)` is `k × n`. All three matrices are row-major with leading
 * dimensions (row strides) `lda`, `ldb`, `ldc`; `transA` means A is stored `k × m` and read
 * transposed, `transB` that B is stored `n × k`. So `A·B`, `Aᵀ·B` and `A·Bᵀ` need no copies, and
 * strided views of larger arrays work through the offsets and leading dimensions.
 *
 * GotoBLAS/BLIS design: op(B) is packed into 3-column panels and op(A) into 2-row panels (the packing
 * reads through strides, which absorbs the transposes, so all forms run at one speed), blocked so a
 * `120 × 512` A block stays in L2 while a 2×3 register-blocked micro-kernel sweeps it. Products
 * accumulate in float64 for both dtypes and C is written once at the end, so a float32 result is the
 * float32 rounding of a float64-accumulated product. Packed panels and the work tile are module-level
 * scratch, grown on demand and reused. 6–7.5 GFLOP/s on one Zen 5 core (see `bench/README.md`).
 *
 * As in BLAS, C's old values are not read when `accumulate` is false (a NaN there does not leak), and
 * C must not overlap A or B.
 *
 * @param transA - Read A transposed: A is stored `k × m`.
 * @param transB - Read B transposed: B is stored `n × k`.
 * @param m - Rows of op(A) and C.
 * @param n - Columns of op(B) and C.
 * @param k - Columns of op(A), rows of op(B); 0 gives a zero product.
 * @param a - A's data; `a[aOffset + i·lda + p]` is `A[i, p]` (stored indices).
 * @param aOffset - Index of A's first element in `a`.
 * @param lda - A's row stride, at least its stored row length (`transA ? m : k`).
 * @param b - B's data, same dtype as `a`.
 * @param bOffset - Index of B's first element in `b`.
 * @param ldb - B's row stride, at least `transB ? k : n`.
 * @param c - C's data, same dtype as `a`; the `m × n` block is written, nothing else.
 * @param cOffset - Index of C's first element in `c`.
 * @param ldc - C's row stride, at least `n`.
 * @param accumulate - Add the product to C instead of overwriting it.
 * @throws {@link ShapeError} when a size, offset or leading dimension is not a non-negative integer,
 *   a leading dimension is shorter than a row, an array is too short for its matrix, or C overlaps A or B.
 * @throws {@link DtypeError} when the three arrays are not all Float32Array or all Float64Array.
 * @throws RangeError when a matrix reaches index 2³¹ or beyond.
 * @example
 * ```ts
 * import { gemm } from '@tapegrad/core';
 * const a = new Float64Array([1, 2, 3, 4, 5, 6]); // A [2, 3]
 * const b = new Float64Array([1, 0, 0, 1, 1, 1]); // B [3, 2]
 * const c = new Float64Array(4);
 * gemm(false, false, 2, 2, 3, a, 0, 3, b, 0, 2, c, 0, 2, false);
 * console.log(c); // Float64Array(4) [ 4, 5, 10, 11 ]
 * const d = new Float64Array(6);
 * gemm(true, false, 3, 2, 2, a, 0, 3, c, 0, 2, d, 0, 2, false); // Aᵀ·C: A read transposed, not copied
 * console.log(d); // Float64Array(6) [ 44, 49, 58, 65, 72, 81 ]
 * ```
 * @category Kernels
 */
export function gemm(
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: FloatArray, aOffset: number, lda: number,
  b: FloatArray, bOffset: number, ldb: number,
  c: FloatArray, cOffset: number, ldc: number,
  accumulate: boolean,
): void {
  checkSize('m', m); checkSize('n', n); checkSize('k', k);
  checkSize('aOffset', aOffset); checkSize('lda', lda);
  checkSize('bOffset', bOffset); checkSize('ldb', ldb);
  checkSize('cOffset', cOffset); checkSize('ldc', ldc);
  if (!(a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array)
    && !(a instanceof Float64Array && b instanceof Float64Array && c instanceof Float64Array)) {
    throw new DtypeError(`gemm: a, b and c must all be Float32Array or all Float64Array (got ${a.constructor.name}, ${b.constructor.name}, ${c.constructor.name})`);
  }
  const aEnd = checkOperand('a', a, aOffset, lda, transA ? k : m, transA ? m : k);
  const bEnd = checkOperand('b', b, bOffset, ldb, transB ? n : k, transB ? k : n);
  const cEnd = checkOperand('c', c, cOffset, ldc, m, n);
  if (overlaps(c, cOffset, cEnd, a, aOffset, aEnd) || overlaps(c, cOffset, cEnd, b, bOffset, bEnd)) {
    throw new ShapeError('gemm: c must not overlap a or b (got c sharing elements with an input)');
  }
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
}

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

function checkSize(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ShapeError(`gemm: ${name} must be a non-negative integer (got ${value})`);
  }
}

/** Checks that `data` holds a `rows × cols` matrix with row stride `ld` at `offset`; returns the end of its span. */
function checkOperand(name: string, data: FloatArray, offset: number, ld: number, rows: number, cols: number): number {
  if (ld < cols) {
    throw new ShapeError(`gemm: ld${name} must be at least ${cols}, the row length of the stored ${name} [${rows}, ${cols}] (got ${ld})`);
  }
  const end = rows === 0 || cols === 0 ? offset : offset + (rows - 1) * ld + cols;
  if (end > data.length) {
    throw new ShapeError(`gemm: ${name} [${rows}, ${cols}] with ld${name} ${ld} at offset ${offset} needs ${end} elements (got ${data.length})`);
  }
  if (end > MAX_INDEX) {
    throw new RangeError(`gemm: ${name} must end below index 2^31 (got a span ending at ${end})`);
  }
  return end;
}

/** Whether the element spans `[xStart, xEnd)` of `x` and `[yStart, yEnd)` of `y` share memory. */
function overlaps(x: FloatArray, xStart: number, xEnd: number, y: FloatArray, yStart: number, yEnd: number): boolean {
  if (x.buffer !== y.buffer || xStart === xEnd || yStart === yEnd) return false;
  const x0 = x.byteOffset + xStart * x.BYTES_PER_ELEMENT, x1 = x.byteOffset + xEnd * x.BYTES_PER_ELEMENT;
  const y0 = y.byteOffset + yStart * y.BYTES_PER_ELEMENT, y1 = y.byteOffset + yEnd * y.BYTES_PER_ELEMENT;
  return x0 < y1 && y0 < x1;
}
