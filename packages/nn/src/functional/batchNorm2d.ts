/**
 * Batch normalization over `[N, C, H, W]` (PyTorch's `F.batch_norm` on 4-D input), per channel over
 * N, H and W, in the two forms every fused layer has: {@link batchNorm2dComposed} (core ops; the tape
 * derives the gradient) and {@link batchNorm2dFused} (one tape node whose forward and backward run
 * on the NCHW layout directly: no permute to channels-last and back, no x̂ stored).
 * @module
 */
import {
  ShapeError, Tensor, createNdArray, defineOp, formatShape, getKernels,
  type FloatArray, type FloatDType, type NdArray,
} from '@tapegrad/core';
import { resolveBatchNorm, updateRunningStats, type BatchNormOptions } from './batchNorm.js';
import { ndFrom, perChannel } from './normalization.js';

/** Checks a 4-D float input with more than one value per channel when training. */
function check4d(where: string, x: Tensor, training: boolean): void {
  if (!(x instanceof Tensor)) throw new TypeError(`${where}: input must be a Tensor (got ${x === null ? 'null' : typeof x})`);
  if (x.ndim !== 4) throw new ShapeError(`${where}: expected input [N, C, H, W] (got ${formatShape(x.shape)})`);
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
  const r = resolveBatchNorm('batchNorm2dComposed', x, weight, bias, opts, check4d);
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

/** What the fused forward saves: x, the mean it normalised with, 1/√(σ² + eps) and γ (float64). */
type Saved = readonly [x: NdArray, mean: Float64Array, invStd: Float64Array, scale: Float64Array];

/**
 * The one-node op. Training (`fixed` null): the batch statistics are computed into `stats`.
 * Evaluation: `fixed` holds the running statistics, used as constants.
 */
function batchNorm2dOp(
  hasWeight: boolean, hasBias: boolean, eps: number,
  fixed: { mean: Float64Array; variance: Float64Array } | null,
  stats: { mean: Float64Array; variance: Float64Array },
): (...inputs: Tensor[]) => Tensor {
  return defineOp<Saved>({
    name: fixed ? 'batchNorm2dEval' : 'batchNorm2d',
    forward(ctx, x, ...params) {
      const [n, c, h, w] = x.shape as [number, number, number, number];
      const dtype = ctx.inputDtypes[0] as FloatDType;
      const scale = perChannel(hasWeight ? params[0]! : null, c, 1);
      const shift = perChannel(hasBias ? params[hasWeight ? 1 : 0]! : null, c, 0);
      const { mean, variance } = fixed ?? stats;
      const invStd = new Float64Array(c);
      const y = createNdArray(dtype, x.shape);
      if (x.size > 0) {
        getKernels().batchNorm2dForward(n, c, h * w, x.data as FloatArray, x.offset, !fixed, eps, scale, shift, mean, variance, invStd, y.data as FloatArray);
      }
      ctx.save(x, mean, invStd, scale);
      return y;
    },
    backward(ctx, dy) {
      const [x, mean, invStd, scale] = ctx.saved;
      const [n, c, h, w] = x.shape as [number, number, number, number];
      const dtype = ctx.inputDtypes[0] as FloatDType;
      const sumDy = new Float64Array(c), sumDyXHat = new Float64Array(c);
      const dx = ctx.needsGrad[0] ? createNdArray(dtype, x.shape) : null;
      if (x.size > 0) {
        getKernels().batchNorm2dBackward(
          n, c, h * w, dy.data as FloatArray, dy.offset, x.data as FloatArray, x.offset, !fixed,
          mean, invStd, scale, sumDy, sumDyXHat, dx === null ? null : (dx.data as FloatArray),
        );
      }
      const grads: (NdArray | null)[] = [dx];
      if (hasWeight) grads.push(ctx.needsGrad[1] ? ndFrom(sumDyXHat, dtype, [c]) : null);
      if (hasBias) grads.push(ctx.needsGrad[grads.length] ? ndFrom(sumDy, dtype, [c]) : null);
      return grads;
    },
  });
}

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
  const r = resolveBatchNorm('batchNorm2dFused', x, weight, bias, opts, check4d);
  const c = x.shape[1]!;
  const stats = { mean: new Float64Array(c), variance: new Float64Array(c) };
  const fixed = r.training ? null : { mean: r.runningMean!.toFloat64Array(), variance: r.runningVar!.toFloat64Array() };
  const inputs = [x];
  if (weight !== null) inputs.push(weight);
  if (bias !== null) inputs.push(bias);
  const y = batchNorm2dOp(weight !== null, bias !== null, r.eps, fixed, stats)(...inputs);
  if (r.training) updateRunningStats(r, stats.mean, stats.variance, x.size / c);
  return y;
}
