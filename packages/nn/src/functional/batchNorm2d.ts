/**
 * Batch normalization over `[N, C, H, W]` (PyTorch's `F.batch_norm` on 4-D input), per channel over
 * N, H and W, in the two forms every fused layer has: {@link batchNorm2dComposed} (core ops; the tape
 * derives the gradient) and {@link batchNorm2dFused} (one tape node whose forward and backward run
 * on the NCHW layout directly: no permute to channels-last and back, no x̂ stored).
 * @module
 */
import {
  ShapeError, checkFloatTensor, createNdArray, defineOpWithAttrs, formatShape, getKernels,
  type FloatArray, type FloatDType, type NdArray, type Tensor,
} from '@tapegrad/core';
import { resolveBatchNorm, updateRunningStats, type BatchNormOptions } from './batchNorm.js';
import { takeBatchNormCall, type BatchNormCall } from './batchNormCalls.js';
import { affineInputs } from './normalization.js';

/**
 * Checks a BatchNorm2d input: float, `[N, C, H, W]` (C = `numFeatures` when given), and more than
 * one value per channel when training. `where` names the caller in the messages.
 * @internal
 */
export function checkBatchNorm2dInput(where: string, x: Tensor, training: boolean, numFeatures?: number): void {
  checkFloatTensor(where, x);
  if (x.ndim !== 4 || (numFeatures !== undefined && x.shape[1] !== numFeatures)) {
    throw new ShapeError(`${where}: expected input [N, ${numFeatures ?? 'C'}, H, W] (got ${formatShape(x.shape)})`);
  }
  if (training && x.size / x.shape[1]! <= 1) {
    throw new ShapeError(`${where}: expected more than 1 value per channel when training (got input ${formatShape(x.shape)})`);
  }
}

/** The per-channel view of a [C] tensor for broadcasting against [N, C, H, W]. */
const channels = (t: Tensor): Tensor => t.reshape([1, t.shape[0]!, 1, 1]);

/**
 * Batch normalization over `[N, C, H, W]` built from core ops; the tape derives its gradient. Same
 * signature and results as {@link batchNorm2dFused}.
 *
 * Training: per channel c, over its N·H·W values, `μ = mean(x)`, `σ² = mean((x − μ)²)` (biased),
 * `y = (x − μ)/√(σ² + eps)·weight + bias`; the running statistics, when given, are then updated in
 * place (not differentiated): `running = (1 − momentum)·running + momentum·batch`, the variance made
 * unbiased first (`σ²·m/(m − 1)`, m = N·H·W) unless `unbiasedRunningVar` is false. Evaluation:
 * `y = (x − runningMean)/√(runningVar + eps)·weight + bias`. `BatchNorm1d`'s conventions carry over:
 * cs231n's is `momentum = 1 − 0.9`, `unbiasedRunningVar: false`.
 *
 * @param x - input `[N, C, H, W]`, float32 or float64.
 * @param weight - γ `[C]`, or null (default) for 1.
 * @param bias - β `[C]`, or null (default) for 0.
 * @param opts - `training` (true), `runningMean`/`runningVar` (null), `momentum` (0.1, weight of the
 *   new batch), `unbiasedRunningVar` (true), `eps` (1e-5); see {@link BatchNormOptions}.
 * @returns y, x's shape.
 * @throws {@link @tapegrad/core!ShapeError | ShapeError} for an input that is not 4-D, per-channel tensors that are not [C],
 *   or a single value per channel when training.
 * @throws {@link @tapegrad/core!DtypeError | DtypeError} when a tensor's dtype differs from x's.
 * @throws TypeError when `training` is false without running statistics.
 * @example
 * ```ts
 * import { randn } from '@tapegrad/core';
 * import { batchNorm2dComposed } from '@tapegrad/nn';
 * const x = randn([4, 3, 5, 5], { dtype: 'float64', requiresGrad: true });
 * const y = batchNorm2dComposed(x);
 * y.mul(y).sum().backward();
 * console.log(y.mean([0, 2, 3]).toArray(), x.grad?.shape); // ≈ [0, 0, 0] [4, 3, 5, 5]
 * ```
 * @category Functional
 */
export function batchNorm2dComposed(x: Tensor, weight: Tensor | null = null, bias: Tensor | null = null, opts: BatchNormOptions = {}): Tensor {
  const r = resolveBatchNorm('batchNorm2dComposed', x, weight, bias, opts, checkBatchNorm2dInput);
  let xHat: Tensor;
  if (r.training) {
    const mean = x.mean([0, 2, 3], true);
    const centered = x.sub(mean);
    const variance = centered.mul(centered).mean([0, 2, 3], true);
    xHat = centered.div(variance.add(r.eps).sqrt());
    updateRunningStats(r, mean.toFloat64Array(), variance.toFloat64Array(), x.size / x.shape[1]!);
  } else {
    xHat = x.sub(channels(r.runningMean!.detach())).div(channels(r.runningVar!.detach()).add(r.eps).sqrt());
  }
  let y = xHat;
  if (weight !== null) y = y.mul(channels(weight));
  if (bias !== null) y = y.add(channels(bias));
  return y;
}

/**
 * The one-node op over `[N, C, H, W]`; inputs `[x, weight?, bias?]`, attributes a
 * {@link BatchNormCall} (see batchNormCalls.ts), which also holds the per-channel vectors. Training:
 * the batch statistics are computed into its `mean` and `variance`. Evaluation: those hold the
 * running statistics, used as constants.
 */
const batchNorm2dOp = defineOpWithAttrs<BatchNormCall, readonly [x: NdArray]>({
  name: 'batchNorm2d',
  forward(ctx, x, first?: NdArray, second?: NdArray) {
    const call = ctx.attrs;
    const n = x.shape[0]!, c = x.shape[1]!, hw = x.shape[2]! * x.shape[3]!;
    call.fillScaleAndShift(first, second);
    const y = createNdArray(x.dtype, x.shape, false); // the kernel writes every element
    if (x.size > 0) {
      getKernels().batchNorm2dForward(
        n, c, hw, x.data as FloatArray, x.offset, call.training, call.eps, call.scale, call.shift, call.mean, call.variance, call.invStd,
        y.data as FloatArray,
      );
    }
    ctx.save(x);
    return y;
  },
  backward(ctx, dy) {
    const call = ctx.attrs;
    call.heldUntilFreed(ctx);
    const x = ctx.saved[0];
    const n = x.shape[0]!, c = x.shape[1]!, hw = x.shape[2]! * x.shape[3]!;
    const dx = ctx.needsGrad[0] ? createNdArray(x.dtype, x.shape, false) : null;
    if (x.size > 0) {
      getKernels().batchNorm2dBackward(
        n, c, hw, dy.data as FloatArray, dy.offset, x.data as FloatArray, x.offset, call.training,
        call.mean, call.invStd, call.scale, call.sumDy, call.sumDyXHat, dx === null ? null : (dx.data as FloatArray),
      );
    } else {
      call.sumDy.fill(0);
      call.sumDyXHat.fill(0);
    }
    return call.gradients(ctx.needsGrad, x.dtype as FloatDType, dx);
  },
});

/**
 * Batch normalization over `[N, C, H, W]` as one tape node with a handwritten backward, on core's
 * active kernels (see {@link @tapegrad/core!setKernels | setKernels}). Same signature and results as
 * {@link batchNorm2dComposed}.
 *
 * Forward (training), per channel over its N·H·W values in the NCHW layout: `μ`, biased `σ²` (two
 * passes, float64), `invStd = 1/√(σ² + eps)`, `y = (x − μ)·invStd·γ + β` (a third pass); nothing
 * else is written, and the running statistics, when given, are then updated in place outside the
 * graph. Backward, with `x̂ = (x − μ)·invStd` recomputed from x: `dβ = Σ dy`, `dγ = Σ dy·x̂`,
 * `dx = (γ·invStd/m)·(m·dy − Σdy − x̂·Σ(dy·x̂))` (m = N·H·W), in two passes. Evaluation uses the
 * running statistics as constants: `dx = dy·γ·invStd`.
 *
 * @param x - input `[N, C, H, W]`, float32 or float64.
 * @param weight - γ `[C]`, or null (default) for 1.
 * @param bias - β `[C]`, or null (default) for 0.
 * @param opts - `training` (true), `runningMean`/`runningVar` (null), `momentum` (0.1, weight of the
 *   new batch), `unbiasedRunningVar` (true), `eps` (1e-5); see {@link BatchNormOptions}.
 * @returns y, x's shape.
 * @throws {@link @tapegrad/core!ShapeError | ShapeError} for an input that is not 4-D, per-channel tensors that are not [C],
 *   or a single value per channel when training.
 * @throws {@link @tapegrad/core!DtypeError | DtypeError} when a tensor's dtype differs from x's.
 * @throws TypeError when `training` is false without running statistics.
 * @example
 * ```ts
 * import { randn, zeros, ones } from '@tapegrad/core';
 * import { batchNorm2dFused } from '@tapegrad/nn';
 * const runningMean = zeros([3]), runningVar = ones([3]);
 * const x = randn([4, 3, 5, 5]).add(2);
 * const y = batchNorm2dFused(x, null, null, { runningMean, runningVar });
 * console.log(y.gradFn === null, runningMean.toArray()); // true ≈ [0.2, 0.2, 0.2]
 * ```
 * @category Functional
 */
export function batchNorm2dFused(x: Tensor, weight: Tensor | null = null, bias: Tensor | null = null, opts: BatchNormOptions = {}): Tensor {
  const r = resolveBatchNorm('batchNorm2dFused', x, weight, bias, opts, checkBatchNorm2dInput);
  const c = x.shape[1]!;
  const call = takeBatchNormCall(c, r.training, r.eps, weight !== null, bias !== null);
  if (!r.training) call.useRunningStats(r.runningMean!, r.runningVar!);
  let y: Tensor | null = null;
  try {
    y = batchNorm2dOp(affineInputs(x, weight, bias), call);
    if (r.training) updateRunningStats(r, call.mean, call.variance, x.size / c);
  } finally {
    call.settle(y);
  }
  return y;
}
