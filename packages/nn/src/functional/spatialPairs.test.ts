/**
 * Every sample of the conv2d, batchNorm2d, groupNorm and rmsNorm pairs: the fused form matches the
 * composed one (output and every gradient, float64 to 1e-10 relative; float32 to float32's
 * tolerance), and both pass a float64 finite-difference check with a random upstream gradient.
 */
import { describe, expect, test } from 'vitest';
import { Generator, Tensor, numericalGradientArray, relError, type FloatDType } from '@tapegrad/core';
import { toleranceFor } from '@tapegrad/test-support/allclose';
import { spatialPairs, type PairSample } from './test-utils/spatialPairs.js';

type AnyFn = (...args: never[]) => Tensor;

/** The output and the gradients of sum(out·G) for fresh leaves of `inputs`. */
function run<F extends AnyFn>(fn: F, sample: PairSample<F>, inputs: Tensor[], G: Tensor | null) {
  const leaves = inputs.map((t) => new Tensor(t.data, { requiresGrad: true }));
  const out = sample.call(fn, ...leaves);
  out.backward(G ?? new Generator(99).normal(0.3, 1, out.shape, { dtype: out.dtype as FloatDType }));
  return { out, grads: leaves.map((l) => l.grad!) };
}

for (const [name, pair] of Object.entries(spatialPairs) as [string, (typeof spatialPairs)[keyof typeof spatialPairs]][]) {
  describe(`${name}: fused matches composed and both pass finite differences`, () => {
    for (const sample of pair.samples as PairSample<AnyFn>[]) {
      test(`${sample.label}: float64, outputs and every gradient agree to 1e-10`, () => {
        const inputs = sample.inputs('float64');
        const fused = run(pair.fused as AnyFn, sample, inputs, null);
        const composed = run(pair.composed as AnyFn, sample, inputs, null);
        const tol = toleranceFor('float64', 'elementwise');
        expect(fused.out, 'out').toBeAllclose(composed.out, tol);
        fused.grads.forEach((g, i) => {
          expect(g, `gradient ${i}`).toBeInstanceOf(Tensor);
          expect(g, `gradient ${i}`).toBeAllclose(composed.grads[i]!, tol);
          expect(relError(g, composed.grads[i]!)).toBeLessThan(1e-10);
        });
      });

      test(`${sample.label}: float32, computed in float32, agrees to float32 precision`, () => {
        const inputs = sample.inputs('float32');
        const fused = run(pair.fused as AnyFn, sample, inputs, null);
        const composed = run(pair.composed as AnyFn, sample, inputs, null);
        expect(fused.out.dtype).toBe('float32');
        const tol = { rtol: 1e-4, a: 1e-4 };
        expect(fused.out, 'out').toBeAllclose(composed.out, tol);
        fused.grads.forEach((g, i) => {
          expect(g.dtype).toBe('float32');
          expect(g, `gradient ${i}`).toBeAllclose(composed.grads[i]!, tol);
        });
      });

      for (const [form, fn] of [['fused', pair.fused], ['composed', pair.composed]] as const) {
        test(`${sample.label}: the ${form} gradients match float64 finite differences`, () => {
          const inputs = sample.inputs('float64');
          const probe = sample.call(fn as AnyFn, ...inputs);
          const G = new Generator(5).normal(0.3, 1, probe.shape, { dtype: 'float64' });
          const { grads } = run(fn as AnyFn, sample, inputs, G);
          inputs.forEach((x, i) => {
            const numeric = numericalGradientArray(
              (t) => sample.call(fn as AnyFn, ...inputs.map((u, j) => (j === i ? t : u))), x.detach(), G,
            ).toFloat64Array();
            const analytic = grads[i]!.toFloat64Array();
            expect(analytic, `input ${i}`).toBeAllclose(numeric, { rtol: 0, a: 1e-7 }); // absolute 1e-7 × max(1, max|numeric|)
          });
        });
      }
    }
  });
}
