/**
 * AdamW: Adam with decoupled weight decay.
 * @module
 */
import { Adam, type AdamVariant } from './adam.js';
import type { Params } from './optimizer.js';
import type { AdamOptions } from './adamUpdate.js';

/**
 * AdamW (Loshchilov & Hutter, 2019), as PyTorch's `torch.optim.AdamW`: {@link Adam} with the weight
 * decay applied to the parameter rather than added to the gradient (and, as in PyTorch, a subclass
 * of Adam: options, state and state dicts are Adam's). At step t:
 *
 * ```text
 * p ← p · (1 − lr·λ)                           (weightDecay λ, decoupled)
 * m ← β1·m + (1 − β1)·g
 * v ← β2·v + (1 − β2)·g²
 * v̂ ← max(v̂, v)                               (amsgrad only)
 * p ← p − lr/(1 − β1^t) · m / (sqrt(v)/sqrt(1 − β2^t) + eps)
 * ```
 *
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { AdamW } from '@tapegrad/optim';
 * const w = tensor([2, -2], { dtype: 'float64', requiresGrad: true });
 * const opt = new AdamW([w], { lr: 0.1, weightDecay: 0.5 });
 * w.grad = tensor([0, 0], { dtype: 'float64' });
 * opt.step();
 * // only the decay acts: p · (1 − 0.1·0.5)
 * console.log(w.toArray()); // [1.9, -1.9]
 * ```
 * @category Optimizers
 */
export class AdamW extends Adam {
  /** @internal */
  protected static override readonly variant: AdamVariant = { name: 'AdamW', weightDecay: 1e-2, decoupled: true };

  /**
   * @param params - parameters, or param groups with their own options.
   * @param options - `lr` = 1e-3, `betas` = [0.9, 0.999], `eps` = 1e-8, `weightDecay` = 1e-2, `amsgrad` = false.
   * @throws RangeError for a negative or non-finite lr, eps or weightDecay, or betas outside [0, 1)
   *   (and the errors of {@link Optimizer}).
   */
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, options);
  }
}
