/**
 * In [35]: FullyConnectedNet with batchnorm, gradient-checked: every parameter's gradient from
 * `loss(X, y)` against centred differences of the loss, for reg = 0 and reg = 3.14, in float64.
 * @module
 */
import { manualSeed, numericalGradient, randint, randn, relError } from '@tapegrad/core';
import { FullyConnectedNet } from '@tapegrad/nn';
import { pyExp } from '../../shared/pyFormat.js';
import type { Section } from '../section.js';

/** The spacing of float64 numbers at x. */
const ulp = (x: number): number => 2 ** (Math.floor(Math.log2(Math.abs(x))) - 52);

export const fcNetGradCheck: Section = {
  id: 'fc-gradcheck',
  title: 'Fully connected networks with batch normalization: gradient check',
  cells: 'In [35]',
  about:
    "FullyConnectedNet([20, 30], { inputDim: 15, numClasses: 10, normalization: 'batchnorm', weightScale: 5e-2, "
    + "dtype: 'float64' }) on 2 random samples (seed 231): the initial loss and each parameter's relative error.",
  trains: false,
  async run(ctx) {
    manualSeed(231);
    const [N, D, H1, H2, C] = [2, 15, 20, 30, 10];
    const X = randn([N, D], { dtype: 'float64' });
    const y = randint(0, C, [N]);
    const checks: { reg: number; loss: number; errors: Record<string, number> }[] = [];
    const zeroGrads: string[] = [];
    const maxAbs = (t: { toFloat64Array(): Float64Array }) => t.toFloat64Array().reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    for (const reg of [0, 3.14]) {
      ctx.print('Running check with reg = ', Number.isInteger(reg) ? { int: reg } : reg);
      const model = new FullyConnectedNet([H1, H2], {
        inputDim: D, numClasses: C, reg, weightScale: 5e-2, dtype: 'float64', normalization: 'batchnorm',
      });
      const { loss, grads } = model.loss(X, y);
      ctx.print('Initial loss: ', loss);
      const errors: Record<string, number> = {};
      for (const name of Object.keys(grads).sort()) {
        const f = () => model.loss(X, y).loss;
        const gradNum = numericalGradient(f, model.params[name]!, { h: 1e-5 });
        errors[name] = relError(gradNum, grads[name]!);
        const [numMax, anaMax] = [maxAbs(gradNum), maxAbs(grads[name]!)];
        if (numMax < 1e-8 && anaMax < 1e-8) {
          zeroGrads.push(`${name} at reg = ${reg} (numerical ${pyExp(numMax, 1)}, analytic ${pyExp(anaMax, 1)}: error ${pyExp(errors[name], 2)})`);
        }
        ctx.print(`${name} relative error: ${pyExp(errors[name], 2)}`);
      }
      if (reg === 0) ctx.print();
      checks.push({ reg, loss, errors });
    }
    const worstW = Math.max(...checks.flatMap((c) => Object.entries(c.errors).filter(([n]) => n.startsWith('W')).map(([, e]) => e)));
    const worstRest = Math.max(...checks.flatMap((c) => Object.entries(c.errors).filter(([n]) => !n.startsWith('W')).map(([, e]) => e)));
    const notes = zeroGrads.length === 0 ? [] : [
      `Zero gradients: ${zeroGrads.join('; ')}. A bias just before a batchnorm cancels out of the output, so its true gradient is 0 and both `
      + 'gradients are rounding noise; cs231n\'s relative error divides their difference by max(1e-8, |a| + |b|) = 1e-8 there, so one rounding '
      + `step of the loss (ulp(loss) / 2h, about ${pyExp(ulp(Math.max(...checks.map((c) => c.loss))) / 2e-5, 1)}) reads as a large error.`,
    ];
    return {
      notes: [
        ...notes,
        `The notebook expects errors between 1e-4 and 1e-10 for the weights and about 1e-8 or less for the biases, betas and gammas: `
        + `the worst weight error here is ${pyExp(worstW, 2)}, the worst of the rest ${pyExp(worstRest, 2)}.`,
      ],
      values: { checks },
    };
  },
};
