/**
 * LayerNorm, as PyTorch's `nn.LayerNorm`.
 * @module
 */
import { formatShape, noGrad, ones, zeros, type FloatDType, type Tensor } from '@tapegrad/core';
import { checkBackwardMode, defaultBackwardMode, type BackwardMode } from './backwardMode.js';
import { pickForm } from './functional/fusedOpTable.js';
import { checkLayerNormInput, normalizeShapeArg } from './functional/layerNorm.js';
import { checkLayerDtype, formatNumber, normLayerOptions } from './functional/normalization.js';
import { Module } from './module.js';
import { Parameter, inKernelMemory } from './parameter.js';
import { graphOnly } from './graphOnly.js';

/**
 * Options of {@link LayerNorm}.
 * @category Layers
 */
export interface LayerNormOptions {
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
  /** Learn a per-element scale `weight` (γ, starts at 1) and, with `bias`, a shift (β, starts at 0). Default true. */
  elementwiseAffine?: boolean;
  /** Whether the affine transform has a `bias` (only with elementwiseAffine). Default true. */
  bias?: boolean;
  /** dtype of the parameters. Default: the default dtype. */
  dtype?: FloatDType;
  /** `'fused'` (default: one node, handwritten backward) or `'tape'` (composed from core ops). */
  backward?: BackwardMode;
}

/**
 * Layer normalization over the trailing dims `normalizedShape` of each sample (PyTorch's
 * `nn.LayerNorm`): `y = (x - μ)/√(σ² + eps)·weight + bias`, with μ and the biased σ² over those
 * dims. The same in train and eval mode; no running statistics.
 *
 * `forward` only picks a path: {@link layerNormFused} (`backward: 'fused'`, the default) or
 * {@link layerNormComposed} (`'tape'`). Parameters: `weight` and `bias` of shape normalizedShape.
 *
 * @example
 * ```ts
 * import { randn } from '@tapegrad/core';
 * import { LayerNorm } from '@tapegrad/nn';
 * const ln = new LayerNorm(6, { dtype: 'float64' });
 * const y = ln.forward(randn([4, 6], { dtype: 'float64' }));
 * console.log(y.mean(1).toArray(), ln.toString()); // ≈ [0, 0, 0, 0] 'LayerNorm([6], eps=1e-5, elementwiseAffine=true)'
 * ```
 * @category Layers
 */
export class LayerNorm extends Module {
  /** forward keeps its input and output only on the tape (see graphOnly.ts). @internal */
  static readonly [graphOnly] = true;
  /** The trailing dims normalised over. */
  readonly normalizedShape: readonly number[];
  /** Added to the variance before the square root. */
  eps: number;
  /** Whether `weight` (and `bias`, unless disabled) exist. */
  readonly elementwiseAffine: boolean;
  /** Which backward `forward` uses: `'fused'` or `'tape'`. */
  backward: BackwardMode;
  /** γ of shape normalizedShape, or null without elementwiseAffine. */
  weight: Parameter | null;
  /** β of shape normalizedShape, or null without elementwiseAffine or bias. */
  bias: Parameter | null;

  /**
   * @param normalizedShape - the trailing dims to normalise over (a number for the last dim).
   * @param opts - `eps` (1e-5), `elementwiseAffine` (true), `bias` (true), `dtype` (the default
   *   dtype), `backward` ('fused'); see {@link LayerNormOptions}.
   * @throws TypeError for a normalizedShape that is not positive integers or an unknown backward;
   *   RangeError for a negative eps; {@link @tapegrad/core!DtypeError | DtypeError} for a dtype that is not float32 or float64.
   */
  constructor(normalizedShape: number | readonly number[], opts: LayerNormOptions = {}) {
    super();
    const shape = normalizeShapeArg('LayerNorm', normalizedShape);
    const { eps, dtype } = normLayerOptions('LayerNorm', opts);
    this.normalizedShape = shape;
    this.eps = eps;
    this.elementwiseAffine = opts.elementwiseAffine ?? true;
    this.backward = checkBackwardMode('LayerNorm', opts.backward);
    this.weight = this.elementwiseAffine ? new Parameter(inKernelMemory(ones(shape, { dtype }))) : null;
    this.bias = this.elementwiseAffine && (opts.bias ?? true) ? new Parameter(inKernelMemory(zeros(shape, { dtype }))) : null;
  }

  /** weight to 1, bias to 0. */
  resetParameters(): void {
    noGrad(() => {
      this.weight?.fill_(1);
      this.bias?.zero_();
    });
  }

  /**
   * Normalises each sample of `x` over its trailing dims.
   * @param x - [*, ...normalizedShape], the layer's dtype.
   * @returns x's shape.
   * @throws {@link @tapegrad/core!ShapeError | ShapeError} when x's trailing dims differ from normalizedShape
   *   (`LayerNorm: expected input [*, 6] (got [4, 5])`).
   * @throws {@link @tapegrad/core!DtypeError | DtypeError} when x's dtype differs from the layer's.
   */
  forward(x: Tensor): Tensor {
    checkLayerNormInput('LayerNorm', x, this.normalizedShape);
    checkLayerDtype('LayerNorm', x, this.weight ?? this.bias);
    return pickForm('layerNorm', this.backward)(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  /** `[6], eps=1e-5, elementwiseAffine=true` (plus bias=false and backward when not the defaults). */
  override extraRepr(): string {
    let s = `${formatShape(this.normalizedShape)}, eps=${formatNumber(this.eps)}, elementwiseAffine=${this.elementwiseAffine}`;
    if (this.elementwiseAffine && this.bias === null) s += ', bias=false';
    if (this.backward !== defaultBackwardMode) s += `, backward='${this.backward}'`;
    return s;
  }
}
