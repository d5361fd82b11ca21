import { ShapeError, DtypeError } from '../errors.js';
import { formatShape } from '../text.js';
import { describeValue } from '../checks.js';
import { createNd, dtypeOf, toContiguous } from '../kernels/layout.js';
import { sizeOf } from '../shape.js';
import { applyOp, type OpSpec } from '../tape.js';
import { Tensor } from '../tensor.js';

/** Rows to select: a list of integers, an Int32Array, or a 1-D integer tensor. @category Ops */
export type RowIndex = readonly number[] | Int32Array | Tensor;

/** Gathers rows along dim 0; dx scatters dy's rows back, adding where a row was taken twice. @internal */
export const indexRowsOp: OpSpec<{ rows: Int32Array }> = {
  name: 'index',
  forward(ctx, x) {
    const rows = ctx.attrs.rows;
    const width = sizeOf(x.shape.slice(1));
    const c = toContiguous(x);
    const out = createNd(dtypeOf(x), [rows.length, ...x.shape.slice(1)], false); // every row is written
    const src = c.data, dst = out.data;
    // copied element by element: a subarray view per row costs more than a short row's copy (a
    // cross-entropy picks rows of one element)
    for (let i = 0; i < rows.length; i++) {
      const from = c.offset + rows[i]! * width, to = i * width;
      for (let j = 0; j < width; j++) dst[to + j] = src[from + j]!;
    }
    return out;
  },
  backward(ctx, dy) {
    const rows = ctx.attrs.rows;
    const shape = ctx.inputShapes[0]!;
    const width = sizeOf(shape.slice(1));
    const g = toContiguous(dy);
    const dx = createNd(dtypeOf(dy), shape);
    for (let i = 0; i < rows.length; i++) {
      const to = rows[i]! * width;
      const from = g.offset + i * width;
      for (let j = 0; j < width; j++) dx.data[to + j]! += g.data[from + j]!;
    }
    return [dx];
  },
};

/** Checks and normalises row indices against a dim of size `n` (negative counts from the end). */
function resolveRows(rows: RowIndex, n: number): Int32Array {
  let values: ArrayLike<number>;
  if (rows instanceof Tensor) {
    if (rows.dtype !== 'int32' && rows.dtype !== 'uint8') {
      throw new DtypeError(`index: row indices must be an int32 or uint8 tensor (got ${rows.dtype})`);
    }
    if (rows.ndim !== 1) throw new ShapeError(`index: row indices must be 1-D (got ${formatShape(rows.shape)})`);
    values = rows.toFloat64Array();
  } else if (Array.isArray(rows) || rows instanceof Int32Array) values = rows;
  else throw new TypeError(`index: rows must be a list of integers, an Int32Array or a 1-D int32 or uint8 tensor (got ${describeValue(rows)}); for one row, pass [row]`);
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const r = values[i]!;
    if (!Number.isInteger(r) || r < -n || r >= n) {
      throw new ShapeError(`index: row ${i} must be an integer in [${-n}, ${n - 1}] for dim 0 of size ${n} (got ${r})`);
    }
    out[i] = r < 0 ? r + n : r;
  }
  return out;
}

/**
 * The rows `rows` of `x` along dim 0, in that order (repeats allowed), as a new tensor; numpy's
 * `x[rows]`, and the method `x.index(rows)`. The gradient is scattered back, adding where a row was
 * taken more than once.
 *
 * @param x - a tensor of at least one dim.
 * @param rows - row indices: a list of integers, an Int32Array, or a 1-D int32 (or uint8) tensor;
 *   negative counts from the end.
 * @returns `[rows.length, ...x.shape.slice(1)]`, `x`'s dtype.
 * @throws {@link ShapeError} when a row is out of range, the index tensor is not 1-D or `x` is 0-D;
 *   {@link DtypeError} when the index tensor is not int32 or uint8; TypeError when `rows` is none of
 *   the three (a bare number included).
 * @example
 * ```ts
 * import { tensor, indexRows } from '@tapegrad/core';
 * console.log(indexRows(tensor([[1, 2], [3, 4], [5, 6]]), [2, 0]).toArray()); // [[5, 6], [1, 2]]
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const rows = x.index([1, 1, 0]);
 * rows.sum().backward();
 * console.log(rows.toArray(), x.grad?.toArray()); // [[3, 4], [3, 4], [1, 2]] [[1, 1], [2, 2]]
 * ```
 * @category Ops
 */
export function indexRows(x: Tensor, rows: RowIndex): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`index: input must be a Tensor (got ${typeof x})`);
  if (x.ndim === 0) throw new ShapeError(`index: input must have at least one dim (got a 0-d tensor)`);
  return applyOp(indexRowsOp, [x], { rows: resolveRows(rows, x.shape[0]!) });
}
