/**
 * What BatchNorm1d and BatchNorm2d share (PyTorch's `_BatchNorm`): the options and their checks,
 * the parameters and running-statistics buffers, both conventions of the running statistics, the
 * resets, and the call of a fused or composed form with the momentum of this batch.
 * @module
 * @internal
 */
import { noGrad, ones, zeros, type FloatDType, type Tensor } from '@tapegrad/core';
import { checkBackwardMode, defaultBackwardMode, type BackwardMode } from './backwardMode.js';
import type { BatchNormOptions } from './functional/batchNorm.js';
import { checkLayerDtype, formatNumber, normLayerOptions } from './functional/normalization.js';
import { Module } from './module.js';
import { Buffer, Parameter, inKernelMemory } from './parameter.js';

/**
 * Options of {@link BatchNorm1d} (and of {@link BatchNorm2d}, which has the same).
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

/** A batch norm form: `batchNormFused`/`Composed` or `batchNorm2dFused`/`Composed` (one signature). */
type BatchNormForm = (x: Tensor, weight: Tensor | null, bias: Tensor | null, opts: BatchNormOptions) => Tensor;

/**
 * The base of {@link BatchNorm1d} and {@link BatchNorm2d}: they differ only in the input they take
 * and the pair of forms they call. @internal
 */
export abstract class BatchNormLayer extends Module {
  /** C, the number of features (channels). */
  readonly numFeatures: number;
  /** Added to the variance before the square root. */
  eps: number;
  /** The momentum in the meaning of `convention`, or null for a cumulative average. */
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
  /** The options `normalize` passes, refilled for each call (the forms read them before they return). */
  private readonly callOptions: BatchNormOptions = {};

  /**
   * @param where - the layer's name in messages (`BatchNorm1d`).
   * @param numFeatures - C.
   * @param opts - see {@link BatchNorm1dOptions}.
   */
  protected constructor(where: string, numFeatures: number, opts: BatchNorm1dOptions) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) {
      throw new RangeError(`${where}: numFeatures must be a positive integer (got ${numFeatures})`);
    }
    const convention = opts.convention ?? 'pytorch';
    if (convention !== 'pytorch' && convention !== 'cs231n') {
      throw new TypeError(`${where}: convention must be 'pytorch' or 'cs231n' (got ${String(convention)})`);
    }
    const momentum = opts.momentum === undefined ? (convention === 'pytorch' ? 0.1 : 0.9) : opts.momentum;
    if (momentum !== null && !(momentum >= 0 && momentum <= 1)) throw new RangeError(`${where}: momentum must be in [0, 1] or null (got ${momentum})`);
    const { eps, dtype } = normLayerOptions(where, opts);
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.trackRunningStats ?? true;
    this.convention = convention;
    this.backward = checkBackwardMode(where, opts.backward);
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

  /** `resetRunningStats`, and weight to 1, bias to 0 (PyTorch's initialisation). */
  resetParameters(): void {
    this.resetRunningStats();
    noGrad(() => {
      this.weight?.fill_(1);
      this.bias?.zero_();
    });
  }

  /**
   * Runs `form` on a checked `x`: in train mode with running statistics, first advances
   * numBatchesTracked and turns `momentum` into the weight of this batch (PyTorch's meaning).
   * @param where - the layer's name in messages.
   * @internal
   */
  protected normalize(where: string, x: Tensor, form: BatchNormForm): Tensor {
    checkLayerDtype(where, x, this.weight ?? this.runningMean);
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
    const opts = this.callOptions;
    opts.training = this.training || !useRunning;
    opts.runningMean = useRunning ? this.runningMean : null;
    opts.runningVar = useRunning ? this.runningVar : null;
    opts.momentum = momentum;
    opts.unbiasedRunningVar = this.convention === 'pytorch';
    opts.eps = this.eps;
    return form(x, this.weight, this.bias, opts);
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
