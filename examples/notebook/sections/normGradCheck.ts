/**
 * The gradient checks of batchnorm (In [14]) and layernorm (In [45]): the tape's gradients of the
 * composed form (cs231n's staged `*_backward`) against centred finite differences
 * (`eval_numerical_gradient_array`), printed as cs231n's relative errors; the fused form's are
 * checked the same way and reported beside them.
 * @module
 */
import { Tensor, manualSeed, numericalGradientArray, randn, relError } from '@tapegrad/core';
import { batchNormComposed, batchNormFused, layerNormComposed, layerNormFused } from '@tapegrad/nn';
import { pyExp } from '../../shared/pyFormat.js';
import type { Section } from '../section.js';

const f64 = { dtype: 'float64' } as const;

type NormFn = (x: Tensor, gamma: Tensor, beta: Tensor) => Tensor;

/** A fresh leaf holding t's values, with requiresGrad. */
function leaf(t: Tensor): Tensor {
  return new Tensor(t.clone().data, { requiresGrad: true });
}

/** The analytic gradients of sum(f(x, gamma, beta) · dout). */
function analytic(f: NormFn, x: Tensor, gamma: Tensor, beta: Tensor, dout: Tensor): Tensor[] {
  const leaves = [x, gamma, beta].map(leaf);
  f(leaves[0]!, leaves[1]!, leaves[2]!).backward(dout);
  return leaves.map((l) => l.grad!);
}

/** Both cells: seed 231, x = 5·randn(4, 5) + 12, gamma, beta, dout = randn; numerical vs analytic. */
function gradCheckCell(composed: NormFn, fused: NormFn) {
  manualSeed(231);
  const [N, D] = [4, 5];
  const x = randn([N, D], f64).mul(5).add(12);
  const gamma = randn([D], f64);
  const beta = randn([D], f64);
  const dout = randn([N, D], f64);

  const dxNum = numericalGradientArray((t) => composed(t, gamma, beta), x, dout);
  const daNum = numericalGradientArray((a) => composed(x, a, beta), gamma.clone(), dout);
  const dbNum = numericalGradientArray((b) => composed(x, gamma, b), beta.clone(), dout);
  const numeric = [dxNum, daNum, dbNum];
  const errors = (grads: Tensor[]) => ({
    dx: relError(numeric[0]!, grads[0]!),
    dgamma: relError(numeric[1]!, grads[1]!),
    dbeta: relError(numeric[2]!, grads[2]!),
  });
  return { tape: errors(analytic(composed, x, gamma, beta, dout)), fused: errors(analytic(fused, x, gamma, beta, dout)) };
}

function makeSection(kind: 'batchnorm' | 'layernorm'): Section {
  const bn = kind === 'batchnorm';
  const composedFn: NormFn = bn
    ? (x, g, b) => batchNormComposed(x, g, b, { training: true })
    : (x, g, b) => layerNormComposed(x, x.shape[1]!, g, b);
  const fusedFn: NormFn = bn
    ? (x, g, b) => batchNormFused(x, g, b, { training: true })
    : (x, g, b) => layerNormFused(x, x.shape[1]!, g, b);
  return {
    id: bn ? 'bn-gradcheck' : 'ln-gradcheck',
    title: `${bn ? 'Batch' : 'Layer'} normalization: backward pass, gradient check`,
    cells: bn ? 'In [14]' : 'In [45]',
    about:
      `The gradients of ${bn ? 'batchNormComposed' : 'layerNormComposed'} (the tape differentiates the core ops, as `
      + `cs231n's staged ${kind}_backward) against centred differences on x = 5·randn(4, 5) + 12 (seed 231), with a random dout.`,
    trains: false,
    async run(ctx) {
      const { tape, fused } = gradCheckCell(composedFn, fusedFn);
      ctx.print('dx error: ', tape.dx);
      ctx.print('dgamma error: ', tape.dgamma);
      ctx.print('dbeta error: ', tape.dbeta);
      const worst = (e: typeof tape) => Math.max(e.dx, e.dgamma, e.dbeta);
      return {
        notes: [
          `The fused form (${bn ? 'batchNormFused' : 'layerNormFused'}, one tape node with the handwritten backward) against the same `
          + `numerical gradients: dx ${pyExp(fused.dx, 2)}, dgamma ${pyExp(fused.dgamma, 2)}, dbeta ${pyExp(fused.dbeta, 2)}.`,
          `The notebook expects relative errors between 1e-13 and 1e-8: the worst here is ${pyExp(worst(tape), 2)} (tape) and `
          + `${pyExp(worst(fused), 2)} (fused), ${Math.max(worst(tape), worst(fused)) <= 1e-8 ? 'inside' : 'OUTSIDE'} that bound.`,
        ],
        values: { tape, fused },
      };
    },
  };
}

export const bnGradCheck = makeSection('batchnorm');
export const lnGradCheck = makeSection('layernorm');
