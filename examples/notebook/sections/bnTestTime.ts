/**
 * In [13]: batchnorm at test time. 50 training-mode forward passes warm up the running averages
 * (cs231n's convention: momentum 0.9 decay, biased variance, both starting at 0), then one
 * test-mode pass on fresh data.
 * @module
 */
import { manualSeed, noGrad, randn } from '@tapegrad/core';
import { BatchNorm1d } from '@tapegrad/nn';
import { NpArray } from '../../shared/pyFormat.js';
import { npMeanStd } from '../../shared/npStats.js';
import type { Section } from '../section.js';

const f64 = { dtype: 'float64' } as const;

export const bnTestTime: Section = {
  id: 'bn-test-time',
  title: 'Batch normalization: test-time forward pass',
  cells: 'In [13]',
  about:
    "50 training-mode passes of BatchNorm1d(3, { convention: 'cs231n' }) on fresh random batches warm up its "
    + 'running mean and variance; a test-mode pass on a new batch then normalizes with those averages.',
  trains: false,
  async run(ctx) {
    manualSeed(231);
    const [N, D1, D2, D3] = [200, 50, 60, 3];
    const W1 = randn([D1, D2], f64);
    const W2 = randn([D2, D3], f64);
    const bn = new BatchNorm1d(D3, { convention: 'cs231n', dtype: 'float64' });

    const warmups = 50;
    noGrad(() => {
      bn.train();
      for (let t = 0; t < warmups; t++) {
        const X = randn([N, D1], f64);
        bn.forward(X.matmul(W1).maximum(0).matmul(W2));
      }
      bn.eval();
    });
    const X = randn([N, D1], f64);
    const aNorm = noGrad(() => bn.forward(X.matmul(W1).maximum(0).matmul(W2)));

    ctx.print('After batch normalization (test-time):');
    const stats = npMeanStd(aNorm, 0);
    ctx.print(`  means: ${new NpArray(stats.means).toString()}`);
    ctx.print(`  stds:  ${new NpArray(stats.stds).toString()}\n`);
    return {
      values: {
        warmups,
        ...stats,
        runningMean: [...bn.runningMean!.toFloat64Array()],
        runningVar: [...bn.runningVar!.toFloat64Array()],
      },
    };
  },
};
