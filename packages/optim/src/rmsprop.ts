/**
 * RMSprop, with momentum, centering and weight decay.
 * @module
 */
import type { NdArray, Tensor } from '@tapegrad/core';
import { floats, zerosBuffer } from './buffers.js';
import { Optimizer, type OptimizerOptions, type ParamGroup, type Params } from './optimizer.js';
import type { StateSchema } from './stateDict.js';
import { decayRate, nonNegative, withDefaults, type OptionChecker } from './options.js';

/**
 * The options of {@link RMSprop} (per param group).
 * @category Optimizers
 */
export interface RMSpropOptions extends OptimizerOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Decay rate α of the squared-gradient average, in [0, 1) (default 0.99). */
  alpha: number;
  /** Added to the denominator for stability (default 1e-8). */
  eps: number;
  /** L2 penalty λ added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum factor μ (default 0). */
  momentum: number;
  /** Divide by an estimate of the gradient's variance instead of its second moment (default false). */
  centered: boolean;
}

/**
 * One parameter's state in {@link RMSprop} (PyTorch's `step`, `square_avg`, `momentum_buffer`,
 * `grad_avg`).
 * @category Optimizers
 */
export interface RMSpropState {
  /** The number of steps taken. */
  step: number;
  /** The average of squared gradients s. */
  squareAvg: Tensor;
  /** The momentum buffer b, when momentum > 0. */
  momentumBuffer?: Tensor;
  /** The average of gradients ḡ, when centered. */
  gradAvg?: Tensor;
}

/**
 * RMSprop (Hinton, 2012), as PyTorch's `torch.optim.RMSprop`. For each parameter p with gradient g:
 *
 * ```text
 * g ← g + λ·p                          (weightDecay λ)
 * s ← α·s + (1 − α)·g²
 * ḡ ← α·ḡ + (1 − α)·g                  (centered only)
 * d ← sqrt(s − ḡ²) + eps if centered, else sqrt(s) + eps
 * b ← μ·b + g/d; p ← p − lr·b          (momentum μ > 0; b starts at 0)
 * p ← p − lr·g/d                       (momentum 0)
 * ```
 *
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { RMSprop } from '@tapegrad/optim';
 * const w = tensor([1, -1], { dtype: 'float64', requiresGrad: true });
 * const opt = new RMSprop([w], { lr: 0.01 });
 * w.mul(w).sum().backward();
 * opt.step();
 * // the first step is lr·g/sqrt((1 − α)·g²) = lr/sqrt(1 − α) = 0.1 per weight
 * console.log(w.toArray()); // [0.9, -0.9]
 * ```
 * @category Optimizers
 */
export class RMSprop extends Optimizer<RMSpropOptions, RMSpropState> {
  protected override readonly stateSchema: StateSchema<RMSpropState> = {
    step: 'number',
    squareAvg: 'tensor',
    momentumBuffer: 'tensor?',
    gradAvg: 'tensor?',
  };

  /**
   * @param params - parameters, or param groups with their own options.
   * @param options - `lr` = 1e-2, `alpha` = 0.99, `eps` = 1e-8, `weightDecay` = 0, `momentum` = 0, `centered` = false.
   * @throws RangeError for a negative or non-finite lr, eps, weightDecay or momentum, or alpha
   *   outside [0, 1) (and the errors of {@link Optimizer}).
   */
  constructor(params: Params<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super('RMSprop', params, withDefaults('RMSprop', { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false }, options));
  }

  protected override checkOptions(o: RMSpropOptions, check: OptionChecker): void {
    check.number('lr', o.lr, nonNegative);
    check.number('alpha', o.alpha, decayRate);
    check.number('eps', o.eps, nonNegative);
    check.number('weightDecay', o.weightDecay, nonNegative);
    check.number('momentum', o.momentum, nonNegative);
    check.boolean('centered', o.centered);
  }

  protected override initState(param: Tensor): RMSpropState {
    return { step: 0, squareAvg: zerosBuffer(param) };
  }

  protected override update(param: Tensor, grad: NdArray, state: RMSpropState, group: ParamGroup<RMSpropOptions>): void {
    const { lr, alpha, eps, weightDecay: wd, momentum, centered } = group;
    state.step++;
    const w = floats(param), wo = param.data.offset;
    const g = grad.data, go = grad.offset;
    const s = floats(state.squareAvg);
    const hasMomentum = momentum > 0;
    const b = hasMomentum ? floats((state.momentumBuffer ??= zerosBuffer(param))) : s;
    const a = centered ? floats((state.gradAvg ??= zerosBuffer(param))) : s;
    const n = param.size;
    for (let i = 0; i < n; i++) {
      const gi = g[go + i]! + wd * w[wo + i]!;
      s[i] = alpha * s[i]! + (1 - alpha) * (gi * gi);
      let denom: number;
      if (centered) {
        a[i] = alpha * a[i]! + (1 - alpha) * gi;
        denom = Math.sqrt(s[i]! - a[i]! * a[i]!) + eps;
      } else {
        denom = Math.sqrt(s[i]!) + eps;
      }
      if (hasMomentum) {
        b[i] = momentum * b[i]! + gi / denom;
        w[wo + i] = w[wo + i]! - lr * b[i]!;
      } else {
        w[wo + i] = w[wo + i]! - lr * (gi / denom);
      }
    }
  }
}
