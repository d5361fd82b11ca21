/**
 * In [22]: the simplified ("alt") batchnorm backward against the staged one, through
 * `compareGradients`: the tape's gradient of batchNormComposed (cs231n's `batchnorm_backward`)
 * against batchNormFused's handwritten one (`batchnorm_backward_alt`), and how much faster it is.
 * @module
 */
import { manualSeed, randn, type Tensor } from '@tapegrad/core';
import { batchNormComposed, batchNormFused, compareGradients } from '@tapegrad/nn';
import { pyFixed } from '../../shared/pyFormat.js';
import type { Section } from '../section.js';

const f64 = { dtype: 'float64' } as const;

export const bnBackwardAlt: Section = {
  id: 'bn-backward-alt',
  timed: true,
  title: 'Batch normalization: alternative backward pass',
  cells: 'In [22]',
  about:
    'compareGradients runs batchNormComposed (the tape stages the backward, as cs231n\'s batchnorm_backward) and '
    + 'batchNormFused (one node with the simplified formula, batchnorm_backward_alt) on x = 5·randn(100, 500) + 12 '
    + 'with the notebook\'s dout (seed 231), and times both backward passes (medians).',
  trains: false,
  async run(ctx) {
    manualSeed(231);
    const [N, D] = [100, 500];
    const x = randn([N, D], f64).mul(5).add(12);
    const gamma = randn([D], f64);
    const beta = randn([D], f64);
    const dout = randn([N, D], f64);

    const repeats = ctx.config.quick ? 10 : 30;
    const report = compareGradients(
      {
        tape: (xs: Tensor, g: Tensor, b: Tensor) => batchNormComposed(xs, g, b, { training: true }),
        fused: (xs: Tensor, g: Tensor, b: Tensor) => batchNormFused(xs, g, b, { training: true }),
      },
      [x, gamma, beta],
      { grad: dout, repeats, warmup: 5 },
    );
    const [dx, dgamma, dbeta] = report.grads;
    ctx.print('dx difference: ', dx!.relError);
    ctx.print('dgamma difference: ', dgamma!.relError);
    ctx.print('dbeta difference: ', dbeta!.relError);
    ctx.print(`speedup: ${pyFixed(report.timings.speedup, 2)}x`);
    const t = report.timings;
    return {
      details: `compareGradients (inputs: 0 = x, 1 = gamma, 2 = beta)\n${report.format()}`,
      notes: [
        `The fused backward took ${t.fusedMs.toFixed(3)} ms against ${t.tapeMs.toFixed(3)} ms for the tape's (medians of ${t.repeats} runs): `
        + `${t.speedup > 1 ? `${pyFixed(t.speedup, 2)}× faster` : `not faster (${pyFixed(t.speedup, 2)}×)`}; the notebook's numpy alt backward was 1.84× faster.`,
      ],
      values: {
        dx: dx!.relError, dgamma: dgamma!.relError, dbeta: dbeta!.relError,
        maxAbsDiff: Math.max(...report.grads.map((g) => g.maxAbsDiff)),
        timings: { tapeMs: t.tapeMs, fusedMs: t.fusedMs, speedup: t.speedup, repeats: t.repeats },
      },
    };
  },
};
