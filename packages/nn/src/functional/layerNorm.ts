/**
 * Layer normalization as a function (PyTorch's `F.layer_norm`), in two forms with one signature:
 * {@link layerNormComposed} (core ops; the tape derives the gradient) and {@link layerNormFused}
 * (one tape node with a handwritten backward, one pass per row).
 * @module
 */
import { ShapeError, Tensor, checkFloatTensor, createNdArray, defineOpWithAttrs, formatShape, getKernels, type FloatArray, type FloatDType } from '@tapegrad/core';
import { affineGrads, affineInputs, checkEps, checkOptionalTensor, scaleAndShift, type AffineFlags } from './normalization.js';

/** `normalizedShape` as a list of positive integers. @internal */
export function normalizeShapeArg(where: string, normalizedShape: number | readonly number[]): number[] {
  const dims = typeof normalizedShape === 'number' ? [normalizedShape] : Array.isArray(normalizedShape) ? [...normalizedShape] : null;
  if (dims === null || dims.length === 0 || !dims.every((d) => Number.isInteger(d) && d > 0)) {
    throw new TypeError(`${where}: normalizedShape must be a positive integer or a non-empty list of them (got ${JSON.stringify(normalizedShape)})`);
  }
  return dims;
}

/**
 * Checks a LayerNorm input: float, and its trailing dims equal to `normalizedShape`.
 * @internal
 */
export function checkLayerNormInput(where: string, x: Tensor, normalizedShape: readonly number[]): void {
  checkFloatTensor(where, x);
  const k = normalizedShape.length;
  const tail = x.shape.slice(x.ndim - k);
  if (x.ndim < k || tail.some((d, i) => d !== normalizedShape[i])) {
    throw new ShapeError(`${where}: expected input [*, ${normalizedShape.join(', ')}] (got ${formatShape(x.shape)})`);
  }
}

function checkArgs(where: string, x: Tensor, normalizedShape: number | readonly number[], weight: Tensor | null, bias: Tensor | null, eps: number): number[] {
  const dims = normalizeShapeArg(where, normalizedShape);
  checkLayerNormInput(where, x, dims);
  checkOptionalTensor(where, 'weight', weight, dims, x.dtype as FloatDType);
  checkOptionalTensor(where, 'bias', bias, dims, x.dtype as FloatDType);
  checkEps(where, eps);
  return dims;
}

/**
 * Layer normalization built from core ops; the tape derives its gradient. Same signature and
 * results as {@link layerNormFused}.
 *
 * Over the trailing dims given by `normalizedShape`, for each leading index:
 * `μ = mean(x)`, `σ² = mean((x - μ)²)` (biased), `y = (x - μ)/√(σ² + eps)·weight + bias`.
 *
 * @param x - input [*, ...normalizedShape], float32 or float64.
 * @param normalizedShape - the trailing dims to normalise over (a number for one dim).
 * @param weight - γ of shape normalizedShape, or null (default) for 1.
 * @param bias - β of shape normalizedShape, or null (default) for 0.
 * @param eps - added to the variance (default 1e-5).
 * @returns y, x's shape.
 * @throws {@link @tapegrad/core!ShapeError | ShapeError} when x's trailing dims or weight/bias differ from normalizedShape.
 * @throws {@link @tapegrad/core!DtypeError | DtypeError} when weight or bias has another dtype than x.
 * @example
 * ```ts
 * import { randn } from '@tapegrad/core';
 * import { layerNormComposed } from '@tapegrad/nn';
 * const x = randn([4, 6], { dtype: 'float64', requiresGrad: true });
 * const y = layerNormComposed(x, 6);
 * y.mul(y).sum().backward();
 * console.log(y.mean(1).toArray(), x.grad?.shape); // ≈ [0, 0, 0, 0] [4, 6]
 * ```
 * @category Functional
 */
export function layerNormComposed(
  x: Tensor, normalizedShape: number | readonly number[], weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5,
): Tensor {
  const dims = checkArgs('layerNormComposed', x, normalizedShape, weight, bias, eps);
  const axes = dims.map((_, i) => x.ndim - dims.length + i);
  const centered = x.sub(x.mean(axes, true));
  const variance = centered.mul(centered).mean(axes, true);
  let y = centered.div(variance.add(eps).sqrt());
  if (weight !== null) y = y.mul(weight);
  if (bias !== null) y = y.add(bias);
  return y;
}

/** What the fused forward saves: xHat, 1/√(σ² + eps) per row, and γ (as float64). */
type Saved = readonly [xHat: FloatArray, invStd: Float64Array, scale: Float64Array];

/** The fused op's attributes: eps, D = prod(normalizedShape), and which of weight and bias are given. */
interface LayerNormAttrs extends AffineFlags {
  readonly eps: number;
  readonly d: number;
}

/** Layer norm over rows of D values as one node; inputs `[x, weight?, bias?]`. */
const layerNormOp = defineOpWithAttrs<LayerNormAttrs, Saved>({
  name: 'layerNorm',
  forward(ctx, xNd, ...params) {
    const { d, eps } = ctx.attrs;
    const dtype = ctx.inputDtypes[0] as FloatDType;
    const m = d === 0 ? 0 : xNd.size / d;
    const [scale, shift] = scaleAndShift(ctx.attrs, params, d);
    // the kernel writes every element of both
    const xHat = createNdArray(dtype, xNd.shape, false);
    const out = createNdArray(dtype, xNd.shape, false);
    const invStd = new Float64Array(m);
    getKernels().layerNormForward(m, d, xNd.data as FloatArray, xNd.offset, eps, scale, shift, xHat.data as FloatArray, out.data as FloatArray, invStd);
    ctx.save(xHat.data as FloatArray, invStd, scale);
    return out;
  },
  backward(ctx, dy) {
    const [xHat, invStd, scale] = ctx.saved;
    const { d } = ctx.attrs;
    const m = invStd.length;
    const dScale = new Float64Array(d), dShift = new Float64Array(d);
    const dx = ctx.needsGrad[0] ? createNdArray(ctx.inputDtypes[0] as FloatDType, dy.shape, false) : null;
    getKernels().layerNormBackward(m, d, dy.data as FloatArray, dy.offset, xHat, invStd, scale, dx ? (dx.data as FloatArray) : null, dScale, dShift);
    return affineGrads(ctx, dx, dScale, dShift);
  },
});

/**
 * Layer normalization as one tape node with a handwritten backward. Same signature and results as
 * {@link layerNormComposed}.
 *
 * Forward and backward run on core's active kernels (see {@link @tapegrad/core!setKernels | setKernels}).
 * Forward, per row of D = prod(normalizedShape) values (three passes over the row, in cache):
 * `μ`, biased `σ²`, `invStd = 1/√(σ² + eps)`, `x̂ = (x - μ)·invStd`, `y = x̂·γ + β`. Backward, per
 * row, with g = dy·γ: `dx = (invStd/D)·(D·g − Σg − x̂·Σ(g·x̂))`; `dγ = Σ_rows dy·x̂`, `dβ = Σ_rows dy`.
 *
 * @param x - input [*, ...normalizedShape], float32 or float64.
 * @param normalizedShape - the trailing dims to normalise over (a number for one dim).
 * @param weight - γ of shape normalizedShape, or null (default) for 1.
 * @param bias - β of shape normalizedShape, or null (default) for 0.
 * @param eps - added to the variance (default 1e-5).
 * @returns y, x's shape.
 * @throws {@link @tapegrad/core!ShapeError | ShapeError} when x's trailing dims or weight/bias differ from normalizedShape.
 * @throws {@link @tapegrad/core!DtypeError | DtypeError} when weight or bias has another dtype than x.
 * @example
 * ```ts
 * import { randn, ones } from '@tapegrad/core';
 * import { layerNormFused } from '@tapegrad/nn';
 * const x = randn([4, 6], { dtype: 'float64', requiresGrad: true });
 * const gamma = ones([6], { dtype: 'float64', requiresGrad: true });
 * const y = layerNormFused(x, [6], gamma);
 * y.mul(y).sum().backward();
 * console.log(y.gradFn?.toString(), gamma.grad?.shape); // '<LayerNormBackward>' [6]
 * ```
 * @category Functional
 */
export function layerNormFused(
  x: Tensor, normalizedShape: number | readonly number[], weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5,
): Tensor {
  const dims = checkArgs('layerNormFused', x, normalizedShape, weight, bias, eps);
  let d = 1;
  for (const n of dims) d *= n;
  return layerNormOp(affineInputs(x, weight, bias), { eps, d, hasWeight: weight !== null, hasBias: bias !== null });
}
