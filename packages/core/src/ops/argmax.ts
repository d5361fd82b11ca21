import { ShapeError } from '../errors.js';
import { formatShape } from '../text.js';
import { extremeAlong } from '../kernels/reduce.js';
import { reshapeNd, wrapNd } from '../kernels/layout.js';
import { normalizeDim, reducedShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { unaryOperand } from './operands.js';

function argExtreme(kind: 'max' | 'min', x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  const op = kind === 'max' ? 'argmax' : 'argmin';
  unaryOperand(op, x);
  const axis = dim === undefined || x.ndim === 0 ? null : normalizeDim(op, dim, x.ndim);
  const view = axis === null ? reshapeNd(x.data, [x.size]) : x.data;
  const along = axis ?? 0;
  if (view.shape[along] === 0) throw new ShapeError(`${op}: cannot reduce an empty dim (got shape ${formatShape(x.shape)})`);
  const { indices } = extremeAlong(view, along, kind);
  const shape = axis === null ? (keepdim ? x.shape.map(() => 1) : []) : reducedShape(x.shape, [axis], keepdim);
  return new Tensor(wrapNd(indices, shape));
}

/**
 * Indices (int32) of the largest values of `x` over `dim`, or the flat index of the largest
 * element when `dim` is omitted; the first one on ties. Not differentiable.
 *
 * @param x - a float32 or float64 tensor.
 * @param dim - the dim to reduce (negative counts from the end). Default: the flattened tensor.
 * @param keepdim - keep the reduced dim as size 1 (default false).
 * @throws {@link ShapeError} when the dim is out of range or empty; {@link DtypeError} for an
 *   integer tensor.
 * @example
 * ```ts
 * import { tensor, argmax } from '@tapegrad/core';
 * const x = tensor([[1, 5], [7, 2]]);
 * console.log(argmax(x, 1).toArray(), x.argmax(1).dtype, x.argmax().item()); // [1, 0] 'int32' 2
 * ```
 * @category Reductions
 */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argExtreme('max', x, dim, keepdim);
}

/**
 * Indices (int32) of the smallest values of `x` over `dim`, or the flat index of the smallest
 * element when `dim` is omitted; the first one on ties. Not differentiable.
 *
 * @param x - a float32 or float64 tensor.
 * @param dim - the dim to reduce (negative counts from the end). Default: the flattened tensor.
 * @param keepdim - keep the reduced dim as size 1 (default false).
 * @throws {@link ShapeError} when the dim is out of range or empty; {@link DtypeError} for an
 *   integer tensor.
 * @example
 * ```ts
 * import { tensor, argmin } from '@tapegrad/core';
 * console.log(argmin(tensor([3, 1, 2])).item(), tensor([[1, 5], [7, 2]]).argmin(0).toArray()); // 1 [0, 1]
 * ```
 * @category Reductions
 */
export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argExtreme('min', x, dim, keepdim);
}

