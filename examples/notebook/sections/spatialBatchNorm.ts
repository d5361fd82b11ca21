/**
 * Beyond the notebook, from cs231n's ConvolutionalNetworks notebook: spatial batch normalization
 * (BatchNorm2d) over `[N, C, H, W]`, per channel over N, H and W: its training-time forward
 * statistics, its test-time forward after 50 warm-up batches (cs231n's running averages), and its
 * backward gradient check.
 * @module
 */
import { manualSeed, noGrad, ones, randn, tensor, zeros } from '@tapegrad/core';
import { BatchNorm2d, batchNorm2dComposed, batchNorm2dFused } from '@tapegrad/nn';
import { NpArray, pyExp } from '../../shared/pyFormat.js';
import type { Section } from '../section.js';
import { channelMeanStd, gradCheckCell, gradCheckNotes, printShapeMeansStds } from './spatialChecks.js';

const f64 = { dtype: 'float64' } as const;

/** What the ConvolutionalNetworks notebook printed after its test-time cell (cs231n's solution, seed 231). */
const NOTEBOOK_TEST_TIME = {
  means: '[-0.08034406  0.07562881  0.05716371  0.04378383]',
  stds: '[0.96718744 1.0299714  1.02887624 1.00585577]',
};

/** The training-time forward cell: gamma = 1, beta = 0, then gamma = [3, 4, 5], beta = [6, 7, 8]. */
export const sbnForward: Section = {
  id: 'sbn-forward',
  title: 'Beyond the notebook: spatial batch normalization, forward pass',
  cells: 'ConvolutionalNetworks.ipynb, spatial batchnorm: forward',
  about:
    'x = 4·randn(2, 3, 4, 5) + 10 (seed 231): its per-channel means and stds over N, H and W, before and after '
    + 'batchNorm2dFused in training mode, with gamma = 1, beta = 0 and then with gamma = [3, 4, 5], beta = [6, 7, 8].',
  trains: false,
  async run(ctx) {
    manualSeed(231);
    const [N, C, H, W] = [2, 3, 4, 5];
    const x = randn([N, C, H, W], f64).mul(4).add(10);
    ctx.print('Before spatial batch normalization:');
    const before = channelMeanStd(x);
    printShapeMeansStds(ctx, x, before);

    let out = batchNorm2dFused(x, ones([C], f64), zeros([C], f64), { training: true });
    ctx.print('After spatial batch normalization:');
    const plain = channelMeanStd(out);
    printShapeMeansStds(ctx, out, plain);

    out = batchNorm2dFused(x, tensor([3, 4, 5], f64), tensor([6, 7, 8], f64), { training: true });
    ctx.print('After spatial batch normalization (nontrivial gamma, beta):');
    const shifted = channelMeanStd(out);
    printShapeMeansStds(ctx, out, shifted);
    const near = (got: number[], want: number[], tol: number) => got.every((v, i) => Math.abs(v - want[i]!) < tol);
    const ok = near(plain.means, [0, 0, 0], 1e-12) && near(plain.stds, [1, 1, 1], 1e-5)
      && near(shifted.means, [6, 7, 8], 1e-12) && near(shifted.stds, [3, 4, 5], 1e-4);
    return {
      notes: [
        `The notebook's comments: the means should be close to zero (beta) and the stds close to one (gamma); here the means are `
        + `within ${pyExp(Math.max(...plain.means.map(Math.abs)), 1)} of 0 and within `
        + `${pyExp(Math.max(...shifted.means.map((m, i) => Math.abs(m - [6, 7, 8][i]!))), 1)} of beta, and the stds are 1 and gamma `
        + `less what eps = 1e-5 takes off (${ok ? 'as expected' : 'NOT as expected'}).`,
      ],
      values: { before, plain, shifted, ok },
    };
  },
};

/** The test-time cell: 50 training-mode passes warm up the running averages, then one test-mode pass. */
export const sbnTestTime: Section = {
  id: 'sbn-test-time',
  title: 'Beyond the notebook: spatial batch normalization, test-time forward pass',
  cells: 'ConvolutionalNetworks.ipynb, spatial batchnorm: test time',
  about:
    "50 training-mode passes of BatchNorm2d(4, { convention: 'cs231n' }) on x = 2.3·randn(10, 4, 11, 12) + 13 (seed 231) "
    + 'warm up its running mean and variance; a test-mode pass on a new batch then normalizes with them.',
  trains: false,
  async run(ctx) {
    manualSeed(231);
    const [N, C, H, W] = [10, 4, 11, 12];
    const bn = new BatchNorm2d(C, { convention: 'cs231n', dtype: 'float64' });
    const warmups = 50;
    const aNorm = noGrad(() => {
      for (let t = 0; t < warmups; t++) bn.forward(randn([N, C, H, W], f64).mul(2.3).add(13));
      bn.eval();
      return bn.forward(randn([N, C, H, W], f64).mul(2.3).add(13));
    });
    const stats = channelMeanStd(aNorm);
    const printed = { means: new NpArray(stats.means).toString(), stds: new NpArray(stats.stds).toString() };
    ctx.print('After spatial batch normalization (test-time):');
    ctx.print('  means: ', new NpArray(stats.means));
    ctx.print('  stds: ', new NpArray(stats.stds));
    const same = printed.means === NOTEBOOK_TEST_TIME.means && printed.stds === NOTEBOOK_TEST_TIME.stds;
    return {
      notes: [
        same
          ? "These are the numbers cs231n's notebook printed, digit for digit (the same numpy-compatible random stream, cs231n's "
            + 'running averages: momentum 0.9 decay, biased variance, both starting at 0).'
          : `The notebook printed means ${NOTEBOOK_TEST_TIME.means} and stds ${NOTEBOOK_TEST_TIME.stds}: this run differs.`,
      ],
      values: { warmups, ...stats, printed, notebook: NOTEBOOK_TEST_TIME, sameAsNotebook: same,
        runningMean: [...bn.runningMean!.toFloat64Array()], runningVar: [...bn.runningVar!.toFloat64Array()] },
    };
  },
};

/** The backward cell: the tape's gradients against centred differences, cs231n's relative errors. */
export const sbnGradCheck: Section = {
  id: 'sbn-gradcheck',
  title: 'Beyond the notebook: spatial batch normalization, backward pass, gradient check',
  cells: 'ConvolutionalNetworks.ipynb, spatial batchnorm: backward',
  about:
    'The gradients of batchNorm2dComposed (the tape differentiates the core ops) against centred differences on '
    + 'x = 5·randn(2, 3, 4, 5) + 12 (seed 231) with a random gamma, beta and dout; batchNorm2dFused (one node, the '
    + 'closed-form backward in the kernels) checked the same way.',
  trains: false,
  async run(ctx) {
    manualSeed(231);
    const [N, C, H, W] = [2, 3, 4, 5];
    const x = randn([N, C, H, W], f64).mul(5).add(12);
    const gamma = randn([C], f64), beta = randn([C], f64), dout = randn([N, C, H, W], f64);
    const check = gradCheckCell(
      (t, g, b) => batchNorm2dComposed(t, g, b, { training: true }), (t, g, b) => batchNorm2dFused(t, g, b, { training: true }),
      x, gamma, beta, dout,
    );
    ctx.print('dx error: ', check.tape.dx);
    ctx.print('dgamma error: ', check.tape.dgamma);
    ctx.print('dbeta error: ', check.tape.dbeta);
    const { notes, inRange } = gradCheckNotes('batchNorm2dFused', check);
    return { notes, values: { ...check, inRange } };
  },
};
