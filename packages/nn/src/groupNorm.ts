/**
 * GroupNorm, as PyTorch's `nn.GroupNorm`.
 * @module
 */
import { ShapeError, checkFloatTensor, formatShape, noGrad, ones, zeros, type FloatDType, type Tensor } from '@tapegrad/core';
import { checkBackwardMode, defaultBackwardMode, type BackwardMode } from './backwardMode.js';
import { pickForm } from './functional/fusedOpTable.js';
import { checkLayerDtype, formatNumber, normLayerOptions } from './functional/normalization.js';
import { Module } from './module.js';
import { Parameter, inKernelMemory } from './parameter.js';
import { graphOnly } from './graphOnly.js';

/**
 * Options of {@link GroupNorm}.
 * @category Layers
 */
export interface GroupNormOptions {
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
  /** Learn a per-channel scale `weight` (γ, starts at 1) and shift `bias` (β, starts at 0). Default true. */
  affine?: boolean;
  /** dtype of the parameters. Default: the default dtype. */
  dtype?: FloatDType;
  /** `'fused'` (default: one node, handwritten backward) or `'tape'` (composed from core ops). */
  backward?: BackwardMode;
}

/** A positive integer, or a RangeError naming the layer. */
function positiveInteger(name: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0) throw new RangeError(`GroupNorm: ${name} must be a positive integer (got ${v})`);
  return v;
}

/**
 * Group normalization (PyTorch's `nn.GroupNorm`, cs231n's `spatial_groupnorm_forward`): the C
 * channels of each sample are split into `numGroups` groups of C/G consecutive channels, and each
 * (sample, group) is normalised over its C/G·H·W values, then scaled and shifted per channel:
 * `y = (x − μ_{n,g})/√(σ²_{n,g} + eps)·weight[c] + bias[c]` (biased σ²). The same in train and eval
 * mode: no running statistics, no dependence on the batch size. G = 1 normalises each sample over
 * (C, H, W) (LayerNorm's statistics with per-channel γ, β); G = C is InstanceNorm.
 *
 * `forward` only picks a path: {@link groupNormFused} (`backward: 'fused'`, the default) or
 * {@link groupNormComposed} (`'tape'`). Parameters: `weight` [C] and `bias` [C] when `affine`.
 * Input `[N, C, *]` (any number of trailing dims, none included).
 *
 * @example
 * ```ts
 * import { randn } from '@tapegrad/core';
 * import { GroupNorm } from '@tapegrad/nn';
 * const gn = new GroupNorm(2, 6, { dtype: 'float64' });
 * const y = gn.forward(randn([4, 6, 3, 3], { dtype: 'float64' }).mul(3).add(1));
 * console.log(y.reshape([4, 2, 27]).mean(2).toArray()); // ≈ zeros [4, 2]
 * console.log(String(gn), Object.keys(gn.stateDict())); // 'GroupNorm(2, 6, eps=1e-5, affine=true)' ['weight', 'bias']
 * ```
 * @category Layers
 */
export class GroupNorm extends Module {
  /** forward keeps its input and output only on the tape (see graphOnly.ts). @internal */
  static readonly [graphOnly] = true;
  /** G, the number of groups the channels are split into. */
  readonly numGroups: number;
  /** C, the number of channels. */
  readonly numChannels: number;
  /** Added to the variance before the square root. */
  eps: number;
  /** Whether `weight` and `bias` exist. */
  readonly affine: boolean;
  /** Which backward `forward` uses: `'fused'` or `'tape'`. */
  backward: BackwardMode;
  /** γ [C], or null when not affine. */
  weight: Parameter | null;
  /** β [C], or null when not affine. */
  bias: Parameter | null;

  /**
   * @param numGroups - G, a divisor of numChannels.
   * @param numChannels - C.
   * @param opts - `eps` (1e-5), `affine` (true), `dtype` (the default dtype), `backward` ('fused');
   *   see {@link GroupNormOptions}.
   * @throws RangeError for sizes that are not positive integers, a numGroups that does not divide
   *   numChannels (`GroupNorm: numGroups must divide numChannels 6 (got numGroups 4)`), or a negative eps;
   *   TypeError for an unknown backward; {@link @tapegrad/core!DtypeError | DtypeError} for a
   *   dtype that is not float32 or float64.
   */
  constructor(numGroups: number, numChannels: number, opts: GroupNormOptions = {}) {
    super();
    this.numGroups = positiveInteger('numGroups', numGroups);
    this.numChannels = positiveInteger('numChannels', numChannels);
    if (numChannels % numGroups !== 0) {
      throw new RangeError(`GroupNorm: numGroups must divide numChannels ${numChannels} (got numGroups ${numGroups})`);
    }
    const { eps, dtype } = normLayerOptions('GroupNorm', opts);
    this.eps = eps;
    this.affine = opts.affine ?? true;
    this.backward = checkBackwardMode('GroupNorm', opts.backward);
    this.weight = this.affine ? new Parameter(inKernelMemory(ones([numChannels], { dtype }))) : null;
    this.bias = this.affine ? new Parameter(inKernelMemory(zeros([numChannels], { dtype }))) : null;
  }

  /** weight to 1, bias to 0 (PyTorch's initialisation). */
  resetParameters(): void {
    noGrad(() => {
      this.weight?.fill_(1);
      this.bias?.zero_();
    });
  }

  /**
   * Normalises each (sample, group) of `x` (see the class description).
   * @param x - `[N, C, *]`, the layer's dtype.
   * @returns x's shape.
   * @throws {@link @tapegrad/core!ShapeError | ShapeError} for fewer than 2 dims or a channel count
   *   other than C (`GroupNorm: expected input [N, 6, *] (got [2, 4, 3, 3])`).
   * @throws {@link @tapegrad/core!DtypeError | DtypeError} when x's dtype differs from the layer's.
   */
  forward(x: Tensor): Tensor {
    checkFloatTensor('GroupNorm', x);
    if (x.ndim < 2 || x.shape[1] !== this.numChannels) {
      throw new ShapeError(`GroupNorm: expected input [N, ${this.numChannels}, *] (got ${formatShape(x.shape)})`);
    }
    checkLayerDtype('GroupNorm', x, this.weight);
    return pickForm('groupNorm', this.backward)(x, this.numGroups, this.weight, this.bias, this.eps);
  }

  /** `2, 6, eps=1e-5, affine=true` (plus backward when not the default). */
  override extraRepr(): string {
    let s = `${this.numGroups}, ${this.numChannels}, eps=${formatNumber(this.eps)}, affine=${this.affine}`;
    if (this.backward !== defaultBackwardMode) s += `, backward='${this.backward}'`;
    return s;
  }
}
