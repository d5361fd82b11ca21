/**
 * Root-mean-square normalization as a function (PyTorch's `F.rms_norm`), in two forms with one
 * signature: {@link rmsNormComposed} (core ops; the tape derives the gradient) and
 * {@link rmsNormFused} (one tape node with a handwritten backward, one row at a time).
 * @module
 */
import {
  DtypeError, ShapeError, checkFloatTensor, createNdArray, defineOpWithAttrs, getKernels,
  type FloatArray, type FloatDType, type NdArray, type Tensor,
} from '@tapegrad/core';
import { affineGrads, checkOptionalTensor, scaleAndShift, type AffineFlags } from './normalization.js';
import { checkLayerNormInput, normalizeShapeArg } from './layerNorm.js';

/** The machine epsilon of each float dtype (`torch.finfo(dtype).eps`): 2⁻²³ and 2⁻⁵². */
const MACHINE_EPSILON: Record<FloatDType, number> = { float32: 2 ** -23, float64: 2 ** -52 };

/** Checks the arguments; returns the normalised dims and the eps to use. */
function checkArgs(where: string, x: Tensor, normalizedShape: number | readonly number[], weight: Tensor | null, eps: number | null): [number[], number] {
  const dims = normalizeShapeArg(where, normalizedShape);
  checkLayerNormInput(where, x, dims);
  if (weight !== null) {
    checkFloatTensor(where, weight, 'weight');
    checkOptionalTensor(where, 'weight', weight, dims, x.dtype as FloatDType);
  }
  if (eps !== null && !(eps >= 0)) throw new RangeError(`${where}: eps must be >= 0 or null (got ${eps})`);
  return [dims, eps ?? MACHINE_EPSILON[x.dtype as FloatDType]];
}

/**
 * RMS normalization built from core ops; the tape derives its gradient. Same signature and results
 * as {@link rmsNormFused}.
 *
 * Over the trailing dims given by `normalizedShape`, for each leading index:
 * `y = x / √(mean(x²) + eps) · weight` (no mean subtracted, no bias).
 *
 * @param x - input `[*, ...normalizedShape]`, float32 or float64.
 * @param normalizedShape - the trailing dims to normalise over (a number for one dim).
 * @param weight - γ of shape normalizedShape, or null (default) for 1.
 * @param eps - added to mean(x²); null (the default) means the dtype's machine epsilon
 *   (`torch.finfo(dtype).eps`: 2⁻²³ ≈ 1.19e-7 for float32, 2⁻⁵² ≈ 2.22e-16 for float64), as PyTorch.
 * @returns y, x's shape.
 * @throws {@link @tapegrad/core!ShapeError | ShapeError} when x's trailing dims or weight differ from normalizedShape.
 * @throws {@link @tapegrad/core!DtypeError | DtypeError} when weight has another dtype than x.
 * @throws RangeError for a negative eps.
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { rmsNormComposed } from '@tapegrad/nn';
 * console.log(rmsNormComposed(tensor([[3, 4]], { dtype: 'float64' }), 2, null, 0).toArray()); // [[0.8485281374238571, 1.131370849898476]]
 * ```
 * @category Functional
 */
export function rmsNormComposed(x: Tensor, normalizedShape: number | readonly number[], weight: Tensor | null = null, eps: number | null = null): Tensor {
  const [dims, e] = checkArgs('rmsNormComposed', x, normalizedShape, weight, eps);
  const axes = dims.map((_, i) => x.ndim - dims.length + i);
  const y = x.div(x.mul(x).mean(axes, true).add(e).sqrt());
  return weight === null ? y : y.mul(weight);
}

/** What the fused forward saves: x, each row's 1/√(mean(x²) + eps), and γ (float64). */
type Saved = readonly [x: NdArray, invRms: Float64Array, scale: Float64Array];

/** The fused op's attributes: D (the values per row) and eps; the weight is the second input when `hasWeight`. */
interface RmsNormAttrs extends AffineFlags {
  readonly d: number;
  readonly eps: number;
}

/** The one-node op; inputs `[x, weight?]`, x seen as rows of D values. */
const rmsNormOp = defineOpWithAttrs<RmsNormAttrs, Saved>({
  name: 'rmsNorm',
  forward(ctx, x, ...params) {
    const { d, eps } = ctx.attrs;
    const m = x.size / d;
    const [scale] = scaleAndShift(ctx.attrs, params, d);
    const y = createNdArray(ctx.inputDtypes[0] as FloatDType, x.shape, false); // the kernel writes every element
    const invRms = new Float64Array(m);
    if (m > 0) getKernels().rmsNormForward(m, d, x.data as FloatArray, x.offset, eps, scale, y.data as FloatArray, invRms);
    ctx.save(x, invRms, scale);
    return y;
  },
  backward(ctx, dy) {
    const [x, invRms, scale] = ctx.saved;
    const { d } = ctx.attrs;
    const dx = ctx.needsGrad[0] ? createNdArray(ctx.inputDtypes[0] as FloatDType, x.shape, false) : null;
    const dScale = new Float64Array(d);
    if (invRms.length > 0) {
      getKernels().rmsNormBackward(
        invRms.length, d, dy.data as FloatArray, dy.offset, x.data as FloatArray, x.offset, invRms, scale,
        dx === null ? null : (dx.data as FloatArray), dScale,
      );
    }
    return affineGrads(ctx, dx, dScale, dScale);
  },
});

/**
 * RMS normalization as one tape node with a handwritten backward, on core's active kernels (see
 * {@link @tapegrad/core!setKernels | setKernels}). Same signature and results as {@link rmsNormComposed}.
 *
 * Forward, per row of D = prod(normalizedShape) values: `r = 1/√(Σx²/D + eps)` (float64),
 * `y = x·r·γ`. Backward, with `g = dy·γ`: `dx = r·g − x·r³·Σ(g·x)/D`, `dγ = Σ_rows dy·x·r`.
 *
 * @param x - input `[*, ...normalizedShape]`, float32 or float64.
 * @param normalizedShape - the trailing dims to normalise over (a number for one dim).
 * @param weight - γ of shape normalizedShape, or null (default) for 1.
 * @param eps - added to mean(x²); null (the default) means the dtype's machine epsilon
 *   (`torch.finfo(dtype).eps`: 2⁻²³ ≈ 1.19e-7 for float32, 2⁻⁵² ≈ 2.22e-16 for float64), as PyTorch.
 * @returns y, x's shape.
 * @throws {@link @tapegrad/core!ShapeError | ShapeError} when x's trailing dims or weight differ from normalizedShape.
 * @throws {@link @tapegrad/core!DtypeError | DtypeError} when weight has another dtype than x.
 * @throws RangeError for a negative eps.
 * @example
 * ```ts
 * import { tensor, ones } from '@tapegrad/core';
 * import { rmsNormFused } from '@tapegrad/nn';
 * const w = ones([2], { dtype: 'float64', requiresGrad: true });
 * const y = rmsNormFused(tensor([[3, 4]], { dtype: 'float64' }), [2], w, 0);
 * y.sum().backward();
 * console.log(y.toArray(), w.grad?.toArray()); // [[0.8485281374238571, 1.131370849898476]] [0.8485281374238571, 1.131370849898476]
 * ```
 * @category Functional
 */
export function rmsNormFused(x: Tensor, normalizedShape: number | readonly number[], weight: Tensor | null = null, eps: number | null = null): Tensor {
  const [dims, e] = checkArgs('rmsNormFused', x, normalizedShape, weight, eps);
  const d = dims.reduce((a, b) => a * b, 1);
  return rmsNormOp(weight === null ? [x] : [x, weight], { d, eps: e, hasWeight: weight !== null, hasBias: false });
}
