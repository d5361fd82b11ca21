/**
 * Beyond the notebook, from cs231n's ConvolutionalNetworks notebook: spatial group normalization
 * (GroupNorm): each sample's channels in G groups, each (sample, group) normalised over its channels
 * and H, W; the training-time forward statistics and the backward gradient check.
 * @module
 */
import { manualSeed, ones, randn, zeros } from '@tapegrad/core';
import { groupNormComposed, groupNormFused } from '@tapegrad/nn';
import { pyExp } from '../../shared/pyFormat.js';
import type { Section } from '../section.js';
import { gradCheckCell, gradCheckNotes, groupMeanStd, printShapeMeansStds } from './spatialChecks.js';

const f64 = { dtype: 'float64' } as const;

/** The forward cell: the stats of each (sample, group) before and after, gamma = 1, beta = 0. */
export const sgnForward: Section = {
  id: 'sgn-forward',
  title: 'Beyond the notebook: spatial group normalization, forward pass',
  cells: 'ConvolutionalNetworks.ipynb, spatial groupnorm: forward',
  about:
    'x = 4·randn(2, 6, 4, 5) + 10 (seed 231), G = 2: the mean and std of each (sample, group) of 3 channels × 4 × 5 values, '
    + 'before and after groupNormFused with gamma = 1, beta = 0.',
  trains: false,
  async run(ctx) {
    manualSeed(231);
    const [N, C, H, W, G] = [2, 6, 4, 5, 2];
    const x = randn([N, C, H, W], f64).mul(4).add(10);
    ctx.print('Before spatial group normalization:');
    const before = groupMeanStd(x, G);
    printShapeMeansStds(ctx, x, before);
    const out = groupNormFused(x, G, ones([C], f64), zeros([C], f64));
    ctx.print('After spatial group normalization:');
    const after = groupMeanStd(out, G);
    printShapeMeansStds(ctx, out, after);
    const ok = after.means.every((m) => Math.abs(m) < 1e-12) && after.stds.every((s) => Math.abs(s - 1) < 1e-5);
    return {
      notes: [
        `Each of the ${N * G} (sample, group) rows now has mean ${pyExp(Math.max(...after.means.map(Math.abs)), 1)} or less in size and std 1 `
        + `less what eps takes off (${ok ? 'as expected' : 'NOT as expected'}): unlike batchnorm, the statistics come from one sample, `
        + 'so the same holds at test time and for a batch of one.',
      ],
      values: { before, after, ok },
    };
  },
};

/** The backward cell: the tape's gradients against centred differences, cs231n's relative errors. */
export const sgnGradCheck: Section = {
  id: 'sgn-gradcheck',
  title: 'Beyond the notebook: spatial group normalization, backward pass, gradient check',
  cells: 'ConvolutionalNetworks.ipynb, spatial groupnorm: backward',
  about:
    'The gradients of groupNormComposed (the tape differentiates the core ops) against centred differences on '
    + 'x = 5·randn(2, 6, 4, 5) + 12 (seed 231), G = 2, with a random gamma, beta and dout; groupNormFused checked the same way.',
  trains: false,
  async run(ctx) {
    manualSeed(231);
    const [N, C, H, W, G] = [2, 6, 4, 5, 2];
    const x = randn([N, C, H, W], f64).mul(5).add(12);
    // the notebook draws gamma and beta as (1, C, 1, 1): the same values as [C]
    const gamma = randn([C], f64), beta = randn([C], f64), dout = randn([N, C, H, W], f64);
    const check = gradCheckCell((t, g, b) => groupNormComposed(t, G, g, b), (t, g, b) => groupNormFused(t, G, g, b), x, gamma, beta, dout);
    ctx.print('dx error: ', check.tape.dx);
    ctx.print('dgamma error: ', check.tape.dgamma);
    ctx.print('dbeta error: ', check.tape.dbeta);
    const { notes, inRange } = gradCheckNotes('groupNormFused', check);
    return { notes, values: { ...check, inRange } };
  },
};
