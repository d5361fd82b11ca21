/**
 * BatchNorm2d, with PyTorch's semantics by default and cs231n's (`spatial_batchnorm`) on request.
 * @module
 */
import type { Tensor } from '@tapegrad/core';
import { BatchNormLayer, type BatchNorm1dOptions } from './batchNormLayer.js';
import { checkBatchNorm2dInput } from './functional/batchNorm2d.js';
import { pickForm } from './functional/fusedOpTable.js';
import { graphOnly } from './graphOnly.js';

/**
 * Options of {@link BatchNorm2d}: those of {@link BatchNorm1d}, with the same defaults and meanings.
 * @category Layers
 */
export type BatchNorm2dOptions = BatchNorm1dOptions;

/**
 * Batch normalization over a `[N, C, H, W]` input, per channel C over N, H and W (PyTorch's
 * `nn.BatchNorm2d`; cs231n's `spatial_batchnorm_forward` with `convention: 'cs231n'`).
 *
 * In train mode, `y = (x − μ_B)/√(σ²_B + eps)·weight + bias` with the mean μ_B and biased variance
 * σ²_B of each channel's N·H·W values, and the running statistics move toward the batch's exactly
 * as {@link BatchNorm1d}'s do:
 * - `'pytorch'` (default): `running = (1 − momentum)·running + momentum·batch`, with the UNBIASED
 *   batch variance `σ²_B·m/(m − 1)` (m = N·H·W); running mean starts at 0, running variance at 1.
 * - `'cs231n'`: `running = momentum·running + (1 − momentum)·batch` (momentum 0.9), with the BIASED
 *   batch variance; both start at 0.
 * - `momentum: null`: a cumulative average over the batches seen.
 *
 * In eval mode (with `trackRunningStats`), `y = (x − runningMean)/√(runningVar + eps)·weight + bias`.
 * `forward` only picks a path: {@link batchNorm2dFused} (`backward: 'fused'`, the default: one
 * node over the NCHW layout, closed-form backward in the kernels) or {@link batchNorm2dComposed}
 * (`'tape'`).
 *
 * Parameters: `weight` [C], `bias` [C] (when `affine`). Buffers: `runningMean` [C], `runningVar` [C],
 * `numBatchesTracked` (int32 scalar); state-dict keys as PyTorch's (`weight`, `bias`,
 * `running_mean`, `running_var`, `num_batches_tracked`).
 *
 * @example
 * ```ts
 * import { randn } from '@tapegrad/core';
 * import { BatchNorm2d } from '@tapegrad/nn';
 * const bn = new BatchNorm2d(3, { dtype: 'float64' });
 * const y = bn.forward(randn([4, 3, 5, 5], { dtype: 'float64' }).mul(5).add(2));
 * console.log(y.mean([0, 2, 3]).toArray(), bn.numBatchesTracked?.item()); // ≈ [0, 0, 0] 1
 * console.log(Object.keys(bn.stateDict())); // ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
 * console.log(String(new BatchNorm2d(8, { convention: 'cs231n' }))); // "BatchNorm2d(8, eps=1e-5, momentum=0.9, affine=true, trackRunningStats=true, convention='cs231n')"
 * ```
 * @category Layers
 */
export class BatchNorm2d extends BatchNormLayer {
  /** forward keeps its input and output only on the tape (see graphOnly.ts). @internal */
  static readonly [graphOnly] = true;
  /**
   * @param numFeatures - C.
   * @param opts - `eps` (1e-5), `momentum` (0.1 'pytorch', 0.9 'cs231n'; null for a cumulative
   *   average), `affine` (true), `trackRunningStats` (true), `dtype` (the default dtype),
   *   `convention` ('pytorch'), `backward` ('fused'); see {@link BatchNorm1dOptions}.
   * @throws RangeError for a numFeatures that is not a positive integer, a negative eps or a
   *   momentum outside [0, 1]; TypeError for an unknown convention or backward.
   * @throws {@link @tapegrad/core!DtypeError | DtypeError} for a dtype that is not float32 or float64.
   */
  constructor(numFeatures: number, opts: BatchNorm2dOptions = {}) {
    super('BatchNorm2d', numFeatures, opts);
  }

  /**
   * Normalises `x` per channel (see the class description); in train mode with trackRunningStats,
   * also advances the running statistics and numBatchesTracked.
   * @param x - `[N, C, H, W]`, the layer's dtype.
   * @returns x's shape.
   * @throws {@link @tapegrad/core!ShapeError | ShapeError} for another rank or channel count
   *   (`BatchNorm2d: expected input [N, 3, H, W] (got [2, 4, 5, 5])`), or one value per channel in
   *   train mode.
   * @throws {@link @tapegrad/core!DtypeError | DtypeError} when x's dtype differs from the layer's.
   */
  forward(x: Tensor): Tensor {
    checkBatchNorm2dInput('BatchNorm2d', x, this.training || !this.trackRunningStats, this.numFeatures);
    return this.normalize('BatchNorm2d', x, pickForm('batchNorm2d', this.backward));
  }
}
