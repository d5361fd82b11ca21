/**
 * cs231n's `check_accuracy`, for the Solver: the fraction of examples whose highest score is their
 * label, scored a batch at a time by the model in test mode.
 * @module
 * @internal
 */
import { ShapeError, Tensor, choice, formatShape } from '@tapegrad/core';
import { checkSplit, positiveInteger, sampleCount, type SolverParts } from './options.js';
import { RowGather, gatherRows } from './rowGather.js';

/** `[start, end)` as row indices. */
function rowRange(start: number, end: number): Int32Array {
  const rows = new Int32Array(end - start);
  for (let i = 0; i < rows.length; i++) rows[i] = start + i;
  return rows;
}

/**
 * Rows `start` to `end` of `X`: a view of its values when they are contiguous (as numpy's `X[a:b]`;
 * the kernels then read them in place), else gathered into `into`'s reused buffer (`X.index` would
 * make a new array for each batch). Only for reading, as `checkAccuracy` does.
 */
function leadingRows(into: RowGather, X: Tensor, start: number, end: number): Tensor {
  if (!X.isContiguous()) return into.gather(X, rowRange(start, end));
  return new Tensor(X.data.lo(start).hi(end - start));
}

/**
 * {@link Solver.checkAccuracy}: `numSamples` rows drawn with replacement from the global RNG when X
 * has more, all rows otherwise; scores from `parts.learner`, `batchSize` rows at a time.
 * @internal
 */
export function checkAccuracy(parts: SolverParts, X: Tensor, y: Tensor, opts: { numSamples?: number | null; batchSize?: number }): number {
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
    const chunk = sample !== null ? gatherRows(parts.checkRows, X, sample, start, end)
      : start === 0 && end === n ? X : leadingRows(parts.checkRows, X, start, end);
    const scores = parts.learner.scores(chunk);
    if (scores.ndim !== 2 || scores.shape[0] !== end - start) {
      throw new ShapeError(`Solver.checkAccuracy: the model's scores must be [${end - start}, C] (got ${formatShape(scores.shape)})`);
    }
    const pred = scores.argmax(1).toFloat64Array();
    for (let j = 0; j < pred.length; j++) if (pred[j] === labels[start + j]) correct++;
  }
  return correct / n;
}
