/**
 * BatchNorm1d, with PyTorch's semantics by default and cs231n's on request.
 * @module
 */
import type { Tensor } from '@tapegrad/core';
import { BatchNormLayer, type BatchNorm1dOptions } from './batchNormLayer.js';
import { checkBatchNormInput } from './functional/batchNorm.js';
import { pickForm } from './functional/fusedOpTable.js';
import { graphOnly } from './graphOnly.js';

export type { BatchNorm1dOptions };

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
export class BatchNorm1d extends BatchNormLayer {
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
  constructor(numFeatures: number, opts: BatchNorm1dOptions = {}) {
    super('BatchNorm1d', numFeatures, opts);
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
    return this.normalize('BatchNorm1d', x, pickForm('batchNorm', this.backward));
  }
}
