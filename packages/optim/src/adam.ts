/**
 * Adam, with L2 weight decay and AMSGrad.
 * @module
 */
import type { NdArray, Tensor } from '@tapegrad/core';
import { Optimizer, type ParamGroup, type Params } from './optimizer.js';
import type { StateSchema } from './stateDict.js';
import { withDefaults, type OptionChecker } from './options.js';
import { adamStateSchema, adamUpdate, checkAdamOptions, initAdamState, type AdamOptions, type AdamState } from './adamUpdate.js';

/** What sets {@link AdamW} apart from {@link Adam}: its name, its default weight decay and how it applies it. @internal */
export interface AdamVariant {
  readonly name: string;
  readonly weightDecay: number;
  /** Decoupled (`p ← p·(1 − lr·λ)`, AdamW) rather than added to the gradient (`g ← g + λ·p`, Adam). */
  readonly decoupled: boolean;
}

/**
 * Adam (Kingma & Ba, 2015), as PyTorch's `torch.optim.Adam`. For each parameter p with gradient g,
 * at step t (counted per parameter from 1):
 *
 * ```text
 * g ← g + λ·p                                  (weightDecay λ: L2, in the gradient)
 * m ← β1·m + (1 − β1)·g
 * v ← β2·v + (1 − β2)·g²
 * v̂ ← max(v̂, v)                               (amsgrad only; the denominator then uses v̂)
 * p ← p − lr/(1 − β1^t) · m / (sqrt(v)/sqrt(1 − β2^t) + eps)
 * ```
 *
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { Adam } from '@tapegrad/optim';
 * const w = tensor([1, -1], { dtype: 'float64', requiresGrad: true });
 * const opt = new Adam([w], { lr: 0.1 });
 * w.mul(w).sum().backward();
 * opt.step();
 * // the first step moves each weight by lr·|g|/(|g| + eps), about lr
 * console.log(w.toArray()); // [0.9, -0.9]
 * ```
 * @category Optimizers
 */
export class Adam extends Optimizer<AdamOptions, AdamState> {
  /** Adam's name and weight decay; {@link AdamW}, a subclass as in PyTorch, gives its own. @internal */
  protected static readonly variant: AdamVariant = { name: 'Adam', weightDecay: 0, decoupled: false };
  protected override readonly stateSchema: StateSchema<AdamState> = adamStateSchema;
  private readonly decoupled: boolean;

  /**
   * @param params - parameters, or param groups with their own options.
   * @param options - `lr` = 1e-3, `betas` = [0.9, 0.999], `eps` = 1e-8, `weightDecay` = 0, `amsgrad` = false.
   * @throws RangeError for a negative or non-finite lr, eps or weightDecay, or betas outside [0, 1)
   *   (and the errors of {@link Optimizer}).
   */
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    const { name, weightDecay, decoupled } = (new.target as typeof Adam).variant;
    super(name, params, withDefaults(name, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay, amsgrad: false }, options));
    this.decoupled = decoupled;
  }

  protected override checkOptions(o: AdamOptions, check: OptionChecker): void {
    checkAdamOptions(o, check);
  }

  protected override initState(param: Tensor): AdamState {
    return initAdamState(param);
  }

  protected override update(param: Tensor, grad: NdArray, state: AdamState, group: ParamGroup<AdamOptions>): void {
    adamUpdate(param, grad, state, group, this.decoupled);
  }
}
