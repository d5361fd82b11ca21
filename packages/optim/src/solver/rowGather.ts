/**
 * Minibatches gathered into one buffer that is reused from batch to batch, for the Solver: a
 * training step's 50 × 3072 images (or an accuracy check's 1000) would otherwise be a fresh array
 * each time, and allocating large arrays is what a small step spends most on after its products.
 * @module
 * @internal
 */
import { fromArray, getKernels, indexRowsInto, type Tensor, type TypedArray } from '@tapegrad/core';

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
    const n = X.shape[0]!;
    for (let i = from; i < to; i++) {
      const row = rows[i]!;
      if (!(row >= 0 && row < n)) throw new RangeError(`Solver: row ${row} is out of range for ${n} examples`);
    }
    const count = to - from;
    const rest = X.shape.slice(1);
    let width = 1;
    for (const d of rest) width *= d;
    const needed = count * width;
    const Type = X.data.data.constructor as new (length: number) => TypedArray;
    let out = this.buffer;
    if (out === null || out.length < needed || out.constructor !== Type) {
      out = X.dtype === 'float32' || X.dtype === 'float64' ? getKernels().allocate(X.dtype, needed) : new Type(needed);
      this.buffer = out;
    }
    const picked = from === 0 && to === rows.length ? rows
      : ArrayBuffer.isView(rows) ? (rows as Float64Array).subarray(from, to) : Array.prototype.slice.call(rows, from, to);
    indexRowsInto(X, picked, out); // each row read by X's strides, X never copied whole
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
