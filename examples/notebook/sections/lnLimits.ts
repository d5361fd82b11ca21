/**
 * Inline question 4, answered by experiment: when is layer normalization likely not to work well —
 * in a very deep network, with very few features, or with a high regularization? Each case is
 * trained with layernorm and without normalization (same seed, so the same initial weights), and
 * layernorm's gain in training accuracy is compared with its gain in a reference net.
 * @module
 */
import { pyFixed } from '../../shared/pyFormat.js';
import type { RunConfig } from '../config.js';
import type { Section } from '../section.js';
import { runSpec, type RunSpec, type TaskBatch } from '../training.js';

/** A case of the question: its name, what it is, and how its nets differ from the reference net. */
interface LimitCase {
  name: string;
  what: string;
  over: Partial<RunSpec>;
}

/** The four cases, and per case a layernorm net and a baseline, one task each. */
function lnLimitsPlan(config: RunConfig): { cases: LimitCase[]; batch: TaskBatch } {
  const setup = config.lnLimits;
  const cases: LimitCase[] = [
    { name: 'reference', what: `the reference net (hidden [100] × ${setup.hiddenDims.length})`, over: {} },
    { name: 'deep', what: `a very deep net (hidden [100] × ${setup.deepDims.length})`, over: { hiddenDims: setup.deepDims } },
    { name: 'small', what: `very few features (hidden [${setup.smallDims[0]}] × ${setup.smallDims.length})`, over: { hiddenDims: setup.smallDims } },
    { name: 'reg', what: `a high regularization (reg = ${setup.highReg})`, over: { reg: setup.highReg } },
  ];
  const tasks = cases.flatMap((c) => [
    { seed: config.seed, runs: [runSpec(setup, `ln-limits-${c.name}-layernorm`, { ...c.over, normalization: 'layernorm' })] },
    { seed: config.seed, runs: [runSpec(setup, `ln-limits-${c.name}-baseline`, { ...c.over, normalization: null })] },
  ]);
  return { cases, batch: { label: 'ln-limits', tasks } };
}

export const lnLimits: Section = {
  id: 'ln-limits',
  title: 'Inline question 4: when layer normalization does not work well',
  cells: 'Inline Question 4',
  about:
    'Layernorm against no normalization in four nets, all trained with Adam 1e-3, batch 50, on 1000 training images: the reference '
    + 'six-layer net (hidden [100] × 5), a very deep one, one with only 4 features per hidden layer, and the reference with a high L2 '
    + 'regularization. Each training reseeds with manualSeed(231).',
  trains: true,
  plan: (config) => [lnLimitsPlan(config).batch],
  async run(ctx) {
    const setup = ctx.config.lnLimits;
    const { cases, batch } = lnLimitsPlan(ctx.config);
    const results = await ctx.trainer.runTasks(batch.label, batch.tasks);
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
    const signed = (v: number) => `${v >= 0 ? '+' : ''}${pyFixed(v, 3)}`;
    const caseNumber: Record<string, number> = { deep: 1, small: 2, reg: 3 };
    const worst = rows.slice(1).reduce((w, r) => (r.gain < w.gain ? r : w));
    const poor = rows.slice(1).filter((r) => r.gain < reference.gain - 0.02);
    const width = setup.smallDims[0]!;
    // what each case does to layernorm, in numbers this run measured or the setup fixes
    const why: Record<string, (r: (typeof rows)[number]) => string> = {
      small: () => `With ${width} features per hidden layer, layernorm fixes the mean and the spread of each hidden vector, which leaves only `
        + `${width - 2} of its ${width} degrees of freedom to carry information (with 2 features every normalized pair is exactly (−1, 1) or (1, −1)), `
        + 'and its statistics are estimated from just those few numbers.',
      deep: (r) => `The ${setup.deepDims.length}-layer net with layernorm ends at a training accuracy of ${pyFixed(r.layernorm, 3)} (chance is 0.100): `
        + 'at this learning rate it hardly trained.',
      reg: (r) => `With reg = ${setup.highReg}, both nets are held back (${pyFixed(r.layernorm, 3)} and ${pyFixed(r.baseline, 3)}).`,
    };
    const answer = [
      `In ${reference.what}, layernorm changes the final training accuracy by ${signed(reference.gain)} `
      + `(${pyFixed(reference.layernorm, 3)} against ${pyFixed(reference.baseline, 3)} without normalization).`,
      ...rows.slice(1).map((r) => `Case ${caseNumber[r.name]}, ${r.what}: ${signed(r.gain)} (${pyFixed(r.layernorm, 3)} against ${pyFixed(r.baseline, 3)}).`),
      poor.length === 0
        ? 'In none of the three cases does layernorm do clearly worse than in the reference net.'
        : `Layernorm does clearly worse than in the reference net in case${poor.length > 1 ? 's' : ''} ${poor.map((r) => caseNumber[r.name]).join(' and ')}, `
          + `worst in case ${caseNumber[worst.name]}. ${poor.map((r) => why[r.name]!(r)).join(' ')}`,
      `cs231n's expected answer is case 2 (a very small feature dimension): this run ${poor.some((r) => r.name === 'small') ? 'agrees' : 'does not show it'}`
      + `${poor.some((r) => r.name !== 'small') ? `, and also shows layernorm doing poorly in case ${poor.filter((r) => r.name !== 'small').map((r) => caseNumber[r.name]).join(' and ')}` : ''}.`,
    ];
    return {
      answers: [{
        question: 'Inline question 4: when is layer normalization likely to not work well, and why? 1. Using it in a very deep network. '
          + '2. Having a very small dimension of features. 3. Having a high regularization term.',
        answer,
      }],
      values: { rows, worst: worst.name, poor: poor.map((r) => r.name) },
    };
  },
};
