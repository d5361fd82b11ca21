import { describe, expect, test } from 'vitest';
import { DtypeError, Generator, ShapeError, gradcheck, manualSeed, noGrad, randn, type FloatDType } from '@tapegrad/core';
import { BatchNorm1d, BatchNorm2d, compareGradients, setBackwardMode, type BackwardMode } from '@tapegrad/nn';
import { toleranceFor } from '@tapegrad/test-support/allclose';
import { casesOf, expectOutput, inputOf } from './test-utils/convCases.js';

const f64 = { dtype: 'float64' } as const;
const modes: BackwardMode[] = ['fused', 'tape'];

describe.each(modes)('BatchNorm2d reproduces torch.nn.BatchNorm2d (conv.json: train, two more batches, eval), backward %s', (backward) => {
  test.each(casesOf<{ eps: number; momentum: number | null; affine: boolean }>('nn.BatchNorm2d'))('%s', (_name, c) => {
    const cfg = c.config;
    const C = c.inputs.x!.shape[1]!;
    const bn = new BatchNorm2d(C, { eps: cfg.eps, momentum: cfg.momentum, affine: cfg.affine, dtype: c.dtype as FloatDType, backward });
    const state = { running_mean: inputOf(c, 'running_mean'), running_var: inputOf(c, 'running_var') };
    bn.loadStateDict(cfg.affine ? { ...state, weight: inputOf(c, 'weight'), bias: inputOf(c, 'bias') } : state, { strict: false });
    const x = inputOf(c, 'x', true);
    const out = bn.forward(x);
    expect(out.gradFn?.name).toBe(backward === 'fused' ? 'batchNorm2d' : cfg.affine ? 'add' : 'div');
    out.backward(inputOf(c, 'G'));
    expectOutput(c, out, 'out');
    expectOutput(c, x.grad, 'dx');
    if (cfg.affine) {
      expectOutput(c, bn.weight!.grad, 'dweight');
      expectOutput(c, bn.bias!.grad, 'dbias');
    }
    expectOutput(c, bn.runningMean, 'running_mean_after1');
    expectOutput(c, bn.runningVar, 'running_var_after1');
    expect(bn.numBatchesTracked!.item()).toBe(c.outputs.num_batches_tracked_after1!.data[0]);
    noGrad(() => [bn.forward(inputOf(c, 'x2')), bn.forward(inputOf(c, 'x3'))]);
    expectOutput(c, bn.runningMean, 'running_mean_after3');
    expectOutput(c, bn.runningVar, 'running_var_after3');
    expect(bn.numBatchesTracked!.item()).toBe(c.outputs.num_batches_tracked_after3!.data[0]);
    bn.eval();
    bn.zeroGrad();
    const xEval = inputOf(c, 'x_eval', true);
    const evalOut = bn.forward(xEval);
    evalOut.backward(inputOf(c, 'G_eval'));
    expectOutput(c, evalOut, 'eval_out');
    expectOutput(c, xEval.grad, 'eval_dx');
    if (cfg.affine) {
      expectOutput(c, bn.weight!.grad, 'eval_dweight');
      expectOutput(c, bn.bias!.grad, 'eval_dbias');
    }
  });
});

describe.each(modes)("BatchNorm2d with convention 'cs231n' reproduces spatial_batchnorm_forward/backward (conv.json), backward %s", (backward) => {
  test.each(casesOf<Record<string, unknown>>('cs231n.spatial_batchnorm'))('%s: train step, warm-up, test-time forward', (_name, c) => {
    const C = c.inputs.gamma!.shape[0]!;
    const bn = new BatchNorm2d(C, { convention: 'cs231n', dtype: 'float64', backward });
    bn.loadStateDict({ weight: inputOf(c, 'gamma'), bias: inputOf(c, 'beta') }, { strict: false });
    const x = inputOf(c, 'x', true);
    const out = bn.forward(x);
    out.backward(inputOf(c, 'dout'));
    expectOutput(c, out, 'out');
    expectOutput(c, x.grad, 'dx');
    expectOutput(c, bn.weight!.grad, 'dgamma');
    expectOutput(c, bn.bias!.grad, 'dbeta');
    expectOutput(c, bn.runningMean, 'running_mean_after1');
    expectOutput(c, bn.runningVar, 'running_var_after1');
    const warmup = inputOf(c, 'x_warmup');
    noGrad(() => {
      for (let k = 0; k < warmup.shape[0]!; k++) bn.forward(warmup.index([k]).reshape(warmup.shape.slice(1)));
    });
    expectOutput(c, bn.runningMean, 'running_mean');
    expectOutput(c, bn.runningVar, 'running_var');
    bn.eval();
    expectOutput(c, noGrad(() => bn.forward(inputOf(c, 'x_test'))), 'test_out');
  });

  test.each(casesOf<{ np_seed: number; N: number; C: number; H: number; W: number; iterations: number; scale: number; shift: number }>('cs231n.spatial_batchnorm_warmup'))(
    "%s: the notebook's test-time cell (50 warm-up batches from the seeded RNG) prints its means and stds",
    (_name, c) => {
      const cfg = c.config;
      const g = new Generator(cfg.np_seed);
      const shape = [cfg.N, cfg.C, cfg.H, cfg.W];
      const bn = new BatchNorm2d(cfg.C, { convention: 'cs231n', dtype: 'float64', backward });
      noGrad(() => {
        for (let i = 0; i < cfg.iterations; i++) bn.forward(g.randn(shape, f64).mul(cfg.scale).add(cfg.shift));
      });
      bn.eval();
      const out = noGrad(() => bn.forward(g.randn(shape, f64).mul(cfg.scale).add(cfg.shift)));
      const tol = toleranceFor('float64', 'reduction');
      expect(bn.runningMean!, 'running_mean').toBeAllclose(c.outputs.running_mean!, tol);
      expect(bn.runningVar!, 'running_var').toBeAllclose(c.outputs.running_var!, tol);
      expect(out.mean([0, 2, 3]), 'test means').toBeAllclose(c.outputs.test_out_mean!, tol);
      expect(out.sub(out.mean([0, 2, 3], true)).pow(2).mean([0, 2, 3]).sqrt(), 'test stds').toBeAllclose(c.outputs.test_out_std!, tol);
    },
  );
});

describe('BatchNorm2d as a Module', () => {
  test("BatchNorm1d's options, buffers, state-dict keys, resets and description, on [N, C, H, W]", () => {
    const bn = new BatchNorm2d(3, { dtype: 'float64' });
    const bn1 = new BatchNorm1d(3, { dtype: 'float64' });
    expect(Object.keys(bn.stateDict())).toEqual(Object.keys(bn1.stateDict()));
    expect(String(bn)).toBe('BatchNorm2d(3, eps=1e-5, momentum=0.1, affine=true, trackRunningStats=true)');
    expect(String(new BatchNorm2d(4, { affine: false, trackRunningStats: false, momentum: null, backward: 'tape' })))
      .toBe("BatchNorm2d(4, eps=1e-5, momentum=null, affine=false, trackRunningStats=false, backward='tape')");
    noGrad(() => bn.forward(randn([4, 3, 2, 2], f64).mul(3).add(5)));
    bn.weight!.data.data.fill(2);
    expect(bn.runningMean!.toFloat64Array().every((v) => v > 0.3)).toBe(true);
    bn.resetRunningStats();
    expect([bn.runningMean!.toArray(), bn.runningVar!.toArray(), bn.numBatchesTracked!.item(), bn.weight!.toArray()]).toEqual([[0, 0, 0], [1, 1, 1], 0, [2, 2, 2]]);
    bn.resetParameters();
    expect(bn.weight!.toArray()).toEqual([1, 1, 1]);
    const cs = new BatchNorm2d(2, { convention: 'cs231n' });
    expect([cs.momentum, cs.runningVar!.toArray()]).toEqual([0.9, [0, 0]]);
  });

  test('without running statistics it normalises with the batch in eval mode too', () => {
    const bn = new BatchNorm2d(2, { trackRunningStats: false, dtype: 'float64' });
    expect(bn.runningMean).toBeNull();
    bn.eval();
    const y = bn.forward(randn([3, 2, 4, 4], f64).mul(4).add(7));
    expect(y.mean([0, 2, 3]), 'means').toBeAllclose([0, 0], { rtol: 0, a: 1e-12 });
  });

  test.each(modes)('gradcheck passes for input, weight and bias in train and eval mode (float64, %s)', (backward) => {
    manualSeed(21);
    const bn = new BatchNorm2d(3, { dtype: 'float64', backward });
    bn.loadStateDict({ weight: randn([3], f64), bias: randn([3], f64) }, { strict: false });
    for (const training of [true, false]) {
      bn.train(training);
      const x = randn([3, 3, 2, 3], f64).mul(4).add(6);
      x.requiresGrad = true;
      const report = gradcheck((x, w, b) => {
        const [weight, bias] = [bn.weight, bn.bias];
        Object.assign(bn, { weight: w, bias: b });
        try {
          return bn.forward(x!);
        } finally {
          Object.assign(bn, { weight, bias });
        }
      }, [x, bn.weight!, bn.bias!]);
      expect(report.ok, `training ${training}: ${JSON.stringify(report.inputs)}`).toBe(true);
    }
  });

  test('compareGradients switches it (train mode, running statistics restored) and setBackwardMode reaches it', () => {
    manualSeed(22);
    const bn = new BatchNorm2d(4, { dtype: 'float64' });
    const report = compareGradients(bn, [randn([5, 4, 3, 3], f64).mul(5).add(12)], { repeats: 2, warmup: 1 });
    expect(report.grads.map((g) => g.name)).toEqual(['input 0', 'weight', 'bias']);
    expect(report.maxRelError).toBeLessThan(1e-10);
    expect(bn.numBatchesTracked!.item()).toBe(0);
    expect(setBackwardMode(bn, 'tape').backward).toBe('tape');
  });

  test('bad input is a named error', () => {
    const bn = new BatchNorm2d(3);
    expect(() => bn.forward(randn([2, 3, 4]))).toThrow(new ShapeError('BatchNorm2d: expected input [N, 3, H, W] (got [2, 3, 4])'));
    expect(() => bn.forward(randn([2, 4, 5, 5]))).toThrow(new ShapeError('BatchNorm2d: expected input [N, 3, H, W] (got [2, 4, 5, 5])'));
    expect(() => bn.forward(randn([1, 3, 1, 1]))).toThrow(new ShapeError('BatchNorm2d: expected more than 1 value per channel when training (got input [1, 3, 1, 1])'));
    expect(() => bn.forward(randn([2, 3, 2, 2], f64))).toThrow(new DtypeError("BatchNorm2d: expected input of the layer's dtype float32 (got float64)"));
    expect(() => new BatchNorm2d(0)).toThrow(new RangeError('BatchNorm2d: numFeatures must be a positive integer (got 0)'));
    expect(() => new BatchNorm2d(3, { momentum: 2 })).toThrow(new RangeError('BatchNorm2d: momentum must be in [0, 1] or null (got 2)'));
  });
});
