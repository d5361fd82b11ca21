import { describe, expect, test } from 'vitest';
import {
  DtypeError, Generator, ShapeError, gradcheck, manualSeed, noGrad, ones, randn, tensor, zeros,
  type FloatDType, type Tensor,
} from '@tapegrad/core';
import { BatchNorm1d, type BackwardMode } from '@tapegrad/nn';
import { loadReference, type ReferenceArray } from '@tapegrad/test-support/reference';
import { toleranceFor } from '@tapegrad/test-support/allclose';

const modes: BackwardMode[] = ['fused', 'tape'];
const load = (a: ReferenceArray, dtype: FloatDType = 'float64', requiresGrad = false): Tensor =>
  tensor(Float64Array.from(a.data), { dtype, shape: a.shape, requiresGrad });
const f64 = { dtype: 'float64' } as const;

describe('BatchNorm1d against PyTorch (nn.json)', () => {
  const cases = loadReference<{ eps: number; momentum: number; affine: boolean }>('nn.json').filter((c) => c.kind === 'nn.BatchNorm1d');
  test('the reference file has the train/eval, stats, no-affine and float32 cases', () => {
    expect(cases.map((c) => c.name).sort()).toEqual([
      'batchnorm1d_8x5_f32', 'batchnorm1d_8x5_f64', 'batchnorm1d_8x5_noaffine_f64', 'batchnorm1d_8x5_stats_f64',
    ]);
  });
  for (const c of cases) {
    for (const backward of modes) {
      test(`${c.name}: train then eval match out, grads and running stats (backward '${backward}')`, () => {
        const dtype = c.dtype as FloatDType;
        const tol = toleranceFor(dtype, 'reduction');
        const C = c.inputs.x!.shape[1]!;
        const bn = new BatchNorm1d(C, { dtype, affine: c.config.affine, eps: c.config.eps, momentum: c.config.momentum, backward });
        const state: Record<string, Tensor> = { running_mean: load(c.inputs.running_mean!, dtype), running_var: load(c.inputs.running_var!, dtype) };
        if (c.config.affine) Object.assign(state, { weight: load(c.inputs.weight!, dtype), bias: load(c.inputs.bias!, dtype) });
        bn.loadStateDict(state, { strict: false });

        const x = load(c.inputs.x!, dtype, true);
        const out = bn.forward(x);
        expect(out.gradFn?.name).toBe(backward === 'fused' ? 'batchNorm' : c.config.affine ? 'add' : 'div');
        out.backward(load(c.inputs.G!, dtype));
        expect(out.dtype).toBe(dtype);
        expect(out, 'out').toBeAllclose(c.outputs.out!, tol);
        expect(x.grad!, 'dx').toBeAllclose(c.outputs.dx!, tol);
        if (c.config.affine) {
          expect(bn.weight!.grad!, 'dweight').toBeAllclose(c.outputs.dweight!, tol);
          expect(bn.bias!.grad!, 'dbias').toBeAllclose(c.outputs.dbias!, tol);
        } else {
          expect(bn.weight).toBeNull();
        }
        expect(bn.runningMean!, 'running_mean').toBeAllclose(c.outputs.running_mean!, tol);
        expect(bn.runningVar!, 'running_var').toBeAllclose(c.outputs.running_var!, tol);
        expect(bn.numBatchesTracked!.item()).toBe(c.outputs.num_batches_tracked!.data[0]);

        bn.eval();
        bn.zeroGrad();
        const xEval = load(c.inputs.x_eval!, dtype, true);
        const evalOut = bn.forward(xEval);
        evalOut.backward(load(c.inputs.G_eval!, dtype));
        expect(evalOut, 'eval_out').toBeAllclose(c.outputs.eval_out!, tol);
        expect(xEval.grad!, 'eval_dx').toBeAllclose(c.outputs.eval_dx!, tol);
        if (c.config.affine) {
          expect(bn.weight!.grad!, 'eval_dweight').toBeAllclose(c.outputs.eval_dweight!, tol);
          expect(bn.bias!.grad!, 'eval_dbias').toBeAllclose(c.outputs.eval_dbias!, tol);
        }
        // eval mode leaves the running statistics alone
        expect(bn.runningMean!, 'running_mean after eval').toBeAllclose(c.outputs.running_mean!, tol);
        expect(bn.numBatchesTracked!.item()).toBe(1);
      });
    }
  }
});

describe("BatchNorm1d with convention 'cs231n' against cs231n.json", () => {
  const cs = loadReference('cs231n.json');
  const byKind = (kind: string) => cs.find((c) => c.kind === kind)!;
  const reduction = toleranceFor('float64', 'reduction');
  const stdOver0 = (t: Tensor) => t.var(0, { unbiased: false }).sqrt();

  for (const backward of modes) {
    test(`cs231n.batchnorm: the notebook's gradient-check inputs, rebuilt from seed 231, give out, dx, dgamma, dbeta, running stats and test_out (backward '${backward}')`, () => {
      const c = byKind('cs231n.batchnorm');
      manualSeed(231);
      const x = randn([4, 5], f64).mul(5).add(12);
      const gamma = randn([5], f64), beta = randn([5], f64), dout = randn([4, 5], f64);
      // the rebuilt inputs are the stored ones, so the RNG port follows config.calls
      expect(x, 'x').toBeAllclose(c.inputs.x!, toleranceFor('float64', 'elementwise'));
      expect(dout, 'dout').toBeAllclose(c.inputs.dout!, toleranceFor('float64', 'elementwise'));

      const bn = new BatchNorm1d(5, { dtype: 'float64', convention: 'cs231n', backward });
      expect(bn.momentum).toBe(0.9);
      expect(bn.runningVar!.toArray()).toEqual([0, 0, 0, 0, 0]);
      bn.loadStateDict({ weight: gamma, bias: beta }, { strict: false });
      const xin = x.detach();
      xin.requiresGrad = true;
      const out = bn.forward(xin);
      out.backward(dout);
      expect(out, 'out').toBeAllclose(c.outputs.out!, reduction);
      expect(xin.grad!, 'dx').toBeAllclose(c.outputs.dx!, reduction);
      expect(bn.weight!.grad!, 'dgamma').toBeAllclose(c.outputs.dgamma!, reduction);
      expect(bn.bias!.grad!, 'dbeta').toBeAllclose(c.outputs.dbeta!, reduction);
      expect(bn.runningMean!, 'running_mean').toBeAllclose(c.outputs.running_mean!, reduction);
      expect(bn.runningVar!, 'running_var (biased)').toBeAllclose(c.outputs.running_var!, reduction);
      expect(bn.eval().forward(x), 'test_out').toBeAllclose(c.outputs.test_out!, reduction);
    });

    test(`cs231n.batchnorm_forward_stats: means and stds before and after normalising (backward '${backward}')`, () => {
      const c = byKind('cs231n.batchnorm_forward_stats');
      manualSeed(231);
      const X = randn([200, 50], f64), W1 = randn([50, 60], f64), W2 = randn([60, 3], f64);
      const a = X.matmul(W1).relu().matmul(W2);
      expect(a.mean(0), 'a_mean').toBeAllclose(c.outputs.a_mean!, reduction);
      expect(stdOver0(a), 'a_std').toBeAllclose(c.outputs.a_std!, reduction);
      const bn = new BatchNorm1d(3, { dtype: 'float64', convention: 'cs231n', backward });
      const norm = bn.forward(a);
      expect(norm.mean(0), 'norm_mean').toBeAllclose(c.outputs.norm_mean!, reduction);
      expect(stdOver0(norm), 'norm_std').toBeAllclose(c.outputs.norm_std!, reduction);
      bn.loadStateDict({ weight: load(c.inputs.gamma!), bias: load(c.inputs.beta!) }, { strict: false });
      const affine = bn.forward(a);
      expect(affine.mean(0), 'affine_mean').toBeAllclose(c.outputs.affine_mean!, reduction);
      expect(stdOver0(affine), 'affine_std').toBeAllclose(c.outputs.affine_std!, reduction);
    });

    test(`cs231n.batchnorm_warmup: 50 train batches, then a test batch, give the notebook's running stats and test-time output (backward '${backward}')`, () => {
      const c = byKind('cs231n.batchnorm_warmup');
      manualSeed(231);
      const W1 = randn([50, 60], f64), W2 = randn([60, 3], f64);
      const layer = () => randn([200, 50], f64).matmul(W1).relu().matmul(W2);
      const bn = new BatchNorm1d(3, { dtype: 'float64', convention: 'cs231n', backward });
      for (let t = 0; t < 50; t++) bn.forward(layer());
      expect(bn.runningMean!, 'running_mean').toBeAllclose(c.outputs.running_mean!, reduction);
      expect(bn.runningVar!, 'running_var').toBeAllclose(c.outputs.running_var!, reduction);
      expect(bn.numBatchesTracked!.item()).toBe(50);
      const testOut = bn.eval().forward(layer());
      expect(testOut, 'test_out').toBeAllclose(c.outputs.test_out!, reduction);
      expect(testOut.mean(0), 'test_out_mean').toBeAllclose(c.outputs.test_out_mean!, reduction);
      expect(stdOver0(testOut), 'test_out_std').toBeAllclose(c.outputs.test_out_std!, reduction);
      // and the notebook's printed means, to its 8 digits
      expect(testOut.mean(0).toArray()).toEqual([-0.03927354, -0.04349152, -0.10452688].map((v) => expect.closeTo(v, 8)));
    });
  }
});

describe('BatchNorm1d semantics', () => {
  const batch = (n: number, c: number, seed = 1) => new Generator(seed).randn([n, c], f64).mul(3).add(1);

  test("PyTorch's defaults: momentum 0.1, running mean 0 and variance 1, int32 numBatchesTracked, state-dict names and order", () => {
    const bn = new BatchNorm1d(4, { dtype: 'float64' });
    expect([bn.eps, bn.momentum, bn.affine, bn.trackRunningStats, bn.convention, bn.backward]).toEqual([1e-5, 0.1, true, true, 'pytorch', 'fused']);
    expect(bn.runningMean!.toArray()).toEqual([0, 0, 0, 0]);
    expect(bn.runningVar!.toArray()).toEqual([1, 1, 1, 1]);
    expect(bn.numBatchesTracked!.dtype).toBe('int32');
    expect(bn.numBatchesTracked!.shape).toEqual([]);
    expect(Object.keys(bn.stateDict())).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    expect(bn.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias']);
    expect(new BatchNorm1d(4, { affine: false, trackRunningStats: false }).stateDict()).toEqual({});
  });

  test('pytorch: the running variance takes the unbiased batch variance; cs231n: the biased one, with 0.9 as the decay of the old value', () => {
    const x = batch(10, 3);
    const mean = x.mean(0).toFloat64Array();
    const unbiased = x.var(0).toFloat64Array(), biased = x.var(0, { unbiased: false }).toFloat64Array();
    const pt = new BatchNorm1d(3, { dtype: 'float64' });
    pt.forward(x);
    expect(pt.runningMean!).toBeAllclose(mean.map((m) => 0.1 * m), toleranceFor('float64', 'elementwise'));
    expect(pt.runningVar!).toBeAllclose(unbiased.map((v) => 0.9 + 0.1 * v), toleranceFor('float64', 'elementwise'));
    const cs = new BatchNorm1d(3, { dtype: 'float64', convention: 'cs231n' });
    cs.forward(x);
    expect(cs.runningMean!).toBeAllclose(mean.map((m) => 0.1 * m), toleranceFor('float64', 'elementwise'));
    expect(cs.runningVar!).toBeAllclose(biased.map((v) => 0.1 * v), toleranceFor('float64', 'elementwise'));
  });

  for (const backward of modes) {
    test(`momentum null keeps the cumulative average of the batch statistics (backward '${backward}')`, () => {
      const bn = new BatchNorm1d(3, { dtype: 'float64', momentum: null, backward });
      const xs = [batch(6, 3, 1), batch(9, 3, 2), batch(4, 3, 3)];
      for (const x of xs) bn.forward(x);
      expect(bn.numBatchesTracked!.item()).toBe(3);
      const avg = (f: (x: Tensor) => Tensor) => xs.map(f).reduce((a, b) => a.add(b)).div(3);
      expect(bn.runningMean!, 'running_mean').toBeAllclose(avg((x) => x.mean(0)), toleranceFor('float64', 'reduction'));
      expect(bn.runningVar!, 'running_var').toBeAllclose(avg((x) => x.var(0)), toleranceFor('float64', 'reduction'));
    });

    test(`numBatchesTracked counts train-mode forwards only (backward '${backward}')`, () => {
      const bn = new BatchNorm1d(3, { dtype: 'float64', backward });
      bn.forward(batch(5, 3));
      bn.forward(batch(5, 3));
      bn.eval().forward(batch(5, 3));
      expect(bn.numBatchesTracked!.item()).toBe(2);
      expect(bn.stateDict().num_batches_tracked!.item()).toBe(2);
    });

    test(`eval mode normalises with the running statistics and changes nothing (backward '${backward}')`, () => {
      const bn = new BatchNorm1d(2, { dtype: 'float64', backward });
      bn.loadStateDict({ running_mean: tensor([1, -2], f64), running_var: tensor([4, 0.25], f64) }, { strict: false });
      bn.eval();
      const y = bn.forward(tensor([[3, -1]], f64)); // one sample is fine in eval mode
      expect(y).toBeAllclose([2 / Math.sqrt(4 + 1e-5), 1 / Math.sqrt(0.25 + 1e-5)], toleranceFor('float64', 'elementwise'));
      expect(bn.runningMean!.toArray()).toEqual([1, -2]);
      expect(bn.numBatchesTracked!.item()).toBe(0);
    });

    test(`trackRunningStats false has no buffers and uses batch statistics in eval mode too (backward '${backward}')`, () => {
      const bn = new BatchNorm1d(3, { dtype: 'float64', trackRunningStats: false, backward }).eval();
      expect([bn.runningMean, bn.runningVar, bn.numBatchesTracked]).toEqual([null, null, null]);
      const y = bn.forward(batch(7, 3));
      expect(y.mean(0)).toBeAllclose([0, 0, 0], toleranceFor('float64', 'reduction'));
      expect(() => bn.forward(batch(1, 3))).toThrow(/more than 1 value per channel/);
    });

    test(`an [N, C, L] input is normalised per channel over N and L (backward '${backward}')`, () => {
      const bn = new BatchNorm1d(3, { dtype: 'float64', backward });
      noGrad(() => bn.weight!.copy_(tensor([1, 2, 3], f64)));
      const x = new Generator(5).randn([4, 3, 6], f64).mul(2).add(7);
      x.requiresGrad = true;
      const y = bn.forward(x);
      expect(y.shape).toEqual([4, 3, 6]);
      expect(y.mean([0, 2]), 'mean').toBeAllclose([0, 0, 0], toleranceFor('float64', 'reduction'));
      const sigma2 = x.var([0, 2], { unbiased: false }).toFloat64Array();
      const expectedVar = [1, 2, 3].map((g, i) => (g * g * sigma2[i]!) / (sigma2[i]! + 1e-5));
      expect(y.var([0, 2], { unbiased: false }), 'var').toBeAllclose(expectedVar, toleranceFor('float64', 'reduction'));
      expect(bn.runningMean!, 'running_mean').toBeAllclose(x.mean([0, 2]).mul(0.1), toleranceFor('float64', 'reduction'));
      const n = 4 * 6;
      expect(bn.runningVar!, 'running_var').toBeAllclose(x.var([0, 2], { unbiased: false }).mul((0.1 * n) / (n - 1)).add(0.9), toleranceFor('float64', 'reduction'));
      y.mul(new Generator(6).randn([4, 3, 6], f64)).sum().backward();
      expect(x.grad!.shape).toEqual([4, 3, 6]);
      expect(gradcheck((t) => bn.forward(t), [x]).ok).toBe(true);
    });

    test(`gradcheck passes for the input in train and eval mode (backward '${backward}')`, () => {
      const bn = new BatchNorm1d(4, { dtype: 'float64', backward });
      noGrad(() => {
        bn.weight!.copy_(new Generator(2).randn([4], f64));
        bn.bias!.copy_(new Generator(3).randn([4], f64));
      });
      const x = new Generator(4).randn([5, 4], f64).mul(2).add(3);
      x.requiresGrad = true;
      const train = gradcheck((t) => bn.forward(t), [x]);
      expect(train.ok).toBe(true);
      expect(train.inputs[0]!.maxAbsError).toBeLessThan(1e-7);
      bn.eval();
      expect(gradcheck((t) => bn.forward(t), [x]).ok).toBe(true);
    });
  }

  test('train mode with one value per channel throws as PyTorch does; eval mode does not', () => {
    const bn = new BatchNorm1d(100);
    expect(() => bn.forward(zeros([1, 100]))).toThrow(ShapeError);
    expect(() => bn.forward(zeros([1, 100]))).toThrow('BatchNorm1d: expected more than 1 value per channel when training (got input [1, 100])');
    expect(() => bn.forward(zeros([1, 100, 1]))).toThrow('(got input [1, 100, 1])');
    expect(bn.numBatchesTracked!.item()).toBe(0);
    expect(bn.eval().forward(zeros([1, 100])).shape).toEqual([1, 100]);
  });

  test('a wrong feature count, rank or dtype is a clear error', () => {
    const bn = new BatchNorm1d(100);
    expect(() => bn.forward(zeros([50, 64]))).toThrow('BatchNorm1d: expected input [N, 100] (got [50, 64])');
    expect(() => bn.forward(zeros([50, 64, 3]))).toThrow('BatchNorm1d: expected input [N, 100, L] (got [50, 64, 3])');
    expect(() => bn.forward(zeros([100]))).toThrow('BatchNorm1d: expected input [N, 100] or [N, 100, L] (got [100])');
    expect(() => bn.forward(zeros([2, 100, 1, 1]))).toThrow(ShapeError);
    expect(() => bn.forward(zeros([2, 100], f64))).toThrow(DtypeError);
    expect(() => bn.forward(zeros([2, 100], f64))).toThrow("BatchNorm1d: expected input of the layer's dtype float32 (got float64)");
  });

  test('bad options are rejected', () => {
    expect(() => new BatchNorm1d(0)).toThrow(RangeError);
    expect(() => new BatchNorm1d(3, { momentum: 1.5 })).toThrow(RangeError);
    expect(() => new BatchNorm1d(3, { convention: 'keras' as 'pytorch' })).toThrow(TypeError);
    expect(() => new BatchNorm1d(3, { backward: 'slow' as 'tape' })).toThrow("BatchNorm1d: backward must be 'fused' or 'tape' (got slow)");
  });

  test('resetRunningStats and resetParameters restore the initial state of each convention', () => {
    for (const convention of ['pytorch', 'cs231n'] as const) {
      const bn = new BatchNorm1d(3, { dtype: 'float64', convention });
      noGrad(() => bn.weight!.fill_(2));
      bn.forward(batch(8, 3));
      bn.resetRunningStats();
      expect(bn.runningMean!.toArray()).toEqual([0, 0, 0]);
      expect(bn.runningVar!.toArray()).toEqual(convention === 'pytorch' ? [1, 1, 1] : [0, 0, 0]);
      expect(bn.numBatchesTracked!.item()).toBe(0);
      expect(bn.weight!.toArray()).toEqual([2, 2, 2]);
      bn.resetParameters();
      expect(bn.weight!.toArray()).toEqual([1, 1, 1]);
      expect(bn.bias!.toArray()).toEqual([0, 0, 0]);
    }
  });

  test('to(dtype) converts parameters and running statistics but keeps numBatchesTracked int32', () => {
    const bn = new BatchNorm1d(3).to('float64');
    expect([bn.weight!.dtype, bn.runningVar!.dtype, bn.numBatchesTracked!.dtype]).toEqual(['float64', 'float64', 'int32']);
    bn.forward(batch(4, 3));
    expect(bn.numBatchesTracked!.item()).toBe(1);
  });

  test('toString prints the configuration as PyTorch does', () => {
    expect(new BatchNorm1d(100).toString()).toBe('BatchNorm1d(100, eps=1e-5, momentum=0.1, affine=true, trackRunningStats=true)');
    expect(new BatchNorm1d(3, { convention: 'cs231n', momentum: null, backward: 'tape' }).toString())
      .toBe("BatchNorm1d(3, eps=1e-5, momentum=null, affine=true, trackRunningStats=true, convention='cs231n', backward='tape')");
  });

  test('the parameters start at weight 1 and bias 0 in the requested dtype', () => {
    const bn = new BatchNorm1d(2, { dtype: 'float64' });
    expect(bn.weight!.toArray()).toEqual(ones([2]).toArray());
    expect(bn.bias!.dtype).toBe('float64');
    expect(bn.weight!.requiresGrad).toBe(true);
  });
});
