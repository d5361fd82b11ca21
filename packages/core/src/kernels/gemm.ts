/**
 * General matrix multiply on row-major typed arrays (BLAS `?gemm`): the checked entry point, which
 * runs the active kernel set's GEMM (see {@link setKernels}).
 * @module
 */
import type { FloatArray } from '../dtype.js';
import { DtypeError, ShapeError } from '../errors.js';
import { getKernels } from './registry.js';

/** Largest index the int32 arithmetic of the kernels can reach. */
const MAX_INDEX = 2 ** 31 - 1;

/**
 * General matrix multiply: `C = op(A)·op(B)`, or `C += op(A)·op(B)` when `accumulate`, where
 * `op(A)` is `m × k` and `op(B)` is `k × n`. All three matrices are row-major with leading
 * dimensions (row strides) `lda`, `ldb`, `ldc`; `transA` means A is stored `k × m` and read
 * transposed, `transB` that B is stored `n × k`. So `A·B`, `Aᵀ·B` and `A·Bᵀ` need no copies, and
 * strided views of larger arrays work through the offsets and leading dimensions.
 *
 * The work runs on the active {@link KernelSet}: WebAssembly SIMD (f32: 6×8 register tiles with
 * relaxed-SIMD FMA, packed panels, cache blocking, worker threads for large products) or pure
 * TypeScript (2×3 tiles, accumulation in float64). Both pack op(A) and op(B) into panels through
 * strides, which absorbs the transposes, so every form runs at one speed. The TypeScript kernels
 * accumulate float32 products in float64; the WebAssembly ones in float32, as BLAS does.
 * `bench/README.md` has the speeds of both.
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
  getKernels().gemm(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, accumulate);
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
