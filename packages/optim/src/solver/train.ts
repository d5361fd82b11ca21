/**
 * The Solver's training loop, cs231n's `train()`: minibatch steps, learning-rate decay at each
 * epoch end, accuracy checks, best parameters, checkpoints and progress.
 * @module
 * @internal
 */
import { choice, contiguousNdArray, fromArray, type Tensor } from '@tapegrad/core';
import { checkAccuracy } from './accuracy.js';
import { checkpointPath } from './checkpoint.js';
import { writeCheckpoint } from './checkpointFile.js';
import { NonFiniteLossError } from './errors.js';
import { copyIntoParameters } from './learner.js';
import type { RunState, SolverParts } from './options.js';
import { barReporter, defaultTerminal, linesReporter, silentReporter, type Reporter } from './progress.js';
import { captureState } from './resume.js';
import { gatherRows } from './rowGather.js';
import type { EpochInfo, IterationInfo } from './types.js';

/**
 * A copy of `t`'s values cut from any graph, in ordinary memory: not from the allocator's pool, whose
 * large arrays live in the kernels' memory (and bestParams outlive the step that made them).
 */
function snapshot(t: Tensor): Tensor {
  const c = contiguousNdArray(t.data);
  return fromArray(c.data.slice(c.offset, c.offset + t.size), t.shape);
}

/** The reporter for the run's progress option. */
function reporterFor(run: RunState, parts: SolverParts): Reporter {
  if (!run.verbose || parts.progress === 'none') return silentReporter;
  const terminal = parts.terminal ?? defaultTerminal();
  const bar = parts.progress === 'bar' || (parts.progress === 'auto' && parts.log === undefined && terminal !== null);
  if (bar && terminal !== null) return barReporter(terminal);
  const log = parts.log ?? ((line: string) => console.log(line));
  return linesReporter(log, run.printEvery);
}

/**
 * {@link Solver.train}: trains `run` from its iteration to its numIterations, then copies
 * `bestParams` into the model.
 * @internal
 */
export async function train(run: RunState, parts: SolverParts): Promise<void> {
  const { learner, data } = parts;
  const reporter = reporterFor(run, parts);
  const { XTrain, yTrain } = data;
  const numTrain = XTrain.shape[0]!;
  const perEpoch = run.iterationsPerEpoch;
  const numIterations = run.numIterations;
  reporter.start(run.iteration, numIterations);
  try {
    for (let t = run.iteration; t < numIterations; t++) {
      const mask = choice(numTrain, run.batchSize);
      const loss = learner.step(gatherRows(parts.batchRows, XTrain, mask.toFloat64Array()), yTrain.index(mask));
      if (!Number.isFinite(loss)) throw new NonFiniteLossError(loss, t + 1, run.epoch);
      run.lossHistory.push(loss);
      run.iteration = t + 1;
      const info: IterationInfo = { iteration: t + 1, numIterations, epoch: run.epoch, numEpochs: run.numEpochs, loss };
      reporter.iteration(info);
      parts.onIteration?.(info, run);

      const epochEnd = (t + 1) % perEpoch === 0;
      if (epochEnd) {
        run.epoch += 1;
        learner.decayLearningRate(run.lrDecay);
      }
      if (t === 0 || t === numIterations - 1 || epochEnd) {
        const trainAcc = checkAccuracy(parts, XTrain, yTrain, { numSamples: run.numTrainSamples });
        const valAcc = checkAccuracy(parts, data.XVal, data.yVal, { numSamples: run.numValSamples });
        run.trainAccHistory.push(trainAcc);
        run.valAccHistory.push(valAcc);
        if (valAcc > run.bestValAcc) {
          run.bestValAcc = valAcc;
          run.bestParams = Object.fromEntries(learner.namedParameters().map(([name, p]) => [name, snapshot(p)]));
        }
        let checkpoint: string | null = null;
        if (epochEnd && run.checkpointName !== null) {
          checkpoint = checkpointPath(run.checkpointName, run.epoch);
          await writeCheckpoint(checkpoint, captureState(run, parts, 'Solver.train'));
        }
        reporter.check({ epoch: run.epoch, numEpochs: run.numEpochs, trainAcc, valAcc });
        const epochInfo: EpochInfo = {
          epoch: run.epoch, numEpochs: run.numEpochs, iteration: t + 1, numIterations, trainAcc, valAcc, bestValAcc: run.bestValAcc, checkpoint,
        };
        parts.onEpoch?.(epochInfo, run);
      }
    }
    if (Object.keys(run.bestParams).length > 0) copyIntoParameters(learner.namedParameters(), run.bestParams);
  } finally {
    reporter.end();
  }
}
