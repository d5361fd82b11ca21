import { describe, expect, test } from 'vitest';
import { DtypeError, Generator, ShapeError, Tensor, gradcheck, numericalGradientArray, ones, relError, zeros, type FloatDType } from '@tapegrad/core';
import { layerNormComposed, layerNormFused } from '@tapegrad/nn';
import { expectAllClose, toleranceFor } from '../../../../test-support/allclose.js';

type LayerNormFn = typeof layerNormFused;
const paths: [string, LayerNormFn][] = [['fused', layerNormFused], ['composed', layerNormComposed]];
const f64 = { dtype: 'float64' } as const;

function setup(shape: number[], normalizedShape: number[], dtype: FloatDType = 'float64', seed = 231) {
  const g = new Generator(seed);
  return {
    x: g.randn(shape, { dtype }).mul(5).add(12),
    weight: g.randn(normalizedShape, { dtype }),
    bias: g.randn(normalizedShape, { dtype }),
    G: g.randn(shape, { dtype }),
  };
}

function run(fn: LayerNormFn, x: Tensor, normalizedShape: number[], weight: Tensor | null, bias: Tensor | null, G: Tensor) {
  const leaf = (t: Tensor | null) => (t === null ? null : new Tensor(t.data, { requiresGrad: true }));
  const [xl, wl, bl] = [leaf(x), leaf(weight), leaf(bias)];
  const out = fn(xl!, normalizedShape, wl, bl);
  out.backward(G);
  return { out, dx: xl!.grad!, dweight: wl?.grad ?? null, dbias: bl?.grad ?? null };
}

describe('fused layer norm matches composed to 1e-10 (float64)', () => {
  const tol = toleranceFor('float64', 'elementwise');
  const cases: [string, number[], number[], boolean, boolean][] = [
    ['[100, 500] over the last dim', [100, 500], [500], true, true],
    ['[7, 3] without affine', [7, 3], [3], false, false],
    ['[6, 4] with weight only', [6, 4], [4], true, false],
    ['[2, 3, 4] over the last two dims', [2, 3, 4], [3, 4], true, true],
    ['[2, 3, 4] over the last dim', [2, 3, 4], [4], true, true],
  ];
  for (const [name, shape, normalizedShape, withWeight, withBias] of cases) {
    test(`${name}: outputs and every gradient agree`, () => {
      const s = setup(shape, normalizedShape);
      const w = withWeight ? s.weight : null, b = withBias ? s.bias : null;
      const fused = run(layerNormFused, s.x, normalizedShape, w, b, s.G);
      const composed = run(layerNormComposed, s.x, normalizedShape, w, b, s.G);
      expect(fused.out.gradFn?.name).toBe('layerNorm');
      expectAllClose(fused.out, composed.out, tol, 'out');
      expectAllClose(fused.dx, composed.dx, tol, 'dx');
      expect(relError(fused.dx, composed.dx)).toBeLessThan(1e-10);
      if (withWeight) expectAllClose(fused.dweight!, composed.dweight!, tol, 'dweight');
      if (withBias) expectAllClose(fused.dbias!, composed.dbias!, tol, 'dbias');
    });
  }

  test('float32 agrees to float32 precision, computed in float32', () => {
    const s = setup([5, 16], [16], 'float32');
    const fused = run(layerNormFused, s.x, [16], s.weight, s.bias, s.G);
    const composed = run(layerNormComposed, s.x, [16], s.weight, s.bias, s.G);
    expect([fused.out.dtype, fused.dx.dtype, fused.dbias!.dtype]).toEqual(['float32', 'float32', 'float32']);
    const tol = toleranceFor('float32', 'reduction');
    expectAllClose(fused.out, composed.out, tol, 'out');
    expectAllClose(fused.dx, composed.dx, tol, 'dx');
    expectAllClose(fused.dweight!, composed.dweight!, tol, 'dweight');
  });
});

describe('layer norm gradients against finite differences', () => {
  for (const [path, fn] of paths) {
    test(`gradcheck passes for x, weight and bias (${path})`, () => {
      const s = setup([3, 2, 3], [2, 3], 'float64', 11);
      const leaves = [s.x, s.weight, s.bias].map((t) => new Tensor(t.data, { requiresGrad: true }));
      const report = gradcheck((x, w, b) => fn(x!, [2, 3], w!, b!), leaves);
      expect(report.ok).toBe(true);
      expect(report.inputs.map((r) => r.index)).toEqual([0, 1, 2]);
      for (const r of report.inputs) expect(r.maxAbsError).toBeLessThan(1e-7);
    });

    test(`the notebook's check with a random dout: dx, dgamma, dbeta within 1e-8 of numerical gradients (${path})`, () => {
      const s = setup([4, 5], [5]);
      const { dx, dweight, dbias } = run(fn, s.x, [5], s.weight, s.bias, s.G);
      expect(relError(dx, numericalGradientArray((x) => fn(x, 5, s.weight, s.bias), s.x.clone(), s.G))).toBeLessThan(1e-8);
      expect(relError(dweight!, numericalGradientArray((w) => fn(s.x, 5, w, s.bias), s.weight.clone(), s.G))).toBeLessThan(1e-8);
      expect(relError(dbias!, numericalGradientArray((b) => fn(s.x, 5, s.weight, b), s.bias.clone(), s.G))).toBeLessThan(1e-8);
    });

    test(`bad arguments are clear errors (${path})`, () => {
      const x = zeros([4, 3], f64);
      expect(() => fn(x, 4)).toThrow(ShapeError);
      expect(() => fn(x, 4)).toThrow(/expected input \[\*, 4\] \(got \[4, 3\]\)/);
      expect(() => fn(x, [3], ones([4], f64))).toThrow(/expected weight \[3\] \(got \[4\]\)/);
      expect(() => fn(x, [3], ones([3]))).toThrow(DtypeError);
      expect(() => fn(x, [])).toThrow(TypeError);
      expect(() => fn(x, 3, null, null, -1)).toThrow(RangeError);
    });
  }
});
