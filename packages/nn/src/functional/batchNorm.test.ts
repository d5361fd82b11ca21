import { describe, expect, test } from 'vitest';
import {
  DtypeError, Generator, ShapeError, Tensor, gradcheck, numericalGradientArray, ones, relError, tensor, zeros,
  type FloatDType,
} from '@tapegrad/core';
import { batchNormComposed, batchNormFused, type BatchNormOptions } from '@tapegrad/nn';
import { expectAllClose, toleranceFor } from '../../../../test-support/allclose.js';

type BatchNormFn = typeof batchNormFused;
const paths: [string, BatchNormFn][] = [['fused', batchNormFused], ['composed', batchNormComposed]];
const f64 = { dtype: 'float64' } as const;

/** x = 5·randn + 12 (the notebook's), γ, β, an upstream gradient G, and running statistics. */
function setup(shape: number[], dtype: FloatDType = 'float64', seed = 231) {
  const g = new Generator(seed);
  const c = shape[1]!;
  return {
    x: g.randn(shape, { dtype }).mul(5).add(12),
    weight: g.randn([c], { dtype }),
    bias: g.randn([c], { dtype }),
    G: g.randn(shape, { dtype }),
    runningMean: g.randn([c], { dtype }),
    runningVar: g.rand([c], { dtype }).add(0.5),
  };
}

/** Output and the gradients of sum(out·G) for x, weight and bias (fresh leaves). */
function run(fn: BatchNormFn, x: Tensor, weight: Tensor | null, bias: Tensor | null, G: Tensor, opts: BatchNormOptions = {}) {
  const leaf = (t: Tensor | null) => (t === null ? null : new Tensor(t.data, { requiresGrad: true }));
  const [xl, wl, bl] = [leaf(x), leaf(weight), leaf(bias)];
  const out = fn(xl!, wl, bl, opts);
  out.backward(G);
  return { out, dx: xl!.grad!, dweight: wl?.grad ?? null, dbias: bl?.grad ?? null };
}

describe('fused batch norm matches composed to 1e-10 (float64)', () => {
  const tol = toleranceFor('float64', 'elementwise');
  const cases: [string, number[], boolean, boolean][] = [
    ['train, affine, [100, 50]', [100, 50], true, true],
    ['train, no affine, [7, 3]', [7, 3], true, false],
    ['eval, affine, [9, 4]', [9, 4], false, true],
    ['eval, no affine, [2, 4]', [2, 4], false, false],
    ['train, affine, [N, C, L] = [4, 3, 5]', [4, 3, 5], true, true],
    ['eval, affine, [N, C, L] = [2, 3, 2]', [2, 3, 2], false, true],
  ];
  for (const [name, shape, training, affine] of cases) {
    test(`${name}: outputs and every gradient agree`, () => {
      const s = setup(shape);
      const w = affine ? s.weight : null, b = affine ? s.bias : null;
      const opts = training ? {} : { training: false, runningMean: s.runningMean, runningVar: s.runningVar };
      const fused = run(batchNormFused, s.x, w, b, s.G, opts);
      const composed = run(batchNormComposed, s.x, w, b, s.G, opts);
      expect(fused.out.gradFn?.name).toBe(shape.length === 2 ? (training ? 'batchNorm' : 'batchNormEval') : 'permute');
      expectAllClose(fused.out, composed.out, tol, 'out');
      expectAllClose(fused.dx, composed.dx, tol, 'dx');
      expect(relError(fused.dx, composed.dx)).toBeLessThan(1e-10);
      if (affine) {
        expectAllClose(fused.dweight!, composed.dweight!, tol, 'dweight');
        expectAllClose(fused.dbias!, composed.dbias!, tol, 'dbias');
      }
    });
  }

  test('the notebook cell: N=100, D=500, backward_alt agrees with the staged backward to the notebook\'s ~1e-12', () => {
    const s = setup([100, 500]);
    const fused = run(batchNormFused, s.x, s.weight, s.bias, s.G);
    const composed = run(batchNormComposed, s.x, s.weight, s.bias, s.G);
    expect(relError(fused.dx, composed.dx)).toBeLessThan(1e-10);
    expect(relError(fused.dweight!, composed.dweight!)).toBeLessThan(1e-12);
    expect(relError(fused.dbias!, composed.dbias!)).toBeLessThan(1e-12);
  });

  test('float32 agrees to float32 precision, computed in float32', () => {
    const s = setup([16, 5], 'float32');
    const fused = run(batchNormFused, s.x, s.weight, s.bias, s.G);
    const composed = run(batchNormComposed, s.x, s.weight, s.bias, s.G);
    expect([fused.out.dtype, fused.dx.dtype, fused.dweight!.dtype]).toEqual(['float32', 'float32', 'float32']);
    const tol = toleranceFor('float32', 'reduction');
    expectAllClose(fused.out, composed.out, tol, 'out');
    expectAllClose(fused.dx, composed.dx, tol, 'dx');
    expectAllClose(fused.dweight!, composed.dweight!, tol, 'dweight');
  });

  test('a wrong formula is caught: dropping the Σ(dy·x̂) term moves dx far away', () => {
    // the check above can fail: dx without its last term differs from the true dx by much more than 1e-10
    const s = setup([8, 3]);
    const composed = run(batchNormComposed, s.x, s.weight, s.bias, s.G);
    const xHat = s.x.sub(s.x.mean(0, true)).div(s.x.var(0, { unbiased: false, keepdim: true }).add(1e-5).sqrt());
    const invStd = s.x.var(0, { unbiased: false, keepdim: true }).add(1e-5).sqrt().pow(-1);
    const wrong = s.G.mul(8).sub(s.G.sum(0, true)).mul(s.weight).mul(invStd).div(8);
    expect(relError(wrong, composed.dx)).toBeGreaterThan(1e-3);
    const right = s.G.mul(8).sub(s.G.sum(0, true)).sub(xHat.mul(s.G.mul(xHat).sum(0, true))).mul(s.weight).mul(invStd).div(8);
    expect(relError(right, composed.dx)).toBeLessThan(1e-10);
  });
});

describe('batch norm gradients against finite differences', () => {
  for (const [path, fn] of paths) {
    test(`gradcheck passes for x, weight and bias in train mode (${path})`, () => {
      const s = setup([5, 3], 'float64', 7);
      const leaves = [s.x, s.weight, s.bias].map((t) => new Tensor(t.data, { requiresGrad: true }));
      const report = gradcheck((x, w, b) => fn(x!, w!, b!), leaves);
      expect(report.ok).toBe(true);
      expect(report.inputs.map((r) => r.index)).toEqual([0, 1, 2]);
      for (const r of report.inputs) expect(r.maxAbsError).toBeLessThan(1e-7);
    });

    test(`gradcheck passes in eval mode and for an [N, C, L] input (${path})`, () => {
      const s = setup([4, 3, 2], 'float64', 8);
      const leaves = [s.x, s.weight, s.bias].map((t) => new Tensor(t.data, { requiresGrad: true }));
      expect(gradcheck((x, w, b) => fn(x!, w!, b!), leaves).ok).toBe(true);
      const e = setup([4, 3], 'float64', 9);
      const evalLeaves = [e.x, e.weight, e.bias].map((t) => new Tensor(t.data, { requiresGrad: true }));
      const opts = { training: false, runningMean: e.runningMean, runningVar: e.runningVar };
      expect(gradcheck((x, w, b) => fn(x!, w!, b!, opts), evalLeaves).ok).toBe(true);
    });

    test(`the notebook's check with a random dout: dx, dgamma, dbeta within 1e-8 of numerical gradients (${path})`, () => {
      const s = setup([4, 5]);
      const { dx, dweight, dbias } = run(fn, s.x, s.weight, s.bias, s.G);
      expect(relError(dx, numericalGradientArray((x) => fn(x, s.weight, s.bias), s.x.clone(), s.G))).toBeLessThan(1e-8);
      expect(relError(dweight!, numericalGradientArray((w) => fn(s.x, w, s.bias), s.weight.clone(), s.G))).toBeLessThan(1e-8);
      expect(relError(dbias!, numericalGradientArray((b) => fn(s.x, s.weight, b), s.bias.clone(), s.G))).toBeLessThan(1e-8);
    });

    test(`only the inputs that require grad get one (${path})`, () => {
      const s = setup([6, 2]);
      const w = new Tensor(s.weight.data, { requiresGrad: true });
      fn(s.x, w, s.bias).mul(s.G).sum().backward();
      expect(w.grad!.shape).toEqual([2]);
      expect(s.x.grad).toBeNull();
    });
  }
});

describe('batch norm running statistics and argument checks', () => {
  for (const [path, fn] of paths) {
    test(`training updates the running statistics in place, outside the graph (${path})`, () => {
      const s = setup([10, 3]);
      const rm = s.runningMean.clone(), rv = s.runningVar.clone();
      const out = fn(s.x, null, null, { runningMean: rm, runningVar: rv, momentum: 0.25 });
      const mean = s.x.mean(0), unbiased = s.x.var(0);
      const tol = toleranceFor('float64', 'reduction');
      expectAllClose(rm, s.runningMean.mul(0.75).add(mean.mul(0.25)), tol, 'running mean');
      expectAllClose(rv, s.runningVar.mul(0.75).add(unbiased.mul(0.25)), tol, 'running var');
      expect(rm.requiresGrad || rv.requiresGrad || out.requiresGrad).toBe(false);
      const rvBiased = s.runningVar.clone();
      fn(s.x, null, null, { runningMean: s.runningMean.clone(), runningVar: rvBiased, momentum: 0.25, unbiasedRunningVar: false });
      expectAllClose(rvBiased, s.runningVar.mul(0.75).add(s.x.var(0, { unbiased: false }).mul(0.25)), tol, 'biased running var');
    });

    test(`eval mode leaves the running statistics alone and needs them (${path})`, () => {
      const s = setup([3, 2]);
      const before = s.runningMean.toArray();
      fn(s.x, null, null, { training: false, runningMean: s.runningMean, runningVar: s.runningVar });
      expect(s.runningMean.toArray()).toEqual(before);
      expect(() => fn(s.x, null, null, { training: false })).toThrow(/runningMean and runningVar are needed when training is false/);
    });

    test(`bad arguments are clear errors (${path})`, () => {
      const x = zeros([4, 3], f64);
      expect(() => fn(zeros([1, 3], f64))).toThrow(ShapeError);
      expect(() => fn(zeros([1, 3], f64))).toThrow(/expected more than 1 value per channel when training \(got input \[1, 3\]\)/);
      expect(() => fn(zeros([4], f64))).toThrow(/expected input \[N, C\] or \[N, C, L\] \(got \[4\]\)/);
      expect(() => fn(x, ones([4], f64))).toThrow(/expected weight \[3\] \(got \[4\]\)/);
      expect(() => fn(x, ones([3]))).toThrow(DtypeError);
      expect(() => fn(tensor([[1, 2], [3, 4]], { dtype: 'int32' }))).toThrow(DtypeError);
      expect(() => fn(x, null, null, { runningMean: zeros([3], f64) })).toThrow(/must be given together/);
    });
  }
});
