import { binary, unary } from '../kernels/elementwise.js';
import { sumAxes } from '../kernels/reduce.js';
import { expandNd, reshapeNd } from '../kernels/layout.js';
import { normalizeDims, reducedShape } from '../shape.js';
import type { NdArray } from '../dtype.js';
import { applyOp, type OpSpec } from '../tape.js';
import type { Tensor } from '../tensor.js';
import { unaryOperand } from './operands.js';
import { countOver } from './mean.js';
import { sqrt } from './sqrt.js';

/**
 * Options of {@link variance} and {@link std}.
 * @category Reductions
 */
export interface VarianceOptions {
  /** Divide by n - 1 (Bessel's correction) instead of n. Default true, as in PyTorch. */
  unbiased?: boolean;
  /** Subtract this from n in the divisor; overrides `unbiased` (PyTorch's `correction`). */
  correction?: number;
  /** Keep the reduced dims as size 1. Default false. */
  keepdim?: boolean;
}

interface VarianceAttrs {
  readonly dims: readonly number[];
  readonly keepdim: boolean;
  readonly correction: number;
}

/** Σ(x - mean)² / (n - correction) over dims; dx = dy·2(x - mean) / (n - correction). @internal */
export const varOp: OpSpec<VarianceAttrs, readonly [NdArray]> = {
  name: 'var',
  forward(ctx, x) {
    const { dims, keepdim, correction } = ctx.attrs;
    const n = countOver(x.shape, dims);
    const centered = binary('sub', x, unary('scale', sumAxes(x, dims), 1 / n), x.shape);
    ctx.save(centered);
    const squares = sumAxes(binary('mul', centered, centered, x.shape), dims);
    return reshapeNd(unary('scale', squares, 1 / (n - correction)), reducedShape(x.shape, dims, keepdim));
  },
  backward(ctx, dy) {
    const [centered] = ctx.saved;
    const { dims, correction } = ctx.attrs;
    const shape = ctx.inputShapes[0]!;
    const expanded = expandNd(reshapeNd(dy, reducedShape(shape, dims, true)), shape);
    return [binary('mul', expanded, unary('scale', centered, 2 / (countOver(shape, dims) - correction)), shape)];
  },
};

function attrsOf(op: string, x: Tensor, dim: number | readonly number[] | undefined, opts: VarianceOptions): VarianceAttrs {
  const correction = opts.correction ?? (opts.unbiased === false ? 0 : 1);
  return { dims: normalizeDims(op, dim, x.ndim), keepdim: opts.keepdim ?? false, correction };
}

/**
 * Variance of `x` over `dim` (all dims when omitted): `Σ(x - mean)² / (n - correction)`, where the
 * correction is 1 by default (unbiased, as PyTorch) and 0 with `{ unbiased: false }` (numpy's default).
 * The method form is `x.var(dim, opts)`.
 *
 * @param x - a float32 or float64 tensor.
 * @param dim - a dim or a list of dims (negative counts from the end). Default: all.
 * @param opts - `unbiased` (default true), `correction` (overrides `unbiased`), `keepdim` (default false).
 * @throws {@link ShapeError} when a dim is out of range; {@link DtypeError} for an integer tensor.
 * @example
 * ```ts
 * import { tensor, variance } from '@tapegrad/core';
 * const x = tensor([1, 2, 3, 4], { dtype: 'float64' });
 * console.log(variance(x, 0, { unbiased: false }).item(), x.var().item()); // 1.25 1.6666666666666667
 * ```
 * @category Reductions
 */
export function variance(x: Tensor, dim?: number | readonly number[], opts: VarianceOptions = {}): Tensor {
  return applyOp(varOp, unaryOperand('var', x), attrsOf('var', x, dim, opts));
}

/**
 * Standard deviation of `x` over `dim`: `sqrt(Σ(x - mean)² / (n - correction))`, the square root
 * of {@link variance} with the same options.
 *
 * @param x - a float32 or float64 tensor.
 * @param dim - a dim or a list of dims (negative counts from the end). Default: all.
 * @param opts - `unbiased` (default true), `correction` (overrides `unbiased`), `keepdim` (default false).
 * @throws {@link ShapeError} when a dim is out of range; {@link DtypeError} for an integer tensor.
 * @example
 * ```ts
 * import { tensor, std } from '@tapegrad/core';
 * console.log(std(tensor([1, 3]), 0, { unbiased: false }).item()); // 1
 * const x = tensor([2, 4, 4, 4, 5, 5, 7, 9], { dtype: 'float64' });
 * console.log(x.std(0, { unbiased: false }).item(), x.std().item()); // 2 2.138089935299395
 * ```
 * @category Reductions
 */
export function std(x: Tensor, dim?: number | readonly number[], opts: VarianceOptions = {}): Tensor {
  return sqrt(variance(x, dim, opts));
}
