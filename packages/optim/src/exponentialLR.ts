/**
 * ExponentialLR: decays the learning rate by gamma every epoch.
 * @module
 */
import type { Optimizer } from './optimizer.js';
import { LRScheduler, type LRSchedulerStateDict } from './lrScheduler.js';
import { OptionChecker, nonNegative, withDefaults } from './options.js';

/**
 * The options of {@link ExponentialLR}.
 * @category Schedulers
 */
export interface ExponentialLROptions {
  /** The factor applied every epoch (required). */
  gamma: number;
}

/**
 * Multiplies each group's learning rate by `gamma` every epoch, as PyTorch's `ExponentialLR`:
 * `lr(epoch) = lr₀ · gamma^epoch`.
 *
 * @example
 * ```ts
 * import { zeros } from '@tapegrad/core';
 * import { Adam, ExponentialLR } from '@tapegrad/optim';
 * const opt = new Adam([zeros([2], { requiresGrad: true })], { lr: 0.1 });
 * const sched = new ExponentialLR(opt, { gamma: 0.5 });
 * sched.step();
 * sched.step();
 * console.log(sched.getLastLr()); // [0.025]
 * ```
 * @category Schedulers
 */
export class ExponentialLR extends LRScheduler {
  /** The factor applied every epoch. */
  gamma: number;

  /**
   * @param optimizer - the optimizer to schedule.
   * @param options - `gamma` (required).
   * @throws TypeError, RangeError when gamma is missing, negative or not finite.
   */
  constructor(optimizer: Optimizer, options: ExponentialLROptions) {
    super('ExponentialLR', optimizer);
    const o = withDefaults<ExponentialLROptions>('ExponentialLR', { gamma: undefined }, options);
    new OptionChecker('ExponentialLR').number('gamma', o.gamma, nonNegative);
    this.gamma = o.gamma!;
  }

  protected override nextLr(lr: number): number {
    return lr * this.gamma;
  }

  /** The base state with `gamma`. */
  override stateDict(): LRSchedulerStateDict {
    return { ...super.stateDict(), gamma: this.gamma };
  }

  /** Restores the base state and `gamma`. @throws the errors of the base, and RangeError for an invalid gamma. */
  override loadStateDict(dict: LRSchedulerStateDict): void {
    new OptionChecker('ExponentialLR.loadStateDict').number('gamma', dict?.gamma, nonNegative);
    super.loadStateDict(dict);
    this.gamma = dict.gamma as number;
  }
}
