import { ShapeError } from '../errors.js';
import { formatShape } from '../text.js';
import { reshapeNd } from '../kernels/layout.js';
import { normalizeDim, sameShape, shapeTable, sizeOf } from '../shape.js';
import { applyOp, type OpSpec } from '../tape.js';
import { Tensor } from '../tensor.js';

/** The same values in a new shape (a view where strides allow, else a copy); dx = dy in the input's shape. @internal */
export const reshapeOp: OpSpec<{ shape: readonly number[] }> = {
  name: 'reshape',
  forward(ctx, x) {
    return reshapeNd(x, ctx.attrs.shape);
  },
  backward(ctx, dy) {
    return [reshapeNd(dy, ctx.inputShapes[0]!)];
  },
};

/** Resolves one -1 entry and checks the sizes agree, into the array of that rank of `resolvedShapes` (read it before the next call). */
function resolveShape(from: readonly number[], to: readonly number[]): number[] {
  const size = sizeOf(from);
  let unknown = 0, bad = false, known = 1;
  for (let i = 0; i < to.length; i++) {
    const d = to[i]!;
    if (!Number.isInteger(d) || d < -1) bad = true;
    else if (d === -1) unknown++;
    else known *= d;
  }
  if (bad || unknown > 1) {
    throw new ShapeError(`reshape: shape must be non-negative integers with at most one -1 (got ${formatShape(to)})`);
  }
  const resolved = resolvedShapes(to.length);
  let total = 1, whole = true;
  for (let i = 0; i < to.length; i++) {
    const d = to[i] === -1 ? (known === 0 ? 0 : size / known) : to[i]!;
    if (!Number.isInteger(d)) whole = false;
    resolved[i] = d;
    total *= d;
  }
  if (total !== size || !whole) {
    throw new ShapeError(`reshape: shape ${formatShape(to)} must hold the ${size} elements of ${formatShape(from)} (got ${known}${unknown ? '·k' : ''})`);
  }
  return resolved;
}

/** Resolved shapes, by rank (each call's is read before the next). */
const resolvedShapes = shapeTable();
/** The attributes of the last reshapes, newest last: frozen, so calls to the same shapes share them. */
const recentAttrs: Readonly<{ shape: readonly number[] }>[] = [];
const RECENT = 8;

/**
 * `{ shape }` for a resolved shape: one of the recent calls' frozen objects when its shape is the
 * same (a node keeps its attributes; a step reshapes to the same few shapes every time).
 */
function reshapeAttrs(shape: readonly number[]): Readonly<{ shape: readonly number[] }> {
  for (let k = recentAttrs.length - 1; k >= 0; k--) {
    const attrs = recentAttrs[k]!;
    if (sameShape(attrs.shape, shape)) return attrs;
  }
  const made = Object.freeze({ shape: Object.freeze(shape.slice()) });
  if (recentAttrs.length === RECENT) recentAttrs.shift();
  recentAttrs.push(made);
  return made;
}

/**
 * The values of `x` in a new shape with the same number of elements; one entry may be -1 and is
 * inferred. A view of `x` where strides can read its elements in the new shape, as PyTorch's
 * `reshape` (always when `x` is contiguous; for a transposed or broadcast `x`, when the new shape
 * only adds or drops dims of size 1, or splits or merges dims that lie one after the other in
 * memory), else a copy. The method form also takes the dims as separate numbers, `x.reshape(2, 3)`.
 *
 * @param x - the tensor.
 * @param shape - the new dims; a -1 entry is inferred from the others.
 * @throws {@link ShapeError} when the new shape holds a different number of elements.
 * @example
 * ```ts
 * import { arange, reshape } from '@tapegrad/core';
 * console.log(reshape(arange(6), [2, -1]).toArray()); // [[0, 1, 2], [3, 4, 5]]
 * console.log(arange(6).reshape(3, 2).shape, arange(6).reshape([-1]).shape); // [3, 2] [6]
 * const t = arange(6).reshape(2, 3).T; // [3, 2], strided
 * console.log(t.reshape(3, 1, 2).data.data === t.data.data, t.reshape(6).data.data === t.data.data); // true false
 * ```
 * @category Ops
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`reshape: input must be a Tensor (got ${typeof x})`);
  return applyOp(reshapeOp, [x], reshapeAttrs(resolveShape(x.shape, shape)));
}

/**
 * Merges dims `startDim..endDim` (inclusive, default all) into one.
 *
 * @param x - the tensor.
 * @param startDim - the first dim merged (default 0).
 * @param endDim - the last dim merged, inclusive (default -1, the last dim).
 * @throws {@link ShapeError} when a dim is out of range.
 * @example
 * ```ts
 * import { zeros, flatten } from '@tapegrad/core';
 * console.log(flatten(zeros([2, 3, 4]), 1).shape, zeros([2, 3, 4]).flatten().shape); // [2, 12] [24]
 * ```
 * @category Ops
 */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  // a 0-d tensor takes dims as a 1-d one does (PyTorch), then becomes [1]
  const start = normalizeDim('flatten', startDim, Math.max(x.ndim, 1));
  const end = normalizeDim('flatten', endDim, Math.max(x.ndim, 1));
  if (x.ndim === 0) return reshape(x, [1]);
  if (start > end) throw new ShapeError(`flatten: startDim must not come after endDim (got ${startDim} and ${endDim})`);
  const shape = [...x.shape.slice(0, start), sizeOf(x.shape.slice(start, end + 1)), ...x.shape.slice(end + 1)];
  return reshape(x, shape);
}

/**
 * Removes dim `dim` when its size is 1 (every dim of size 1 when `dim` is omitted); a dim whose
 * size is not 1 is left as it is, as PyTorch does.
 *
 * @param x - the tensor.
 * @param dim - the dim to remove (negative counts from the end). Default: every dim of size 1.
 * @throws {@link ShapeError} when `dim` is out of range.
 * @example
 * ```ts
 * import { zeros, squeeze } from '@tapegrad/core';
 * console.log(squeeze(zeros([2, 1, 3])).shape); // [2, 3]
 * const x = zeros([2, 1, 3, 1]);
 * console.log(x.squeeze(1).shape, x.squeeze(0).shape); // [2, 3, 1] [2, 1, 3, 1]
 * ```
 * @category Ops
 */
export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const d = normalizeDim('squeeze', dim, x.ndim);
  if (x.ndim === 0 || x.shape[d] !== 1) return x;
  return reshape(x, x.shape.filter((_, i) => i !== d));
}

/**
 * Inserts a dim of size 1 at `dim`.
 *
 * @param x - the tensor.
 * @param dim - its position in the result, in `[-ndim - 1, ndim]` (negative counts from the end).
 * @throws {@link ShapeError} when `dim` is out of range.
 * @example
 * ```ts
 * import { zeros, unsqueeze } from '@tapegrad/core';
 * console.log(unsqueeze(zeros([3]), 0).shape, zeros([3]).unsqueeze(-1).shape); // [1, 3] [3, 1]
 * ```
 * @category Ops
 */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim('unsqueeze', dim, x.ndim + 1);
  return reshape(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)]);
}
