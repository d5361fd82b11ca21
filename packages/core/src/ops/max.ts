import { ShapeError } from '../errors.js';
import { formatShape } from '../text.js';
import { extremeAlong, scatterAlong } from '../kernels/reduce.js';
import { reshapeNd } from '../kernels/layout.js';
import { normalizeDim, reducedShape, sizeOf } from '../shape.js';
import type { NdArray } from '../dtype.js';
import { applyOp, type OpSpec } from '../tape.js';
import type { Tensor } from '../tensor.js';
import { unaryOperand } from './operands.js';

/** Which extreme, over which dim (null: over all elements), and whether the dim is kept. @internal */
export interface ExtremeAttrs {
  readonly kind: 'max' | 'min';
  readonly dim: number | null;
  readonly keepdim: boolean;
}

/** `x` seen as reduced along one dim: all elements become one dim when `dim` is null. */
function alongDim(x: NdArray, dim: number | null): { view: NdArray; axis: number } {
  return dim === null ? { view: reshapeNd(x, [sizeOf(x.shape)]), axis: 0 } : { view: x, axis: dim };
}

function extremeOp(kind: 'max' | 'min'): OpSpec<ExtremeAttrs, readonly [Int32Array]> {
  return {
    name: kind,
    forward(ctx, x) {
      const { dim, keepdim } = ctx.attrs;
      const { view, axis } = alongDim(x, dim);
      if (view.shape[axis] === 0) throw new ShapeError(`${kind}: cannot reduce an empty dim (got shape ${formatShape(x.shape)})`);
      const { values, indices } = extremeAlong(view, axis, kind);
      ctx.save(indices);
      return reshapeNd(values, dim === null ? (keepdim ? x.shape.map(() => 1) : []) : reducedShape(x.shape, [dim], keepdim));
    },
    backward(ctx, dy) {
      const [indices] = ctx.saved;
      const shape = ctx.inputShapes[0]!;
      const { dim } = ctx.attrs;
      const flatShape = dim === null ? [sizeOf(shape)] : shape;
      const axis = dim ?? 0;
      const dyKept = reshapeNd(dy, flatShape.map((d, i) => (i === axis ? 1 : d)));
      return [reshapeNd(scatterAlong(dyKept, indices, flatShape, axis), shape)];
    },
  };
}

/** The largest element along a dim; dx = dy at the first arg-max, 0 elsewhere. @internal */
export const maxOp = extremeOp('max');
/** The smallest element along a dim; dx = dy at the first arg-min, 0 elsewhere. @internal */
export const minOp = extremeOp('min');

function reduceExtreme(kind: 'max' | 'min', x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  const inputs = unaryOperand(kind, x);
  const resolved = dim === undefined ? null : normalizeDim(kind, dim, x.ndim);
  return applyOp(kind === 'max' ? maxOp : minOp, inputs, { kind, dim: x.ndim === 0 ? null : resolved, keepdim });
}

/**
 * The largest value of `x` over `dim` (over all elements when omitted); NaN wins, as in PyTorch.
 * The gradient goes to the first position of the maximum (PyTorch's `max(dim).values`).
 *
 * @param x - a float32 or float64 tensor.
 * @param dim - the dim to reduce (negative counts from the end). Default: all elements.
 * @param keepdim - keep the reduced dim as size 1 (default false).
 * @throws {@link ShapeError} when the dim is out of range or empty; {@link DtypeError} for an
 *   integer tensor.
 * @example
 * ```ts
 * import { tensor, max } from '@tapegrad/core';
 * const x = tensor([[1, 5], [7, 2]]);
 * console.log(max(x, 1).toArray(), x.max().item(), x.max(0, true).toArray()); // [5, 7] 7 [[7, 5]]
 * const t = tensor([3, 1, 3], { requiresGrad: true });
 * t.max().backward();
 * console.log(t.grad?.toArray()); // [1, 0, 0]
 * ```
 * @category Reductions
 */
export function max(x: Tensor, dim?: number, keepdim = false): Tensor {
  return reduceExtreme('max', x, dim, keepdim);
}

/**
 * The smallest value of `x` over `dim` (over all elements when omitted); NaN wins, as in PyTorch.
 * The gradient goes to the first position of the minimum.
 *
 * @param x - a float32 or float64 tensor.
 * @param dim - the dim to reduce (negative counts from the end). Default: all elements.
 * @param keepdim - keep the reduced dim as size 1 (default false).
 * @throws {@link ShapeError} when the dim is out of range or empty; {@link DtypeError} for an
 *   integer tensor.
 * @example
 * ```ts
 * import { tensor, min } from '@tapegrad/core';
 * const x = tensor([[1, 5], [7, 2]]);
 * console.log(min(x).item(), x.min(1).toArray()); // 1 [1, 2]
 * ```
 * @category Reductions
 */
export function min(x: Tensor, dim?: number, keepdim = false): Tensor {
  return reduceExtreme('min', x, dim, keepdim);
}
