import { ShapeError } from '../errors.js';
import { formatShape } from '../text.js';
import { reshapeNd } from '../kernels/layout.js';
import { normalizeDim, sizeOf } from '../shape.js';
import { applyOp, type OpSpec } from '../tape.js';
import { Tensor } from '../tensor.js';

/** The same values in a new shape (a view of contiguous data); dx = dy in the input's shape. @internal */
export const reshapeOp: OpSpec<{ shape: readonly number[] }> = {
  name: 'reshape',
  forward(ctx, x) {
    return reshapeNd(x, ctx.attrs.shape);
  },
  backward(ctx, dy) {
    return [reshapeNd(dy, ctx.inputShapes[0]!)];
  },
};

/** Resolves one -1 entry and checks the sizes agree. */
function resolveShape(from: readonly number[], to: readonly number[]): number[] {
  const size = sizeOf(from);
  const unknown = to.filter((d) => d === -1).length;
  const bad = to.some((d) => !Number.isInteger(d) || d < -1);
  if (bad || unknown > 1) {
    throw new ShapeError(`reshape: shape must be non-negative integers with at most one -1 (got ${formatShape(to)})`);
  }
  const known = sizeOf(to.filter((d) => d !== -1));
  const resolved = to.map((d) => (d === -1 ? (known === 0 ? 0 : size / known) : d));
  if (sizeOf(resolved) !== size || resolved.some((d) => !Number.isInteger(d))) {
    throw new ShapeError(`reshape: shape ${formatShape(to)} must hold the ${size} elements of ${formatShape(from)} (got ${known}${unknown ? '·k' : ''})`);
  }
  return resolved;
}

/**
 * The values of `x` in a new shape with the same number of elements; one entry may be -1 and is
 * inferred. A view when `x` is contiguous, else a copy.
 *
 * @throws {@link ShapeError} when the sizes differ.
 * @example
 * ```ts
 * import { arange, reshape } from '@tapegrad/core';
 * console.log(reshape(arange(6), [2, -1]).toArray()); // [[0, 1, 2], [3, 4, 5]]
 * ```
 * @category Ops
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`reshape: input must be a Tensor (got ${typeof x})`);
  return applyOp(reshapeOp, [x], { shape: resolveShape(x.shape, shape) });
}

/**
 * Merges dims `startDim..endDim` (inclusive, default all) into one.
 *
 * @example
 * ```ts
 * import { zeros, flatten } from '@tapegrad/core';
 * console.log(flatten(zeros([2, 3, 4]), 1).shape); // [2, 12]
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
 * Removes dim `dim` when its size is 1 (every dim of size 1 when `dim` is omitted), as PyTorch does.
 *
 * @example
 * ```ts
 * import { zeros, squeeze } from '@tapegrad/core';
 * console.log(squeeze(zeros([2, 1, 3])).shape); // [2, 3]
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
 * Inserts a dim of size 1 at `dim` (negative counts from the end of the result).
 *
 * @example
 * ```ts
 * import { zeros, unsqueeze } from '@tapegrad/core';
 * console.log(unsqueeze(zeros([3]), 0).shape); // [1, 3]
 * ```
 * @category Ops
 */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim('unsqueeze', dim, x.ndim + 1);
  return reshape(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)]);
}
