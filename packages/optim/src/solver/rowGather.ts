/**
 * Minibatches gathered into one buffer that is reused from batch to batch, for the Solver: a
 * training step's 50 × 3072 images (or an accuracy check's 1000) would otherwise be a fresh array
 * each time, and allocating large arrays is what a small step spends most on after its products.
 * @module
 * @internal
 */
import { fromArray, getKernels, type NdArray, type Tensor, type TypedArray } from '@tapegrad/core';

/** Whether each row of `x` (the dims after the first) lies in memory row-major without gaps. */
function rowsContiguous(x: NdArray): boolean {
  let expected = 1;
  for (let i = x.shape.length - 1; i >= 1; i--) {
    const d = x.shape[i]!;
    if (d !== 1 && x.stride[i] !== expected) return false;
    expected *= d;
  }
  return true;
}

/** Copies the row of `x` that starts at `start` (its dims after the first, by their strides) to `out` from `at`. */
function copyStridedRow(x: NdArray, start: number, out: TypedArray, at: number): void {
  const { data, shape, stride } = x;
  const last = shape.length - 1;
  const inner = shape[last]!, step = stride[last]!;
  let outer = 1;
  for (let d = 1; d < last; d++) outer *= shape[d]!;
  const index = new Array<number>(shape.length).fill(0);
  let base = start;
  for (let k = 0; k < outer; k++) {
    for (let j = 0; j < inner; j++) out[at++] = data[base + j * step]!;
    // the next position of the dims between the first and the last, the last of them fastest
    for (let d = last - 1; d >= 1; d--) {
      base += stride[d]!;
      if (++index[d]! < shape[d]!) break;
      base -= stride[d]! * shape[d]!;
      index[d] = 0;
    }
  }
}

/**
 * Gathers rows of a tensor into a buffer it keeps (in the kernels' memory for float data, so the
 * kernels read batches in place), grown when a larger batch comes. Each `gather` overwrites what
 * the previous one returned: a caller hands the result to code that is done with it before the
 * next gather.
 *
 * The rows are read from `X` as it is at each call, by its strides: a strided training set (a
 * transposed or permuted X) is never copied whole, neither at each batch nor once into a cache, so a
 * change made to X (or to the tensor it views) in place between two steps shows in the next batch.
 * @internal
 */
export class RowGather {
  private buffer: TypedArray | null = null;

  /** Rows `rows[from..to)` of `X` (numpy's `X[rows[from:to]]`), in the reused buffer. */
  gather(X: Tensor, rows: ArrayLike<number>, from = 0, to = rows.length): Tensor {
    const count = to - from;
    const src = X.data;
    const rest = X.shape.slice(1);
    let width = 1;
    for (const d of rest) width *= d;
    const needed = count * width;
    const data = src.data, n = X.shape[0]!;
    let out = this.buffer;
    if (out === null || out.length < needed || out.constructor !== data.constructor) {
      out = X.dtype === 'float32' || X.dtype === 'float64'
        ? getKernels().allocate(X.dtype, needed)
        : new (data.constructor as new (length: number) => TypedArray)(needed);
      this.buffer = out;
    }
    const contiguous = rowsContiguous(src);
    for (let i = 0; i < count; i++) {
      const row = rows[from + i]!;
      if (!(row >= 0 && row < n)) throw new RangeError(`Solver: row ${row} is out of range for ${n} examples`);
      if (width === 0) continue;
      const start = src.offset + row * src.stride[0]!;
      if (contiguous) out.set(data.subarray(start, start + width), i * width);
      else copyStridedRow(src, start, out, i * width);
    }
    return fromArray(needed === out.length ? out : out.subarray(0, needed), [count, ...rest]);
  }
}

/**
 * Rows `rows[from..to)` of `X` in `into`'s reused buffer, which the model reads before the next
 * gather; a copy made by `index` when `X` requires grad (the gather would cut it from the graph).
 * @internal
 */
export function gatherRows(into: RowGather, X: Tensor, rows: Float64Array, from = 0, to = rows.length): Tensor {
  if (X.requiresGrad) return X.index(Int32Array.from(rows.subarray(from, to)));
  return into.gather(X, rows, from, to);
}
