/**
 * Minibatches gathered into one buffer that is reused from batch to batch, for the Solver: a
 * training step's 50 × 3072 images (or an accuracy check's 1000) would otherwise be a fresh array
 * each time, and allocating large arrays is what a small step spends most on after its products.
 * @module
 * @internal
 */
import { contiguousNdArray, fromArray, getKernels, type Tensor, type TypedArray } from '@tapegrad/core';

/**
 * Gathers rows of a tensor into a buffer it keeps (in the kernels' memory for float data, so the
 * kernels read batches in place), grown when a larger batch comes. Each `gather` overwrites what
 * the previous one returned: a caller hands the result to code that is done with it before the
 * next gather.
 * @internal
 */
export class RowGather {
  private buffer: TypedArray | null = null;

  /** Rows `rows[from..to)` of `X` (numpy's `X[rows[from:to]]`), in the reused buffer. */
  gather(X: Tensor, rows: ArrayLike<number>, from = 0, to = rows.length): Tensor {
    const count = to - from;
    const src = contiguousNdArray(X.data);
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
    for (let i = 0; i < count; i++) {
      const row = rows[from + i]!;
      if (!(row >= 0 && row < n)) throw new RangeError(`Solver: row ${row} is out of range for ${n} examples`);
      const start = src.offset + row * width;
      out.set(data.subarray(start, start + width), i * width);
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
