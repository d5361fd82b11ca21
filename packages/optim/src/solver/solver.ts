/**
 * cs231n's Solver (`solver.py`), ported: minibatch training with a cs231n update rule (or a
 * PyTorch-style module, loss and optimizer), accuracy checks, best-parameter tracking, cs231n's log
 * lines or a progress bar, and checkpoints that resume a run bit for bit. The class is the public
 * face; the work is done beside it (options.ts, train.ts, accuracy.ts, resume.ts, checkpoint*.ts).
 * @module
 */
import type { Tensor } from '@tapegrad/core';
import { describeValue } from '../options.js';
import type { Cs231nOptimConfig, Cs231nRuleName } from '../cs231nUpdateRules.js';
import { checkAccuracy } from './accuracy.js';
import { checkpointFromBytes, checkpointToBytes, parseCheckpointPath, type CheckpointState } from './checkpoint.js';
import { latestCheckpoint, readCheckpoint } from './checkpointFile.js';
import { isModuleSetup, resolveOptions, type SolverParts, type SolverSettings } from './options.js';
import { captureState, checkResumeOptions, restoreState, resumeOptions } from './resume.js';
import type { SolverRun } from './run.js';
import { train } from './train.js';
import type { Cs231nModel, ModuleSetup, ResumeOptions, SolverData, SolverOptions } from './types.js';

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
 * run to exactly the result of an uninterrupted one. {@link Solver.checkpointBytes} and
 * {@link Solver.resumeFromBytes} do the same with the file's bytes, where there are no files (a browser).
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
export class Solver implements SolverSettings, SolverRun {
  // Each member below is documented where it is declared first: SolverSettings, then SolverRun.
  readonly model: Cs231nModel | ModuleSetup;
  readonly updateRule: Cs231nRuleName | null;
  readonly lrDecay: number;
  readonly batchSize: number;
  readonly numEpochs: number;
  readonly numTrainSamples: number | null;
  readonly numValSamples: number | null;
  readonly printEvery: number;
  readonly verbose: boolean;
  readonly checkpointName: string | null;
  epoch = 0;
  iteration = 0;
  bestValAcc = 0;
  bestParams: Record<string, Tensor> = {};
  lossHistory: number[] = [];
  trainAccHistory: number[] = [];
  valAccHistory: number[] = [];

  private readonly parts: SolverParts;
  private running = false;

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
    const { settings, parts } = resolveOptions(model, data, opts);
    ({
      model: this.model, updateRule: this.updateRule, lrDecay: this.lrDecay, batchSize: this.batchSize, numEpochs: this.numEpochs,
      numTrainSamples: this.numTrainSamples, numValSamples: this.numValSamples, printEvery: this.printEvery, verbose: this.verbose,
      checkpointName: this.checkpointName,
    } = settings);
    this.parts = parts;
  }

  // SolverRun's getters and methods, documented there
  get iterationsPerEpoch(): number {
    return Math.max(Math.floor(this.parts.data.XTrain.shape[0]! / this.batchSize), 1);
  }

  get numIterations(): number {
    return this.numEpochs * this.iterationsPerEpoch;
  }

  get optimConfigs(): Record<string, Cs231nOptimConfig> {
    return this.parts.learner.optimConfigs;
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
    try {
      await train(this, this.parts);
    } finally {
      this.running = false;
    }
  }

  checkAccuracy(X: Tensor, y: Tensor, opts: { numSamples?: number | null; batchSize?: number } = {}): number {
    return checkAccuracy(this.parts, X, y, opts);
  }

  checkpointBytes(): Uint8Array {
    return checkpointToBytes(captureState(this, this.parts, 'Solver.checkpointBytes'));
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
    checkResumeOptions(op, opts);
    const state = await readCheckpoint(path, op);
    return Solver.fromCheckpoint(state, model, data, opts, op, `${op}: ${path}`, parseCheckpointPath(path)?.name ?? null);
  }

  /**
   * {@link Solver.resume} from a checkpoint's bytes instead of its file: `bytes` are what
   * {@link Solver.checkpointBytes} returned, or the contents of a checkpoint file (fetched, uploaded,
   * read from IndexedDB). The checks, the options and the solver made are `resume`'s, and nothing
   * touches a file system, so it runs in a browser: `await solver.train()` then finishes the run
   * with exactly the histories and parameters an uninterrupted run ends with.
   *
   * @param bytes - a checkpoint: {@link Solver.checkpointBytes}'s result, or a checkpoint file's bytes.
   * @param model - a model of the same kind and shapes as the one checkpointed (as for {@link Solver.resume}).
   * @param data - the data the run was started with.
   * @param opts - see {@link ResumeOptions}, as for `resume`, except that `checkpointName` defaults
   *   to null: no files are written unless it is given.
   * @returns the solver, positioned after the checkpoint's iteration.
   * @throws TypeError when `bytes` is not a Uint8Array, and for an option the checkpoint fixes;
   *   {@link CheckpointError} when the bytes are not a safetensors file, not a Solver checkpoint, or
   *   do not fit the model, optimizer or data (nothing is changed then); the constructor's errors.
   * @example
   * ```ts
   * import { Generator, manualSeed } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * import { Solver } from '@tapegrad/optim';
   * const g = new Generator(4);
   * const data = { XTrain: g.randn([60, 6]), yTrain: g.randint(0, 3, [60]), XVal: g.randn([20, 6]), yVal: g.randint(0, 3, [20]) };
   * const makeModel = () => new FullyConnectedNet([10], { inputDim: 6, numClasses: 3, normalization: 'batchnorm' });
   * const opts = { updateRule: 'adam' as const, batchSize: 10, numEpochs: 4, verbose: false };
   *
   * // a run that keeps a checkpoint of each epoch in memory (in a browser: IndexedDB, say)
   * const saved = new Map<number, Uint8Array>();
   * manualSeed(0);
   * const full = new Solver(makeModel(), data, { ...opts, onEpoch: (info, run) => saved.set(info.epoch, run.checkpointBytes()) });
   * await full.train();
   *
   * manualSeed(123); // the global stream does not matter: the checkpoint restores it
   * const resumed = Solver.resumeFromBytes(saved.get(2)!, makeModel(), data);
   * console.log(resumed.epoch, resumed.iteration); // 2 12
   * await resumed.train();
   * console.log(resumed.lossHistory.every((l, i) => l === full.lossHistory[i]), resumed.epoch); // true 4
   * ```
   */
  static resumeFromBytes(bytes: Uint8Array, model: Cs231nModel | ModuleSetup, data: SolverData, opts: ResumeOptions = {}): Solver {
    const op = 'Solver.resumeFromBytes';
    if (!(bytes instanceof Uint8Array)) throw new TypeError(`${op}: bytes must be a Uint8Array (got ${describeValue(bytes)})`);
    checkResumeOptions(op, opts);
    return Solver.fromCheckpoint(checkpointFromBytes(bytes, op), model, data, opts, op, op, null);
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

  /** A solver made from a checkpoint's state, for {@link Solver.resume} and {@link Solver.resumeFromBytes}. */
  private static fromCheckpoint(
    state: CheckpointState, model: Cs231nModel | ModuleSetup, data: SolverData, opts: ResumeOptions, op: string, where: string, savedName: string | null,
  ): Solver {
    const options = resumeOptions(state, model, opts, op, where, savedName);
    // the same call twice: each branch picks its constructor overload
    const solver = isModuleSetup(model) ? new Solver(model, data, options) : new Solver(model, data, options);
    restoreState(solver, solver.parts, state, where);
    return solver;
  }
}
