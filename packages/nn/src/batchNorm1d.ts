/**
 * BatchNorm1d, with PyTorch's semantics by default and cs231n's on request.
 * @module
 */
import { noGrad, ones, zeros, type FloatDType, type Tensor } from '@tapegrad/core';
import { checkBackwardMode, defaultBackwardMode, type BackwardMode } from './backwardMode.js';
import { checkBatchNormInput } from './functional/batchNorm.js';
import { pickForm } from './functional/fusedOpTable.js';
import { checkLayerDtype, formatNumber, normLayerOptions } from './functional/normalization.js';
import { Module } from './module.js';
import { Buffer, Parameter, inKernelMemory } from './parameter.js';

/**
 * Options of {@link BatchNorm1d}.
 * @category Layers
 */
export interface BatchNorm1dOptions {
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
  /**
   * The running-statistics momentum, in the meaning of `convention`: the weight of the new batch
   * ('pytorch', default 0.1) or the decay of the old value ('cs231n', default 0.9). `null` keeps a
   * cumulative moving average (the running statistics are the plain mean over all batches seen).
   */
  momentum?: number | null;
  /** Learn a per-feature scale `weight` (γ, starts at 1) and shift `bias` (β, starts at 0). Default true. */
  affine?: boolean;
  /**
   * Keep running statistics (used in eval mode). Default true. When false there are no buffers
   * and batch statistics are used in both modes, as in PyTorch.
   */
  trackRunningStats?: boolean;
  /** dtype of the parameters and running statistics. Default: the default dtype. */
  dtype?: FloatDType;
  /**
   * `'pytorch'` (default): momentum weighs the new batch, the running variance is UNBIASED and starts
   * at 1, the running mean at 0. `'cs231n'`: momentum is the decay of the old value, the running
   * variance is BIASED, and both start at 0.
   */
  convention?: 'pytorch' | 'cs231n';
  /** `'fused'` (default: one node, handwritten backward) or `'tape'` (composed from core ops). */
  backward?: BackwardMode;
}

/**
 * Batch normalization over a [N, C] (or [N, C, L]) input, per feature C (PyTorch's `nn.BatchNorm1d`).
 *
 * In train mode, `y = (x - μ_B)/√(σ²_B + eps)·weight + bias` with the batch mean μ_B and biased
 * variance σ²_B over N (and L), and the running statistics move toward the batch's:
 * - `'pytorch'`: `running = (1 - momentum)·running + momentum·batch`, with the UNBIASED batch variance
 *   `σ²_B·n/(n-1)`; running mean starts at 0, running variance at 1; `numBatchesTracked` counts batches.
 * - `'cs231n'`: `running = momentum·running + (1 - momentum)·batch`, with the BIASED batch variance;
 *   both start at 0.
 * - `momentum: null`: `running = running + (batch - running)/numBatchesTracked` (cumulative average).
 *
 * In eval mode (with `trackRunningStats`), `y = (x - runningMean)/√(runningVar + eps)·weight + bias`.
 * `forward` only picks a path: {@link batchNormFused} (`backward: 'fused'`, the default) or
 * {@link batchNormComposed} (`'tape'`). The running-statistics update is not differentiated.
 *
 * Parameters: `weight` [C], `bias` [C] (when `affine`). Buffers: `runningMean` [C], `runningVar` [C],
 * `numBatchesTracked` (int32 scalar) when `trackRunningStats`; their state-dict names are PyTorch's
 * (`running_mean`, `running_var`, `num_batches_tracked`).
 *
 * @example
 * ```ts
 * import { randn } from '@tapegrad/core';
 * import { BatchNorm1d } from '@tapegrad/nn';
 * const bn = new BatchNorm1d(3, { dtype: 'float64' });
 * const y = bn.forward(randn([16, 3], { dtype: 'float64' }).mul(5).add(2));
 * console.log(y.mean(0).toArray(), bn.numBatchesTracked?.item()); // ≈ [0, 0, 0] 1
 * console.log(Object.keys(bn.stateDict())); // ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
 * bn.eval(); // now normalises with runningMean / runningVar
 * ```
 * @category Layers
 */
export class BatchNorm1d extends Module {
  /** C, the number of features (channels). */
  readonly numFeatures: number;
  /** Added to the variance before the square root. */
  eps: number;
  /** The momentum in the meaning of {@link BatchNorm1d.convention}, or null for a cumulative average. */
  momentum: number | null;
  /** Whether `weight` and `bias` exist. */
  readonly affine: boolean;
  /** Whether the running statistics exist (and are used in eval mode). */
  readonly trackRunningStats: boolean;
  /** Which running-statistics convention this layer follows. */
  readonly convention: 'pytorch' | 'cs231n';
  /** Which backward `forward` uses: `'fused'` or `'tape'`. */
  backward: BackwardMode;
  /** γ [C], or null when not affine. */
  weight: Parameter | null;
  /** β [C], or null when not affine. */
  bias: Parameter | null;
  /** Running mean [C], or null without trackRunningStats. */
  runningMean: Buffer | null;
  /** Running variance [C] (unbiased for 'pytorch', biased for 'cs231n'), or null without trackRunningStats. */
  runningVar: Buffer | null;
  /** How many train-mode batches updated the running statistics (int32 scalar), or null without trackRunningStats. */
  numBatchesTracked: Buffer | null;

  /**
   * @param numFeatures - C.
   * @param opts - `eps` (1e-5), `momentum` (0.1 'pytorch', 0.9 'cs231n'; null for a cumulative
   *   average), `affine` (true), `trackRunningStats` (true), `dtype` (the default dtype),
   *   `convention` ('pytorch'), `backward` ('fused'); see {@link BatchNorm1dOptions}.
   * @throws RangeError for a numFeatures that is not a positive integer, a negative eps or a
   *   momentum outside [0, 1]; TypeError for an unknown convention or backward.
   * @throws {@link @tapegrad/core!DtypeError | DtypeError} for a dtype that is not float32 or float64.
   */
  constructor(numFeatures: number, opts: BatchNorm1dOptions = {}) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) {
      throw new RangeError(`BatchNorm1d: numFeatures must be a positive integer (got ${numFeatures})`);
    }
    const convention = opts.convention ?? 'pytorch';
    if (convention !== 'pytorch' && convention !== 'cs231n') {
      throw new TypeError(`BatchNorm1d: convention must be 'pytorch' or 'cs231n' (got ${String(convention)})`);
    }
    const momentum = opts.momentum === undefined ? (convention === 'pytorch' ? 0.1 : 0.9) : opts.momentum;
    if (momentum !== null && !(momentum >= 0 && momentum <= 1)) throw new RangeError(`BatchNorm1d: momentum must be in [0, 1] or null (got ${momentum})`);
    const { eps, dtype } = normLayerOptions('BatchNorm1d', opts);
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.trackRunningStats ?? true;
    this.convention = convention;
    this.backward = checkBackwardMode('BatchNorm1d', opts.backward);
    this.weight = this.affine ? new Parameter(inKernelMemory(ones([numFeatures], { dtype }))) : null;
    this.bias = this.affine ? new Parameter(inKernelMemory(zeros([numFeatures], { dtype }))) : null;
    const track = this.trackRunningStats;
    this.runningMean = track ? new Buffer(zeros([numFeatures], { dtype })) : null;
    this.runningVar = track ? new Buffer((convention === 'pytorch' ? ones : zeros)([numFeatures], { dtype })) : null;
    this.numBatchesTracked = track ? new Buffer(zeros([], { dtype: 'int32' })) : null;
  }

  /** Running mean to 0, running variance to 1 ('pytorch') or 0 ('cs231n'), numBatchesTracked to 0. */
  resetRunningStats(): void {
    noGrad(() => {
      this.runningMean?.zero_();
      this.runningVar?.fill_(this.convention === 'pytorch' ? 1 : 0);
      this.numBatchesTracked?.zero_();
    });
  }

  /** {@link BatchNorm1d.resetRunningStats}, and weight to 1, bias to 0. */
  resetParameters(): void {
    this.resetRunningStats();
    noGrad(() => {
      this.weight?.fill_(1);
      this.bias?.zero_();
    });
  }

  /**
   * Normalises `x` (see the class description); in train mode with trackRunningStats, also
   * advances the running statistics and numBatchesTracked.
   * @param x - [N, C] or [N, C, L], the layer's dtype.
   * @returns x's shape.
   * @throws {@link @tapegrad/core!ShapeError | ShapeError} for another rank, a feature count other than C, or one value per
   *   channel in train mode (`BatchNorm1d: expected more than 1 value per channel when training (got input [1, 100])`).
   * @throws {@link @tapegrad/core!DtypeError | DtypeError} when x's dtype differs from the layer's.
   */
  forward(x: Tensor): Tensor {
    checkBatchNormInput('BatchNorm1d', x, this.training || !this.trackRunningStats, this.numFeatures);
    checkLayerDtype('BatchNorm1d', x, this.weight ?? this.runningMean);
    const useRunning = this.trackRunningStats && this.runningMean !== null && this.runningVar !== null;
    let momentum = 0;
    if (this.training && useRunning) {
      let batches = 1;
      if (this.numBatchesTracked !== null) {
        const nd = this.numBatchesTracked.data;
        batches = nd.data[nd.offset]! + 1;
        nd.data[nd.offset] = batches;
      }
      if (this.momentum === null) momentum = 1 / batches;
      else momentum = this.convention === 'pytorch' ? this.momentum : 1 - this.momentum;
    }
    return pickForm('batchNorm', this.backward)(x, this.weight, this.bias, {
      training: this.training || !useRunning,
      runningMean: useRunning ? this.runningMean : null,
      runningVar: useRunning ? this.runningVar : null,
      momentum,
      unbiasedRunningVar: this.convention === 'pytorch',
      eps: this.eps,
    });
  }

  /** `3, eps=1e-5, momentum=0.1, affine=true, trackRunningStats=true` (plus convention and backward when not the defaults). */
  override extraRepr(): string {
    let s = `${this.numFeatures}, eps=${formatNumber(this.eps)}, momentum=${this.momentum === null ? 'null' : formatNumber(this.momentum)}, ` +
      `affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
    if (this.convention !== 'pytorch') s += `, convention='${this.convention}'`;
    if (this.backward !== defaultBackwardMode) s += `, backward='${this.backward}'`;
    return s;
  }
}
