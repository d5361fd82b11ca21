/**
 * The Solver's options: the settings a Solver runs with ({@link SolverSettings}, public), and the
 * checks that turn the arguments of `new Solver(model, data, opts)` into them and into the parts the
 * Solver keeps to itself ({@link SolverParts}).
 * @module
 */
import { DtypeError, ShapeError, Tensor, formatShape } from '@tapegrad/core';
import type { Cs231nRuleName } from '../cs231nUpdateRules.js';
import { checkKnownKeys, describeValue } from '../options.js';
import { ModuleLearner, RuleLearner, type Learner } from './learner.js';
import type { TerminalStream } from './progress.js';
import { RowGather } from './rowGather.js';
import type { SolverRun } from './run.js';
import type { Cs231nModel, ModuleSetup, ProgressMode, SolverData, SolverOptions } from './types.js';

/**
 * The settings a {@link Solver} runs with: its model and its options with their defaults filled
 * in (cs231n's). A {@link Solver} is one; every member here is the solver's own.
 *
 * @example
 * ```ts
 * import { Generator } from '@tapegrad/core';
 * import { FullyConnectedNet } from '@tapegrad/nn';
 * import { Solver, type SolverSettings } from '@tapegrad/optim';
 * const g = new Generator(0), X = g.randn([40, 4]), y = g.randint(0, 2, [40]);
 * const settings: SolverSettings = new Solver(new FullyConnectedNet([8], { inputDim: 4, numClasses: 2 }), { XTrain: X, yTrain: y, XVal: X, yVal: y });
 * console.log(settings.batchSize, settings.numEpochs, settings.lrDecay); // 100 10 1
 * ```
 * @category Solver
 */
export interface SolverSettings {
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
}

/**
 * What a Solver keeps to itself: what trains the model, the data, how progress is shown, the
 * callbacks and the reused row buffers. The loop, the accuracy check and resume work on these.
 * @internal
 */
export interface SolverParts {
  readonly learner: Learner;
  readonly data: SolverData;
  readonly progress: ProgressMode;
  readonly log: ((line: string) => void) | undefined;
  readonly terminal: TerminalStream | undefined;
  readonly onIteration: SolverOptions['onIteration'];
  readonly onEpoch: SolverOptions['onEpoch'];
  /** The training minibatches' rows, and the accuracy checks' subsample batches (each reused). */
  readonly batchRows: RowGather;
  readonly checkRows: RowGather;
}

/** The fields of a run that the loop and resume write. */
type RunFields = 'epoch' | 'iteration' | 'lossHistory' | 'trainAccHistory' | 'valAccHistory' | 'bestValAcc' | 'bestParams';

/** A Solver as the loop and resume see it: its settings, and its run with `RunFields` writable. @internal */
export type RunState = SolverSettings & Omit<SolverRun, RunFields> & { -readonly [K in RunFields]: SolverRun[K] };

const optionKeys: readonly (keyof SolverOptions)[] = [
  'updateRule', 'optimConfig', 'lrDecay', 'batchSize', 'numEpochs', 'numTrainSamples', 'numValSamples', 'printEvery',
  'verbose', 'checkpointName', 'progress', 'log', 'terminal', 'onIteration', 'onEpoch',
];
const progressModes: readonly ProgressMode[] = ['auto', 'bar', 'lines', 'none'];

/** Whether `model` is a `{ module, lossFn, optimizer }` setup rather than a cs231n model. @internal */
export function isModuleSetup(model: unknown): model is ModuleSetup {
  return model !== null && typeof model === 'object' && 'module' in model && 'optimizer' in model && 'lossFn' in model;
}

/** `value`, checked to be an integer >= 1. @throws RangeError naming `name`. @internal */
export function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`Solver: ${name} must be an integer >= 1 (got ${describeValue(value)})`);
  }
  return value;
}

/** A sample count: null (all rows) or an integer >= 1. @internal */
export function sampleCount(name: string, value: unknown): number | null {
  return value === null ? null : positiveInteger(name, value);
}

function checkFunction<T>(name: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`Solver: ${name} must be a function (got ${describeValue(value)})`);
  return value;
}

/** Checks inputs X `[N, ...]` and int32 (or uint8) labels `[N]`, named `xName`, `yName` in errors; returns N. @internal */
export function checkSplit(xName: string, yName: string, X: unknown, y: unknown): number {
  if (!(X instanceof Tensor)) throw new TypeError(`Solver: ${xName} must be a Tensor (got ${describeValue(X)})`);
  if (!(y instanceof Tensor)) throw new TypeError(`Solver: ${yName} must be a Tensor (got ${describeValue(y)})`);
  const n = X.shape[0];
  if (X.ndim < 1 || n === undefined || n < 1) throw new ShapeError(`Solver: ${xName} must hold at least one example [N, ...] (got ${formatShape(X.shape)})`);
  if (y.dtype !== 'int32' && y.dtype !== 'uint8') throw new DtypeError(`Solver: ${yName} must hold int32 class indices (got ${y.dtype})`);
  if (y.ndim !== 1 || y.shape[0] !== n) throw new ShapeError(`Solver: ${yName} must be [${n}], one label per row of ${xName} (got ${formatShape(y.shape)})`);
  return n;
}

/**
 * Checks the arguments of `new Solver(model, data, opts)` and resolves them: the settings, defaults
 * filled in, and the parts the Solver keeps to itself.
 * @throws the errors {@link Solver}'s constructor lists.
 * @internal
 */
export function resolveOptions(model: Cs231nModel | ModuleSetup, data: SolverData, opts: SolverOptions): { settings: SolverSettings; parts: SolverParts } {
  if (opts === null || typeof opts !== 'object') throw new TypeError(`Solver: options must be an object (got ${describeValue(opts)})`);
  checkKnownKeys('Solver', 'option', opts, optionKeys);
  if (data === null || typeof data !== 'object') throw new TypeError(`Solver: data must be { XTrain, yTrain, XVal, yVal } (got ${describeValue(data)})`);
  checkSplit('data.XTrain', 'data.yTrain', data.XTrain, data.yTrain);
  checkSplit('data.XVal', 'data.yVal', data.XVal, data.yVal);

  let learner: Learner;
  let updateRule: Cs231nRuleName | null;
  if (isModuleSetup(model)) {
    if (opts.updateRule !== undefined || opts.optimConfig !== undefined) {
      throw new TypeError('Solver: updateRule and optimConfig are for cs231n models; a { module, lossFn, optimizer } setup is updated by its optimizer');
    }
    learner = new ModuleLearner(model);
    updateRule = null;
  } else {
    if (model === null || typeof model !== 'object' || typeof (model as Partial<Cs231nModel>).loss !== 'function') {
      throw new TypeError(`Solver: model must have params and loss(X, y), or be { module, lossFn, optimizer } (got ${describeValue(model)})`);
    }
    updateRule = opts.updateRule ?? 'sgd';
    learner = new RuleLearner(model, updateRule, opts.optimConfig ?? {});
  }

  const lrDecay = opts.lrDecay ?? 1;
  if (typeof lrDecay !== 'number' || !Number.isFinite(lrDecay) || lrDecay < 0) {
    throw new RangeError(`Solver: lrDecay must be a finite number >= 0 (got ${describeValue(lrDecay)})`);
  }
  const batchSize = positiveInteger('batchSize', opts.batchSize ?? 100);
  const numEpochs = positiveInteger('numEpochs', opts.numEpochs ?? 10);
  const numTrainSamples = sampleCount('numTrainSamples', opts.numTrainSamples === undefined ? 1000 : opts.numTrainSamples);
  const numValSamples = sampleCount('numValSamples', opts.numValSamples ?? null);
  const printEvery = positiveInteger('printEvery', opts.printEvery ?? 10);
  const verbose = opts.verbose ?? true;
  if (typeof verbose !== 'boolean') throw new TypeError(`Solver: verbose must be true or false (got ${describeValue(verbose)})`);
  const checkpointName = opts.checkpointName ?? null;
  if (checkpointName !== null && (typeof checkpointName !== 'string' || checkpointName === '')) {
    throw new TypeError(`Solver: checkpointName must be a non-empty string or null (got ${describeValue(checkpointName)})`);
  }
  const progress = opts.progress ?? 'auto';
  if (!progressModes.includes(progress)) throw new RangeError(`Solver: progress must be one of ${progressModes.join(', ')} (got ${describeValue(progress)})`);
  const log = checkFunction('log', opts.log);
  const terminal = opts.terminal;
  if (terminal !== undefined && (terminal === null || typeof terminal.write !== 'function')) {
    throw new TypeError(`Solver: terminal must have write(text) (got ${describeValue(terminal)})`);
  }
  return {
    settings: { model, updateRule, lrDecay, batchSize, numEpochs, numTrainSamples, numValSamples, printEvery, verbose, checkpointName },
    parts: {
      learner,
      data: { XTrain: data.XTrain, yTrain: data.yTrain, XVal: data.XVal, yVal: data.yVal },
      progress,
      log,
      terminal,
      onIteration: checkFunction('onIteration', opts.onIteration),
      onEpoch: checkFunction('onEpoch', opts.onEpoch),
      batchRows: new RowGather(),
      checkRows: new RowGather(),
    },
  };
}
