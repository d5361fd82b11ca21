/**
 * The Solver's public types: what it trains (a cs231n model, or a module with its loss function and
 * optimizer), on what data, with which options, and what its callbacks receive.
 * @module
 */
import type { Tensor } from '@tapegrad/core';
import type { Module } from '@tapegrad/nn';
import type { Cs231nOptimConfig, Cs231nRuleName } from '../cs231nUpdateRules.js';
import type { Optimizer } from '../optimizer.js';
import type { TerminalStream } from './progress.js';
import type { SolverRun } from './run.js';

/**
 * A model as cs231n's Solver takes it (nn's `FullyConnectedNet` is one): its parameters by name,
 * and `loss`, which without labels returns the class scores and with labels runs a forward and
 * backward pass.
 *
 * - `loss(X)` → scores `[N, C]` (in test mode: batchnorm uses its running statistics, no dropout);
 * - `loss(X, y)` → `{ loss, grads }`: the minibatch loss and one gradient per parameter, by the
 *   parameters' names and of their shapes.
 *
 * The Solver updates the tensors of `params` in place. A model that also has `stateDict()` and
 * `loadStateDict()` (a Module) is checkpointed with its buffers (batchnorm's running statistics);
 * otherwise `params` is what a checkpoint holds.
 * @category Solver
 */
export interface Cs231nModel {
  /** The learnable parameters by name (cs231n's `W1`, `b1`, ...), updated in place. */
  readonly params: Readonly<Record<string, Tensor>>;
  /** Scores `[N, C]` without `y`; the loss and every parameter's gradient with `y` (int32 `[N]`). */
  loss(X: Tensor, y?: Tensor): Tensor | { loss: number; grads: Readonly<Record<string, Tensor>> };
  /**
   * Optional: called with the gradients of each step once the update rule has applied them, so that
   * the model can reuse their arrays (nn's `FullyConnectedNet.releaseGrads`).
   */
  releaseGrads?(grads: Readonly<Record<string, Tensor>>): void;
}

/**
 * A PyTorch-style setup for the Solver: a module, the loss of its output against the labels, and an
 * optimizer over its parameters. Each iteration runs `module.train()`, `optimizer.zeroGrad()`,
 * `loss = lossFn(module.forward(X), y)`, `loss.backward()`, `optimizer.step()`; accuracy is checked on
 * `module.forward(X)` in eval mode without a graph. `lrDecay` multiplies every param group's `lr`.
 *
 * @example
 * ```ts
 * import { Linear, ReLU, Sequential, crossEntropy } from '@tapegrad/nn';
 * import { Adam, type ModuleSetup } from '@tapegrad/optim';
 * const module = new Sequential(new Linear(20, 30), new ReLU(), new Linear(30, 3));
 * const setup: ModuleSetup = { module, lossFn: crossEntropy, optimizer: new Adam(module.parameters(), { lr: 1e-3 }) };
 * console.log(setup.optimizer.paramGroups[0]!.lr); // 0.001
 * ```
 * @category Solver
 */
export interface ModuleSetup {
  /** The model; its `forward(X)` returns the scores `[N, C]`. */
  module: Module;
  /** The training loss of the scores against int32 labels `[N]`, a one-element tensor (e.g. `crossEntropy`). */
  lossFn: (scores: Tensor, y: Tensor) => Tensor;
  /** An optimizer over the module's parameters (its state and `lr` are checkpointed). */
  optimizer: Optimizer;
}

/**
 * The data the Solver trains and validates on, as cs231n's `data` dict (`X_train`, `y_train`,
 * `X_val`, `y_val`): images `[N, ...]` (each row flattened by the model) and int32 labels `[N]`.
 * Extra fields (`XTest`, ...) are ignored, so `getCIFAR10Data()`'s result can be passed as it is.
 * The Solver keeps no copy: each minibatch and accuracy batch is read from the tensors as they are
 * then (a strided view, a transposed or permuted X, row by row by its strides), so a change made to
 * them in place between two steps shows in the next batch.
 * @category Solver
 */
export interface SolverData {
  /** Training inputs `[N, ...]`. */
  XTrain: Tensor;
  /** Training labels, int32 `[N]`. */
  yTrain: Tensor;
  /** Validation inputs `[M, ...]`. */
  XVal: Tensor;
  /** Validation labels, int32 `[M]`. */
  yVal: Tensor;
}

/**
 * What `onIteration` receives after each iteration.
 * @category Solver
 */
export interface IterationInfo {
  /** The iteration, counted from 1 (as in `(Iteration 1 / 200)`). */
  iteration: number;
  /** The run's number of iterations (numEpochs × iterations per epoch). */
  numIterations: number;
  /** Epochs completed before this iteration. */
  epoch: number;
  /** The run's number of epochs. */
  numEpochs: number;
  /** This iteration's minibatch loss. */
  loss: number;
}

/**
 * What `onEpoch` receives after each accuracy check: after the first iteration (epoch 0), at each
 * epoch end and at the last iteration, as cs231n's `(Epoch e / n)` lines.
 * @category Solver
 */
export interface EpochInfo {
  /** Epochs completed. */
  epoch: number;
  /** The run's number of epochs. */
  numEpochs: number;
  /** Iterations completed. */
  iteration: number;
  /** The run's number of iterations. */
  numIterations: number;
  /** Accuracy on the training subsample. */
  trainAcc: number;
  /** Accuracy on the validation subsample. */
  valAcc: number;
  /** The best validation accuracy so far (this one included). */
  bestValAcc: number;
  /** The checkpoint written at this check (complete when the callback runs), or null. */
  checkpoint: string | null;
}

/**
 * How the Solver shows its progress when `verbose`:
 * - `'auto'` (default): a bar when no `log` is given and stdout is a terminal, lines otherwise;
 * - `'bar'`: one line redrawn in place (loss, accuracies, it/s, ETA), the `(Epoch ...)` lines above it;
 * - `'lines'`: cs231n's `(Iteration ...)` and `(Epoch ...)` lines, through `log`;
 * - `'none'`: nothing.
 * @category Solver
 */
export type ProgressMode = 'auto' | 'bar' | 'lines' | 'none';

/**
 * Options of the {@link Solver}; the defaults are cs231n's.
 * @category Solver
 */
export interface SolverOptions {
  /** cs231n's update rule: 'sgd' (default), 'sgd_momentum', 'rmsprop' or 'adam'. Not with a {@link ModuleSetup}. */
  updateRule?: Cs231nRuleName;
  /**
   * The rule's hyperparameters (camelCase: `{ learningRate: 1e-3 }`; default `{}`, the rule's
   * defaults). Each parameter gets its own copy, updated in place by the rule. Not with a {@link ModuleSetup}.
   */
  optimConfig?: Cs231nOptimConfig;
  /** The learning rate is multiplied by this after each epoch (default 1: no decay). */
  lrDecay?: number;
  /** Minibatch size (default 100). */
  batchSize?: number;
  /** Epochs to train (default 10). */
  numEpochs?: number;
  /** Training examples the accuracy is checked on, drawn at random when the set is larger; null for all (default 1000). */
  numTrainSamples?: number | null;
  /** Validation examples the accuracy is checked on, drawn at random when the set is larger; null for all (default null). */
  numValSamples?: number | null;
  /** An `(Iteration ...)` line every this many iterations (default 10). */
  printEvery?: number;
  /** Whether to show progress at all (default true). */
  verbose?: boolean;
  /**
   * Where checkpoints go: at each epoch end the Solver writes `<checkpointName>_epoch_<epoch>.safetensors`
   * (its folder must exist), atomically; null (default) for none.
   */
  checkpointName?: string | null;
  /** How progress is shown (default 'auto'); see {@link ProgressMode}. */
  progress?: ProgressMode;
  /** Receives each log line in 'lines' mode (default `console.log`). */
  log?: (line: string) => void;
  /** Where the bar is drawn in 'bar' mode (default `process.stdout`). */
  terminal?: TerminalStream;
  /**
   * Called after each iteration, with the running solver (see {@link SolverRun}).
   * @param info - the iteration and its loss.
   * @param solver - the solver that is training.
   */
  onIteration?(info: IterationInfo, solver: SolverRun): void;
  /**
   * Called after each accuracy check, once its checkpoint (if any) is written, with the running
   * solver (see {@link SolverRun}).
   * @param info - the check's accuracies and checkpoint.
   * @param solver - the solver that is training.
   */
  onEpoch?(info: EpochInfo, solver: SolverRun): void;
}

/**
 * Options of {@link Solver.resume}: those that do not change what the run computes. The others
 * (update rule, its configs, lrDecay, batchSize, numTrainSamples, numValSamples) come from the
 * checkpoint. `numEpochs` may be raised to train longer; `checkpointName` defaults to the name the
 * resumed file was written under, so the run goes on writing beside it.
 * @category Solver
 */
export type ResumeOptions = Omit<
  SolverOptions,
  'updateRule' | 'optimConfig' | 'lrDecay' | 'batchSize' | 'numTrainSamples' | 'numValSamples'
>;
