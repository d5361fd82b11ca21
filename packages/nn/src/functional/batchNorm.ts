/**
 * Batch normalization as a function (PyTorch's `F.batch_norm`), in the two forms every fused layer
 * has: {@link batchNormComposed} (core ops; the tape derives the gradient) and
 * {@link batchNormFused} (one tape node whose backward is the simplified formula of cs231n's
 * `batchnorm_backward_alt`, written as flat loops over the contiguous [N, C] data).
 * @module
 */
import {
  ShapeError, Tensor, checkFloatTensor, createNdArray, defineOpWithAttrs, formatShape, getKernels, noGrad, tensor,
  type FloatArray, type FloatDType, type NdArray,
} from '@tapegrad/core';
import { takeBatchNormCall, type BatchNormCall } from './batchNormCalls.js';
import { affineInputs, checkEps, checkOptionalVector } from './normalization.js';

/**
 * Options of {@link batchNormComposed} and {@link batchNormFused} (PyTorch's `F.batch_norm` arguments).
 * @category Functional
 */
export interface BatchNormOptions {
  /**
   * Normalise with the batch's statistics (true, the default: training mode) or with
   * `runningMean`/`runningVar` (false: evaluation mode).
   */
  training?: boolean;
  /** Per-channel running mean [C]: updated in place when training, used when not. Default null. */
  runningMean?: Tensor | null;
  /** Per-channel running variance [C]: updated in place when training, used when not. Default null. */
  runningVar?: Tensor | null;
  /**
   * Weight of the new batch in the running-statistics update (PyTorch's meaning):
   * `running = (1 - momentum)·running + momentum·batch`. Default 0.1.
   */
  momentum?: number;
  /**
   * Whether the running variance accumulates the unbiased batch variance `var·n/(n-1)` (true, the
   * default, as PyTorch) or the biased one (false, as cs231n). Normalisation always uses the biased one.
   */
  unbiasedRunningVar?: boolean;
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
}

/** The options with defaults applied and every tensor checked. */
interface Resolved {
  training: boolean;
  runningMean: Tensor | null;
  runningVar: Tensor | null;
  momentum: number;
  unbiased: boolean;
  eps: number;
}

/**
 * Checks a BatchNorm1d input: float, [N, C] or [N, C, L], C = `numFeatures` when given, and more
 * than one value per channel when training. `where` names the caller in the messages.
 * @internal
 */
export function checkBatchNormInput(where: string, x: Tensor, training: boolean, numFeatures?: number): void {
  checkFloatTensor(where, x);
  const c = numFeatures ?? 'C';
  const rankOk = x.ndim === 2 || x.ndim === 3;
  if (!rankOk || (numFeatures !== undefined && x.shape[1] !== numFeatures)) {
    const expected = x.ndim === 3 ? `[N, ${c}, L]` : x.ndim === 2 ? `[N, ${c}]` : `[N, ${c}] or [N, ${c}, L]`;
    throw new ShapeError(`${where}: expected input ${expected} (got ${formatShape(x.shape)})`);
  }
  if (training && x.size / x.shape[1]! <= 1) {
    throw new ShapeError(`${where}: expected more than 1 value per channel when training (got input ${formatShape(x.shape)})`);
  }
}

/**
 * The options every call resolves into: calls do not nest, and each has read what it needs from
 * them (the running-statistics update included) before it returns, so one object serves them all.
 */
const resolved: Resolved = { training: true, runningMean: null, runningVar: null, momentum: 0.1, unbiased: true, eps: 1e-5 };

function resolve(
  where: string, x: Tensor, weight: Tensor | null, bias: Tensor | null, opts: BatchNormOptions,
  checkInput: (where: string, x: Tensor, training: boolean) => void = checkBatchNormInput,
): Resolved {
  const r = resolved;
  r.training = opts.training ?? true;
  r.runningMean = opts.runningMean ?? null;
  r.runningVar = opts.runningVar ?? null;
  r.momentum = opts.momentum ?? 0.1;
  r.unbiased = opts.unbiasedRunningVar ?? true;
  r.eps = opts.eps ?? 1e-5;
  checkInput(where, x, r.training);
  const c = x.shape[1]!;
  const dtype = x.dtype as FloatDType;
  checkOptionalVector(where, 'weight', weight, c, dtype);
  checkOptionalVector(where, 'bias', bias, c, dtype);
  checkOptionalVector(where, 'runningMean', r.runningMean, c, dtype);
  checkOptionalVector(where, 'runningVar', r.runningVar, c, dtype);
  if ((r.runningMean === null) !== (r.runningVar === null)) {
    throw new TypeError(`${where}: runningMean and runningVar must be given together (got only one)`);
  }
  if (!r.training && r.runningMean === null) {
    throw new TypeError(`${where}: runningMean and runningVar are needed when training is false (got null)`);
  }
  checkEps(where, r.eps);
  if (!(r.momentum >= 0 && r.momentum <= 1)) throw new RangeError(`${where}: momentum must be in [0, 1] (got ${r.momentum})`);
  return r;
}

/**
 * Blends a batch's statistics into the running ones, outside the graph:
 * `running = (1 - momentum)·running + momentum·batch`, the variance made unbiased first when asked.
 */
function updateRunningStats(r: Resolved, mean: Float64Array, variance: Float64Array, count: number): void {
  if (r.runningMean === null || r.runningVar === null) return;
  const m = r.momentum;
  const correction = r.unbiased ? count / (count - 1) : 1;
  if (r.runningMean.isContiguous() && r.runningVar.isContiguous()) {
    // in place, in the buffers' own arrays (nothing allocated)
    const rm = r.runningMean.data, rv = r.runningVar.data;
    const meanData = rm.data, varData = rv.data;
    for (let j = 0; j < mean.length; j++) {
      meanData[rm.offset + j] = (1 - m) * meanData[rm.offset + j]! + m * mean[j]!;
      varData[rv.offset + j] = (1 - m) * varData[rv.offset + j]! + m * variance[j]! * correction;
    }
    return;
  }
  const oldMean = r.runningMean.toFloat64Array();
  const oldVar = r.runningVar.toFloat64Array();
  for (let j = 0; j < mean.length; j++) {
    oldMean[j] = (1 - m) * oldMean[j]! + m * mean[j]!;
    oldVar[j] = (1 - m) * oldVar[j]! + m * variance[j]! * correction;
  }
  const runningMean = r.runningMean, runningVar = r.runningVar;
  noGrad(() => {
    runningMean.copy_(tensor(oldMean, { dtype: 'float64' }));
    runningVar.copy_(tensor(oldVar, { dtype: 'float64' }));
  });
}

/** [N, C] as it is; [N, C, L] as [N·L, C] rows (channels last), and back. */
function toRows(x: Tensor): Tensor {
  return x.ndim === 2 ? x : x.permute([0, 2, 1]).reshape([x.shape[0]! * x.shape[2]!, x.shape[1]!]);
}
function fromRows(y: Tensor, shape: readonly number[]): Tensor {
  return shape.length === 2 ? y : y.reshape([shape[0]!, shape[2]!, shape[1]!]).permute([0, 2, 1]);
}

// ---------------------------------------------------------------------------------------------
// Composed: core ops only.

/**
 * Batch normalization built from core ops; the tape derives its gradient (cs231n's
 * `batchnorm_backward`, staged through the graph). Same signature and results as {@link batchNormFused}.
 *
 * Training (`training` true): per channel c, over the N (and L) values,
 * `μ = mean(x)`, `σ² = mean((x - μ)²)` (biased), `y = (x - μ)/√(σ² + eps)·weight + bias`; then the
 * running statistics, when given, are updated in place (not differentiated):
 * `running = (1 - momentum)·running + momentum·batch`. Evaluation (`training` false):
 * `y = (x - runningMean)/√(runningVar + eps)·weight + bias`.
 *
 * @param x - input [N, C] or [N, C, L], float32 or float64.
 * @param weight - γ [C], or null (default) for 1.
 * @param bias - β [C], or null (default) for 0.
 * @param opts - `training` (true), `runningMean`/`runningVar` (null), `momentum` (0.1, weight of the
 *   new batch), `unbiasedRunningVar` (true), `eps` (1e-5); see {@link BatchNormOptions}.
 * @returns y, x's shape.
 * @throws {@link @tapegrad/core!ShapeError | ShapeError} for an input that is not [N, C] or [N, C, L], per-channel tensors that
 *   are not [C], or a single value per channel when training.
 * @throws {@link @tapegrad/core!DtypeError | DtypeError} when a tensor's dtype differs from x's.
 * @throws TypeError when `training` is false without running statistics.
 * @example
 * ```ts
 * import { randn, ones, zeros } from '@tapegrad/core';
 * import { batchNormComposed } from '@tapegrad/nn';
 * const x = randn([8, 3], { dtype: 'float64', requiresGrad: true });
 * const y = batchNormComposed(x, ones([3], { dtype: 'float64' }), zeros([3], { dtype: 'float64' }));
 * y.mul(y).sum().backward();
 * console.log(y.mean(0).toArray(), x.grad?.shape); // ≈ [0, 0, 0] [8, 3]
 * ```
 * @category Functional
 */
export function batchNormComposed(x: Tensor, weight: Tensor | null = null, bias: Tensor | null = null, opts: BatchNormOptions = {}): Tensor {
  const r = resolve('batchNormComposed', x, weight, bias, opts);
  const rows = toRows(x);
  let xHat: Tensor;
  if (r.training) {
    const mean = rows.mean(0, true);
    const centered = rows.sub(mean);
    const variance = centered.mul(centered).mean(0, true);
    xHat = centered.div(variance.add(r.eps).sqrt());
    updateRunningStats(r, mean.toFloat64Array(), variance.toFloat64Array(), rows.shape[0]!);
  } else {
    xHat = rows.sub(r.runningMean!.detach()).div(r.runningVar!.detach().add(r.eps).sqrt());
  }
  let y = xHat;
  if (weight !== null) y = y.mul(weight);
  if (bias !== null) y = y.add(bias);
  return fromRows(y, x.shape);
}

// ---------------------------------------------------------------------------------------------
// Fused: one node whose forward and backward run on core's active kernels (flat loops over the
// contiguous [n, c] rows, statistics in float64; see KernelSet.batchNormForward).

/**
 * Batch norm on [n, c] rows as one node; inputs `[x, weight?, bias?]`, attributes a
 * {@link BatchNormCall} (see batchNormCalls.ts), which also holds the per-channel vectors.
 * Training: the batch mean and biased variance are computed into its `mean` and `variance`.
 * Evaluation: those hold the running statistics, used as constants. x̂ is not stored: backward
 * recomputes it from x (which the graph holds anyway), so forward reads x and writes y, and
 * backward reads x and dy and writes dx, once from memory each (the kernels' second pass over a
 * strip of columns reads it from cache).
 */
const batchNormOp = defineOpWithAttrs<BatchNormCall, readonly []>({
  name: 'batchNorm',
  forward(ctx, xNd, first?: NdArray, second?: NdArray) {
    const call = ctx.attrs;
    const n = xNd.shape[0]!, c = xNd.shape[1]!;
    call.fillScaleAndShift(first, second);
    const out = createNdArray(xNd.dtype, xNd.shape, false);
    getKernels().batchNormForward(
      n, c, xNd.data as FloatArray, xNd.offset, call.training, call.eps, call.scale, call.shift, call.mean, call.variance, call.invStd,
      null, out.data as FloatArray,
    );
    call.saved = xNd; // (for backward, as ctx.save would: see CallState.saved)
    return out;
  },
  backward(ctx, dy) {
    const call = ctx.attrs;
    call.heldUntilFreed(ctx);
    const x = call.saved!;
    const n = dy.shape[0]!, c = dy.shape[1]!;
    const dx = ctx.needsGrad[0] ? createNdArray(dy.dtype, dy.shape, false) : null;
    getKernels().batchNormBackward(
      n, c, dy.data as FloatArray, dy.offset, x.data as FloatArray, x.offset, call.mean, call.training, call.invStd, call.scale,
      call.sumDy, call.sumDyXHat, dx === null ? null : (dx.data as FloatArray),
    );
    return call.gradients(ctx.needsGrad, dy.dtype as FloatDType, dx);
  },
});

/**
 * Batch normalization as one tape node with a handwritten backward: the simplified formula of
 * cs231n's `batchnorm_backward_alt`. Same signature and results as {@link batchNormComposed}.
 *
 * Forward (training): per channel, `μ`, biased `σ²`, `invStd = 1/√(σ² + eps)`,
 * `x̂ = (x - μ)·invStd`, `y = x̂·γ + β` (statistics in float64, x̂ not stored) on core's active
 * kernels (see {@link @tapegrad/core!setKernels | setKernels}); the running statistics, when given,
 * are then updated in place outside the graph. Backward, with x̂ recomputed from x:
 * `dβ = Σ dy`, `dγ = Σ dy·x̂`, `dx = (γ·invStd/N)·(N·dy − Σdy − x̂·Σ(dy·x̂))`.
 * Evaluation uses the running statistics as constants: `dx = dy·γ·invStd`. The per-channel vectors
 * a call keeps for its backward are reused by later calls once its graph is freed (not while a graph
 * that holds them is alive), so repeated steps allocate none.
 * An [N, C, L] input is normalised per channel over N and L (moved channels-last around the op).
 *
 * @param x - input [N, C] or [N, C, L], float32 or float64.
 * @param weight - γ [C], or null (default) for 1.
 * @param bias - β [C], or null (default) for 0.
 * @param opts - `training` (true), `runningMean`/`runningVar` (null), `momentum` (0.1, weight of the
 *   new batch), `unbiasedRunningVar` (true), `eps` (1e-5); see {@link BatchNormOptions}.
 * @returns y, x's shape.
 * @throws {@link @tapegrad/core!ShapeError | ShapeError} for an input that is not [N, C] or [N, C, L], per-channel tensors that
 *   are not [C], or a single value per channel when training.
 * @throws {@link @tapegrad/core!DtypeError | DtypeError} when a tensor's dtype differs from x's.
 * @throws TypeError when `training` is false without running statistics.
 * @example
 * ```ts
 * import { randn, zeros, ones } from '@tapegrad/core';
 * import { batchNormFused } from '@tapegrad/nn';
 * const runningMean = zeros([3], { dtype: 'float64' }), runningVar = ones([3], { dtype: 'float64' });
 * const x = randn([8, 3], { dtype: 'float64', requiresGrad: true });
 * const gamma = ones([3], { dtype: 'float64', requiresGrad: true });
 * const y = batchNormFused(x, gamma, null, { runningMean, runningVar });
 * y.sum().backward();
 * console.log(y.gradFn?.toString(), runningMean.toArray()); // '<BatchNormBackward>' 0.1 × the batch mean
 * ```
 * @category Functional
 */
export function batchNormFused(x: Tensor, weight: Tensor | null = null, bias: Tensor | null = null, opts: BatchNormOptions = {}): Tensor {
  const r = resolve('batchNormFused', x, weight, bias, opts);
  const rows = toRows(x);
  const call = takeBatchNormCall(rows.shape[1]!, r.training, r.eps, weight !== null, bias !== null);
  if (!r.training) call.useRunningStats(r.runningMean!, r.runningVar!);
  let y: Tensor | null = null;
  try {
    y = batchNormOp(affineInputs(rows, weight, bias), call);
    if (r.training) updateRunningStats(r, call.mean, call.variance, rows.shape[0]!);
  } finally {
    call.settle(y);
  }
  return fromRows(y, x.shape);
}

/** The option resolution and running-statistics update, shared with BatchNorm2d's functional forms. @internal */
export { resolve as resolveBatchNorm, updateRunningStats, type Resolved as ResolvedBatchNorm };
