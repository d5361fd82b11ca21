import { describe, expect, test } from 'vitest';
import { DtypeError, ShapeError, Tensor, gradcheck, manualSeed, randn } from '@tapegrad/core';
import { GroupNorm, LayerNorm, compareGradients, setBackwardMode, type BackwardMode } from '@tapegrad/nn';
import { toleranceFor } from '@tapegrad/test-support/allclose';
import { casesOf, expectOutput, inputOf } from './test-utils/convCases.js';

const f64 = { dtype: 'float64' } as const;
const modes: BackwardMode[] = ['fused', 'tape'];

describe.each(modes)('GroupNorm reproduces torch.nn.GroupNorm and cs231n (conv.json), backward %s', (backward) => {
  test.each(casesOf<{ num_groups: number; num_channels: number; eps: number; affine: boolean }>('nn.GroupNorm'))('%s', (_name, c) => {
    const cfg = c.config;
    const gn = new GroupNorm(cfg.num_groups, cfg.num_channels, { eps: cfg.eps, affine: cfg.affine, dtype: c.dtype === 'float32' ? 'float32' : 'float64', backward });
    if (cfg.affine) gn.loadStateDict({ weight: inputOf(c, 'weight'), bias: inputOf(c, 'bias') });
    const x = inputOf(c, 'x', true);
    const out = gn.forward(x);
    out.backward(inputOf(c, 'G'));
    expectOutput(c, out, 'out');
    expectOutput(c, x.grad, 'dx');
    if (cfg.affine) {
      expectOutput(c, gn.weight!.grad, 'dweight');
      expectOutput(c, gn.bias!.grad, 'dbias');
    }
  });

  test.each(casesOf<{ G: number; gn_param: { eps: number } }>('cs231n.spatial_groupnorm'))("%s (cs231n's gamma and beta [1, C, 1, 1] as [C])", (_name, c) => {
    const C = c.inputs.gamma!.shape[1]!;
    const gn = new GroupNorm(c.config.G, C, { eps: c.config.gn_param.eps, dtype: 'float64', backward });
    gn.loadStateDict({ weight: inputOf(c, 'gamma').reshape([C]), bias: inputOf(c, 'beta').reshape([C]) });
    const x = inputOf(c, 'x', true);
    const out = gn.forward(x);
    out.backward(inputOf(c, 'dout'));
    expectOutput(c, out, 'out');
    expectOutput(c, x.grad, 'dx');
    expectOutput(c, gn.weight!.grad!.reshape([1, C, 1, 1]), 'dgamma');
    expectOutput(c, gn.bias!.grad!.reshape([1, C, 1, 1]), 'dbeta');
  });
});

describe('GroupNorm as a Module', () => {
  test('state dict, description, resetParameters, and the same output in train and eval mode', () => {
    const gn = new GroupNorm(2, 4, { dtype: 'float64' });
    expect(Object.fromEntries(Object.entries(gn.stateDict()).map(([k, t]) => [k, t.shape]))).toEqual({ weight: [4], bias: [4] });
    expect(String(new GroupNorm(1, 3, { eps: 1e-3, affine: false, backward: 'tape' }))).toBe("GroupNorm(1, 3, eps=0.001, affine=false, backward='tape')");
    gn.weight!.data.data.fill(3);
    gn.resetParameters();
    expect(gn.weight!.toArray()).toEqual([1, 1, 1, 1]);
    const x = randn([2, 4, 3], f64);
    const train = gn.forward(x).toArray();
    expect(gn.eval().forward(x).toArray()).toEqual(train);
  });

  test('one group is LayerNorm over (C, H, W) followed by a per-channel affine', () => {
    manualSeed(31);
    const x = randn([3, 2, 4, 5], f64).mul(3).add(1);
    const y = new GroupNorm(1, 2, { dtype: 'float64' }).forward(x);
    const ln = new LayerNorm([2, 4, 5], { dtype: 'float64' }).forward(x);
    expect(y, 'GroupNorm(1, C) vs LayerNorm([C, H, W])').toBeAllclose(ln, toleranceFor('float64', 'elementwise'));
  });

  test.each(modes)('gradcheck passes for input, weight and bias (float64, %s)', (backward) => {
    manualSeed(32);
    const gn = new GroupNorm(3, 6, { dtype: 'float64', backward });
    gn.loadStateDict({ weight: randn([6], f64), bias: randn([6], f64) });
    const x = randn([2, 6, 2, 3], f64).mul(3).add(4);
    x.requiresGrad = true;
    const report = gradcheck((xx: Tensor, w: Tensor, b: Tensor) => {
      const [weight, bias] = [gn.weight, gn.bias];
      Object.assign(gn, { weight: w, bias: b });
      try {
        return gn.forward(xx);
      } finally {
        Object.assign(gn, { weight, bias });
      }
    }, [x, gn.weight!, gn.bias!]);
    expect(report.ok, JSON.stringify(report.inputs)).toBe(true);
  });

  test('compareGradients switches it and setBackwardMode reaches it', () => {
    const gn = new GroupNorm(2, 4, { dtype: 'float64' });
    const report = compareGradients(gn, [randn([3, 4, 3, 3], f64).mul(5).add(12)], { repeats: 2, warmup: 1 });
    expect(report.grads.map((g) => g.name)).toEqual(['input 0', 'weight', 'bias']);
    expect(report.maxRelError).toBeLessThan(1e-10);
    expect(setBackwardMode(gn, 'tape').backward).toBe('tape');
  });

  test('bad input and bad options are named errors', () => {
    const gn = new GroupNorm(2, 6);
    expect(() => gn.forward(randn([2, 4, 3, 3]))).toThrow(new ShapeError('GroupNorm: expected input [N, 6, *] (got [2, 4, 3, 3])'));
    expect(() => gn.forward(randn([6]))).toThrow(new ShapeError('GroupNorm: expected input [N, 6, *] (got [6])'));
    expect(() => gn.forward(randn([2, 6], f64))).toThrow(new DtypeError("GroupNorm: expected input of the layer's dtype float32 (got float64)"));
    expect(() => new GroupNorm(4, 6)).toThrow(new RangeError('GroupNorm: numGroups must divide numChannels 6 (got numGroups 4)'));
    expect(() => new GroupNorm(0, 6)).toThrow(new RangeError('GroupNorm: numGroups must be a positive integer (got 0)'));
    expect(() => new GroupNorm(2, 6, { eps: -1 })).toThrow(new RangeError('GroupNorm: eps must be >= 0 (got -1)'));
  });
});
