import { describe, expect, test } from 'vitest';
import { DtypeError, Generator, ShapeError, Tensor, ones, relError, tensor, zeros, type FloatDType } from '@tapegrad/core';
import { batchNormComposed, batchNormFused, type BatchNormOptions } from '@tapegrad/nn';
import { toleranceFor } from '@tapegrad/test-support/allclose';

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

// Fused matches composed, and gradcheck of both forms, for every arrangement (train, eval, with and
// without weight and bias, [N, C, L], float32): fusedOpTable.test.ts, driven from the table.

describe('batch norm at the notebook\'s size', () => {
  test('the notebook cell: N=100, D=500, backward_alt agrees with the staged backward to the notebook\'s ~1e-12', () => {
    const s = setup([100, 500]);
    const fused = run(batchNormFused, s.x, s.weight, s.bias, s.G);
    const composed = run(batchNormComposed, s.x, s.weight, s.bias, s.G);
    expect(fused.out.gradFn?.name).toBe('batchNorm');
    expect(relError(fused.dx, composed.dx)).toBeLessThan(1e-10);
    expect(relError(fused.dweight!, composed.dweight!)).toBeLessThan(1e-12);
    expect(relError(fused.dbias!, composed.dbias!)).toBeLessThan(1e-12);
  });

  test('a wrong formula is caught: dropping the Σ(dy·x̂) term moves dx far away', () => {
    // the comparison above can fail: dx without its last term differs from the true dx by much more than 1e-10
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

describe('batch norm gradients', () => {
  for (const [path, fn] of paths) {
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
      expect(rm, 'running mean').toBeAllclose(s.runningMean.mul(0.75).add(mean.mul(0.25)), tol);
      expect(rv, 'running var').toBeAllclose(s.runningVar.mul(0.75).add(unbiased.mul(0.25)), tol);
      expect(rm.requiresGrad || rv.requiresGrad || out.requiresGrad).toBe(false);
      const rvBiased = s.runningVar.clone();
      fn(s.x, null, null, { runningMean: s.runningMean.clone(), runningVar: rvBiased, momentum: 0.25, unbiasedRunningVar: false });
      expect(rvBiased, 'biased running var').toBeAllclose(s.runningVar.mul(0.75).add(s.x.var(0, { unbiased: false }).mul(0.25)), tol);
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
