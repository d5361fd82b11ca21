/**
 * Root-mean-square normalization as a function (PyTorch's `F.rms_norm`), in two forms with one
 * signature: {@link rmsNormComposed} (core ops; the tape derives the gradient) and
 * {@link rmsNormFused} (one tape node with a handwritten backward, one row at a time).
 * @module
 */
import {
  DtypeError, ShapeError, checkFloatTensor, createNdArray, defineOp, formatShape, getKernels,
  type FloatArray, type FloatDType, type NdArray, type Tensor,
} from '@tapegrad/core';
import { ndFrom, perChannel } from './normalization.js';
import { checkLayerNormInput, normalizeShapeArg } from './layerNorm.js';

/** The machine epsilon of each float dtype (`torch.finfo(dtype).eps`): 2⁻²³ and 2⁻⁵². */
const MACHINE_EPSILON: Record<FloatDType, number> = { float32: 2 ** -23, float64: 2 ** -52 };

/** Checks the arguments; returns the normalised dims and the eps to use. */
function checkArgs(where: string, x: Tensor, normalizedShape: number | readonly number[], weight: Tensor | null, eps: number | null): [number[], number] {
  const dims = normalizeShapeArg(where, normalizedShape);
  checkLayerNormInput(where, x, dims);
  if (weight !== null) {
    checkFloatTensor(where, weight, 'weight');
    if (formatShape(weight.shape) !== formatShape(dims)) throw new ShapeError(`${where}: expected weight ${formatShape(dims)} (got ${formatShape(weight.shape)})`);
    if (weight.dtype !== x.dtype) throw new DtypeError(`${where}: expected weight of the input's dtype ${x.dtype} (got ${weight.dtype})`);
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
  const hasWeight = weight !== null;
  const op = defineOp<Saved>({
    name: 'rmsNorm',
    forward(ctx, xNd, ...params) {
      const dtype = ctx.inputDtypes[0] as FloatDType;
      const m = xNd.size / d;
      const scale = perChannel(hasWeight ? params[0]! : null, d, 1);
      const y = createNdArray(dtype, xNd.shape);
      const invRms = new Float64Array(m);
      if (m > 0) getKernels().rmsNormForward(m, d, xNd.data as FloatArray, xNd.offset, e, scale, y.data as FloatArray, invRms);
      ctx.save(xNd, invRms, scale);
      return y;
    },
    backward(ctx, dy) {
      const [xNd, invRms, scale] = ctx.saved;
      const dtype = ctx.inputDtypes[0] as FloatDType;
      const dx = ctx.needsGrad[0] ? createNdArray(dtype, xNd.shape) : null;
      const dScale = new Float64Array(d);
      if (invRms.length > 0) {
        getKernels().rmsNormBackward(
          invRms.length, d, dy.data as FloatArray, dy.offset, xNd.data as FloatArray, xNd.offset, invRms, scale,
          dx === null ? null : (dx.data as FloatArray), dScale,
        );
      }
      return hasWeight ? [dx, ctx.needsGrad[1] ? ndFrom(dScale, dtype, dims) : null] : [dx];
    },
  });
  return hasWeight ? op(x, weight) : op(x);
}
