/**
 * The sizes of a run: the notebook's (`pnpm demo`) or small ones (`--quick`, about a minute).
 * @module
 */

/** One experiment's training setup, as the notebook's Solver calls take it. */
export interface TrainingSetup {
  /** Hidden layer sizes of the FullyConnectedNet. */
  hiddenDims: number[];
  /** Training images used (the first ones of the training split). */
  numTrain: number;
  /** Validation images used (the first ones of the validation split). */
  numVal: number;
  numEpochs: number;
  batchSize: number;
  learningRate: number;
  weightScale: number;
  /** The Solver's printEvery. */
  printEvery: number;
}

/** Everything a run's sections need to know about its size. */
export interface RunConfig {
  /** Whether this is a `--quick` run. */
  quick: boolean;
  /** The notebook's seed. */
  seed: number;
  /** In [36]: six-layer nets with and without batchnorm. */
  deepNets: TrainingSetup;
  /** In [38]: eight-layer nets over the weight scales. */
  weightScale: TrainingSetup & { numScales: number };
  /** In [40] / [46]: batch sizes, and the baseline's (the first). */
  batchSize: TrainingSetup & { batchSizes: number[] };
  /**
   * Inline question 4's experiment: layernorm against no normalization in a reference net, a very
   * deep one, one with very few features per layer, and one with a high regularization.
   */
  lnLimits: TrainingSetup & { deepDims: number[]; smallDims: number[]; highReg: number };
  /** Worker threads for the sweeps (0: train in this thread). */
  workers: number;
}

/** The notebook's sizes, or the `--quick` ones. */
export function runConfig(opts: { quick: boolean; workers: number }): RunConfig {
  const q = opts.quick;
  return {
    quick: q,
    seed: 231,
    deepNets: {
      hiddenDims: [100, 100, 100, 100, 100],
      numTrain: q ? 200 : 1000, numVal: q ? 200 : 1000, numEpochs: q ? 5 : 10,
      batchSize: 50, learningRate: 1e-3, weightScale: 2e-2, printEvery: q ? 4 : 20,
    },
    weightScale: {
      hiddenDims: [50, 50, 50, 50, 50, 50, 50],
      numTrain: q ? 200 : 1000, numVal: q ? 200 : 1000, numEpochs: q ? 5 : 10,
      batchSize: 50, learningRate: 1e-3, weightScale: NaN, printEvery: 200, numScales: q ? 5 : 20,
    },
    batchSize: {
      hiddenDims: [100, 100, 100, 100, 100],
      numTrain: q ? 200 : 1000, numVal: q ? 200 : 1000, numEpochs: q ? 3 : 10,
      batchSize: 5, learningRate: 10 ** -3.5, weightScale: 2e-2, printEvery: 10, batchSizes: [5, 10, 50],
    },
    lnLimits: {
      hiddenDims: [100, 100, 100, 100, 100],
      numTrain: q ? 200 : 1000, numVal: q ? 200 : 1000, numEpochs: q ? 3 : 10,
      batchSize: 50, learningRate: 1e-3, weightScale: 2e-2, printEvery: 200,
      deepDims: Array.from({ length: q ? 10 : 15 }, () => 100),
      smallDims: [4, 4, 4, 4, 4],
      highReg: 1,
    },
    workers: opts.workers,
  };
}
