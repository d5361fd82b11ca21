/**
 * Beyond the notebook: what spatial batch normalization does for a convolutional network, as the
 * notebook's In [36]/[37] showed it for the six-layer FullyConnectedNet. One small convnet,
 * {conv 3×3 - [norm] - relu - 2×2 max pool} × 2 - affine, trained three times on the same images
 * with cs231n's Solver (Adam): without normalization, with spatial batchnorm (BatchNorm2d) and with
 * spatial groupnorm (GroupNorm); the loss and accuracy curves, and the best validation accuracy set
 * against the FullyConnectedNets' of the same run.
 * @module
 */
import { fromArray, giveBackArrays, manualSeed, noGrad, recyclingArrays, zeros, type Tensor } from '@tapegrad/core';
import { BatchNorm2d, Conv2d, Flatten, GroupNorm, Linear, MaxPool2d, ReLU, Sequential, crossEntropy, type Module } from '@tapegrad/nn';
import { Solver, type Cs231nModel } from '@tapegrad/optim';
import { renderLineChart, type Series } from '../../shared/plots.js';
import { pyFixed } from '../../shared/pyFormat.js';
import type { Figure, Section } from '../section.js';
import type { RunResult } from '../training.js';

type Norm = 'none' | 'batchnorm' | 'groupnorm';

/**
 * The sizes of a run: the notebook's deep-net setup (1000 images, batch 50, Adam 1e-3, 10 epochs), or
 * `--quick`'s (200 images, batch 20, Adam 2e-3, 5 epochs: 50 steps, enough for the convnet to learn).
 */
function setupOf(quick: boolean) {
  return { numTrain: quick ? 200 : 1000, numVal: quick ? 200 : 1000, numEpochs: quick ? 5 : 10, batchSize: quick ? 20 : 50, learningRate: quick ? 2e-3 : 1e-3, printEvery: quick ? 4 : 50 };
}

/** The convnet: two stages of conv 3×3 'same' - norm - relu - pool 2×2 (8, then 16 channels), then affine to 10 classes. */
function convnet(norm: Norm): Sequential {
  const normOf = (c: number): Module[] => (norm === 'batchnorm' ? [new BatchNorm2d(c)] : norm === 'groupnorm' ? [new GroupNorm(4, c)] : []);
  return new Sequential(
    new Conv2d(3, 8, 3, { padding: 'same' }), ...normOf(8), new ReLU(), new MaxPool2d(2),
    new Conv2d(8, 16, 3, { padding: 'same' }), ...normOf(16), new ReLU(), new MaxPool2d(2),
    new Flatten(), new Linear(16 * 8 * 8, 10),
  );
}

/**
 * A module as cs231n's model (`params`, `loss(X)` → scores, `loss(X, y)` → `{ loss, grads }`), so
 * that the Solver steps it with cs231n's update rules as it does the FullyConnectedNets; like
 * those, each call gives the arrays of its temporaries back for the next one to reuse, and
 * `releaseGrads` the gradients once they are applied.
 */
class ModuleAsModel implements Cs231nModel {
  constructor(readonly module: Module) {}

  get params(): Record<string, Tensor> {
    return Object.fromEntries(this.module.namedParameters());
  }

  loss(X: Tensor): Tensor;
  loss(X: Tensor, y: Tensor): { loss: number; grads: Record<string, Tensor> };
  loss(X: Tensor, y?: Tensor): Tensor | { loss: number; grads: Record<string, Tensor> } {
    const m = this.module;
    const keep = function* (result: Tensor | { grads: Record<string, Tensor> }): Iterable<Tensor> {
      if (result instanceof Object && 'grads' in result) yield* Object.values(result.grads);
      else yield result;
      for (const p of m.parameters()) {
        yield p;
        if (p.grad !== null) yield p.grad;
      }
      yield* m.buffers();
    };
    return recyclingArrays((): Tensor | { loss: number; grads: Record<string, Tensor> } => {
      if (y === undefined) {
        m.eval();
        return noGrad(() => m.forward(X));
      }
      m.train();
      m.zeroGrad();
      const loss = crossEntropy(m.forward(X), y);
      loss.backward();
      const grads = Object.fromEntries(m.namedParameters().map(([n, p]) => [n, p.grad ?? zeros(p.shape, { dtype: p.dtype })]));
      return { loss: loss.item(), grads };
    }, keep);
  }

  releaseGrads(grads: Readonly<Record<string, Tensor>>): void {
    const back: Tensor[] = [];
    for (const [name, p] of this.module.namedParameters()) {
      if (p.grad !== null && p.grad === grads[name]) {
        back.push(p.grad);
        p.grad = null;
      }
    }
    giveBackArrays(back);
  }
}

/** The first `n` rows of `x`, a view (no copy). */
function firstRows(x: Tensor, n: number): Tensor {
  const rowSize = x.size / x.shape[0]!;
  return fromArray(x.data.data.subarray(x.data.offset, x.data.offset + n * rowSize), [n, ...x.shape.slice(1)]);
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

export const convNets: Section = {
  id: 'convnets',
  title: 'Beyond the notebook: a small convnet with and without spatial batch normalization',
  cells: 'ConvolutionalNetworks.ipynb, spatial batchnorm and groupnorm in a network (as In [36], [37])',
  about:
    "{Conv2d 3×3 'same' - [BatchNorm2d | GroupNorm(4 groups) | nothing] - ReLU - MaxPool2d 2×2} × 2 (8 then 16 channels) - "
    + 'Linear(1024, 10), trained from the same initial weights (manualSeed(231) before each) with cs231n\'s Solver and '
    + 'its adam rule at 1e-3, batch 50, 10 epochs (--quick: 2e-3, batch 20, 5 epochs), on the images the six-layer nets of In [36] train on.',
  trains: true,
  async run(ctx) {
    const data = await ctx.data();
    const s = setupOf(ctx.config.quick);
    const small = {
      XTrain: firstRows(data.XTrain, s.numTrain), yTrain: firstRows(data.yTrain, s.numTrain),
      XVal: firstRows(data.XVal, s.numVal), yVal: firstRows(data.yVal, s.numVal),
    };
    const runs: Record<Norm, RunResult> = {} as Record<Norm, RunResult>;
    for (const norm of ['none', 'batchnorm', 'groupnorm'] as const) {
      manualSeed(ctx.config.seed);
      const model = new ModuleAsModel(convnet(norm));
      const log: string[] = [];
      const solver = new Solver(model, small, {
        updateRule: 'adam', optimConfig: { learningRate: s.learningRate },
        numEpochs: s.numEpochs, batchSize: s.batchSize, printEvery: s.printEvery, verbose: true, progress: 'lines', log: (l) => log.push(l),
      });
      const t0 = performance.now();
      let error: string | null = null;
      try {
        await solver.train();
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
      runs[norm] = {
        key: `convnet-${norm}`, lossHistory: [...solver.lossHistory], trainAccHistory: [...solver.trainAccHistory],
        valAccHistory: [...solver.valAccHistory], bestValAcc: solver.bestValAcc, seconds: (performance.now() - t0) / 1000, error, log,
      };
      ctx.print(`Solver ${norm === 'none' ? 'without normalization' : `with spatial ${norm}`}:`);
      for (const line of log) ctx.print(line);
      ctx.print('');
    }

    const names: Record<Norm, string> = { none: 'baseline', batchnorm: 'spatial batchnorm', groupnorm: 'spatial groupnorm' };
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
      + `${pyFixed(runs.none.seconds, 1)} s without normalization (${s.numEpochs * Math.max(1, Math.floor(s.numTrain / s.batchSize))} iterations each).`,
    ];
    const failed = Object.values(runs).filter((r) => r.error !== null);
    if (failed.length > 0) notes.push(`Stopped early: ${failed.map((r) => `${r.key} (${r.error})`).join('; ')}.`);
    return { figures, notes, values: { setup: s, runs, fcBest: bestFc, bnBeatsFc: beats } };
  },
};
