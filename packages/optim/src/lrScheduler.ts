/**
 * The base of learning-rate schedulers, as PyTorch's `torch.optim.lr_scheduler.LRScheduler`.
 * @module
 */
import { Optimizer } from './optimizer.js';
import { OptionChecker, describeValue, nonNegative, nonNegativeInteger } from './options.js';

/**
 * A scheduler's state in PyTorch's layout: `last_epoch`, `base_lrs`, `_last_lr`, and the
 * scheduler's own options under PyTorch's names (`step_size`, `gamma`).
 * @category Schedulers
 */
export interface LRSchedulerStateDict {
  /** The number of `step()` calls so far. */
  last_epoch: number;
  /** Each group's learning rate when the scheduler was created. */
  base_lrs: number[];
  /** Each group's learning rate after the last `step()`. */
  _last_lr: number[];
  /** The scheduler's own options. */
  [option: string]: number | number[];
}

/**
 * The base of learning-rate schedulers. A scheduler changes the `lr` of each of its optimizer's
 * param groups each time `step()` is called (once per epoch, after the optimizer's steps). Rules
 * are chainable, as PyTorch's: each maps a group's current lr to the next one, so schedulers can be
 * stacked and a change made to `group.lr` by hand is kept.
 *
 * Creating a scheduler counts as epoch 0 and leaves the learning rates as they are.
 *
 * @example
 * ```ts
 * import { zeros } from '@tapegrad/core';
 * import { SGD, LRScheduler } from '@tapegrad/optim';
 * class HalveEveryEpoch extends LRScheduler {
 *   constructor(opt: SGD) { super('HalveEveryEpoch', opt); }
 *   protected nextLr(lr: number): number { return lr / 2; }
 * }
 * const opt = new SGD([zeros([2], { requiresGrad: true })], { lr: 1 });
 * const sched = new HalveEveryEpoch(opt);
 * sched.step();
 * sched.step();
 * console.log(sched.getLastLr(), sched.lastEpoch); // [0.25] 2
 * ```
 * @category Schedulers
 */
export abstract class LRScheduler {
  /** The scheduler's name, used in error messages (`StepLR`). */
  readonly name: string;
  /** The optimizer whose learning rates this scheduler sets. */
  readonly optimizer: Optimizer;
  /** Each group's learning rate when the scheduler was created. */
  baseLrs: number[];
  /** The number of `step()` calls so far (0 right after creation). */
  lastEpoch = 0;
  private lastLr: number[];

  /**
   * @param name - the scheduler's name for error messages.
   * @param optimizer - the optimizer to schedule.
   * @throws TypeError when `optimizer` is not an {@link Optimizer}.
   */
  protected constructor(name: string, optimizer: Optimizer) {
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${name}: optimizer must be an Optimizer (got ${describeValue(optimizer)})`);
    this.name = name;
    this.optimizer = optimizer;
    this.baseLrs = optimizer.paramGroups.map((g) => g.lr);
    this.lastLr = [...this.baseLrs];
  }

  /**
   * The learning rate of a group at epoch `this.lastEpoch` (already advanced), from its current one.
   * @param lr - the group's current lr.
   * @param groupIndex - the group's index.
   */
  protected abstract nextLr(lr: number, groupIndex: number): number;

  /** Advances one epoch and sets each group's lr. */
  step(): void {
    this.lastEpoch++;
    this.lastLr = this.optimizer.paramGroups.map((group, i) => (group.lr = this.nextLr(group.lr, i)));
  }

  /** Each group's learning rate after the last `step()` (a copy). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The scheduler's state (see {@link LRSchedulerStateDict}); subclasses add their options. */
  stateDict(): LRSchedulerStateDict {
    return { last_epoch: this.lastEpoch, base_lrs: [...this.baseLrs], _last_lr: [...this.lastLr] };
  }

  /**
   * Restores a state from {@link LRScheduler.stateDict}. The optimizer's learning rates are not
   * changed: they are restored with the optimizer's own state dict. Nothing changes when the dict
   * does not fit.
   * @throws TypeError, RangeError when a value is missing, invalid, or a list's length differs from
   *   the number of param groups.
   */
  loadStateDict(dict: LRSchedulerStateDict): void {
    const where = `${this.name}.loadStateDict`;
    if (dict === null || typeof dict !== 'object') throw new TypeError(`${where}: expected a state dict (got ${describeValue(dict)})`);
    const check = new OptionChecker(where);
    check.number('last_epoch', dict.last_epoch, nonNegativeInteger);
    const groups = this.optimizer.paramGroups.length;
    for (const key of ['base_lrs', '_last_lr'] as const) {
      const lrs: unknown = dict[key];
      if (!Array.isArray(lrs) || lrs.length !== groups) {
        throw new RangeError(`${where}: ${key} must hold one lr per param group, ${groups} (got ${describeValue(lrs)})`);
      }
      lrs.forEach((lr, i) => check.number(`${key}[${i}]`, lr, nonNegative));
    }
    this.lastEpoch = dict.last_epoch;
    this.baseLrs = [...dict.base_lrs];
    this.lastLr = [...dict._last_lr];
  }
}
