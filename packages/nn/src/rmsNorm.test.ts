import { describe, expect, test } from 'vitest';
import { DtypeError, ShapeError, gradcheck, manualSeed, randn, tensor, type Tensor } from '@tapegrad/core';
import { RMSNorm, compareGradients, setBackwardMode, type BackwardMode } from '@tapegrad/nn';
import { casesOf, expectOutput, inputOf } from './test-utils/convCases.js';

const f64 = { dtype: 'float64' } as const;
const modes: BackwardMode[] = ['fused', 'tape'];

describe.each(modes)('RMSNorm reproduces torch.nn.RMSNorm (conv.json), backward %s', (backward) => {
  test.each(casesOf<{ normalized_shape: number[]; eps_given: number | null; elementwise_affine: boolean }>('nn.RMSNorm'))('%s', (_name, c) => {
    const cfg = c.config;
    const rms = new RMSNorm(cfg.normalized_shape, { eps: cfg.eps_given, elementwiseAffine: cfg.elementwise_affine, dtype: c.dtype === 'float32' ? 'float32' : 'float64', backward });
    if (cfg.elementwise_affine) rms.loadStateDict({ weight: inputOf(c, 'weight') });
    const x = inputOf(c, 'x', true);
    const out = rms.forward(x);
    out.backward(inputOf(c, 'G'));
    expectOutput(c, out, 'out');
    expectOutput(c, x.grad, 'dx');
    if (cfg.elementwise_affine) expectOutput(c, rms.weight!.grad, 'dweight');
  });
});

describe('RMSNorm as a Module', () => {
  test('state dict, description, eps null meaning the dtype\'s machine epsilon, resetParameters', () => {
    const rms = new RMSNorm([2, 3], { dtype: 'float64' });
    expect(Object.fromEntries(Object.entries(rms.stateDict()).map(([k, t]) => [k, t.shape]))).toEqual({ weight: [2, 3] });
    expect(String(rms)).toBe('RMSNorm([2, 3], eps=null, elementwiseAffine=true)');
    expect(String(new RMSNorm(4, { eps: 1e-6, elementwiseAffine: false, backward: 'tape' }))).toBe("RMSNorm([4], eps=1e-6, elementwiseAffine=false, backward='tape')");
    // a row of tiny values shows eps: 1e-9/√(1e-18 + 2⁻⁵²)
    const tiny = tensor([[1e-9, 1e-9]], f64);
    const y = new RMSNorm(2, { dtype: 'float64' }).forward(tiny).toFloat64Array()[0]!;
    expect(y).toBeCloseTo(1e-9 / Math.sqrt(1e-18 + 2 ** -52), 12);
    rms.weight!.data.data.fill(5);
    rms.resetParameters();
    expect(rms.weight!.toArray()).toEqual([[1, 1, 1], [1, 1, 1]]);
  });

  test.each(modes)('gradcheck passes for input and weight (float64, %s)', (backward) => {
    manualSeed(41);
    const rms = new RMSNorm([3, 4], { dtype: 'float64', eps: 1e-5, backward });
    rms.loadStateDict({ weight: randn([3, 4], f64) });
    const report = gradcheck((x: Tensor, w: Tensor) => {
      const weight = rms.weight;
      rms.weight = w as typeof weight;
      try {
        return rms.forward(x);
      } finally {
        rms.weight = weight;
      }
    }, [randn([2, 3, 4], { ...f64, requiresGrad: true }), rms.weight!]);
    expect(report.ok, JSON.stringify(report.inputs)).toBe(true);
  });

  test('compareGradients switches it and setBackwardMode reaches it', () => {
    const rms = new RMSNorm(8, { dtype: 'float64' });
    const report = compareGradients(rms, [randn([5, 8], f64)], { repeats: 2, warmup: 1 });
    expect(report.grads.map((g) => g.name)).toEqual(['input 0', 'weight']);
    expect(report.maxRelError).toBeLessThan(1e-10);
    expect(setBackwardMode(rms, 'tape').backward).toBe('tape');
  });

  test('bad input and bad options are named errors', () => {
    const rms = new RMSNorm(6);
    expect(() => rms.forward(randn([4, 5]))).toThrow(new ShapeError('RMSNorm: expected input [*, 6] (got [4, 5])'));
    expect(() => rms.forward(randn([4, 6], f64))).toThrow(new DtypeError("RMSNorm: expected input of the layer's dtype float32 (got float64)"));
    expect(() => new RMSNorm(6, { eps: -1 })).toThrow(new RangeError('RMSNorm: eps must be >= 0 (got -1)'));
    expect(() => new RMSNorm(0)).toThrow(TypeError);
  });
});
