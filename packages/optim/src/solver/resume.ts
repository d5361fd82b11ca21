/**
 * Checkpoints and resume, for the Solver: the state a checkpoint takes from a run, the options a
 * resumed solver is made with, and how the state is put back into it.
 * @module
 * @internal
 */
import { defaultGenerator, noGrad, sameShape } from '@tapegrad/core';
import { describeValue } from '../options.js';
import type { CheckpointState } from './checkpoint.js';
import { CheckpointError } from './errors.js';
import { isModuleSetup, type RunState, type SolverParts } from './options.js';
import type { Cs231nModel, ModuleSetup, ResumeOptions, SolverOptions } from './types.js';

/** The options a checkpoint fixes. */
const fixedByCheckpoint: readonly (keyof SolverOptions)[] = ['updateRule', 'optimConfig', 'lrDecay', 'batchSize', 'numTrainSamples', 'numValSamples'];

/**
 * The number of accuracy checks a run has made once `iteration` is finished: one after the first
 * iteration and one at each epoch end (the same check when an epoch is one iteration).
 */
function checksAfter(iteration: number, iterationsPerEpoch: number): number {
  if (iteration === 0) return 0;
  const epochEnds = Math.floor(iteration / iterationsPerEpoch);
  return iterationsPerEpoch === 1 ? epochEnds : 1 + epochEnds;
}

/**
 * Why a run at `iteration` with `epoch` epochs and `checks` accuracy checks is not between two
 * iterations (its epoch end or accuracy check is still to come), or null when it is.
 */
function unfinished(iteration: number, epoch: number, checks: number, iterationsPerEpoch: number): string | null {
  if (Math.floor(iteration / iterationsPerEpoch) !== epoch) return `iteration ${iteration} ends epoch ${epoch + 1}, which has not ended yet`;
  const expected = checksAfter(iteration, iterationsPerEpoch);
  if (checks !== expected) return `after iteration ${iteration} the run has made ${expected} accuracy checks (got ${checks})`;
  return null;
}

/**
 * The run's state for a checkpoint (model tensors shared: encode it before the next step).
 * @throws CheckpointError when the run is in the middle of an iteration (from `onIteration`, before
 *   that iteration's epoch end or accuracy check): resumed from there, it would skip them.
 * @internal
 */
export function captureState(run: RunState, parts: SolverParts, op: string): CheckpointState {
  const why = unfinished(run.iteration, run.epoch, run.trainAccHistory.length, run.iterationsPerEpoch);
  if (why !== null) {
    throw new CheckpointError(`${op}: the run is in the middle of an iteration (${why}); take checkpoints from onEpoch or between train() calls`);
  }
  return {
    kind: parts.learner.kind,
    options: {
      updateRule: run.updateRule,
      lrDecay: run.lrDecay,
      batchSize: run.batchSize,
      numEpochs: run.numEpochs,
      numTrainSamples: run.numTrainSamples,
      numValSamples: run.numValSamples,
      printEvery: run.printEvery,
      verbose: run.verbose,
    },
    epoch: run.epoch,
    iteration: run.iteration,
    lossHistory: run.lossHistory,
    trainAccHistory: run.trainAccHistory,
    valAccHistory: run.valAccHistory,
    bestValAcc: run.bestValAcc,
    rng: defaultGenerator.getState(),
    model: parts.learner.modelState(),
    bestParams: run.bestParams,
    optimizer: parts.learner.optimizerState(),
  };
}

/**
 * Checks the options given to a resume before anything is read.
 * @throws TypeError for options that are not an object, or that give one the checkpoint fixes.
 * @internal
 */
export function checkResumeOptions(op: string, opts: ResumeOptions): void {
  if (opts === null || typeof opts !== 'object') throw new TypeError(`${op}: options must be an object (got ${describeValue(opts)})`);
  for (const key of fixedByCheckpoint) {
    if (Object.hasOwn(opts, key)) throw new TypeError(`${op}: ${key} is fixed by the checkpoint and cannot be given`);
  }
}

/**
 * The options a resumed solver is made with: the checkpoint's, and those of `opts` that do not
 * change what is computed. `checkpointName` defaults to `savedName`.
 * @throws CheckpointError when `model` is not of the checkpoint's kind; RangeError for a
 *   `numEpochs` below the checkpoint's epoch.
 * @internal
 */
export function resumeOptions(
  state: CheckpointState, model: Cs231nModel | ModuleSetup, opts: ResumeOptions, op: string, where: string, savedName: string | null,
): SolverOptions {
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
    checkpointName: opts.checkpointName !== undefined ? opts.checkpointName : savedName,
  };
  return kind === 'cs231n' ? { ...options, updateRule: saved.updateRule ?? 'sgd' } : options;
}

/**
 * Loads a checkpoint's state into a solver made with {@link resumeOptions}; on failure nothing is changed.
 * @throws CheckpointError when the state does not fit the data, the model or the optimizer.
 * @internal
 */
export function restoreState(run: RunState, parts: SolverParts, state: CheckpointState, where: string): void {
  const perEpoch = run.iterationsPerEpoch;
  if (Math.floor(state.iteration / perEpoch) !== state.epoch) {
    throw new CheckpointError(
      `${where}: iteration ${state.iteration} ends epoch ${state.epoch} of the checkpointed run, but this training set ` +
        `(${parts.data.XTrain.shape[0]} examples, batch size ${run.batchSize}) has ${perEpoch} iterations per epoch`,
    );
  }
  const why = unfinished(state.iteration, state.epoch, state.trainAccHistory.length, perEpoch);
  if (why !== null) throw new CheckpointError(`${where}: the checkpoint's run does not hold together (${why})`);
  const { learner } = parts;
  const before = Object.fromEntries(Object.entries(learner.modelState()).map(([k, t]) => [k, noGrad(() => t.detach().clone())]));
  learner.loadModelState(state.model, where);
  try {
    const params = learner.namedParameters();
    const best = Object.keys(state.bestParams);
    const fits = params.length === best.length && params.every(([n, p]) => {
      const b = state.bestParams[n];
      return b !== undefined && sameShape(b.shape, p.shape);
    });
    if (best.length > 0 && !fits) {
      throw new CheckpointError(`${where}: bestParams must hold the parameters ${params.map(([n]) => n).join(', ')} with their shapes (got ${best.join(', ')})`);
    }
    learner.loadOptimizerState(state.optimizer, where);
  } catch (e) {
    learner.loadModelState(before, where);
    throw e;
  }
  run.epoch = state.epoch;
  run.iteration = state.iteration;
  run.lossHistory = [...state.lossHistory];
  run.trainAccHistory = [...state.trainAccHistory];
  run.valAccHistory = [...state.valAccHistory];
  run.bestValAcc = state.bestValAcc;
  run.bestParams = { ...state.bestParams };
  defaultGenerator.setState(state.rng);
}
