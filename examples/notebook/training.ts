/**
 * One training task of the notebook, the same in this thread and in a worker: reseed, build the
 * FullyConnectedNets (or the part "Beyond the notebook"'s convnet) of the task in order, then train
 * each with cs231n's Solver (Adam) in order, as the notebook's cells do. A task is plain data; so is its result, so results from the pool and from
 * a serial run can be compared number for number. Platform-free: Node's pool (trainer.ts) and the
 * web page's workers run the same function.
 * @module
 */
import { contiguousNdArray, fromArray, getKernels, manualSeed, type Tensor } from '@tapegrad/core';
import { FullyConnectedNet } from '@tapegrad/nn';
import { Solver, type EpochInfo, type IterationInfo, type ModuleSetup, type SolverData, type SolverOptions } from '@tapegrad/optim';
import { convnetSetup, type ConvNorm } from './convnet.js';
import type { NotebookData } from './notebookData.js';
import type { RunConfig } from './config.js';

/** One model and its Solver run. */
export interface RunSpec {
  /** Unique within the run: `ws-03-batchnorm`. */
  key: string;
  hiddenDims: number[];
  normalization: 'batchnorm' | 'layernorm' | null;
  weightScale: number;
  /** L2 strength of the model's loss (cs231n's reg). */
  reg: number;
  numTrain: number;
  numVal: number;
  numEpochs: number;
  batchSize: number;
  learningRate: number;
  printEvery: number;
  /** Whether the Solver logs its `(Iteration ...)` / `(Epoch ...)` lines (kept in the result). */
  verbose: boolean;
  /**
   * Set: the run trains convnet.ts's small convnet with this normalization instead of a
   * FullyConnectedNet (hiddenDims, normalization, weightScale and reg are then unused).
   */
  convnet?: ConvNorm;
}

/** The model of a run, built from the global RNG: a FullyConnectedNet, or the convnet with its loss and Adam. */
function buildModel(run: RunSpec, inputDim: number): FullyConnectedNet | ModuleSetup {
  if (run.convnet !== undefined) return convnetSetup(run.convnet, run.learningRate);
  return new FullyConnectedNet(run.hiddenDims, { inputDim, weightScale: run.weightScale, normalization: run.normalization, reg: run.reg });
}

/** Models built one after the other after one `manualSeed(seed)`, then trained one after the other. */
export interface TrainingTask {
  seed: number;
  runs: RunSpec[];
}

/** What one Solver run leaves: its histories. */
export interface RunResult {
  key: string;
  lossHistory: number[];
  trainAccHistory: number[];
  valAccHistory: number[];
  bestValAcc: number;
  /** Wall time of `train()`, in seconds (the only number that differs between runs). */
  seconds: number;
  /** The error that stopped the run, if one did (the histories then hold what was done). */
  error: string | null;
  /** The Solver's log lines (verbose runs only). */
  log: string[];
}

/** The images and labels a task trains on: typed arrays, so they can live in shared memory. */
export interface TrainingArrays {
  XTrain: Float32Array;
  yTrain: Int32Array;
  XVal: Float32Array;
  yVal: Int32Array;
  /** Values per image (3·32·32). */
  rowSize: number;
  /** The image shape after N ([3, 32, 32]). */
  imageShape: number[];
}

/** Tasks a section will hand to {@link Trainer.runTasks}, under the label it will give them. */
export interface TaskBatch {
  label: string;
  tasks: TrainingTask[];
}

/** Runs trainings for the sections: Node's worker pool (trainer.ts), or the web page's workers. */
export interface Trainer {
  /** Runs independent tasks; the results come back in the tasks' order, one array per task. */
  runTasks(label: string, tasks: TrainingTask[]): Promise<RunResult[][]>;
  /**
   * Starts tasks that a later `runTasks(label, tasks)` (same label, equal tasks) will ask for, so
   * that idle workers take them up early; that call then returns their results. Optional: a trainer
   * without it runs every batch when asked.
   */
  prefetch?(label: string, tasks: TrainingTask[]): void;
  /**
   * Starts the workers now (without the data: the tasks bring it); resolves once they are up, or
   * after a few seconds at most. Optional, like `prefetch`.
   */
  warmUp?(): Promise<void>;
  /** Stops the workers. */
  close(): Promise<void>;
}

/** What a training reports while it runs (each callback gets the index of the run within its task). */
export interface TrainingEvents {
  /** After each iteration, with the Solver's iteration info (the minibatch loss). */
  iteration?: (runIndex: number, info: IterationInfo) => void;
  /** After each accuracy check (the first iteration, every epoch's end). */
  epoch?: (runIndex: number, info: EpochInfo) => void;
  /** Each line the Solver logs (verbose runs only). */
  log?: (runIndex: number, line: string) => void;
}

/** The cs231n Solver's number of iterations: numEpochs · max(⌊numTrain / batchSize⌋, 1). */
export function iterationsOf(run: Pick<RunSpec, 'numTrain' | 'batchSize' | 'numEpochs'>): number {
  return run.numEpochs * Math.max(Math.floor(run.numTrain / run.batchSize), 1);
}

/** The first `n` rows of an array of `rowSize`-value rows, as a tensor [n, ...imageShape] (no copy). */
function rows(values: Float32Array | Int32Array, n: number, rowSize: number, shape: number[]): Tensor {
  if (n * rowSize > values.length) throw new RangeError(`training: ${n} rows asked for (got ${values.length / rowSize})`);
  return fromArray(values.subarray(0, n * rowSize), [n, ...shape]);
}

/** Images already copied into the kernels' memory, by source array and row count. */
const imagesInKernelMemory = new WeakMap<Float32Array, Map<number, Tensor>>();

/**
 * The first `n` images as a tensor in the kernels' memory (`getKernels().allocate`), copied once per
 * source array and row count: the GEMMs then read the images, and the Solver's `checkAccuracy`
 * batches (views of them), in place instead of copying them in at every call.
 */
function images(values: Float32Array, n: number, rowSize: number, shape: number[]): Tensor {
  let byCount = imagesInKernelMemory.get(values);
  if (byCount === undefined) imagesInKernelMemory.set(values, (byCount = new Map()));
  let t = byCount.get(n);
  if (t === undefined) {
    const source = rows(values, n, rowSize, shape);
    const copy = getKernels().allocate('float32', n * rowSize);
    copy.set(source.data.data as Float32Array);
    byCount.set(n, (t = fromArray(copy, source.shape)));
  }
  return t;
}

/** cs231n's `small_data`: the first numTrain training images and the first numVal validation images. */
function smallData(arrays: TrainingArrays, run: RunSpec): SolverData {
  return {
    XTrain: images(arrays.XTrain, run.numTrain, arrays.rowSize, arrays.imageShape),
    yTrain: rows(arrays.yTrain, run.numTrain, 1, []),
    XVal: images(arrays.XVal, run.numVal, arrays.rowSize, arrays.imageShape),
    yVal: rows(arrays.yVal, run.numVal, 1, []),
  };
}

/**
 * Runs a task: `manualSeed(task.seed)`, every model built in order, then every Solver trained in
 * order (Adam, the run's learning rate, verbose off). `events` hears every iteration, accuracy check
 * and log line, for progress and live plots. A run that throws (a non-finite loss) is recorded with
 * its error and the task goes on.
 */
export async function runTrainingTask(task: TrainingTask, arrays: TrainingArrays, events: TrainingEvents = {}): Promise<RunResult[]> {
  manualSeed(task.seed);
  const models = task.runs.map((run) => buildModel(run, arrays.rowSize));
  const results: RunResult[] = [];
  for (const [i, run] of task.runs.entries()) {
    const log: string[] = [];
    const options: Omit<SolverOptions, 'updateRule' | 'optimConfig'> = {
      numEpochs: run.numEpochs,
      batchSize: run.batchSize,
      printEvery: run.printEvery,
      verbose: run.verbose,
      progress: 'lines',
      log: (line) => {
        log.push(line);
        events.log?.(i, line);
      },
      onIteration: (info) => events.iteration?.(i, info),
      onEpoch: (info) => events.epoch?.(i, info),
    };
    const model = models[i]!, data = smallData(arrays, run);
    const solver = model instanceof FullyConnectedNet
      ? new Solver(model, data, { ...options, updateRule: 'adam', optimConfig: { learningRate: run.learningRate } })
      : new Solver(model, data, options);
    const t0 = performance.now();
    let error: string | null = null;
    try {
      await solver.train();
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    results.push({
      key: run.key,
      lossHistory: [...solver.lossHistory],
      trainAccHistory: [...solver.trainAccHistory],
      valAccHistory: [...solver.valAccHistory],
      bestValAcc: solver.bestValAcc,
      seconds: (performance.now() - t0) / 1000,
      error,
      log: error === null ? log : [...log, `stopped: ${error}`],
    });
  }
  return results;
}

/** A run of `setup`'s sizes, with its key and what differs. */
export function runSpec(
  setup: Omit<RunSpec, 'key' | 'normalization' | 'reg' | 'verbose'>,
  key: string,
  over: Partial<RunSpec> & Pick<RunSpec, 'normalization'>,
): RunSpec {
  return {
    key,
    hiddenDims: [...setup.hiddenDims],
    weightScale: setup.weightScale,
    reg: 0,
    numTrain: setup.numTrain,
    numVal: setup.numVal,
    numEpochs: setup.numEpochs,
    batchSize: setup.batchSize,
    learningRate: setup.learningRate,
    printEvery: setup.printEvery,
    verbose: false,
    ...over,
  };
}

/** The mean of the last `n` values (all of them when fewer), skipping nothing: a NaN stays NaN. */
export function meanOfLast(values: readonly number[], n: number): number {
  const tail = values.slice(-n);
  return tail.reduce((a, b) => a + b, 0) / tail.length;
}

/** A rough cost of a task, to start the longest first (fewer idle workers at the end). */
export function taskCost(task: TrainingTask): number {
  return task.runs.reduce((s, r) => s + iterationsOf(r) * (r.batchSize + 30) + (r.numEpochs + 1) * (r.numTrain + r.numVal), 0);
}

/** The first `n` rows of a float32 / int32 tensor as a fresh typed array. */
function firstRows<T extends Float32Array | Int32Array>(t: Tensor, n: number): T {
  const nd = contiguousNdArray(t.data);
  const rowSize = t.shape.slice(1).reduce((a, b) => a * b, 1);
  return (nd.data as T).slice(nd.offset, nd.offset + n * rowSize) as T;
}

/** The training arrays every training of the run draws from: as many rows as the largest setup uses. */
export function trainingArrays(data: NotebookData, config: RunConfig): TrainingArrays {
  const setups = [config.deepNets, config.weightScale, config.batchSize, config.lnLimits];
  const numTrain = Math.max(...setups.map((s) => s.numTrain));
  const numVal = Math.max(...setups.map((s) => s.numVal));
  if (data.XTrain.dtype !== 'float32' || data.yTrain.dtype !== 'int32') {
    throw new TypeError(`trainingArrays: float32 images and int32 labels (got ${data.XTrain.dtype} and ${data.yTrain.dtype})`);
  }
  return {
    XTrain: firstRows<Float32Array>(data.XTrain, numTrain),
    yTrain: firstRows<Int32Array>(data.yTrain, numTrain),
    XVal: firstRows<Float32Array>(data.XVal, numVal),
    yVal: firstRows<Int32Array>(data.yVal, numVal),
    rowSize: data.XTrain.shape.slice(1).reduce((a, b) => a * b, 1),
    imageShape: data.XTrain.shape.slice(1),
  };
}
