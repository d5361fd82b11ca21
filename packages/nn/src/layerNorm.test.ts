import { describe, expect, test } from 'vitest';
import { DtypeError, Generator, ShapeError, gradcheck, manualSeed, noGrad, randn, tensor, zeros, type FloatDType, type Tensor } from '@tapegrad/core';
import { LayerNorm, type BackwardMode } from '@tapegrad/nn';
import { loadReference, type ReferenceArray } from '@tapegrad/test-support/reference';
import { toleranceFor } from '@tapegrad/test-support/allclose';

const modes: BackwardMode[] = ['fused', 'tape'];
const load = (a: ReferenceArray, dtype: FloatDType = 'float64', requiresGrad = false): Tensor =>
  tensor(Float64Array.from(a.data), { dtype, shape: a.shape, requiresGrad });
const f64 = { dtype: 'float64' } as const;

describe('LayerNorm against PyTorch (nn.json)', () => {
  const cases = loadReference<{ eps: number; elementwise_affine: boolean }>('nn.json').filter((c) => c.kind === 'nn.LayerNorm');
  test('the reference file has the affine, no-affine and float32 cases', () => {
    expect(cases.map((c) => c.name).sort()).toEqual(['layernorm_4x6_f32', 'layernorm_4x6_f64', 'layernorm_4x6_noaffine_f64']);
  });
  for (const c of cases) {
    for (const backward of modes) {
      test(`${c.name} matches out, dx, dweight and dbias in train and eval mode (backward '${backward}')`, () => {
        const dtype = c.dtype as FloatDType;
        const tol = toleranceFor(dtype, 'reduction');
        const D = c.inputs.x!.shape[1]!;
        const ln = new LayerNorm(D, { dtype, eps: c.config.eps, elementwiseAffine: c.config.elementwise_affine, backward });
        if (c.config.elementwise_affine) ln.loadStateDict({ weight: load(c.inputs.weight!, dtype), bias: load(c.inputs.bias!, dtype) });
        else expect(ln.stateDict()).toEqual({});
        for (const mode of ['train', 'eval'] as const) {
          ln.train(mode === 'train');
          ln.zeroGrad();
          const x = load(c.inputs.x!, dtype, true);
          const out = ln.forward(x);
          expect(out.gradFn?.name).toBe(backward === 'fused' ? 'layerNorm' : c.config.elementwise_affine ? 'add' : 'div');
          out.backward(load(c.inputs.G!, dtype));
          expect(out.dtype).toBe(dtype);
          expect(out, `${mode} out`).toBeAllclose(c.outputs.out!, tol);
          expect(x.grad!, `${mode} dx`).toBeAllclose(c.outputs.dx!, tol);
          if (c.config.elementwise_affine) {
            expect(ln.weight!.grad!, `${mode} dweight`).toBeAllclose(c.outputs.dweight!, tol);
            expect(ln.bias!.grad!, `${mode} dbias`).toBeAllclose(c.outputs.dbias!, tol);
          }
        }
      });
    }
  }
});

describe('LayerNorm against cs231n.json', () => {
  const cs = loadReference('cs231n.json');
  const byKind = (kind: string) => cs.find((c) => c.kind === kind)!;
  const reduction = toleranceFor('float64', 'reduction');
  const stdOver1 = (t: Tensor) => t.var(1, { unbiased: false }).sqrt();

  for (const backward of modes) {
    test(`cs231n.layernorm: the notebook's gradient-check inputs, rebuilt from seed 231, give out, dx, dgamma, dbeta (backward '${backward}')`, () => {
      const c = byKind('cs231n.layernorm');
      manualSeed(231);
      const x = randn([4, 5], f64).mul(5).add(12);
      const gamma = randn([5], f64), beta = randn([5], f64), dout = randn([4, 5], f64);
      expect(x, 'x').toBeAllclose(c.inputs.x!, toleranceFor('float64', 'elementwise'));
      expect(dout, 'dout').toBeAllclose(c.inputs.dout!, toleranceFor('float64', 'elementwise'));
      const ln = new LayerNorm(5, { dtype: 'float64', backward });
      ln.loadStateDict({ weight: gamma, bias: beta });
      x.requiresGrad = true;
      const out = ln.forward(x);
      out.backward(dout);
      expect(out, 'out').toBeAllclose(c.outputs.out!, reduction);
      expect(x.grad!, 'dx').toBeAllclose(c.outputs.dx!, reduction);
      expect(ln.weight!.grad!, 'dgamma').toBeAllclose(c.outputs.dgamma!, reduction);
      expect(ln.bias!.grad!, 'dbeta').toBeAllclose(c.outputs.dbeta!, reduction);
    });

    test(`cs231n.layernorm_forward_stats: per-row means and stds before and after normalising (backward '${backward}')`, () => {
      const c = byKind('cs231n.layernorm_forward_stats');
      manualSeed(231);
      const X = randn([4, 50], f64), W1 = randn([50, 60], f64), W2 = randn([60, 3], f64);
      const a = X.matmul(W1).relu().matmul(W2);
      expect(a.mean(1), 'a_mean').toBeAllclose(c.outputs.a_mean!, reduction);
      expect(stdOver1(a), 'a_std').toBeAllclose(c.outputs.a_std!, reduction);
      const ln = new LayerNorm(3, { dtype: 'float64', backward });
      const norm = ln.forward(a);
      expect(norm.mean(1), 'norm_mean').toBeAllclose(c.outputs.norm_mean!, reduction);
      expect(stdOver1(norm), 'norm_std').toBeAllclose(c.outputs.norm_std!, reduction);
      ln.loadStateDict({ weight: load(c.inputs.gamma!), bias: load(c.inputs.beta!) });
      const affine = ln.forward(a);
      expect(affine.mean(1), 'affine_mean').toBeAllclose(c.outputs.affine_mean!, reduction);
      expect(stdOver1(affine), 'affine_std').toBeAllclose(c.outputs.affine_std!, reduction);
    });
  }
});

describe('LayerNorm semantics', () => {
  test('defaults: eps 1e-5, weight 1 and bias 0 of normalizedShape; state-dict names', () => {
    const ln = new LayerNorm([2, 3], { dtype: 'float64' });
    expect([ln.eps, ln.elementwiseAffine, ln.backward, ln.normalizedShape]).toEqual([1e-5, true, 'fused', [2, 3]]);
    expect(ln.weight!.toArray()).toEqual([[1, 1, 1], [1, 1, 1]]);
    expect(Object.keys(ln.stateDict())).toEqual(['weight', 'bias']);
    expect(Object.keys(new LayerNorm(3, { bias: false }).stateDict())).toEqual(['weight']);
    expect(new LayerNorm(3, { elementwiseAffine: false }).parameters()).toEqual([]);
  });

  for (const backward of modes) {
    test(`a multi-dim normalizedShape normalises each sample over its trailing dims; gradcheck passes (backward '${backward}')`, () => {
      const ln = new LayerNorm([3, 4], { dtype: 'float64', backward });
      noGrad(() => {
        ln.weight!.copy_(new Generator(1).randn([3, 4], f64));
        ln.bias!.copy_(new Generator(2).randn([3, 4], f64));
      });
      const x = new Generator(3).randn([2, 3, 4], f64).mul(4).add(-1);
      x.requiresGrad = true;
      const plain = new LayerNorm([3, 4], { dtype: 'float64', elementwiseAffine: false, backward }).forward(x);
      expect(plain.mean([1, 2])).toBeAllclose([0, 0], toleranceFor('float64', 'reduction'));
      expect(plain.var([1, 2], { unbiased: false })).toBeAllclose([1, 1], { rtol: 1e-5, a: 1e-12 }); // σ²/(σ² + eps)
      const report = gradcheck((t) => ln.forward(t), [x]);
      expect(report.ok).toBe(true);
      expect(report.inputs[0]!.maxAbsError).toBeLessThan(1e-7);
    });

    test(`one feature gives out = bias and zero gradients (backward '${backward}')`, () => {
      const ln = new LayerNorm(1, { dtype: 'float64', backward });
      noGrad(() => ln.bias!.fill_(0.5));
      const x = tensor([[3], [-2]], { dtype: 'float64', requiresGrad: true });
      const y = ln.forward(x);
      y.mul(tensor([[1.5], [-0.7]], f64)).sum().backward();
      expect(y.toArray()).toEqual([[0.5], [0.5]]);
      expect(x.grad!.toArray()).toEqual([[0], [0]]);
      expect(ln.weight!.grad!.toArray()).toEqual([0]);
    });
  }

  test('a wrong trailing shape or dtype is a clear error', () => {
    const ln = new LayerNorm(6);
    expect(() => ln.forward(zeros([4, 5]))).toThrow(ShapeError);
    expect(() => ln.forward(zeros([4, 5]))).toThrow('LayerNorm: expected input [*, 6] (got [4, 5])');
    expect(() => new LayerNorm([2, 3]).forward(zeros([3]))).toThrow('LayerNorm: expected input [*, 2, 3] (got [3])');
    expect(() => ln.forward(zeros([4, 6], f64))).toThrow(DtypeError);
    expect(() => new LayerNorm(0)).toThrow(TypeError);
    expect(() => new LayerNorm([])).toThrow(TypeError);
    expect(() => new LayerNorm(3, { eps: -1 })).toThrow(RangeError);
  });

  test('toString prints the configuration as PyTorch does', () => {
    expect(new LayerNorm(6).toString()).toBe('LayerNorm([6], eps=1e-5, elementwiseAffine=true)');
    expect(new LayerNorm([2, 3], { bias: false, backward: 'tape' }).toString()).toBe("LayerNorm([2, 3], eps=1e-5, elementwiseAffine=true, bias=false, backward='tape')");
  });

  test('resetParameters sets weight to 1 and bias to 0', () => {
    const ln = new LayerNorm(2, { dtype: 'float64' });
    noGrad(() => {
      ln.weight!.fill_(3);
      ln.bias!.fill_(4);
    });
    ln.resetParameters();
    expect([ln.weight!.toArray(), ln.bias!.toArray()]).toEqual([[1, 1], [0, 0]]);
  });
});
