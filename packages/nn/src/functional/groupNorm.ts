/**
 * Group normalization as a function (PyTorch's `F.group_norm`), in two forms with one signature:
 * {@link groupNormComposed} (core ops; the tape derives the gradient) and {@link groupNormFused}
 * (one tape node with a handwritten backward; a group's channels are contiguous in NCHW, so each
 * (sample, group) is one row of the kernels).
 * @module
 */
import {
  DtypeError, ShapeError, checkFloatTensor, createNdArray, defineOpWithAttrs, formatShape, getKernels,
  type FloatArray, type FloatDType, type NdArray, type Tensor,
} from '@tapegrad/core';
import { affineGrads, affineInputs, checkEps, checkOptionalTensor, scaleAndShift, type AffineFlags } from './normalization.js';

/** Checks the arguments; returns C and S (the product of the dims after C). */
function checkArgs(where: string, x: Tensor, numGroups: number, weight: Tensor | null, bias: Tensor | null, eps: number): [number, number] {
  checkFloatTensor(where, x, 'input');
  if (x.ndim < 2) throw new ShapeError(`${where}: expected input [N, C, *] (got ${formatShape(x.shape)})`);
  if (!Number.isInteger(numGroups) || numGroups < 1) throw new RangeError(`${where}: numGroups must be a positive integer (got ${numGroups})`);
  const c = x.shape[1]!;
  if (c % numGroups !== 0) {
    throw new ShapeError(`${where}: expected input channels divisible by numGroups ${numGroups} (got input ${formatShape(x.shape)})`);
  }
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t === null) continue;
    checkFloatTensor(where, t, name);
    checkOptionalTensor(where, name, t, [c], x.dtype as FloatDType);
  }
  checkEps(where, eps);
  return [c, x.shape.slice(2).reduce((a, b) => a * b, 1)];
}

/** A [C] tensor as [1, C, 1, ...] for x's rank. */
const perChannelView = (t: Tensor, rank: number): Tensor => t.reshape([1, t.shape[0]!, ...new Array<number>(rank - 2).fill(1)]);

/**
 * Group normalization built from core ops; the tape derives its gradient. Same signature and
 * results as {@link groupNormFused}.
 *
 * The C channels of each sample are split into `numGroups` groups of C/G consecutive channels, and
 * each (sample, group) is normalised over its C/G·(H·W·...) values: `μ`, biased `σ²`,
 * `y = (x − μ)/√(σ² + eps)·weight[c] + bias[c]`. G = 1 is LayerNorm over (C, H, W); G = C is
 * InstanceNorm. The same in training and evaluation (no running statistics).
 *
 * @param x - input `[N, C, *]`, float32 or float64.
 * @param numGroups - G, a divisor of C.
 * @param weight - γ `[C]`, or null (default) for 1.
 * @param bias - β `[C]`, or null (default) for 0.
 * @param eps - added to the variance (default 1e-5).
 * @returns y, x's shape.
 * @throws {@link @tapegrad/core!ShapeError | ShapeError} for an input of fewer than 2 dims, C not divisible by numGroups, or
 *   weight/bias that are not [C].
 * @throws RangeError for a numGroups that is not a positive integer or a negative eps.
 * @throws {@link @tapegrad/core!DtypeError | DtypeError} when weight or bias has another dtype than x.
 * @example
 * ```ts
 * import { randn } from '@tapegrad/core';
 * import { groupNormComposed } from '@tapegrad/nn';
 * const x = randn([2, 6, 4, 4], { dtype: 'float64', requiresGrad: true });
 * const y = groupNormComposed(x, 3);
 * y.mul(y).sum().backward();
 * console.log(y.reshape([2, 3, -1]).mean(2).toArray(), x.grad?.shape); // ≈ zeros [2, 6, 4, 4]
 * ```
 * @category Functional
 */
export function groupNormComposed(x: Tensor, numGroups: number, weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  checkArgs('groupNormComposed', x, numGroups, weight, bias, eps);
  const rows = x.reshape([x.shape[0]!, numGroups, -1]);
  const centered = rows.sub(rows.mean(2, true));
  const variance = centered.mul(centered).mean(2, true);
  let y = centered.div(variance.add(eps).sqrt()).reshape([...x.shape]);
  if (weight !== null) y = y.mul(perChannelView(weight, x.ndim));
  if (bias !== null) y = y.add(perChannelView(bias, x.ndim));
  return y;
}

/** What the fused forward saves: x, each row's mean and 1/√(σ² + eps), and γ (float64). */
type Saved = readonly [x: NdArray, mean: Float64Array, invStd: Float64Array, scale: Float64Array];

/** The fused op's attributes. */
interface GroupNormAttrs extends AffineFlags {
  readonly numGroups: number;
  readonly eps: number;
}

/**
 * The one-node op; inputs `[x, weight?, bias?]`, x `[N, C, *]` seen as `[N, C, S]`: each (sample,
 * group) of C/G consecutive channels is one row of the kernels.
 */
const groupNormOp = defineOpWithAttrs<GroupNormAttrs, Saved>({
  name: 'groupNorm',
  forward(ctx, x, ...params) {
    const { numGroups, eps } = ctx.attrs;
    const [n, c] = x.shape as [number, number];
    const s = x.size / Math.max(1, n * c);
    const [scale, shift] = scaleAndShift(ctx.attrs, params, c);
    const mean = new Float64Array(n * numGroups), invStd = new Float64Array(n * numGroups);
    const y = createNdArray(ctx.inputDtypes[0] as FloatDType, x.shape, false); // the kernel writes every element
    if (x.size > 0) getKernels().groupNormForward(n, c, s, numGroups, x.data as FloatArray, x.offset, eps, scale, shift, mean, invStd, y.data as FloatArray);
    ctx.save(x, mean, invStd, scale);
    return y;
  },
  backward(ctx, dy) {
    const [x, mean, invStd, scale] = ctx.saved;
    const [n, c] = x.shape as [number, number];
    const s = x.size / Math.max(1, n * c);
    const dx = ctx.needsGrad[0] ? createNdArray(ctx.inputDtypes[0] as FloatDType, x.shape, false) : null;
    const dScale = new Float64Array(c), dShift = new Float64Array(c);
    if (x.size > 0) {
      getKernels().groupNormBackward(
        n, c, s, ctx.attrs.numGroups, dy.data as FloatArray, dy.offset, x.data as FloatArray, x.offset,
        mean, invStd, scale, dx === null ? null : (dx.data as FloatArray), dScale, dShift,
      );
    }
    return affineGrads(ctx, dx, dScale, dShift);
  },
});

/**
 * Group normalization as one tape node with a handwritten backward, on core's active kernels (see
 * {@link @tapegrad/core!setKernels | setKernels}). Same signature and results as {@link groupNormComposed}.
 *
 * Forward, per (sample, group) row of d = C/G·S values (S = H·W·...): `μ`, biased `σ²` (kept in float64; see {@link @tapegrad/core!SpatialKernels | SpatialKernels} for float32 sums),
 * `invStd = 1/√(σ² + eps)`, `y = (x − μ)·invStd·γ[c] + β[c]`; no x̂ is stored. Backward, x̂
 * recomputed from x, with `g = dy·γ[c]`: `dx = (invStd/d)·(d·g − Σg − x̂·Σ(g·x̂))` per row,
 * `dγ[c] = Σ_{n, s} dy·x̂`, `dβ[c] = Σ_{n, s} dy`, in two passes over each row.
 *
 * @param x - input `[N, C, *]`, float32 or float64.
 * @param numGroups - G, a divisor of C.
 * @param weight - γ `[C]`, or null (default) for 1.
 * @param bias - β `[C]`, or null (default) for 0.
 * @param eps - added to the variance (default 1e-5).
 * @returns y, x's shape.
 * @throws {@link @tapegrad/core!ShapeError | ShapeError} for an input of fewer than 2 dims, C not divisible by numGroups, or
 *   weight/bias that are not [C].
 * @throws RangeError for a numGroups that is not a positive integer or a negative eps.
 * @throws {@link @tapegrad/core!DtypeError | DtypeError} when weight or bias has another dtype than x.
 * @example
 * ```ts
 * import { tensor, ones } from '@tapegrad/core';
 * import { groupNormFused } from '@tapegrad/nn';
 * const x = tensor([[[1, 3], [5, 7]]], { dtype: 'float64' });
 * const y = groupNormFused(x, 1, ones([2], { dtype: 'float64' }), null, 0);
 * console.log(y.toArray()); // [[[-1.3416407864998738, -0.4472135954999579], [0.4472135954999579, 1.3416407864998738]]]
 * ```
 * @category Functional
 */
export function groupNormFused(x: Tensor, numGroups: number, weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  checkArgs('groupNormFused', x, numGroups, weight, bias, eps);
  return groupNormOp(affineInputs(x, weight, bias), { numGroups, eps, hasWeight: weight !== null, hasBias: bias !== null });
}
