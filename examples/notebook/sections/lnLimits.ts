/**
 * Inline question 4, answered by experiment: when is layer normalization likely not to work well —
 * in a very deep network, with very few features, or with a high regularization? Each case is
 * trained with layernorm and without normalization (same seed, so the same initial weights), and
 * layernorm's gain in training accuracy is compared with its gain in a reference net.
 * @module
 */
import { pyFixed } from '../../shared/pyFormat.js';
import type { Section } from '../section.js';
import { runSpec, type RunSpec } from '../training.js';

export const lnLimits: Section = {
  id: 'ln-limits',
  title: 'Inline question 4: when layer normalization does not work well',
  cells: 'Inline Question 4',
  about:
    'Layernorm against no normalization in four nets, all trained with Adam 1e-3, batch 50, on 1000 training images: the reference '
    + 'six-layer net (hidden [100] × 5), a very deep one, one with only 4 features per hidden layer, and the reference with a high L2 '
    + 'regularization. Each training reseeds with manualSeed(231).',
  trains: true,
  async run(ctx) {
    const setup = ctx.config.lnLimits;
    const cases: { name: string; what: string; over: Partial<RunSpec> }[] = [
      { name: 'reference', what: `the reference net (hidden [100] × ${setup.hiddenDims.length})`, over: {} },
      { name: 'deep', what: `a very deep net (hidden [100] × ${setup.deepDims.length})`, over: { hiddenDims: setup.deepDims } },
      { name: 'small', what: `very few features (hidden [${setup.smallDims[0]}] × ${setup.smallDims.length})`, over: { hiddenDims: setup.smallDims } },
      { name: 'reg', what: `a high regularization (reg = ${setup.highReg})`, over: { reg: setup.highReg } },
    ];
    const tasks = cases.flatMap((c) => [
      { seed: ctx.config.seed, runs: [runSpec(setup, `ln-limits-${c.name}-layernorm`, { ...c.over, normalization: 'layernorm' })] },
      { seed: ctx.config.seed, runs: [runSpec(setup, `ln-limits-${c.name}-baseline`, { ...c.over, normalization: null })] },
    ]);
    const results = await ctx.trainer.runTasks('ln-limits', tasks);
    const rows = cases.map((c, i) => {
      const ln = results[2 * i]![0]!, none = results[2 * i + 1]![0]!;
      const [a, b] = [ln.trainAccHistory.at(-1)!, none.trainAccHistory.at(-1)!];
      return { ...c, layernorm: a, baseline: b, gain: a - b, lnBestVal: ln.bestValAcc, baselineBestVal: none.bestValAcc };
    });
    ctx.print('case        final train acc: layernorm  no norm   gain    best val acc: layernorm  no norm');
    for (const r of rows) {
      ctx.print(`${r.name.padEnd(11)} ${' '.repeat(17)}${pyFixed(r.layernorm, 3).padStart(9)}  ${pyFixed(r.baseline, 3).padStart(7)}  ${(r.gain >= 0 ? '+' : '') + pyFixed(r.gain, 3)}`
        + `${' '.repeat(15)}${pyFixed(r.lnBestVal, 3).padStart(9)}  ${pyFixed(r.baselineBestVal, 3).padStart(7)}`);
    }
    const reference = rows[0]!;
    const worst = rows.slice(1).reduce((w, r) => (r.gain < w.gain ? r : w));
    const why: Record<string, string> = {
      small: 'With only a few features per sample, the mean and variance layernorm normalizes with are computed from a handful of numbers: '
        + 'they are noisy, and forcing so few values to zero mean and unit variance removes much of what the layer could express '
        + '(with 2 features, every normalized pair is exactly (−1, 1) or (1, −1)).',
      deep: 'Depth alone does not make the per-sample statistics worse; if anything, normalizing each layer keeps a deep net trainable, '
        + 'so this case showing the smallest gain is a property of this run rather than of layernorm.',
      reg: 'A strong L2 penalty shrinks the weights, and layernorm undoes their scale, so the penalty and the normalization work against '
        + 'each other; still, this hurts the baseline too.',
    };
    return {
      answers: [{
        question: 'Inline question 4: when is layer normalization likely to not work well, and why? 1. Using it in a very deep network. '
          + '2. Having a very small dimension of features. 3. Having a high regularization term.',
        answer: [
          `In ${reference.what}, layernorm changes the final training accuracy by ${(reference.gain >= 0 ? '+' : '') + pyFixed(reference.gain, 3)} `
          + `(${pyFixed(reference.layernorm, 3)} against ${pyFixed(reference.baseline, 3)} without normalization).`,
          ...rows.slice(1).map((r) => `With ${r.what}: ${(r.gain >= 0 ? '+' : '') + pyFixed(r.gain, 3)} (${pyFixed(r.layernorm, 3)} against ${pyFixed(r.baseline, 3)}).`),
          `Layernorm does worst, relative to no normalization, with ${worst.what}${worst.name === 'small' ? ' (case 2)' : worst.name === 'deep' ? ' (case 1)' : ' (case 3)'}. ${why[worst.name]}`,
        ],
      }],
      values: { rows, worst: worst.name },
    };
  },
};
