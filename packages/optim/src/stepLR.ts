/**
 * StepLR: decays the learning rate by gamma every stepSize epochs.
 * @module
 */
import type { Optimizer } from './optimizer.js';
import { LRScheduler, type LRSchedulerStateDict } from './lrScheduler.js';
import { OptionChecker, nonNegative, positiveInteger, withDefaults } from './options.js';

/**
 * The options of {@link StepLR}.
 * @category Schedulers
 */
export interface StepLROptions {
  /** The number of epochs between decays (required; an integer >= 1). */
  stepSize: number;
  /** The factor applied at each decay (default 0.1). */
  gamma: number;
}

/**
 * Multiplies each group's learning rate by `gamma` every `stepSize` epochs, as PyTorch's `StepLR`:
 * `lr(epoch) = lr₀ · gamma^floor(epoch / stepSize)`.
 *
 * @example
 * ```ts
 * import { zeros } from '@tapegrad/core';
 * import { SGD, StepLR } from '@tapegrad/optim';
 * const opt = new SGD([zeros([2], { requiresGrad: true })], { lr: 1 });
 * const sched = new StepLR(opt, { stepSize: 2, gamma: 0.5 });
 * const lrs = [];
 * for (let epoch = 0; epoch < 5; epoch++) {
 *   lrs.push(opt.paramGroups[0]!.lr); // train one epoch with this lr, then:
 *   sched.step();
 * }
 * console.log(lrs); // [1, 1, 0.5, 0.5, 0.25]
 * ```
 * @category Schedulers
 */
export class StepLR extends LRScheduler {
  /** The number of epochs between decays. */
  stepSize: number;
  /** The factor applied at each decay. */
  gamma: number;

  /**
   * @param optimizer - the optimizer to schedule.
   * @param options - `stepSize` (required), `gamma` = 0.1.
   * @throws TypeError, RangeError when stepSize is not an integer >= 1 or gamma is negative or not finite.
   */
  constructor(optimizer: Optimizer, options: Partial<StepLROptions> & { stepSize: number }) {
    super('StepLR', optimizer);
    const o = withDefaults<StepLROptions>('StepLR', { stepSize: undefined, gamma: 0.1 }, options);
    checkStepLR(o, new OptionChecker('StepLR'));
    this.stepSize = o.stepSize!;
    this.gamma = o.gamma!;
  }

  protected override nextLr(lr: number): number {
    return this.lastEpoch % this.stepSize === 0 ? lr * this.gamma : lr;
  }

  /** The base state with `step_size` and `gamma`. */
  override stateDict(): LRSchedulerStateDict {
    return { ...super.stateDict(), step_size: this.stepSize, gamma: this.gamma };
  }

  /** Restores the base state and `step_size`, `gamma`. @throws the errors of the base, and of the constructor's options. */
  override loadStateDict(dict: LRSchedulerStateDict): void {
    const o = { stepSize: dict?.step_size, gamma: dict?.gamma };
    checkStepLR(o, new OptionChecker('StepLR.loadStateDict'));
    super.loadStateDict(dict);
    this.stepSize = o.stepSize as number;
    this.gamma = o.gamma as number;
  }
}

function checkStepLR(o: { stepSize: unknown; gamma: unknown }, check: OptionChecker): void {
  check.number('stepSize', o.stepSize, positiveInteger);
  check.number('gamma', o.gamma, nonNegative);
}
