import { describe, expect, test } from 'vitest';
import { DtypeError, Generator, ShapeError, gradcheck, manualSeed, randn, type Tensor } from '@tapegrad/core';
import { Conv2d, compareGradients, setBackwardMode, type BackwardMode } from '@tapegrad/nn';
import { toleranceFor } from '@tapegrad/test-support/allclose';
import { casesOf, expectOutput, inputOf } from './test-utils/convCases.js';

const f64 = { dtype: 'float64' } as const;
const modes: BackwardMode[] = ['fused', 'tape'];

interface ConvConfig {
  in_channels: number; out_channels: number; kernel_size: [number, number]; stride: [number, number];
  padding: [number, number] | 'same' | 'valid'; dilation: [number, number]; groups: number; bias: boolean;
}

describe.each(modes)('Conv2d reproduces torch.nn.Conv2d (conv.json), backward %s', (backward) => {
  test.each(casesOf<ConvConfig>('nn.Conv2d'))('%s', (_name, c) => {
    const cfg = c.config;
    const conv = new Conv2d(cfg.in_channels, cfg.out_channels, cfg.kernel_size, {
      stride: cfg.stride, padding: cfg.padding, dilation: cfg.dilation, groups: cfg.groups, bias: cfg.bias,
      dtype: c.dtype === 'float32' ? 'float32' : 'float64', backward,
    });
    conv.loadStateDict(cfg.bias ? { weight: inputOf(c, 'weight'), bias: inputOf(c, 'bias') } : { weight: inputOf(c, 'weight') });
    const x = inputOf(c, 'x', true);
    const out = conv.forward(x);
    out.backward(inputOf(c, 'G'));
    expectOutput(c, out, 'out');
    expectOutput(c, x.grad, 'dx');
    expectOutput(c, conv.weight.grad, 'dweight');
    if (cfg.bias) expectOutput(c, conv.bias!.grad, 'dbias');
    expect(out.dtype).toBe(c.dtype);
  });
});

describe('Conv2d as a Module', () => {
  test("PyTorch's initialisation: weight ~ U(-1/√fanIn, 1/√fanIn) drawn first, then bias from the same U", () => {
    manualSeed(3);
    const conv = new Conv2d(4, 6, [3, 2], { groups: 2, dtype: 'float64' });
    const fanIn = (4 / 2) * 3 * 2, bound = 1 / Math.sqrt(fanIn);
    const g = new Generator(3);
    const weight = g.uniform(-bound, bound, [6, 2, 3, 2], f64), bias = g.uniform(-bound, bound, [6], f64);
    expect(conv.weight, 'weight').toBeAllclose(weight, toleranceFor('float64', 'elementwise'));
    expect(conv.bias!, 'bias').toBeAllclose(bias, toleranceFor('float64', 'elementwise'));
    // resetParameters draws again, from a given generator
    conv.resetParameters(new Generator(3));
    expect(conv.weight, 'weight after resetParameters').toBeAllclose(weight, toleranceFor('float64', 'elementwise'));
  });

  test("state-dict keys and layouts as PyTorch's, and its description", () => {
    const conv = new Conv2d(3, 8, 5, { stride: 2, padding: [1, 2], dilation: [1, 2], groups: 1 });
    expect(Object.fromEntries(Object.entries(conv.stateDict()).map(([k, t]) => [k, t.shape]))).toEqual({ weight: [8, 3, 5, 5], bias: [8] });
    expect(String(conv)).toBe('Conv2d(3, 8, kernelSize=[5, 5], stride=[2, 2], padding=[1, 2], dilation=[1, 2])');
    const noBias = new Conv2d(4, 4, 3, { padding: 'same', groups: 4, bias: false, backward: 'tape' });
    expect(Object.keys(noBias.stateDict())).toEqual(['weight']);
    expect(noBias.weight.shape).toEqual([4, 1, 3, 3]);
    expect(String(noBias)).toBe("Conv2d(4, 4, kernelSize=[3, 3], stride=[1, 1], padding='same', groups=4, bias=false, backward='tape')");
    expect(String(new Conv2d(1, 2, 1))).toBe('Conv2d(1, 2, kernelSize=[1, 1], stride=[1, 1])');
  });

  test.each(modes)("'same' keeps the size for odd and even kernels, 'valid' pads nothing (%s)", (backward) => {
    const x = randn([2, 3, 7, 6]);
    expect(new Conv2d(3, 2, 4, { padding: 'same', backward }).forward(x).shape).toEqual([2, 2, 7, 6]);
    expect(new Conv2d(3, 2, [3, 5], { padding: 'same', dilation: 2, backward }).forward(x).shape).toEqual([2, 2, 7, 6]);
    expect(new Conv2d(3, 2, 3, { padding: 'valid', stride: 2, backward }).forward(x).shape).toEqual([2, 2, 3, 2]);
  });

  test.each(modes)('gradcheck passes for input, weight and bias through the layer (float64, %s)', (backward) => {
    manualSeed(11);
    const conv = new Conv2d(4, 6, 3, { stride: [2, 1], padding: 'valid', dilation: [1, 2], groups: 2, dtype: 'float64', backward });
    const x = randn([2, 4, 7, 8], { ...f64, requiresGrad: true });
    const report = gradcheck((xx, w, b) => {
      const [weight, bias] = [conv.weight, conv.bias];
      Object.assign(conv, { weight: w, bias: b });
      try {
        return conv.forward(xx!);
      } finally {
        Object.assign(conv, { weight, bias });
      }
    }, [x, conv.weight, conv.bias!]);
    expect(report.ok, JSON.stringify(report.inputs)).toBe(true);
    expect(report.inputs).toHaveLength(3);
  });

  test('compareGradients switches it: the fused and tape paths agree, and setBackwardMode reaches it', () => {
    manualSeed(12);
    const conv = new Conv2d(3, 4, 3, { padding: 1, dtype: 'float64' });
    const report = compareGradients(conv, [randn([2, 3, 6, 6], f64)], { repeats: 2, warmup: 1 });
    expect(report.grads.map((g) => g.name)).toEqual(['input 0', 'weight', 'bias']);
    expect(report.maxRelError).toBeLessThan(1e-10);
    expect(setBackwardMode(conv, 'tape').backward).toBe('tape');
    expect(String(conv.forward(randn([1, 3, 6, 6], { ...f64, requiresGrad: true })).gradFn)).not.toBe('<Conv2dBackward>');
    expect(String(setBackwardMode(conv, 'fused').forward(randn([1, 3, 6, 6], { ...f64, requiresGrad: true })).gradFn)).toBe('<Conv2dBackward>');
  });

  test('bad input and bad options are named errors', () => {
    const conv = new Conv2d(3, 4, 3);
    expect(() => conv.forward(randn([3, 8, 8]))).toThrow(new ShapeError('Conv2d: expected input [N, 3, H, W] (got [3, 8, 8])'));
    expect(() => conv.forward(randn([1, 2, 8, 8]))).toThrow(new ShapeError('Conv2d: expected input [N, 3, H, W] (got [1, 2, 8, 8])'));
    expect(() => conv.forward(randn([1, 3, 8, 8], f64))).toThrow(DtypeError);
    expect(() => conv.forward(randn([1, 3, 2, 8]))).toThrow(/^Conv2d: the window 3×3 must fit in the padded input 2×8 \(got input \[1, 3, 2, 8\]/);
    expect(() => new Conv2d(3, 8, 3, { groups: 2 })).toThrow(new RangeError('Conv2d: groups must divide inChannels 3 and outChannels 8 (got groups 2)'));
    expect(() => new Conv2d(4, 6, 3, { groups: 4 })).toThrow(new RangeError('Conv2d: groups must divide inChannels 4 and outChannels 6 (got groups 4)'));
    expect(() => new Conv2d(3, 4, 3, { padding: 'same', stride: 2 })).toThrow(new RangeError("Conv2d: padding 'same' needs stride 1 (got stride [2, 2])"));
    expect(() => new Conv2d(3, 4, 0)).toThrow(/^Conv2d: kernelSize must be a positive integer/);
    expect(() => new Conv2d(0, 4, 3)).toThrow(new RangeError('Conv2d: inChannels must be a positive integer (got 0)'));
    expect(() => new Conv2d(3, 4, 3, { padding: -1 })).toThrow(/^Conv2d: padding must be a non-negative integer/);
  });

  test('a float32 layer computes in float32', () => {
    const y: Tensor = new Conv2d(2, 3, 3).forward(randn([1, 2, 5, 5]));
    expect(y.dtype).toBe('float32');
  });
});
