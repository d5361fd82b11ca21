import { ShapeError, DtypeError } from '../errors.js';
import { formatShape } from '../text.js';
import { describeValue } from '../checks.js';
import { dtypeOfArray, type TypedArray } from '../dtype.js';
import { copyRows } from '../kernels/copyRows.js';
import { createNd, dtypeOf, toContiguous } from '../kernels/layout.js';
import { shapeTable, sizeOf } from '../shape.js';
import { applyOp, type OpSpec } from '../tape.js';
import { Tensor } from '../tensor.js';

/** Rows to select: a list of integers, an Int32Array, or a 1-D integer tensor. @category Ops */
export type RowIndex = readonly number[] | Int32Array | Tensor;

/** The shapes of index's output, handed to createNd (which copies them into the view). */
const outShapes = shapeTable();

/** Gathers rows along dim 0; dx scatters dy's rows back, adding where a row was taken twice. @internal */
export const indexRowsOp: OpSpec<{ rows: Int32Array }> = {
  name: 'index',
  forward(ctx, x) {
    const rows = ctx.attrs.rows;
    const shape = outShapes(x.shape.length);
    shape[0] = rows.length;
    for (let d = 1; d < x.shape.length; d++) shape[d] = x.shape[d]!;
    const out = createNd(dtypeOf(x), shape, false); // every row is written (the view copies the shape)
    copyRows(x, rows, out.data); // only the chosen rows are read, by x's strides
    return out;
  },
  backward(ctx, dy) {
    const rows = ctx.attrs.rows;
    const shape = ctx.inputShapes[0]!;
    let width = 1;
    for (let d = 1; d < shape.length; d++) width *= shape[d]!;
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

/** The values of a 1-D int32 or uint8 index tensor. */
function tensorRows(where: string, rows: Tensor): Float64Array {
  if (rows.dtype !== 'int32' && rows.dtype !== 'uint8') {
    throw new DtypeError(`${where}: row indices must be an int32 or uint8 tensor (got ${rows.dtype})`);
  }
  if (rows.ndim !== 1) throw new ShapeError(`${where}: row indices must be 1-D (got ${formatShape(rows.shape)})`);
  return rows.toFloat64Array();
}

/** Checks row indices against a dim of size `n` and makes negative ones count from the end. */
function normaliseRows(where: string, values: ArrayLike<number>, n: number): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const r = values[i]!;
    if (!Number.isInteger(r) || r < -n || r >= n) {
      throw new ShapeError(`${where}: row ${i} must be an integer in [${-n}, ${n - 1}] for dim 0 of size ${n} (got ${r})`);
    }
    out[i] = r < 0 ? r + n : r;
  }
  return out;
}

/** Checks and normalises row indices against a dim of size `n` (negative counts from the end). */
function resolveRows(rows: RowIndex, n: number): Int32Array {
  let values: ArrayLike<number>;
  if (rows instanceof Tensor) values = tensorRows('index', rows);
  else if (Array.isArray(rows) || rows instanceof Int32Array) values = rows;
  else throw new TypeError(`index: rows must be a list of integers, an Int32Array or a 1-D int32 or uint8 tensor (got ${describeValue(rows)}); for one row, pass [row]`);
  return normaliseRows('index', values, n);
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

/**
 * Copies the rows `rows` of `x` along dim 0, in that order (repeats allowed), into the caller's
 * array `out` from index `at`: numpy's `np.take(x, rows, axis=0, out=…)` into a flat buffer, for
 * code that reuses one buffer from batch to batch (a training loop's minibatches) instead of making
 * a new tensor with {@link indexRows} each time. Row `rows[i]` lands at
 * `out[at + i·w … at + (i+1)·w)`, row-major, with `w = x.shape[1] × x.shape[2] × …`. Only the
 * chosen rows are read, each through `x`'s strides: a transposed or permuted `x` is not copied
 * whole. The copy is not recorded for autograd (`out` is a plain array).
 *
 * @param x - a tensor of at least one dim, of any strides.
 * @param rows - row indices: an array-like of integers (a list, an Int32Array, a Float64Array, …)
 *   or a 1-D int32 (or uint8) tensor; negative counts from the end.
 * @param out - a typed array of `x`'s dtype (Float32Array for float32, Float64Array for float64,
 *   Int32Array for int32, Uint8Array for uint8) with at least `at + rows.length · w` elements;
 *   the rest of it is left as it was.
 * @param at - where in `out` the first row goes (default 0).
 * @returns `out`.
 * @throws {@link ShapeError} when a row is out of range or not an integer (nothing is written), the
 *   index tensor is not 1-D or `x` is 0-D; {@link DtypeError} when `out` is not of `x`'s dtype or
 *   the index tensor is not int32 or uint8; RangeError when `out` is too short from `at`, or `at`
 *   is not a non-negative integer; TypeError when `x` is not a Tensor, `rows` not array-like or
 *   `out` not a typed array.
 * @example
 * ```ts
 * import { tensor, indexRowsInto } from '@tapegrad/core';
 * const x = tensor([[1, 2], [3, 4], [5, 6]]);
 * const out = new Float32Array(6);
 * indexRowsInto(x, [2, 0], out);
 * console.log(Array.from(out)); // [5, 6, 1, 2, 0, 0]
 * indexRowsInto(x.T, [1], out, 3); // x.T's row 1 is x's column 1, read in place
 * console.log(Array.from(out)); // [5, 6, 1, 2, 4, 6]
 * ```
 * @category Ops
 */
export function indexRowsInto<T extends TypedArray>(x: Tensor, rows: ArrayLike<number> | Tensor, out: T, at = 0): T {
  const where = 'indexRowsInto';
  if (!(x instanceof Tensor)) throw new TypeError(`${where}: x must be a Tensor (got ${describeValue(x)})`);
  if (x.ndim === 0) throw new ShapeError(`${where}: x must have at least one dim (got a 0-d tensor)`);
  let values: ArrayLike<number>;
  if (rows instanceof Tensor) values = tensorRows(where, rows);
  else if (rows !== null && typeof rows === 'object' && typeof (rows as { length?: unknown }).length === 'number') values = rows;
  else throw new TypeError(`${where}: rows must be an array-like of integers or a 1-D int32 or uint8 tensor (got ${describeValue(rows)}); for one row, pass [row]`);
  const outDtype = dtypeOfArray(out);
  if (outDtype === undefined) {
    throw new TypeError(`${where}: out must be a Float32Array, Float64Array, Int32Array or Uint8Array (got ${describeValue(out)})`);
  }
  if (outDtype !== x.dtype) throw new DtypeError(`${where}: out must be of x's dtype ${x.dtype} (got a ${out.constructor.name}, ${outDtype})`);
  if (!Number.isInteger(at) || at < 0) throw new RangeError(`${where}: at must be a non-negative integer (got ${String(at)})`);
  const checked = normaliseRows(where, values, x.shape[0]!);
  const width = sizeOf(x.shape.slice(1));
  const needed = at + checked.length * width;
  if (needed > out.length) {
    throw new RangeError(`${where}: out must have at least ${needed} elements for ${checked.length} rows of ${width} from at=${at} (got ${out.length})`);
  }
  copyRows(x.data, checked, out, at);
  return out;
}
