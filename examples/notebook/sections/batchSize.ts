/**
 * In [40], [41] and [46]: cs231n's `run_batchsize_experiments(normalization_mode)`: six-layer nets
 * with batchnorm (or layernorm) at batch sizes 5, 10 and 50 against a net without normalization at
 * batch 5, Adam at 10^-3.5; training and validation accuracy per epoch; inline question 2 (batchnorm).
 * @module
 */
import { pyFixed } from '../../shared/pyFormat.js';
import { plotTrainingHistory } from '../figures.js';
import type { RunConfig } from '../config.js';
import type { Answer, Section } from '../section.js';
import { runSpec, type RunResult, type TaskBatch } from '../training.js';

/** The numbers of one batch-size experiment that the answers and the tests read. */
export interface BatchSizeValues {
  batchSizes: number[];
  finalTrainAcc: number[];
  bestValAcc: number[];
  baselineFinalTrainAcc: number;
  baselineBestValAcc: number;
  /** max − min of the final training accuracy over the batch sizes. */
  trainAccSpread: number;
}

const last = (r: RunResult) => r.trainAccHistory.at(-1)!;
const bestVal = (r: RunResult) => Math.max(...r.valAccHistory);

/** The baseline at the first batch size, then the normalized net at each batch size: one task each. */
function batchSizePlan(config: RunConfig, mode: 'batchnorm' | 'layernorm'): TaskBatch {
  const setup = config.batchSize;
  const solverBsize = setup.batchSizes[0]!;
  const tasks = [
    { seed: config.seed, runs: [runSpec(setup, `${mode}-bs-baseline-${solverBsize}`, { normalization: null, batchSize: solverBsize })] },
    ...setup.batchSizes.map((b) => ({ seed: config.seed, runs: [runSpec(setup, `${mode}-bs-${b}`, { normalization: mode, batchSize: b })] })),
  ];
  return { label: `batch-size (${mode})`, tasks };
}

function makeSection(mode: 'batchnorm' | 'layernorm'): Section {
  const bn = mode === 'batchnorm';
  const name = bn ? 'Batch Normalization' : 'Layer Normalization';
  return {
    id: bn ? 'batch-size-bn' : 'batch-size-ln',
    title: bn ? 'Batch normalization and batch size' : 'Layer normalization and batch size',
    cells: bn ? 'In [40], In [41]' : 'In [46]',
    about:
      `Six-layer nets (hidden [100] × 5, weight scale 2e-2) with ${mode} at batch sizes 5, 10 and 50, and a baseline without `
      + 'normalization at batch 5: Adam at 10^-3.5, 10 epochs, 1000 training images. Each training reseeds with '
      + 'manualSeed(231), so they are independent and run in parallel.',
    trains: true,
    plan: (config) => [batchSizePlan(config, mode)],
    async run(ctx) {
      const sizes = ctx.config.batchSize.batchSizes;
      const solverBsize = sizes[0]!;
      const { label, tasks } = batchSizePlan(ctx.config, mode);
      const results = await ctx.trainer.runTasks(label, tasks);
      const baseline = results[0]![0]!;
      const normed = results.slice(1).map((r) => r[0]!);
      ctx.print('No normalization: batch size = ', { int: solverBsize });
      for (const b of sizes) ctx.print('Normalization: batch size = ', { int: b });

      const common = { baseline, normalized: normed, labels: sizes, blMarker: '-^' as const, bnMarker: '-o' as const };
      const figures = [
        await plotTrainingHistory({ ...common, id: `${mode}-batch-size-train-acc`, title: `Training accuracy (${name})`, xTitle: 'Epoch',
          yTitle: 'Training accuracy', pick: (r) => r.trainAccHistory }),
        await plotTrainingHistory({ ...common, id: `${mode}-batch-size-val-acc`, title: `Validation accuracy (${name})`, xTitle: 'Epoch',
          yTitle: 'Validation accuracy', pick: (r) => r.valAccHistory }),
      ];
      const values: BatchSizeValues = {
        batchSizes: sizes,
        finalTrainAcc: normed.map(last),
        bestValAcc: normed.map(bestVal),
        baselineFinalTrainAcc: last(baseline),
        baselineBestValAcc: bestVal(baseline),
        trainAccSpread: Math.max(...normed.map(last)) - Math.min(...normed.map(last)),
      };
      const per = (xs: number[]) => sizes.map((b, i) => `${pyFixed(xs[i]!, 3)} at batch ${b}`).join(', ');
      const facts = [
        `Final training accuracy with ${mode}: ${per(values.finalTrainAcc)}; without normalization at batch ${solverBsize}: `
        + `${pyFixed(values.baselineFinalTrainAcc, 3)}.`,
        `Best validation accuracy with ${mode}: ${per(values.bestValAcc)}; without normalization: ${pyFixed(values.baselineBestValAcc, 3)}.`,
      ];
      const answers: Answer[] = [];
      const notes: string[] = [];
      if (bn) {
        const increasing = values.finalTrainAcc.every((a, i) => i === 0 || a >= values.finalTrainAcc[i - 1]!);
        const smallWorse = values.finalTrainAcc[0]! < values.baselineFinalTrainAcc;
        const ratio = Math.sqrt(sizes.at(-1)! / sizes[0]!);
        answers.push({
          question: 'Inline question 2: describe the results of this experiment. What does this imply about the relationship between batch normalization and batch size? Why is this relationship observed?',
          answer: [
            ...facts,
            increasing
              ? `With batchnorm, the larger the batch the better the net trains${smallWorse ? `, and at batch ${sizes[0]} it trains worse than the same net without any normalization` : ''}.`
              : `Here the training accuracy with batchnorm does not grow steadily with the batch size (spread ${pyFixed(values.trainAccSpread, 3)}).`,
            `Why: in training mode batchnorm normalizes with the mean and variance of the current batch. From ${sizes[0]} samples these are `
            + `noisy estimates, their standard error ${pyFixed(ratio, 1)} times that from ${sizes.at(-1)}; every sample's normalized value then `
            + 'depends on which others share its batch, a noise the net must fit through, and the running averages used at test time '
            + 'are built from those noisy estimates. Batchnorm therefore needs batches large enough for stable statistics.',
          ],
        });
      } else {
        const earlier = ctx.earlier('batch-size-bn') as BatchSizeValues | undefined;
        notes.push(...facts);
        notes.push(earlier === undefined
          ? `Spread of the final training accuracy over the batch sizes with layernorm: ${pyFixed(values.trainAccSpread, 3)} (run batch-size-bn too to compare with batchnorm).`
          : `Spread of the final training accuracy over the batch sizes: ${pyFixed(values.trainAccSpread, 3)} with layernorm against `
            + `${pyFixed(earlier.trainAccSpread, 3)} with batchnorm: the batch size matters ${values.trainAccSpread < earlier.trainAccSpread ? 'less' : 'NOT less'} `
            + 'with layernorm, which normalizes each sample over its own features and so does not depend on the batch.');
        if (earlier !== undefined) {
          const [ln5, bn5] = [values.finalTrainAcc[0]!, earlier.finalTrainAcc[0]!];
          notes.push(`At batch ${sizes[0]}, against no normalization (${pyFixed(values.baselineFinalTrainAcc, 3)}): layernorm ends at ${pyFixed(ln5, 3)} `
            + `(${ln5 >= values.baselineFinalTrainAcc ? 'not hurt' : 'hurt'} by the small batch), batchnorm ended at ${pyFixed(bn5, 3)} `
            + `(${bn5 >= earlier.baselineFinalTrainAcc ? 'not hurt' : 'hurt'}).`);
        }
      }
      return { figures, answers, notes, values: { ...values, histories: { baseline, normalized: normed } } };
    },
  };
}

export const batchSizeBn = makeSection('batchnorm');
export const batchSizeLn = makeSection('layernorm');
