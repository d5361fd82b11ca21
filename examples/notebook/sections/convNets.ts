/**
 * Beyond the notebook: what spatial batch normalization does for a convolutional network, as the
 * notebook's In [36]/[37] showed it for the six-layer FullyConnectedNet. One small convnet,
 * {conv 3×3 - [norm] - relu - 2×2 max pool} × 2 - affine, trained three times on the same images
 * with cs231n's Solver (Adam): without normalization, with spatial batchnorm (BatchNorm2d) and with
 * spatial groupnorm (GroupNorm); the loss and accuracy curves, and the best validation accuracy set
 * against the FullyConnectedNets' of the same run.
 * @module
 */
import { renderLineChart, type Series } from '../../shared/plots.js';
import { pyFixed } from '../../shared/pyFormat.js';
import type { ConvNorm } from '../convnet.js';
import type { RunConfig } from '../config.js';
import type { Figure, Section } from '../section.js';
import { iterationsOf, type RunResult, type RunSpec, type TaskBatch } from '../training.js';

/**
 * The sizes of a run: the notebook's deep-net setup (1000 images, batch 50, Adam 1e-3, 10 epochs), or
 * `--quick`'s (200 images, batch 20, Adam 2e-3, 5 epochs: 50 steps, enough for the convnet to learn).
 */
function setupOf(quick: boolean) {
  return { numTrain: quick ? 200 : 1000, numVal: quick ? 200 : 1000, numEpochs: quick ? 5 : 10, batchSize: quick ? 20 : 50, learningRate: quick ? 2e-3 : 1e-3, printEvery: quick ? 4 : 50 };
}

/** The best validation accuracy of every FullyConnectedNet training an earlier section of this run recorded. */
function fcBestValAccs(earlier: (id: string) => Record<string, unknown> | undefined): { where: string; acc: number }[] {
  const found: { where: string; acc: number }[] = [];
  const walk = (v: unknown, where: string): void => {
    if (v === null || typeof v !== 'object') return;
    const run = v as Partial<RunResult>;
    if (Array.isArray(run.valAccHistory) && typeof run.key === 'string') {
      found.push({ where: `${where}: ${run.key}`, acc: Math.max(...run.valAccHistory) });
      return;
    }
    for (const child of Object.values(v)) walk(child, where);
  };
  for (const id of ['deep-nets', 'weight-scale', 'batch-size-bn', 'batch-size-ln', 'ln-limits']) walk(earlier(id), id);
  return found;
}

const norms = ['none', 'batchnorm', 'groupnorm'] as const;

/** One task per model, each reseeded (manualSeed(231) before each build): three independent trainings for the pool. */
function convNetsPlan(config: RunConfig): TaskBatch {
  const s = setupOf(config.quick);
  const spec = (norm: ConvNorm): RunSpec => ({
    key: `convnet-${norm}`, convnet: norm, hiddenDims: [], normalization: null, weightScale: Number.NaN, reg: 0,
    numTrain: s.numTrain, numVal: s.numVal, numEpochs: s.numEpochs, batchSize: s.batchSize, learningRate: s.learningRate,
    printEvery: s.printEvery, verbose: true,
  });
  return { label: 'convnets', tasks: norms.map((norm) => ({ seed: config.seed, runs: [spec(norm)] })) };
}

export const convNets: Section = {
  id: 'convnets',
  title: 'Beyond the notebook: a small convnet with and without spatial batch normalization',
  cells: 'ConvolutionalNetworks.ipynb, spatial batchnorm and groupnorm in a network (as In [36], [37])',
  about:
    "{Conv2d 3×3 'same' - [BatchNorm2d | GroupNorm(4 groups) | nothing] - ReLU - MaxPool2d 2×2} × 2 (8 then 16 channels) - "
    + 'Linear(1024, 10), trained from the same initial weights (manualSeed(231) before each) with cs231n\'s Solver and '
    + 'optim\'s Adam (the update of its adam rule) at 1e-3, batch 50, 10 epochs (--quick: 2e-3, batch 20, 5 epochs), on the images the six-layer nets of In [36] train on.',
  trains: true,
  plan: (config) => [convNetsPlan(config)],
  async run(ctx) {
    const s = setupOf(ctx.config.quick);
    const { label, tasks } = convNetsPlan(ctx.config);
    const results = await ctx.trainer.runTasks(label, tasks);
    const runs = {} as Record<ConvNorm, RunResult>;
    norms.forEach((norm, i) => {
      const r = results[i]![0]!;
      runs[norm] = r;
      ctx.print(`Solver ${norm === 'none' ? 'without normalization' : `with spatial ${norm}`}:`);
      for (const line of r.log) ctx.print(line);
      ctx.print('');
    });

    const names: Record<ConvNorm, string> = { none: 'baseline', batchnorm: 'spatial batchnorm', groupnorm: 'spatial groupnorm' };
    const chart = async (id: string, title: string, xTitle: string, yTitle: string, pick: (r: RunResult) => number[], marker: Series['marker']): Promise<Figure> => {
      const series = (['batchnorm', 'groupnorm', 'none'] as const).map((n) => ({ name: names[n], points: pick(runs[n]).map((y, x) => ({ x, y })), marker }));
      return { id, title, svg: await renderLineChart({ title, xTitle, yTitle, series, xInteger: true }) };
    };
    const figures = [
      await chart('convnets-loss', 'Training loss', 'Iteration', 'Training loss', (r) => r.lossHistory, 'o'),
      await chart('convnets-train-acc', 'Training accuracy', 'Epoch', 'Training accuracy', (r) => r.trainAccHistory, '-o'),
      await chart('convnets-val-acc', 'Validation accuracy', 'Epoch', 'Validation accuracy', (r) => r.valAccHistory, '-o'),
    ];

    const fc = fcBestValAccs((id) => ctx.earlier(id));
    const bestFc = fc.reduce<{ where: string; acc: number } | null>((b, r) => (b === null || r.acc > b.acc ? r : b), null);
    const bn = runs.batchnorm;
    const beats = bestFc !== null && bn.bestValAcc > bestFc.acc;
    const notes = [
      `Best validation accuracy: ${pyFixed(bn.bestValAcc, 3)} with spatial batchnorm, ${pyFixed(runs.groupnorm.bestValAcc, 3)} with spatial `
      + `groupnorm, ${pyFixed(runs.none.bestValAcc, 3)} without normalization; final training accuracy ${pyFixed(bn.trainAccHistory.at(-1)!, 3)}, `
      + `${pyFixed(runs.groupnorm.trainAccHistory.at(-1)!, 3)} and ${pyFixed(runs.none.trainAccHistory.at(-1)!, 3)}.`,
      bestFc === null
        ? 'No FullyConnectedNet trained earlier in this run (see --only), so there is nothing to compare the convnets with here.'
        : `The best validation accuracy of the ${fc.length} FullyConnectedNet trainings of this run is ${pyFixed(bestFc.acc, 3)} (${bestFc.where}): `
          + `the convnet with spatial batchnorm ${beats ? 'beats' : 'does NOT beat'} it, with ${s.numTrain} training images `
          + `and ${s.numEpochs} epochs.`,
      `Training took ${pyFixed(bn.seconds, 1)} s with spatial batchnorm, ${pyFixed(runs.groupnorm.seconds, 1)} s with groupnorm and `
      + `${pyFixed(runs.none.seconds, 1)} s without normalization (${iterationsOf(s)} iterations each).`,
    ];
    const failed = Object.values(runs).filter((r) => r.error !== null);
    if (failed.length > 0) notes.push(`Stopped early: ${failed.map((r) => `${r.key} (${r.error})`).join('; ')}.`);
    return { figures, notes, values: { setup: s, runs, fcBest: bestFc, bnBeatsFc: beats } };
  },
};
