/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay.
 * @module
 */
import type { NdArray, Tensor } from '@tapegrad/core';
import { floats, zerosBuffer } from './buffers.js';
import { Optimizer, type OptimizerOptions, type ParamGroup, type Params } from './optimizer.js';
import type { StateSchema } from './stateDict.js';
import { nonNegative, unitInterval, withDefaults, type OptionChecker } from './options.js';

/**
 * The options of {@link SGD} (per param group).
 * @category Optimizers
 */
export interface SGDOptions extends OptimizerOptions {
  /** Learning rate (required, no default). */
  lr: number;
  /** Momentum factor μ (default 0: plain SGD). */
  momentum: number;
  /** Dampening τ of the momentum's gradient term (default 0). */
  dampening: number;
  /** L2 penalty λ added to the gradient (default 0). */
  weightDecay: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov: boolean;
}

/**
 * One parameter's state in {@link SGD}: the momentum buffer (PyTorch's `momentum_buffer`), created
 * at the first step with momentum.
 * @category Optimizers
 */
export interface SGDState {
  /** The velocity b. */
  momentumBuffer?: Tensor;
}

/**
 * Stochastic gradient descent, as PyTorch's `torch.optim.SGD`. For each parameter p with gradient g:
 *
 * ```text
 * g ← g + λ·p                                   (weightDecay λ)
 * b ← g at the first step, else μ·b + (1 − τ)·g  (momentum μ, dampening τ; only when μ ≠ 0)
 * g ← g + μ·b if nesterov, else b                (only when μ ≠ 0)
 * p ← p − lr·g
 * ```
 *
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { SGD } from '@tapegrad/optim';
 * const w = tensor([1, -2], { dtype: 'float64', requiresGrad: true });
 * const opt = new SGD([w], { lr: 0.1, momentum: 0.9 });
 * for (let i = 0; i < 2; i++) {
 *   opt.zeroGrad();
 *   w.mul(w).sum().backward(); // grad 2w
 *   opt.step();
 * }
 * // step 1: b = g = 2w = [2, -4], w = [0.8, -1.6]; step 2: b = 0.9·b + 2w = [3.4, -6.8]
 * console.log(w.toArray()); // [0.46, -0.92]
 * ```
 * @category Optimizers
 */
export class SGD extends Optimizer<SGDOptions, SGDState> {
  protected override readonly stateSchema: StateSchema<SGDState> = { momentumBuffer: 'tensor?' };

  /**
   * @param params - parameters, or param groups with their own options.
   * @param options - `lr` (required), `momentum` = 0, `dampening` = 0, `weightDecay` = 0, `nesterov` = false.
   * @throws RangeError for a negative or non-finite lr, momentum or weightDecay, dampening outside
   *   [0, 1], or nesterov without momentum or with dampening (and the errors of {@link Optimizer}).
   */
  constructor(params: Params<SGDOptions>, options: Partial<SGDOptions> & { lr: number }) {
    super('SGD', params, withDefaults<SGDOptions>('SGD', { lr: undefined, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false }, options));
  }

  protected override checkOptions(o: SGDOptions, check: OptionChecker): void {
    check.number('lr', o.lr, nonNegative);
    check.number('momentum', o.momentum, nonNegative);
    check.number('dampening', o.dampening, unitInterval);
    check.number('weightDecay', o.weightDecay, nonNegative);
    check.boolean('nesterov', o.nesterov);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      check.fail(`nesterov requires momentum > 0 and dampening 0 (got momentum ${o.momentum}, dampening ${o.dampening})`);
    }
  }

  protected override initState(): SGDState {
    return {};
  }

  protected override update(param: Tensor, grad: NdArray, state: SGDState, group: ParamGroup<SGDOptions>): void {
    const { lr, momentum, dampening, weightDecay: wd, nesterov } = group;
    const w = floats(param), wo = param.data.offset;
    const g = grad.data, go = grad.offset;
    const n = param.size;
    if (momentum === 0) {
      for (let i = 0; i < n; i++) w[wo + i] = w[wo + i]! - lr * (g[go + i]! + wd * w[wo + i]!);
      return;
    }
    const first = state.momentumBuffer === undefined;
    const bufTensor = (state.momentumBuffer ??= zerosBuffer(param));
    const b = floats(bufTensor);
    const keep = 1 - dampening;
    for (let i = 0; i < n; i++) {
      const d = g[go + i]! + wd * w[wo + i]!;
      b[i] = first ? d : momentum * b[i]! + keep * d;
      w[wo + i] = w[wo + i]! - lr * (nesterov ? d + momentum * b[i]! : b[i]!);
    }
  }
}
