/**
 * Chosen rows (along dim 0) of an ndarray of any strides, copied one after another into a flat
 * typed array: what `index` and `indexRowsInto` are made of. Only the chosen rows are read, each
 * through its strides, so a strided input (a transposed or permuted view) is never copied whole.
 * @module
 * @internal
 */
import type { NdArray, TypedArray } from '../dtype.js';
import { coalesce, forEachRow } from './strided.js';

/** Rows shorter than this are copied element by element rather than through a subarray view. */
const SHORT_ROW = 64;

/** Whether each row (dims 1…) of `shape`, `stride` is contiguous (dims of size 1 take any stride). */
function contiguousRows(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 1; d--) {
    if (shape[d] === 1) continue;
    if (stride[d] !== expected) return false;
    expected *= shape[d]!;
  }
  return true;
}

/**
 * Copies rows `rows` of `x` (dim 0), in that order, row-major and back to back, into `out` from
 * index `at`: `rows.length × x.shape[1] × …` elements. A row whose elements lie in memory
 * row-major without gaps is one `set` (or, when short, an element loop); any other is walked by its strides (negative and zero
 * strides included), its contiguous runs `set` at once.
 *
 * The caller has checked what this trusts: `x` has at least one dim, every row is an integer in
 * `[0, x.shape[0])`, `out` holds `x`'s dtype and has room from `at`. @internal
 */
export function copyRows(x: NdArray, rows: ArrayLike<number>, out: TypedArray, at = 0): void {
  const { data, shape, stride, offset } = x;
  let width = 1;
  for (let d = 1; d < shape.length; d++) width *= shape[d]!;
  const count = rows.length;
  if (width === 0 || count === 0) return;
  const rowStride = stride[0]!;
  if (contiguousRows(shape, stride)) {
    for (let i = 0; i < count; i++) {
      const start = offset + rows[i]! * rowStride, to = at + i * width;
      // a short row element by element: a subarray view per row costs more than its copy (a
      // cross-entropy picks rows of one element)
      if (width < SHORT_ROW) for (let j = 0; j < width; j++) out[to + j] = data[start + j]!;
      else out.set(data.subarray(start, start + width), to);
    }
    return;
  }
  copyStridedRows(x, rows, out, at);
}

/**
 * {@link copyRows} for rows that are not contiguous, run by run. (A function of its own: its closure
 * would make V8 allocate the caller's context at every call, for contiguous rows too.)
 */
function copyStridedRows(x: NdArray, rows: ArrayLike<number>, out: TypedArray, at: number): void {
  const { data, shape, stride, offset } = x;
  const count = rows.length, rowStride = stride[0]!;
  // the dims of a row merged wherever its strides allow
  const plan = coalesce(shape.slice(1), [stride.slice(1)]);
  let to = at;
  const copyRun = (offsets: number[], n: number, strides: number[]): void => {
    const from = offsets[0]!, step = strides[0]!;
    if (step === 1) out.set(data.subarray(from, from + n), to);
    else for (let j = 0, k = from; j < n; j++, k += step) out[to + j] = data[k]!;
    to += n;
  };
  for (let i = 0; i < count; i++) forEachRow(plan, [offset + rows[i]! * rowStride], copyRun);
}
