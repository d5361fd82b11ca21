/**
 * The Adam / AdamW update of one parameter: one flat loop on core's active kernels (WebAssembly SIMD
 * or TypeScript), in place, no allocation after the first step. Shared by {@link Adam} (L2 weight
 * decay) and {@link AdamW} (decoupled weight decay).
 * @module
 * @internal
 */
import { getKernels, type AdamStep, type FloatArray, type NdArray, type Tensor } from '@tapegrad/core';
import { floats, zerosBuffer } from './buffers.js';
import { decayRate, nonNegative, type OptionChecker } from './options.js';
import type { OptimizerOptions } from './optimizer.js';
import type { StateSchema } from './stateDict.js';

/**
 * The options of {@link Adam} and {@link AdamW} (per param group).
 * @category Optimizers
 */
export interface AdamOptions extends OptimizerOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates β1, β2 of the first and second moment averages, each in [0, 1) (default [0.9, 0.999]). */
  betas: readonly [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps: number;
  /** Weight decay λ (default 0 for Adam, as L2 added to the gradient; 1e-2 for AdamW, decoupled). */
  weightDecay: number;
  /** Use the maximum of past second moments (AMSGrad; default false). */
  amsgrad: boolean;
}

/**
 * One parameter's state in {@link Adam} and {@link AdamW} (PyTorch's `step`, `exp_avg`,
 * `exp_avg_sq`, `max_exp_avg_sq`).
 * @category Optimizers
 */
export interface AdamState {
  /** The number of steps taken, t. */
  step: number;
  /** First moment average m. */
  expAvg: Tensor;
  /** Second moment average v. */
  expAvgSq: Tensor;
  /** The largest v so far, with amsgrad. */
  maxExpAvgSq?: Tensor;
}

/** The state layout of Adam and AdamW. */
export const adamStateSchema: StateSchema<AdamState> = { step: 'number', expAvg: 'tensor', expAvgSq: 'tensor', maxExpAvgSq: 'tensor?' };

/** Checks Adam's and AdamW's options. */
export function checkAdamOptions(o: AdamOptions, check: OptionChecker): void {
  check.number('lr', o.lr, nonNegative);
  check.pair('betas', o.betas, decayRate);
  check.number('eps', o.eps, nonNegative);
  check.number('weightDecay', o.weightDecay, nonNegative);
  check.boolean('amsgrad', o.amsgrad);
}

/** A new state entry: step 0, zero moments. */
export function initAdamState(param: Tensor): AdamState {
  return { step: 0, expAvg: zerosBuffer(param), expAvgSq: zerosBuffer(param) };
}

/**
 * The step's numbers handed to the kernel: one object, refilled for every parameter (the kernel reads
 * it during the call only), instead of a new one whose seven numbers each took a heap object.
 */
const kernelStep: { -readonly [K in keyof AdamStep]: AdamStep[K] } = { beta1: 0, beta2: 0, stepSize: 0, bc2Sqrt: 0, eps: 0, l2: 0, shrink: 0 };

/**
 * One Adam step on `param` in place (PyTorch's single-tensor Adam / AdamW):
 * `t += 1; p *= 1 − lr·λ (decoupled) or g += λ·p (L2); m = β1·m + (1 − β1)·g;
 * v = β2·v + (1 − β2)·g²; v̂ = max(v̂, v) with amsgrad;
 * p −= lr/(1 − β1^t) · m / (sqrt(v or v̂)/sqrt(1 − β2^t) + eps)`, the division by sqrt(1 − β2^t) done
 * as a multiplication by its reciprocal (see {@link AdamStep}).
 */
export function adamUpdate(param: Tensor, grad: NdArray, state: AdamState, o: AdamOptions, decoupled: boolean): void {
  const b1 = o.betas[0], b2 = o.betas[1];
  const t = ++state.step;
  const vMax = o.amsgrad ? floats((state.maxExpAvgSq ??= zerosBuffer(param))) : null;
  const s = kernelStep;
  s.beta1 = b1;
  s.beta2 = b2;
  s.stepSize = o.lr / (1 - b1 ** t);
  s.bc2Sqrt = Math.sqrt(1 - b2 ** t);
  s.eps = o.eps;
  s.l2 = decoupled ? 0 : o.weightDecay;
  s.shrink = decoupled ? 1 - o.lr * o.weightDecay : 1;
  getKernels().adamUpdate(param.size, floats(param), param.data.offset, grad.data as FloatArray, grad.offset, floats(state.expAvg), floats(state.expAvgSq), vMax, s);
}
