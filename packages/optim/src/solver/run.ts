/**
 * What a Solver's run has reached (its counters, histories, best parameters and the per-parameter
 * configs of its update rule) and what can be done with it mid-run (an accuracy check, a
 * checkpoint's bytes). A {@link Solver} is one; `onIteration` and `onEpoch` receive the running
 * solver as this.
 * @module
 */
import type { Tensor } from '@tapegrad/core';
import type { Cs231nOptimConfig } from '../cs231nUpdateRules.js';

/**
 * A training run as far as it has gone, as {@link SolverOptions.onIteration} and
 * {@link SolverOptions.onEpoch} see it: the {@link Solver} that calls them (every member here is the
 * solver's own). The counters and histories grow as {@link Solver.train} goes; a change to
 * `optimConfigs` takes effect at the next iteration; `checkpointBytes()` from `onEpoch` saves the
 * run where its checkpoint file would.
 *
 * @example
 * ```ts
 * import { Generator } from '@tapegrad/core';
 * import { FullyConnectedNet } from '@tapegrad/nn';
 * import { Solver, type SolverRun } from '@tapegrad/optim';
 * const g = new Generator(0), X = g.randn([40, 4]), y = g.randint(0, 2, [40]);
 * const seen: number[] = [];
 * const solver = new Solver(new FullyConnectedNet([8], { inputDim: 4, numClasses: 2 }), { XTrain: X, yTrain: y, XVal: X, yVal: y }, {
 *   batchSize: 10, numEpochs: 2, verbose: false,
 *   onEpoch: (_info, run: SolverRun) => seen.push(run.valAccHistory.length),
 * });
 * await solver.train();
 * console.log(seen); // [1, 2, 3]
 * ```
 * @category Solver
 */
export interface SolverRun {
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
  readonly epoch: number;
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
  readonly iteration: number;
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
  readonly iterationsPerEpoch: number;
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
  readonly numIterations: number;
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
  readonly lossHistory: number[];
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
  readonly trainAccHistory: number[];
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
  readonly valAccHistory: number[];
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
  readonly bestValAcc: number;
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
  readonly bestParams: Record<string, Tensor>;
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
  readonly optimConfigs: Record<string, Cs231nOptimConfig>;
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
  checkAccuracy(X: Tensor, y: Tensor, opts?: { numSamples?: number | null; batchSize?: number }): number;
  /**
   * The run's checkpoint as bytes: exactly what a checkpoint file written at this point holds (see
   * {@link Solver.resume}: the model with its buffers, the optimizer's state, the histories, counters,
   * best parameters and the global RNG's state, as one safetensors file), for where there are no
   * files, as in a browser: keep them in memory or IndexedDB, send them to a server, offer them as a
   * download. {@link Solver.resumeFromBytes} continues the run from them.
   *
   * Taken from `onEpoch`, they are the bytes of the file the epoch end writes (with `checkpointName`),
   * and a run resumed from them ends exactly as an uninterrupted one. Taken after `train()` has
   * returned, they hold the model as `train()` leaves it, with the best parameters copied in, so a
   * run resumed from them goes on from those.
   *
   * @returns a new array holding the checkpoint.
   * @throws {@link CheckpointError} when called from `onIteration` at an iteration whose epoch end or
   *   accuracy check is still to come (resumed from there, the run would skip them), or when an
   *   optimizer config holds a number JSON cannot keep (NaN or ±Infinity).
   * @example
   * ```ts
   * import { mkdtempSync, readFileSync } from 'node:fs';
   * import { tmpdir } from 'node:os';
   * import { join } from 'node:path';
   * import { Generator, manualSeed } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * import { Solver } from '@tapegrad/optim';
   * const g = new Generator(5);
   * const data = { XTrain: g.randn([40, 4]), yTrain: g.randint(0, 2, [40]), XVal: g.randn([10, 4]), yVal: g.randint(0, 2, [10]) };
   * const checkpointName = join(mkdtempSync(join(tmpdir(), 'solver-')), 'run');
   * const sameAsFile: boolean[] = [];
   * manualSeed(0);
   * const solver = new Solver(new FullyConnectedNet([8], { inputDim: 4, numClasses: 2 }), data, {
   *   batchSize: 10, numEpochs: 2, verbose: false, checkpointName,
   *   onEpoch: (info, run) => { if (info.checkpoint !== null) sameAsFile.push(readFileSync(info.checkpoint).equals(run.checkpointBytes())); },
   * });
   * await solver.train();
   * console.log(sameAsFile); // [true, true]
   * ```
   */
  checkpointBytes(): Uint8Array;
}
