/**
 * The forward-pass checks of the notebook (In [12] for batchnorm, In [44] for layernorm): a two-layer
 * network's activations on random data, their per-feature (batchnorm) or per-sample (layernorm)
 * means and stds before and after normalization.
 * @module
 */
import { manualSeed, randn, tensor, type Tensor } from '@tapegrad/core';
import { batchNormComposed, layerNormComposed } from '@tapegrad/nn';
import { NpArray } from '../../shared/pyFormat.js';
import { npMeanStd } from '../../shared/npStats.js';
import type { Section, SectionContext } from '../section.js';

const f64 = { dtype: 'float64' } as const;

/** cs231n's `print_mean_std(x, axis)`: means and stds along `axis`, then a blank line. */
function printMeanStd(ctx: SectionContext, x: Tensor, axis: 0 | 1): { means: number[]; stds: number[] } {
  const stats = npMeanStd(x, axis);
  ctx.print(`  means: ${new NpArray(stats.means).toString()}`);
  ctx.print(`  stds:  ${new NpArray(stats.stds).toString()}\n`);
  return stats;
}

/** `a = np.maximum(0, X.dot(W1)).dot(W2)`, the two-layer network of both cells. */
function twoLayer(X: Tensor, W1: Tensor, W2: Tensor): Tensor {
  return X.matmul(W1).maximum(0).matmul(W2);
}

/** In [12]: batchnorm's training-time forward pass, gamma = 1 / beta = 0, then gamma = [1, 2, 3], beta = [11, 12, 13]. */
export const bnForward: Section = {
  id: 'bn-forward',
  title: 'Batch normalization: forward pass',
  cells: 'In [12]',
  about:
    'A two-layer network on random data (seed 231, N = 200): the means and stds of its 3 output features '
    + 'over the batch, before and after batch normalization in training mode (batchNormComposed).',
  trains: false,
  async run(ctx) {
    manualSeed(231);
    const [N, D1, D2, D3] = [200, 50, 60, 3];
    const X = randn([N, D1], f64);
    const W1 = randn([D1, D2], f64);
    const W2 = randn([D2, D3], f64);
    const a = twoLayer(X, W1, W2);

    ctx.print('Before batch normalization:');
    const before = printMeanStd(ctx, a, 0);

    let gamma = tensor([1, 1, 1], f64);
    let beta = tensor([0, 0, 0], f64);
    ctx.print('After batch normalization (gamma=1, beta=0)');
    const plain = printMeanStd(ctx, batchNormComposed(a, gamma, beta, { training: true }), 0);

    gamma = tensor([1.0, 2.0, 3.0], f64);
    beta = tensor([11.0, 12.0, 13.0], f64);
    ctx.print('After batch normalization (gamma=', new NpArray([1, 2, 3]), ', beta=', new NpArray([11, 12, 13]), ')');
    const shifted = printMeanStd(ctx, batchNormComposed(a, gamma, beta, { training: true }), 0);
    return { values: { before, plain, shifted } };
  },
};

/** In [44]: layernorm's forward pass, gamma = 1 / beta = 0, then gamma = 3, beta = 5, statistics per sample. */
export const lnForward: Section = {
  id: 'ln-forward',
  title: 'Layer normalization: forward pass',
  cells: 'In [44]',
  about:
    'The same two-layer network on 4 random samples (seed 231): the mean and std of each sample over its 3 '
    + 'features, before and after layer normalization (layerNormComposed).',
  trains: false,
  async run(ctx) {
    manualSeed(231);
    const [N, D1, D2, D3] = [4, 50, 60, 3];
    const X = randn([N, D1], f64);
    const W1 = randn([D1, D2], f64);
    const W2 = randn([D2, D3], f64);
    const a = twoLayer(X, W1, W2);

    ctx.print('Before layer normalization:');
    const before = printMeanStd(ctx, a, 1);

    let gamma = tensor([1, 1, 1], f64);
    let beta = tensor([0, 0, 0], f64);
    ctx.print('After layer normalization (gamma=1, beta=0)');
    const plain = printMeanStd(ctx, layerNormComposed(a, D3, gamma, beta), 1);

    gamma = tensor([3.0, 3.0, 3.0], f64);
    beta = tensor([5.0, 5.0, 5.0], f64);
    ctx.print('After layer normalization (gamma=', new NpArray([3, 3, 3]), ', beta=', new NpArray([5, 5, 5]), ')');
    const shifted = printMeanStd(ctx, layerNormComposed(a, D3, gamma, beta), 1);
    return { values: { before, plain, shifted } };
  },
};
