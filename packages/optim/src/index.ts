/**
 * @tapegrad/optim: PyTorch-style optimizers (`SGD`, `Adam`, `AdamW`, `RMSprop`) with param groups,
 * per-parameter state and state dicts in PyTorch's layout; learning-rate schedulers (`StepLR`,
 * `ExponentialLR`); and cs231n's update rules (`sgd`, `sgd_momentum`, `rmsprop`, `adam`) with their
 * per-parameter config dicts.
 *
 * @example
 * ```ts
 * import { manualSeed, randn } from '@tapegrad/core';
 * import { Adam, StepLR } from '@tapegrad/optim';
 * manualSeed(0);
 * const w = randn([3], { dtype: 'float64', requiresGrad: true });
 * const opt = new Adam([w], { lr: 0.1 });
 * const sched = new StepLR(opt, { stepSize: 10, gamma: 0.5 });
 * const loss = () => w.mul(w).sum();
 * const before = loss().item();
 * for (let epoch = 0; epoch < 30; epoch++) {
 *   opt.zeroGrad();
 *   loss().backward();
 *   opt.step();
 *   sched.step();
 * }
 * console.log(loss().item() < before / 10, sched.getLastLr()); // true [0.0125]
 * ```
 * @packageDocumentation
 */
export {
  Optimizer,
  type OptimizerOptions,
  type ParamGroup,
  type ParamGroupInput,
  type Params,
} from './optimizer.js';
export type { OptimizerStateDict, StateDictEntry, StateSchema } from './stateDict.js';
export { SGD, type SGDOptions, type SGDState } from './sgd.js';
export { Adam } from './adam.js';
export { AdamW } from './adamW.js';
export type { AdamOptions, AdamState } from './adamUpdate.js';
export { RMSprop, type RMSpropOptions, type RMSpropState } from './rmsprop.js';
export { LRScheduler, type LRSchedulerStateDict } from './lrScheduler.js';
export { StepLR, type StepLROptions } from './stepLR.js';
export { ExponentialLR, type ExponentialLROptions } from './exponentialLR.js';
export {
  cs231nUpdateRules,
  copyOptimConfig,
  type Cs231nAdamConfig,
  type Cs231nConfigs,
  type Cs231nOptimConfig,
  type Cs231nRmspropConfig,
  type Cs231nRuleName,
  type Cs231nSgdConfig,
  type Cs231nSgdMomentumConfig,
  type Cs231nUpdateRule,
} from './cs231nUpdateRules.js';
export { OptionChecker, type OptionDefaults, type Range } from './options.js';
export { Solver } from './solver/solver.js';
export type { SolverRun } from './solver/run.js';
export type { SolverSettings } from './solver/options.js';
export type {
  Cs231nModel,
  EpochInfo,
  IterationInfo,
  ModuleSetup,
  ProgressMode,
  ResumeOptions,
  SolverData,
  SolverOptions,
} from './solver/types.js';
export { CheckpointError, NonFiniteLossError } from './solver/errors.js';
export { defaultTerminal, epochLine, formatEta, formatFixed, iterationLine, type TerminalStream } from './solver/progress.js';
