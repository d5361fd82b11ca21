/**
 * RMSNorm, as PyTorch's `nn.RMSNorm`.
 * @module
 */
import { checkFloatDtype, formatShape, getDefaultDtype, noGrad, ones, type FloatDType, type Tensor } from '@tapegrad/core';
import { checkBackwardMode, defaultBackwardMode, type BackwardMode } from './backwardMode.js';
import { pickForm } from './functional/fusedOpTable.js';
import { checkLayerNormInput, normalizeShapeArg } from './functional/layerNorm.js';
import { checkEps, checkLayerDtype, formatNumber } from './functional/normalization.js';
import { Module } from './module.js';
import { Parameter, inKernelMemory } from './parameter.js';
import { graphOnly } from './graphOnly.js';

/**
 * Options of {@link RMSNorm}.
 * @category Layers
 */
export interface RMSNormOptions {
  /**
   * Added to mean(x²) before the square root. Default null: the input dtype's machine epsilon
   * (2⁻²³ for float32, 2⁻⁵² for float64), as PyTorch's `eps=None`.
   */
  eps?: number | null;
  /** Learn a per-element scale `weight` (γ, starts at 1). Default true. */
  elementwiseAffine?: boolean;
  /** dtype of the parameters. Default: the default dtype. */
  dtype?: FloatDType;
  /** `'fused'` (default: one node, handwritten backward) or `'tape'` (composed from core ops). */
  backward?: BackwardMode;
}

/**
 * Root-mean-square normalization over the trailing dims `normalizedShape` (PyTorch's
 * `nn.RMSNorm`): `y = x/√(mean(x²) + eps)·weight`, the mean over those dims of each leading index.
 * Unlike LayerNorm nothing is subtracted and there is no bias. The same in train and eval mode.
 *
 * `forward` only picks a path: {@link rmsNormFused} (`backward: 'fused'`, the default) or
 * {@link rmsNormComposed} (`'tape'`). Parameter: `weight` of shape normalizedShape (with
 * `elementwiseAffine`).
 *
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { RMSNorm } from '@tapegrad/nn';
 * const rms = new RMSNorm(2, { dtype: 'float64', eps: 0 });
 * console.log(rms.forward(tensor([[3, 4]], { dtype: 'float64' })).toArray()); // [[0.8485281374238571, 1.131370849898476]]
 * console.log(String(new RMSNorm([4, 5]))); // 'RMSNorm([4, 5], eps=null, elementwiseAffine=true)'
 * ```
 * @category Layers
 */
export class RMSNorm extends Module {
  /** forward keeps its input and output only on the tape (see graphOnly.ts). @internal */
  static readonly [graphOnly] = true;
  /** The trailing dims normalised over. */
  readonly normalizedShape: readonly number[];
  /** Added to mean(x²); null for the input dtype's machine epsilon. */
  eps: number | null;
  /** Whether `weight` exists. */
  readonly elementwiseAffine: boolean;
  /** Which backward `forward` uses: `'fused'` or `'tape'`. */
  backward: BackwardMode;
  /** γ of shape normalizedShape, or null without elementwiseAffine. */
  weight: Parameter | null;

  /**
   * @param normalizedShape - the trailing dims to normalise over (a number for the last dim).
   * @param opts - `eps` (null), `elementwiseAffine` (true), `dtype` (the default dtype),
   *   `backward` ('fused'); see {@link RMSNormOptions}.
   * @throws TypeError for a normalizedShape that is not positive integers or an unknown backward;
   *   RangeError for a negative eps; {@link @tapegrad/core!DtypeError | DtypeError} for a dtype
   *   that is not float32 or float64.
   */
  constructor(normalizedShape: number | readonly number[], opts: RMSNormOptions = {}) {
    super();
    this.normalizedShape = normalizeShapeArg('RMSNorm', normalizedShape);
    const eps = opts.eps ?? null;
    this.eps = eps === null ? null : checkEps('RMSNorm', eps);
    const dtype = checkFloatDtype('RMSNorm', opts.dtype ?? getDefaultDtype());
    this.elementwiseAffine = opts.elementwiseAffine ?? true;
    this.backward = checkBackwardMode('RMSNorm', opts.backward);
    this.weight = this.elementwiseAffine ? new Parameter(inKernelMemory(ones(this.normalizedShape, { dtype }))) : null;
  }

  /** weight to 1 (PyTorch's initialisation). */
  resetParameters(): void {
    noGrad(() => this.weight?.fill_(1));
  }

  /**
   * Normalises `x` over its trailing dims.
   * @param x - `[*, ...normalizedShape]`, the layer's dtype.
   * @returns x's shape.
   * @throws {@link @tapegrad/core!ShapeError | ShapeError} when x's trailing dims differ from
   *   normalizedShape (`RMSNorm: expected input [*, 6] (got [4, 5])`).
   * @throws {@link @tapegrad/core!DtypeError | DtypeError} when x's dtype differs from the layer's.
   */
  forward(x: Tensor): Tensor {
    checkLayerNormInput('RMSNorm', x, this.normalizedShape);
    checkLayerDtype('RMSNorm', x, this.weight);
    return pickForm('rmsNorm', this.backward)(x, this.normalizedShape, this.weight, this.eps);
  }

  /** `[6], eps=null, elementwiseAffine=true` (plus backward when not the default). */
  override extraRepr(): string {
    let s = `${formatShape(this.normalizedShape)}, eps=${this.eps === null ? 'null' : formatNumber(this.eps)}, elementwiseAffine=${this.elementwiseAffine}`;
    if (this.backward !== defaultBackwardMode) s += `, backward='${this.backward}'`;
    return s;
  }
}
