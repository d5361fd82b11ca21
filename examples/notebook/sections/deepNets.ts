/**
 * In [36] and [37]: a six-layer network on 1000 training images with and without batchnorm (Adam
 * 1e-3, 10 epochs, batch 50), the Solver's log, and the loss / accuracy curves.
 * @module
 */
import { pyFixed } from '../../shared/pyFormat.js';
import { plotTrainingHistory } from '../figures.js';
import type { RunConfig } from '../config.js';
import type { Section } from '../section.js';
import { meanOfLast, runSpec, type RunResult, type TaskBatch } from '../training.js';

/** The first epoch whose training accuracy reaches `level`, or null. */
function firstEpochAt(r: RunResult, level: number): number | null {
  const i = r.trainAccHistory.findIndex((a) => a >= level);
  return i < 0 ? null : i;
}

/** One task: both models built after one reseed, then trained one after the other (the notebook's RNG order). */
function deepNetsPlan(config: RunConfig): TaskBatch {
  const setup = config.deepNets;
  const bnRun = runSpec(setup, 'deep-nets-batchnorm', { normalization: 'batchnorm', verbose: true });
  const blRun = runSpec(setup, 'deep-nets-baseline', { normalization: null, verbose: true });
  return { label: 'deep-nets', tasks: [{ seed: config.seed, runs: [bnRun, blRun] }] };
}

export const deepNets: Section = {
  id: 'deep-nets',
  title: 'Batch normalization for deep networks',
  cells: 'In [36], In [37]',
  about:
    'A six-layer FullyConnectedNet (hidden [100] × 5, weight scale 2e-2) trained on the first 1000 training images with '
    + 'and without batchnorm: Adam at 1e-3, 10 epochs, batch 50, the Solver log every 20 iterations. Both models are built '
    + 'after one manualSeed(231), then trained one after the other, in the notebook\'s order.',
  trains: true,
  plan: (config) => [deepNetsPlan(config)],
  async run(ctx) {
    const { label, tasks } = deepNetsPlan(ctx.config);
    const [results] = await ctx.trainer.runTasks(label, tasks);
    const [bn, baseline] = results!;
    ctx.print('Solver with batch norm:');
    for (const line of bn!.log) ctx.print(line);
    ctx.print('\nSolver without batch norm:');
    for (const line of baseline!.log) ctx.print(line);

    const common = { baseline: baseline!, normalized: [bn!] };
    const figures = [
      await plotTrainingHistory({ ...common, id: 'deep-nets-loss', title: 'Training loss', xTitle: 'Iteration', yTitle: 'Training loss',
        pick: (r) => r.lossHistory, blMarker: 'o', bnMarker: 'o' }),
      await plotTrainingHistory({ ...common, id: 'deep-nets-train-acc', title: 'Training accuracy', xTitle: 'Epoch', yTitle: 'Training accuracy',
        pick: (r) => r.trainAccHistory, blMarker: '-o', bnMarker: '-o' }),
      await plotTrainingHistory({ ...common, id: 'deep-nets-val-acc', title: 'Validation accuracy', xTitle: 'Epoch', yTitle: 'Validation accuracy',
        pick: (r) => r.valAccHistory, blMarker: '-o', bnMarker: '-o' }),
    ];

    // "You should find that using batch normalization helps the network to converge much faster."
    const level = baseline!.trainAccHistory.at(-1)!;
    const [eBn, eBl] = [firstEpochAt(bn!, level), firstEpochAt(baseline!, level)];
    const k = Math.max(1, Math.floor(bn!.lossHistory.length / 10));
    const [lossBn, lossBl] = [meanOfLast(bn!.lossHistory, k), meanOfLast(baseline!.lossHistory, k)];
    const wins = bn!.trainAccHistory.slice(1).filter((a, i) => a > baseline!.trainAccHistory[i + 1]!).length;
    const epochs = bn!.trainAccHistory.length - 1;
    const faster = wins > epochs / 2 && lossBn < lossBl;
    const notes = [
      `Training accuracy: with batchnorm it is above the baseline's after ${wins} of the ${epochs} epochs; it ends at `
      + `${pyFixed(bn!.trainAccHistory.at(-1)!, 3)} against ${pyFixed(baseline!.trainAccHistory.at(-1)!, 3)}.`,
      `The baseline's final training accuracy, ${pyFixed(level, 3)}, is first reached ${eBn === null ? 'at no epoch' : `at epoch ${eBn}`} `
      + `with batchnorm and at epoch ${eBl} without.`,
      `Mean training loss over the last ${k} iterations: ${pyFixed(lossBn, 3)} with batchnorm, ${pyFixed(lossBl, 3)} without.`,
      faster
        ? 'So in this run batch normalization made the six-layer network converge faster, as the notebook says it should.'
        : 'So this run does NOT show batch normalization converging faster, which the notebook says it should.',
      `Best validation accuracy: ${pyFixed(bn!.bestValAcc, 3)} with batchnorm, ${pyFixed(baseline!.bestValAcc, 3)} without.`,
    ];
    return { figures, notes, values: { batchnorm: bn, baseline, bnConvergesFaster: faster } };
  },
};
