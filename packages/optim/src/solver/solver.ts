/**
 * cs231n's Solver (`solver.py`), ported: minibatch training with a cs231n update rule (or a
 * PyTorch-style module, loss and optimizer), accuracy checks, best-parameter tracking, cs231n's log
 * lines or a progress bar, and checkpoints that resume a run bit for bit.
 * @module
 */
import { DtypeError, ShapeError, Tensor, choice, contiguousNdArray, defaultGenerator, fromArray, noGrad } from '@tapegrad/core';
import type { Cs231nOptimConfig, Cs231nRuleName } from '../cs231nUpdateRules.js';
import { checkKnownKeys, describeValue } from '../options.js';
import { barReporter, defaultTerminal, linesReporter, silentReporter, type Reporter, type TerminalStream } from './progress.js';
import { checkpointPath, parseCheckpointPath, type CheckpointState } from './checkpoint.js';
import { latestCheckpoint, readCheckpoint, writeCheckpoint } from './checkpointFile.js';
import { CheckpointError, NonFiniteLossError } from './errors.js';
import { ModuleLearner, RuleLearner, copyIntoParameters, type Learner } from './learner.js';
import { RowGather } from './rowGather.js';
import type {
  Cs231nModel, EpochInfo, IterationInfo, ModuleSetup, ProgressMode, ResumeOptions, SolverData, SolverOptions,
} from './types.js';

const optionKeys: readonly (keyof SolverOptions)[] = [
  'updateRule', 'optimConfig', 'lrDecay', 'batchSize', 'numEpochs', 'numTrainSamples', 'numValSamples', 'printEvery',
  'verbose', 'checkpointName', 'progress', 'log', 'terminal', 'onIteration', 'onEpoch',
];
/** The options a checkpoint fixes. */
const fixedByCheckpoint: readonly (keyof SolverOptions)[] = ['updateRule', 'optimConfig', 'lrDecay', 'batchSize', 'numTrainSamples', 'numValSamples'];
const progressModes: readonly ProgressMode[] = ['auto', 'bar', 'lines', 'none'];

function isModuleSetup(model: unknown): model is ModuleSetup {
  return model !== null && typeof model === 'object' && 'module' in model && 'optimizer' in model && 'lossFn' in model;
}

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`Solver: ${name} must be an integer >= 1 (got ${describeValue(value)})`);
  }
  return value;
}

function sampleCount(name: string, value: unknown): number | null {
  return value === null ? null : positiveInteger(name, value);
}

function checkFunction<T>(name: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`Solver: ${name} must be a function (got ${describeValue(value)})`);
  return value;
}

/** Checks inputs X `[N, ...]` and int32 (or uint8) labels `[N]`, named `xName`, `yName` in errors; returns N. */
function checkSplit(xName: string, yName: string, X: unknown, y: unknown): number {
  if (!(X instanceof Tensor)) throw new TypeError(`Solver: ${xName} must be a Tensor (got ${describeValue(X)})`);
  if (!(y instanceof Tensor)) throw new TypeError(`Solver: ${yName} must be a Tensor (got ${describeValue(y)})`);
  const n = X.shape[0];
  if (X.ndim < 1 || n === undefined || n < 1) throw new ShapeError(`Solver: ${xName} must hold at least one example [N, ...] (got [${X.shape.join(', ')}])`);
  if (y.dtype !== 'int32' && y.dtype !== 'uint8') throw new DtypeError(`Solver: ${yName} must hold int32 class indices (got ${y.dtype})`);
  if (y.ndim !== 1 || y.shape[0] !== n) throw new ShapeError(`Solver: ${yName} must be [${n}], one label per row of ${xName} (got [${y.shape.join(', ')}])`);
  return n;
}

/**
 * A copy of `t`'s values cut from any graph, in ordinary memory: not from the allocator's pool, whose
 * large arrays live in the kernels' memory (and bestParams outlive the step that made them).
 */
function snapshot(t: Tensor): Tensor {
  const c = contiguousNdArray(t.data);
  return fromArray(c.data.slice(c.offset, c.offset + t.size), t.shape);
}

/** `[start, end)` as row indices. */
function rowRange(start: number, end: number): Int32Array {
  const rows = new Int32Array(end - start);
  for (let i = 0; i < rows.length; i++) rows[i] = start + i;
  return rows;
}

/**
 * Rows `start` to `end` of `X`: a view of its values when they are contiguous (as numpy's `X[a:b]`;
 * the kernels then read them in place), a copy otherwise. Only for reading, as `checkAccuracy` does.
 */
function leadingRows(X: Tensor, start: number, end: number): Tensor {
  if (!X.isContiguous()) return X.index(rowRange(start, end));
  return new Tensor(X.data.lo(start).hi(end - start));
}

/**
 * cs231n's Solver: trains a classifier with minibatch gradient descent, checks its accuracy on
 * training and validation subsamples, keeps the parameters with the best validation accuracy and
 * puts them back into the model at the end.
 *
 * **What one run does** (cs231n's `train()`, exactly; all randomness from the global RNG):
 * - iterations per epoch = max(floor(N / batchSize), 1), numIterations = numEpochs × that;
 * - each iteration draws a minibatch with replacement, `choice(N, batchSize)`, and runs one step
 *   (`model.loss(X, y)` then the update rule on every parameter, with one config per parameter, then
 *   `model.releaseGrads(grads)` when the model has it, so its next step reuses the gradients' arrays);
 *   the minibatch's rows are gathered into one buffer the Solver reuses (a model that keeps `X`
 *   beyond its step must copy it), and so are the rows of an accuracy check's subsample;
 * - at each epoch end, every parameter's `learningRate` is multiplied by `lrDecay`;
 * - after the first iteration, at each epoch end and after the last iteration, the accuracy is
 *   checked on `numTrainSamples` training and `numValSamples` validation examples
 *   ({@link Solver.checkAccuracy}, batches of 100), appended to the histories, and the parameters are
 *   copied into `bestParams` when the validation accuracy is strictly greater than `bestValAcc`;
 * - at the end, `bestParams` are copied into the model's parameters (when there are any: a run
 *   whose validation accuracy never rises above 0 keeps its last parameters).
 *
 * **What it takes**: a cs231n model ({@link Cs231nModel}: `params` and `loss`, e.g. nn's
 * `FullyConnectedNet`) with `updateRule` and `optimConfig`; or a PyTorch-style {@link ModuleSetup}
 * `{ module, lossFn, optimizer }`, where the optimizer updates the module and `lrDecay` scales its
 * param groups' `lr` (then `updateRule` and `optimConfig` must not be given).
 *
 * **What it prints** (`verbose`): cs231n's lines, `(Iteration 1 / 200) loss: 2.340974` every
 * `printEvery` iterations and `(Epoch 0 / 10) train acc: 0.107000; val_acc: 0.115000` at each
 * check, through `log` (default `console.log`); on a terminal, a progress bar instead of the iteration
 * lines (see {@link ProgressMode}). `onIteration` and `onEpoch` are called either way.
 *
 * **Checkpoints**: with `checkpointName`, each epoch end writes `<checkpointName>_epoch_<e>.safetensors`
 * holding the model (with its buffers), the optimizer's state, the histories, the counters, the best
 * parameters and the global RNG's state, in one atomic write; {@link Solver.resume} continues such a
 * run to exactly the result of an uninterrupted one.
 *
 * @example
 * ```ts
 * import { Generator, manualSeed } from '@tapegrad/core';
 * import { FullyConnectedNet } from '@tapegrad/nn';
 * import { Solver } from '@tapegrad/optim';
 * const g = new Generator(1);
 * const data = {
 *   XTrain: g.randn([200, 8]), yTrain: g.randint(0, 3, [200]),
 *   XVal: g.randn([50, 8]), yVal: g.randint(0, 3, [50]),
 * };
 * manualSeed(231);
 * const model = new FullyConnectedNet([16], { inputDim: 8, numClasses: 3, weightScale: 1e-1 });
 * const solver = new Solver(model, data, {
 *   updateRule: 'adam', optimConfig: { learningRate: 1e-2 }, batchSize: 20, numEpochs: 3,
 *   printEvery: 100, log: (line) => console.log(line),
 * });
 * await solver.train();
 * // (Iteration 1 / 30) loss: ...   then (Epoch 0 / 3), (Epoch 1 / 3), ... (Epoch 3 / 3) lines
 * console.log(solver.lossHistory.length, solver.trainAccHistory.length); // 30 4
 * console.log(solver.optimConfigs.W1!.t); // 30
 * ```
 *
 * A module, its loss and an optimizer, PyTorch-style:
 * ```ts
 * import { Generator } from '@tapegrad/core';
 * import { Linear, ReLU, Sequential, crossEntropy } from '@tapegrad/nn';
 * import { Adam, Solver } from '@tapegrad/optim';
 * const g = new Generator(2);
 * const data = { XTrain: g.randn([100, 5]), yTrain: g.randint(0, 2, [100]), XVal: g.randn([20, 5]), yVal: g.randint(0, 2, [20]) };
 * const module = new Sequential(new Linear(5, 16), new ReLU(), new Linear(16, 2));
 * const solver = new Solver(
 *   { module, lossFn: crossEntropy, optimizer: new Adam(module.parameters(), { lr: 1e-2 }) },
 *   data, { batchSize: 10, numEpochs: 2, lrDecay: 0.5, verbose: false },
 * );
 * await solver.train();
 * console.log(solver.lossHistory.length, solver.valAccHistory.length); // 20 3
 * ```
 * @category Solver
 */
export class Solver {
  /**
   * What is trained: the cs231n model, or the module setup.
   *
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * import { Solver } from '@tapegrad/optim';
   * const g = new Generator(0), X = g.randn([40, 4]), y = g.randint(0, 2, [40]);
   * const data = { XTrain: X, yTrain: y, XVal: X, yVal: y };
   * const model = new FullyConnectedNet([8], { inputDim: 4, numClasses: 2 });
   * const solver = new Solver(model, data);
   * console.log(solver.model === model); // true
   * ```
   */
  readonly model: Cs231nModel | ModuleSetup;
  /**
   * The cs231n update rule, or null for a {@link ModuleSetup}.
   *
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * import { Solver } from '@tapegrad/optim';
   * const g = new Generator(0), X = g.randn([40, 4]), y = g.randint(0, 2, [40]);
   * const data = { XTrain: X, yTrain: y, XVal: X, yVal: y };
   * const model = new FullyConnectedNet([8], { inputDim: 4, numClasses: 2 });
   * const solver = new Solver(model, data);
   * console.log(solver.updateRule); // 'sgd'
   * ```
   */
  readonly updateRule: Cs231nRuleName | null;
  /**
   * The factor applied to the learning rate after each epoch.
   * Default 1 (no decay); a cs231n config's `learningRate`, or each param group's `lr` of a
   * {@link ModuleSetup}'s optimizer, is multiplied by it at each epoch end.
   *
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * import { Solver } from '@tapegrad/optim';
   * const g = new Generator(0), X = g.randn([40, 4]), y = g.randint(0, 2, [40]);
   * const data = { XTrain: X, yTrain: y, XVal: X, yVal: y };
   * const model = new FullyConnectedNet([8], { inputDim: 4, numClasses: 2 });
   * const solver = new Solver(model, data, {
   *   optimConfig: { learningRate: 0.1 }, lrDecay: 0.5, batchSize: 10, numEpochs: 2, verbose: false,
   * });
   * await solver.train();
   * console.log(solver.optimConfigs.W1!.learningRate); // 0.025
   * ```
   */
  readonly lrDecay: number;
  /**
   * The minibatch size.
   * Default 100; each iteration draws this many training examples, with replacement.
   *
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * import { Solver } from '@tapegrad/optim';
   * const g = new Generator(0), X = g.randn([40, 4]), y = g.randint(0, 2, [40]);
   * const data = { XTrain: X, yTrain: y, XVal: X, yVal: y };
   * const model = new FullyConnectedNet([8], { inputDim: 4, numClasses: 2 });
   * const solver = new Solver(model, data, { batchSize: 8 });
   * console.log(solver.batchSize, solver.iterationsPerEpoch); // 8 5
   * ```
   */
  readonly batchSize: number;
  /**
   * The number of epochs {@link Solver.train} runs to.
   * Default 10.
   *
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * import { Solver } from '@tapegrad/optim';
   * const g = new Generator(0), X = g.randn([40, 4]), y = g.randint(0, 2, [40]);
   * const data = { XTrain: X, yTrain: y, XVal: X, yVal: y };
   * const model = new FullyConnectedNet([8], { inputDim: 4, numClasses: 2 });
   * const solver = new Solver(model, data);
   * console.log(solver.numEpochs); // 10
   * ```
   */
  readonly numEpochs: number;
  /**
   * Training examples per accuracy check (null: all).
   * Default 1000, drawn with replacement when the training set is larger (as cs231n).
   *
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * import { Solver } from '@tapegrad/optim';
   * const g = new Generator(0), X = g.randn([40, 4]), y = g.randint(0, 2, [40]);
   * const data = { XTrain: X, yTrain: y, XVal: X, yVal: y };
   * const model = new FullyConnectedNet([8], { inputDim: 4, numClasses: 2 });
   * const solver = new Solver(model, data);
   * console.log(solver.numTrainSamples, solver.numValSamples); // 1000 null
   * ```
   */
  readonly numTrainSamples: number | null;
  /**
   * Validation examples per accuracy check (null: all).
   * Default null: every validation example.
   *
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * import { Solver } from '@tapegrad/optim';
   * const g = new Generator(0), X = g.randn([40, 4]), y = g.randint(0, 2, [40]);
   * const data = { XTrain: X, yTrain: y, XVal: X, yVal: y };
   * const model = new FullyConnectedNet([8], { inputDim: 4, numClasses: 2 });
   * const solver = new Solver(model, data, { numValSamples: 20 });
   * console.log(solver.numValSamples); // 20
   * ```
   */
  readonly numValSamples: number | null;
  /**
   * Iterations between `(Iteration ...)` lines.
   * Default 10: the lines of iterations 1, 1 + printEvery, ... are printed.
   *
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * import { Solver } from '@tapegrad/optim';
   * const g = new Generator(0), X = g.randn([40, 4]), y = g.randint(0, 2, [40]);
   * const data = { XTrain: X, yTrain: y, XVal: X, yVal: y };
   * const model = new FullyConnectedNet([8], { inputDim: 4, numClasses: 2 });
   * const lines: string[] = [];
   * const solver = new Solver(model, data, { batchSize: 10, numEpochs: 1, printEvery: 2, log: (l) => lines.push(l) });
   * await solver.train();
   * console.log(lines.filter((l) => l.startsWith('(Iteration')).length); // 2
   * ```
   */
  readonly printEvery: number;
  /**
   * Whether progress is shown.
   * Default true; `onIteration` and `onEpoch` are called either way.
   *
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * import { Solver } from '@tapegrad/optim';
   * const g = new Generator(0), X = g.randn([40, 4]), y = g.randint(0, 2, [40]);
   * const data = { XTrain: X, yTrain: y, XVal: X, yVal: y };
   * const model = new FullyConnectedNet([8], { inputDim: 4, numClasses: 2 });
   * const lines: string[] = [];
   * const solver = new Solver(model, data, { numEpochs: 1, verbose: false, log: (l) => lines.push(l) });
   * await solver.train();
   * console.log(solver.verbose, lines.length); // false 0
   * ```
   */
  readonly verbose: boolean;
  /**
   * Checkpoint files are `<checkpointName>_epoch_<epoch>.safetensors`; null for none.
   * Default null; see {@link Solver.resume}.
   *
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * import { Solver } from '@tapegrad/optim';
   * const g = new Generator(0), X = g.randn([40, 4]), y = g.randint(0, 2, [40]);
   * const data = { XTrain: X, yTrain: y, XVal: X, yVal: y };
   * const model = new FullyConnectedNet([8], { inputDim: 4, numClasses: 2 });
   * console.log(new Solver(model, data).checkpointName); // null
   * ```
   */
  readonly checkpointName: string | null;

  /**
   * Epochs completed.
   *
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * import { Solver } from '@tapegrad/optim';
   * const g = new Generator(0), X = g.randn([40, 4]), y = g.randint(0, 2, [40]);
   * const data = { XTrain: X, yTrain: y, XVal: X, yVal: y };
   * const model = new FullyConnectedNet([8], { inputDim: 4, numClasses: 2 });
   * const solver = new Solver(model, data, { batchSize: 10, numEpochs: 2, verbose: false });
   * await solver.train();
   * console.log(solver.epoch, solver.iteration); // 2 8
   * ```
   */
  epoch = 0;
  /**
   * Iterations completed.
   *
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * import { Solver } from '@tapegrad/optim';
   * const g = new Generator(0), X = g.randn([40, 4]), y = g.randint(0, 2, [40]);
   * const data = { XTrain: X, yTrain: y, XVal: X, yVal: y };
   * const model = new FullyConnectedNet([8], { inputDim: 4, numClasses: 2 });
   * const solver = new Solver(model, data, { batchSize: 10, numEpochs: 2, verbose: false });
   * console.log(solver.iteration); // 0
   * await solver.train();
   * console.log(solver.iteration, solver.numIterations); // 8 8
   * ```
   */
  iteration = 0;
  /**
   * The best validation accuracy seen (0 before the first check).
   *
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * import { Solver } from '@tapegrad/optim';
   * const g = new Generator(0), X = g.randn([40, 4]), y = g.randint(0, 2, [40]);
   * const data = { XTrain: X, yTrain: y, XVal: X, yVal: y };
   * const model = new FullyConnectedNet([8], { inputDim: 4, numClasses: 2 });
   * const solver = new Solver(model, data, { batchSize: 10, numEpochs: 2, verbose: false });
   * await solver.train();
   * console.log(solver.bestValAcc === Math.max(...solver.valAccHistory)); // true
   * ```
   */
  bestValAcc = 0;
  /**
   * Copies of the parameters when the validation accuracy was best, by name ({} before any).
   * They are copied into the model's parameters when {@link Solver.train} ends.
   *
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * import { Solver } from '@tapegrad/optim';
   * const g = new Generator(0), X = g.randn([40, 4]), y = g.randint(0, 2, [40]);
   * const data = { XTrain: X, yTrain: y, XVal: X, yVal: y };
   * const model = new FullyConnectedNet([8], { inputDim: 4, numClasses: 2 });
   * const solver = new Solver(model, data, { batchSize: 10, numEpochs: 2, verbose: false });
   * await solver.train(); // then copies bestParams into the model
   * console.log(Object.keys(solver.bestParams), solver.bestParams.W1!.shape); // ['W1', 'b1', 'W2', 'b2'] [4, 8]
   * ```
   */
  bestParams: Record<string, Tensor> = {};
  /**
   * Every iteration's minibatch loss.
   * One entry per iteration (numIterations in all); the first is about log(C) for C classes and
   * small initial weights.
   *
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * import { Solver } from '@tapegrad/optim';
   * const g = new Generator(0), X = g.randn([40, 4]), y = g.randint(0, 2, [40]);
   * const data = { XTrain: X, yTrain: y, XVal: X, yVal: y };
   * const model = new FullyConnectedNet([8], { inputDim: 4, numClasses: 2 });
   * const solver = new Solver(model, data, { batchSize: 10, numEpochs: 2, verbose: false });
   * await solver.train();
   * console.log(solver.lossHistory.length, Math.abs(solver.lossHistory[0]! - Math.log(2)) < 0.05); // 8 true
   * ```
   */
  lossHistory: number[] = [];
  /**
   * The training accuracy of each check.
   * One entry per check: after the first iteration, at each epoch end, and after the last iteration.
   *
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * import { Solver } from '@tapegrad/optim';
   * const g = new Generator(0), X = g.randn([40, 4]), y = g.randint(0, 2, [40]);
   * const data = { XTrain: X, yTrain: y, XVal: X, yVal: y };
   * const model = new FullyConnectedNet([8], { inputDim: 4, numClasses: 2 });
   * const solver = new Solver(model, data, { batchSize: 10, numEpochs: 2, verbose: false });
   * await solver.train(); // checks after iteration 1 and at the end of epochs 1 and 2
   * console.log(solver.trainAccHistory.length, solver.trainAccHistory.every((a) => a >= 0 && a <= 1)); // 3 true
   * ```
   */
  trainAccHistory: number[] = [];
  /**
   * The validation accuracy of each check.
   * One entry per check, as {@link Solver.trainAccHistory}.
   *
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * import { Solver } from '@tapegrad/optim';
   * const g = new Generator(0), X = g.randn([40, 4]), y = g.randint(0, 2, [40]);
   * const data = { XTrain: X, yTrain: y, XVal: X, yVal: y };
   * const model = new FullyConnectedNet([8], { inputDim: 4, numClasses: 2 });
   * const solver = new Solver(model, data, { batchSize: 10, numEpochs: 2, verbose: false });
   * await solver.train();
   * console.log(solver.valAccHistory.length === solver.trainAccHistory.length); // true
   * ```
   */
  valAccHistory: number[] = [];

  private readonly learner: Learner;
  private readonly data: SolverData;
  private readonly progress: ProgressMode;
  private readonly log: ((line: string) => void) | undefined;
  private readonly terminal: TerminalStream | undefined;
  private readonly onIteration: SolverOptions['onIteration'];
  private readonly onEpoch: SolverOptions['onEpoch'];
  private running = false;
  /** The training minibatches' rows, and the accuracy checks' subsample batches (each reused). */
  private readonly batchRows = new RowGather();
  private readonly checkRows = new RowGather();

  /**
   * @param model - a cs231n model ({@link Cs231nModel}, e.g. `FullyConnectedNet`).
   * @param data - `{ XTrain, yTrain, XVal, yVal }` (see {@link SolverData}).
   * @param opts - see {@link SolverOptions}: `updateRule` = 'sgd', `optimConfig` = {}, `lrDecay` = 1,
   *   `batchSize` = 100, `numEpochs` = 10, `numTrainSamples` = 1000, `numValSamples` = null,
   *   `printEvery` = 10, `verbose` = true, `checkpointName` = null, `progress` = 'auto', `log` =
   *   console.log, `onIteration`, `onEpoch`.
   * @throws TypeError for an unknown option, an optimConfig key no rule knows (such as Python's
   *   `learning_rate`), data that are not tensors, `updateRule` or `optimConfig` given with a
   *   {@link ModuleSetup}; RangeError for an option out of range (a NaN or infinite optimConfig value
   *   included) or an unknown update rule; `DtypeError` for labels that are not int32; `ShapeError`
   *   for an empty split or labels whose count differs from the inputs'.
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * import { Solver } from '@tapegrad/optim';
   * const g = new Generator(0), X = g.randn([40, 4]), y = g.randint(0, 2, [40]);
   * const data = { XTrain: X, yTrain: y, XVal: X, yVal: y };
   * const model = new FullyConnectedNet([8], { inputDim: 4, numClasses: 2 });
   * const solver = new Solver(model, data, { updateRule: 'adam', optimConfig: { learningRate: 1e-3 } });
   * console.log(solver.updateRule, solver.batchSize, solver.optimConfigs.b2); // 'adam' 100 { learningRate: 0.001 }
   * ```
   */
  constructor(model: Cs231nModel, data: SolverData, opts?: SolverOptions);
  /**
   * @param setup - `{ module, lossFn, optimizer }` (see {@link ModuleSetup}).
   * @param data - `{ XTrain, yTrain, XVal, yVal }`.
   * @param opts - the options of the other form, without `updateRule` and `optimConfig`.
   * @throws the errors of the other form; TypeError when `updateRule` or `optimConfig` is given.
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * import { Linear, crossEntropy } from '@tapegrad/nn';
   * import { SGD, Solver } from '@tapegrad/optim';
   * const g = new Generator(0), X = g.randn([40, 4]), y = g.randint(0, 2, [40]);
   * const data = { XTrain: X, yTrain: y, XVal: X, yVal: y };
   * const module = new Linear(4, 2);
   * const solver = new Solver({ module, lossFn: crossEntropy, optimizer: new SGD(module.parameters(), { lr: 0.1 }) }, data);
   * console.log(solver.updateRule, solver.optimConfigs); // null {}
   * ```
   */
  constructor(setup: ModuleSetup, data: SolverData, opts?: Omit<SolverOptions, 'updateRule' | 'optimConfig'>);
  constructor(model: Cs231nModel | ModuleSetup, data: SolverData, opts: SolverOptions = {}) {
    if (opts === null || typeof opts !== 'object') throw new TypeError(`Solver: options must be an object (got ${describeValue(opts)})`);
    checkKnownKeys('Solver', 'option', opts, optionKeys);
    if (data === null || typeof data !== 'object') throw new TypeError(`Solver: data must be { XTrain, yTrain, XVal, yVal } (got ${describeValue(data)})`);
    checkSplit('data.XTrain', 'data.yTrain', data.XTrain, data.yTrain);
    checkSplit('data.XVal', 'data.yVal', data.XVal, data.yVal);
    this.data = { XTrain: data.XTrain, yTrain: data.yTrain, XVal: data.XVal, yVal: data.yVal };

    if (isModuleSetup(model)) {
      if (opts.updateRule !== undefined || opts.optimConfig !== undefined) {
        throw new TypeError('Solver: updateRule and optimConfig are for cs231n models; a { module, lossFn, optimizer } setup is updated by its optimizer');
      }
      this.learner = new ModuleLearner(model);
      this.updateRule = null;
    } else {
      if (model === null || typeof model !== 'object' || typeof (model as Partial<Cs231nModel>).loss !== 'function') {
        throw new TypeError(`Solver: model must have params and loss(X, y), or be { module, lossFn, optimizer } (got ${describeValue(model)})`);
      }
      this.updateRule = opts.updateRule ?? 'sgd';
      this.learner = new RuleLearner(model, this.updateRule, opts.optimConfig ?? {});
    }
    this.model = model;

    const lrDecay = opts.lrDecay ?? 1;
    if (typeof lrDecay !== 'number' || !Number.isFinite(lrDecay) || lrDecay < 0) {
      throw new RangeError(`Solver: lrDecay must be a finite number >= 0 (got ${describeValue(lrDecay)})`);
    }
    this.lrDecay = lrDecay;
    this.batchSize = positiveInteger('batchSize', opts.batchSize ?? 100);
    this.numEpochs = positiveInteger('numEpochs', opts.numEpochs ?? 10);
    this.numTrainSamples = sampleCount('numTrainSamples', opts.numTrainSamples === undefined ? 1000 : opts.numTrainSamples);
    this.numValSamples = sampleCount('numValSamples', opts.numValSamples ?? null);
    this.printEvery = positiveInteger('printEvery', opts.printEvery ?? 10);
    const verbose = opts.verbose ?? true;
    if (typeof verbose !== 'boolean') throw new TypeError(`Solver: verbose must be true or false (got ${describeValue(verbose)})`);
    this.verbose = verbose;
    const checkpointName = opts.checkpointName ?? null;
    if (checkpointName !== null && (typeof checkpointName !== 'string' || checkpointName === '')) {
      throw new TypeError(`Solver: checkpointName must be a non-empty string or null (got ${describeValue(checkpointName)})`);
    }
    this.checkpointName = checkpointName;
    const progress = opts.progress ?? 'auto';
    if (!progressModes.includes(progress)) throw new RangeError(`Solver: progress must be one of ${progressModes.join(', ')} (got ${describeValue(progress)})`);
    this.progress = progress;
    this.log = checkFunction('log', opts.log);
    const terminal = opts.terminal;
    if (terminal !== undefined && (terminal === null || typeof terminal.write !== 'function')) {
      throw new TypeError(`Solver: terminal must have write(text) (got ${describeValue(terminal)})`);
    }
    this.terminal = terminal;
    this.onIteration = checkFunction('onIteration', opts.onIteration);
    this.onEpoch = checkFunction('onEpoch', opts.onEpoch);
  }

  /**
   * max(floor(N / batchSize), 1), N the number of training examples.
   *
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * import { Solver } from '@tapegrad/optim';
   * const g = new Generator(0), X = g.randn([40, 4]), y = g.randint(0, 2, [40]);
   * const data = { XTrain: X, yTrain: y, XVal: X, yVal: y };
   * const model = new FullyConnectedNet([8], { inputDim: 4, numClasses: 2 });
   * console.log(new Solver(model, data, { batchSize: 10 }).iterationsPerEpoch); // 4
   * console.log(new Solver(model, data, { batchSize: 64 }).iterationsPerEpoch); // 1
   * ```
   */
  get iterationsPerEpoch(): number {
    return Math.max(Math.floor(this.data.XTrain.shape[0]! / this.batchSize), 1);
  }

  /**
   * numEpochs × iterationsPerEpoch: the iteration {@link Solver.train} runs to.
   *
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * import { Solver } from '@tapegrad/optim';
   * const g = new Generator(0), X = g.randn([40, 4]), y = g.randint(0, 2, [40]);
   * const data = { XTrain: X, yTrain: y, XVal: X, yVal: y };
   * const model = new FullyConnectedNet([8], { inputDim: 4, numClasses: 2 });
   * const solver = new Solver(model, data, { batchSize: 10, numEpochs: 3 });
   * console.log(solver.numIterations); // 12
   * ```
   */
  get numIterations(): number {
    return this.numEpochs * this.iterationsPerEpoch;
  }

  /**
   * cs231n's per-parameter configs (`optim_configs`) by parameter name, each a copy of `optimConfig`
   * that the update rule fills with its defaults and buffers and updates in place; empty for a
   * {@link ModuleSetup}, whose optimizer holds its state.
   *
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * import { Solver } from '@tapegrad/optim';
   * const g = new Generator(0), X = g.randn([40, 4]), y = g.randint(0, 2, [40]);
   * const data = { XTrain: X, yTrain: y, XVal: X, yVal: y };
   * const model = new FullyConnectedNet([8], { inputDim: 4, numClasses: 2 });
   * const solver = new Solver(model, data, {
   *   updateRule: 'adam', optimConfig: { learningRate: 1e-3 }, batchSize: 10, numEpochs: 1, verbose: false,
   * });
   * console.log(Object.keys(solver.optimConfigs.W1!)); // ['learningRate']
   * await solver.train();
   * console.log(Object.keys(solver.optimConfigs.W1!), solver.optimConfigs.W1!.t); // ['learningRate', 'beta1', 'beta2', 'epsilon', 't', 'm', 'v'] 4
   * ```
   */
  get optimConfigs(): Record<string, Cs231nOptimConfig> {
    return this.learner.optimConfigs;
  }

  /**
   * Trains to `numEpochs` from where the solver is (the start, or the checkpoint it was resumed from),
   * then copies `bestParams` into the model. Without `checkpointName` the whole run happens before
   * the returned promise is created; with it, each checkpoint write is awaited.
   *
   * @returns a promise that resolves when training is done.
   * @throws {@link NonFiniteLossError} when a minibatch's loss is NaN or infinite (`Solver: loss is
   *   NaN at iteration 37 (epoch 1)`): that iteration updates no parameter, optimizer state or history
   *   (a model's buffers, such as batchnorm's running statistics, have seen its forward pass), and the
   *   checkpoints already written stay; {@link CheckpointError} when a checkpoint cannot be written;
   *   Error when the solver is already training; whatever the model throws.
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * import { Solver } from '@tapegrad/optim';
   * const g = new Generator(0);
   * const data = { XTrain: g.randn([40, 4]), yTrain: g.randint(0, 2, [40]), XVal: g.randn([10, 4]), yVal: g.randint(0, 2, [10]) };
   * const model = new FullyConnectedNet([8], { inputDim: 4, numClasses: 2 });
   * const lines: string[] = [];
   * const solver = new Solver(model, data, { batchSize: 10, numEpochs: 2, log: (l) => lines.push(l) });
   * await solver.train();
   * console.log(lines[0]!.startsWith('(Iteration 1 / 8) loss: '), lines[1]!.startsWith('(Epoch 0 / 2) train acc: ')); // true true
   * ```
   */
  async train(): Promise<void> {
    if (this.running) throw new Error('Solver.train: the solver is already training (await the first train() before calling it again)');
    this.running = true;
    const reporter = this.reporter();
    const { XTrain, yTrain } = this.data;
    const numTrain = XTrain.shape[0]!;
    const perEpoch = this.iterationsPerEpoch;
    const numIterations = this.numIterations;
    reporter.start(this.iteration, numIterations);
    try {
      for (let t = this.iteration; t < numIterations; t++) {
        const mask = choice(numTrain, this.batchSize);
        const loss = this.learner.step(this.gatherRows(this.batchRows, XTrain, mask.toFloat64Array()), yTrain.index(mask));
        if (!Number.isFinite(loss)) throw new NonFiniteLossError(loss, t + 1, this.epoch);
        this.lossHistory.push(loss);
        this.iteration = t + 1;
        const info: IterationInfo = { iteration: t + 1, numIterations, epoch: this.epoch, numEpochs: this.numEpochs, loss };
        reporter.iteration(info);
        this.onIteration?.(info, this);

        const epochEnd = (t + 1) % perEpoch === 0;
        if (epochEnd) {
          this.epoch += 1;
          this.learner.decayLearningRate(this.lrDecay);
        }
        if (t === 0 || t === numIterations - 1 || epochEnd) {
          const trainAcc = this.checkAccuracy(XTrain, yTrain, { numSamples: this.numTrainSamples });
          const valAcc = this.checkAccuracy(this.data.XVal, this.data.yVal, { numSamples: this.numValSamples });
          this.trainAccHistory.push(trainAcc);
          this.valAccHistory.push(valAcc);
          if (valAcc > this.bestValAcc) {
            this.bestValAcc = valAcc;
            this.bestParams = Object.fromEntries(this.learner.namedParameters().map(([name, p]) => [name, snapshot(p)]));
          }
          let checkpoint: string | null = null;
          if (epochEnd && this.checkpointName !== null) {
            checkpoint = checkpointPath(this.checkpointName, this.epoch);
            await writeCheckpoint(checkpoint, this.checkpointState());
          }
          reporter.check({ epoch: this.epoch, numEpochs: this.numEpochs, trainAcc, valAcc });
          const epochInfo: EpochInfo = {
            epoch: this.epoch, numEpochs: this.numEpochs, iteration: t + 1, numIterations, trainAcc, valAcc, bestValAcc: this.bestValAcc, checkpoint,
          };
          this.onEpoch?.(epochInfo, this);
        }
      }
      if (Object.keys(this.bestParams).length > 0) copyIntoParameters(this.learner.namedParameters(), this.bestParams);
    } finally {
      reporter.end();
      this.running = false;
    }
  }

  /**
   * cs231n's `check_accuracy`: the fraction of examples whose highest score is their label. When
   * `numSamples` is given and X has more rows, `numSamples` rows are drawn with replacement from the
   * global RNG (`choice(N, numSamples)`, as numpy's `np.random.choice`); otherwise all rows are used
   * and the RNG is not touched. Scores come from the model in test mode, `batchSize` rows at a time.
   *
   * @param X - inputs `[N, ...]`.
   * @param y - int32 labels `[N]`.
   * @param opts - `numSamples` (default null: all rows), `batchSize` (default 100).
   * @returns the accuracy, in [0, 1].
   * @throws RangeError for a bad option; `ShapeError` for an empty X, labels that do not match X, or
   *   model scores that are not `[rows, C]`; `DtypeError` for labels that are not int32.
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * import { Solver } from '@tapegrad/optim';
   * const g = new Generator(3);
   * const X = g.randn([30, 4]), y = g.randint(0, 3, [30]);
   * const solver = new Solver(new FullyConnectedNet([5], { inputDim: 4, numClasses: 3 }), { XTrain: X, yTrain: y, XVal: X, yVal: y });
   * const acc = solver.checkAccuracy(X, y, { numSamples: 10, batchSize: 4 });
   * console.log(acc >= 0 && acc <= 1, Number.isInteger(acc * 10)); // true true
   * ```
   */
  checkAccuracy(X: Tensor, y: Tensor, opts: { numSamples?: number | null; batchSize?: number } = {}): number {
    const numSamples = sampleCount('checkAccuracy numSamples', opts.numSamples ?? null);
    const batchSize = positiveInteger('checkAccuracy batchSize', opts.batchSize ?? 100);
    let n = checkSplit('checkAccuracy X', 'checkAccuracy y', X, y);
    // a subsample is gathered a batch at a time into one reused buffer, not as a copy of all of it
    let sample: Float64Array | null = null;
    if (numSamples !== null && n > numSamples) {
      const mask = choice(n, numSamples);
      sample = mask.toFloat64Array();
      y = y.index(mask);
      n = numSamples;
    }
    const labels = y.toFloat64Array();
    const numBatches = Math.ceil(n / batchSize);
    let correct = 0;
    for (let i = 0; i < numBatches; i++) {
      const start = i * batchSize, end = Math.min(n, (i + 1) * batchSize);
      const chunk = sample !== null ? this.gatherRows(this.checkRows, X, sample, start, end)
        : start === 0 && end === n ? X : leadingRows(X, start, end);
      const scores = this.learner.scores(chunk);
      if (scores.ndim !== 2 || scores.shape[0] !== end - start) {
        throw new RangeError(`Solver.checkAccuracy: the model's scores must be [${end - start}, C] (got [${scores.shape.join(', ')}])`);
      }
      const pred = scores.argmax(1).toFloat64Array();
      for (let j = 0; j < pred.length; j++) if (pred[j] === labels[start + j]) correct++;
    }
    return correct / n;
  }

  /**
   * Continues a run from a checkpoint written by a solver with `checkpointName`: loads the model's
   * state (parameters and buffers) into `model`, the optimizer's state (cs231n configs with their
   * buffers, or the Optimizer's state dict), the histories, counters, best parameters and options, and
   * sets the global RNG to its state at that epoch end. `await solver.train()` then finishes the run
   * with exactly the histories and parameters an uninterrupted run ends with, provided `model` is
   * built as before (same layers and dtype) and `data` are the same tensors.
   *
   * @param path - a checkpoint file (`<checkpointName>_epoch_<e>.safetensors`; see {@link Solver.latestCheckpoint}).
   * @param model - a model of the same kind and shapes as the one checkpointed: a cs231n model, or a
   *   new `{ module, lossFn, optimizer }` (same optimizer class and param groups).
   * @param data - the data the run was started with.
   * @param opts - see {@link ResumeOptions}: `numEpochs` (default the checkpoint's; at least its epoch),
   *   `checkpointName` (default the one `path` was written under), `printEvery`, `verbose` (default the
   *   checkpoint's), `progress`, `log`, `terminal`, `onIteration`, `onEpoch`.
   * @returns the solver, positioned after the checkpoint's iteration.
   * @throws {@link CheckpointError} when the file cannot be read, is not a Solver checkpoint, or does
   *   not fit the model, optimizer or data (nothing is changed then); TypeError for an option the
   *   checkpoint fixes (`batchSize`, `updateRule`, ...) and the constructor's errors.
   * @example
   * ```ts
   * import { mkdtempSync } from 'node:fs';
   * import { tmpdir } from 'node:os';
   * import { join } from 'node:path';
   * import { Generator, manualSeed } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * import { Solver } from '@tapegrad/optim';
   * const g = new Generator(4);
   * const data = { XTrain: g.randn([60, 6]), yTrain: g.randint(0, 3, [60]), XVal: g.randn([20, 6]), yVal: g.randint(0, 3, [20]) };
   * const makeModel = () => new FullyConnectedNet([10], { inputDim: 6, numClasses: 3, normalization: 'batchnorm' });
   * const opts = { updateRule: 'adam' as const, batchSize: 10, numEpochs: 4, verbose: false };
   * const checkpointName = join(mkdtempSync(join(tmpdir(), 'solver-')), 'run');
   *
   * manualSeed(0);
   * const full = new Solver(makeModel(), data, opts);
   * await full.train();
   *
   * manualSeed(0);
   * const first = new Solver(makeModel(), data, { ...opts, numEpochs: 2, checkpointName }); // stops after epoch 2
   * await first.train();
   * const path = await Solver.latestCheckpoint(checkpointName); // .../run_epoch_2.safetensors
   * const resumed = await Solver.resume(path!, makeModel(), data, { numEpochs: 4 });
   * await resumed.train();
   * console.log(resumed.lossHistory.every((l, i) => l === full.lossHistory[i]), resumed.epoch); // true 4
   * ```
   */
  static async resume(path: string, model: Cs231nModel | ModuleSetup, data: SolverData, opts: ResumeOptions = {}): Promise<Solver> {
    const op = 'Solver.resume';
    if (typeof path !== 'string' || path === '') throw new TypeError(`${op}: path must be a file path (got ${describeValue(path)})`);
    if (opts === null || typeof opts !== 'object') throw new TypeError(`${op}: options must be an object (got ${describeValue(opts)})`);
    for (const key of fixedByCheckpoint) {
      if (Object.hasOwn(opts, key)) throw new TypeError(`${op}: ${key} is fixed by the checkpoint and cannot be given`);
    }
    const state = await readCheckpoint(path, op);
    const where = `${op}: ${path}`;
    const kind = isModuleSetup(model) ? 'module' : 'cs231n';
    if (kind !== state.kind) {
      const name = (k: string) => (k === 'module' ? 'a { module, lossFn, optimizer } setup' : 'a cs231n model');
      throw new CheckpointError(`${where}: the checkpoint is of ${name(state.kind)} (got ${name(kind)})`);
    }
    const saved = state.options;
    const numEpochs = opts.numEpochs ?? saved.numEpochs;
    if (typeof numEpochs === 'number' && numEpochs < state.epoch) {
      throw new RangeError(`${op}: numEpochs must be at least the checkpoint's epoch ${state.epoch} (got ${numEpochs})`);
    }
    const given = (key: keyof ResumeOptions) => opts[key] !== undefined;
    const options: SolverOptions = {
      ...opts,
      lrDecay: saved.lrDecay,
      batchSize: saved.batchSize,
      numTrainSamples: saved.numTrainSamples,
      numValSamples: saved.numValSamples,
      numEpochs,
      printEvery: given('printEvery') ? opts.printEvery! : saved.printEvery,
      verbose: given('verbose') ? opts.verbose! : saved.verbose,
      checkpointName: opts.checkpointName !== undefined ? opts.checkpointName : (parseCheckpointPath(path)?.name ?? null),
    };
    const solver = isModuleSetup(model)
      ? new Solver(model, data, options)
      : new Solver(model, data, { ...options, updateRule: saved.updateRule ?? 'sgd' });
    solver.restore(state, where);
    return solver;
  }

  /**
   * The checkpoint with the highest epoch written under `checkpointName`, or null when there is none.
   * Only complete files count: a write interrupted by a crash leaves a hidden temporary file, which is
   * ignored.
   * @param checkpointName - the solver's `checkpointName` (a path prefix).
   * @returns `<checkpointName>_epoch_<e>.safetensors` with the largest e, or null.
   * @throws {@link CheckpointError} when the folder exists but cannot be read.
   * @example
   * ```ts
   * import { Solver } from '@tapegrad/optim';
   * console.log(await Solver.latestCheckpoint('/nonexistent-folder/run')); // null
   * ```
   */
  static latestCheckpoint(checkpointName: string): Promise<string | null> {
    if (typeof checkpointName !== 'string' || checkpointName === '') {
      return Promise.reject(new TypeError(`Solver.latestCheckpoint: checkpointName must be a non-empty string (got ${describeValue(checkpointName)})`));
    }
    return latestCheckpoint(checkpointName);
  }

  /**
   * Rows `rows[from..to)` of `X` in `into`'s reused buffer, which the model reads before the next
   * gather; a copy made by `index` when `X` requires grad (the gather would cut it from the graph).
   */
  private gatherRows(into: RowGather, X: Tensor, rows: Float64Array, from = 0, to = rows.length): Tensor {
    if (X.requiresGrad) return X.index(Int32Array.from(rows.subarray(from, to)));
    return into.gather(X, rows, from, to);
  }

  /** The run's state for a checkpoint (model tensors shared; encoded before the next step). */
  private checkpointState(): CheckpointState {
    return {
      kind: this.learner.kind,
      options: {
        updateRule: this.updateRule,
        lrDecay: this.lrDecay,
        batchSize: this.batchSize,
        numEpochs: this.numEpochs,
        numTrainSamples: this.numTrainSamples,
        numValSamples: this.numValSamples,
        printEvery: this.printEvery,
        verbose: this.verbose,
      },
      epoch: this.epoch,
      iteration: this.iteration,
      lossHistory: this.lossHistory,
      trainAccHistory: this.trainAccHistory,
      valAccHistory: this.valAccHistory,
      bestValAcc: this.bestValAcc,
      rng: defaultGenerator.getState(),
      model: this.learner.modelState(),
      bestParams: this.bestParams,
      optimizer: this.learner.optimizerState(),
    };
  }

  /** Loads a checkpoint's state; on failure nothing is changed. */
  private restore(state: CheckpointState, where: string): void {
    const perEpoch = this.iterationsPerEpoch;
    if (Math.floor(state.iteration / perEpoch) !== state.epoch) {
      throw new CheckpointError(
        `${where}: iteration ${state.iteration} ends epoch ${state.epoch} of the checkpointed run, but this training set ` +
          `(${this.data.XTrain.shape[0]} examples, batch size ${this.batchSize}) has ${perEpoch} iterations per epoch`,
      );
    }
    const before = Object.fromEntries(Object.entries(this.learner.modelState()).map(([k, t]) => [k, noGrad(() => t.detach().clone())]));
    this.learner.loadModelState(state.model, where);
    try {
      const params = this.learner.namedParameters();
      const best = Object.keys(state.bestParams);
      const fits = params.length === best.length && params.every(([n, p]) => state.bestParams[n]?.shape.join() === p.shape.join());
      if (best.length > 0 && !fits) {
        throw new CheckpointError(`${where}: bestParams must hold the parameters ${params.map(([n]) => n).join(', ')} with their shapes (got ${best.join(', ')})`);
      }
      this.learner.loadOptimizerState(state.optimizer, where);
    } catch (e) {
      this.learner.loadModelState(before, where);
      throw e;
    }
    this.epoch = state.epoch;
    this.iteration = state.iteration;
    this.lossHistory = [...state.lossHistory];
    this.trainAccHistory = [...state.trainAccHistory];
    this.valAccHistory = [...state.valAccHistory];
    this.bestValAcc = state.bestValAcc;
    this.bestParams = { ...state.bestParams };
    defaultGenerator.setState(state.rng);
  }

  /** The reporter for this run's progress option. */
  private reporter(): Reporter {
    if (!this.verbose || this.progress === 'none') return silentReporter;
    const terminal = this.terminal ?? defaultTerminal();
    const bar = this.progress === 'bar' || (this.progress === 'auto' && this.log === undefined && terminal !== null);
    if (bar && terminal !== null) return barReporter(terminal);
    const log = this.log ?? ((line: string) => console.log(line));
    return linesReporter(log, this.printEvery);
  }
}
