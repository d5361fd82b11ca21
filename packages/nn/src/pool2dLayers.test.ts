import { describe, expect, test } from 'vitest';
import { DtypeError, ShapeError, Generator, Tensor, gradcheck, randint, randn, tensor } from '@tapegrad/core';
import { AvgPool2d, MaxPool2d } from '@tapegrad/nn';
import { casesOf, expectOutput, inputOf } from './test-utils/convCases.js';

interface PoolConfig { kernel_size: [number, number]; stride: [number, number]; stride_given: boolean; padding: [number, number]; count_include_pad?: boolean }

describe('MaxPool2d and AvgPool2d reproduce PyTorch (conv.json)', () => {
  test.each(casesOf<PoolConfig>('nn.MaxPool2d'))('MaxPool2d %s', (_name, c) => {
    const cfg = c.config;
    const pool = new MaxPool2d(cfg.kernel_size, { padding: cfg.padding, ...(cfg.stride_given ? { stride: cfg.stride } : {}) });
    const x = inputOf(c, 'x', true);
    const out = pool.forward(x);
    out.backward(inputOf(c, 'G'));
    expectOutput(c, out, 'out');
    expectOutput(c, x.grad, 'dx');
  });

  test.each(casesOf<PoolConfig>('nn.AvgPool2d'))('AvgPool2d %s', (_name, c) => {
    const cfg = c.config;
    const pool = new AvgPool2d(cfg.kernel_size, { padding: cfg.padding, countIncludePad: cfg.count_include_pad, ...(cfg.stride_given ? { stride: cfg.stride } : {}) });
    const x = inputOf(c, 'x', true);
    const out = pool.forward(x);
    out.backward(inputOf(c, 'G'));
    expectOutput(c, out, 'out');
    expectOutput(c, x.grad, 'dx');
  });
});

describe('the pooling layers as Modules', () => {
  test('no parameters, no backward switch, and PyTorch-like descriptions', () => {
    const max = new MaxPool2d([3, 2], { stride: 1, padding: [1, 0], dilation: [1, 2] });
    const avg = new AvgPool2d(2, { countIncludePad: false });
    expect([max.parameters(), avg.parameters(), Object.keys(max.stateDict())]).toEqual([[], [], []]);
    expect('backward' in max || 'backward' in avg).toBe(false);
    expect(String(max)).toBe('MaxPool2d(kernelSize=[3, 2], stride=1, padding=[1, 0], dilation=[1, 2])');
    expect(String(avg)).toBe('AvgPool2d(kernelSize=2, stride=2, padding=0, countIncludePad=false)');
  });

  test('their handwritten backward passes pass gradcheck through the layers (float64, overlapping windows)', () => {
    // distinct values, so that no max window is near a tie for the finite differences
    const order = new Generator(51).permutation(2 * 3 * 5 * 6).toFloat64Array();
    const x = tensor(Float64Array.from(order, (v) => v * 0.1), { dtype: 'float64', shape: [2, 3, 5, 6], requiresGrad: true });
    for (const pool of [new MaxPool2d(3, { stride: 2, padding: 1 }), new AvgPool2d([2, 3], { stride: 1, padding: [1, 1], countIncludePad: false })]) {
      const report = gradcheck((t: Tensor) => pool.forward(t), [x]);
      expect(report.ok, `${String(pool)}: ${JSON.stringify(report.inputs)}`).toBe(true);
    }
  });

  test('bad input and bad options are named errors', () => {
    expect(() => new MaxPool2d(2).forward(randn([3, 8, 8]))).toThrow(new ShapeError('MaxPool2d: expected input [N, C, H, W] (got [3, 8, 8])'));
    expect(() => new MaxPool2d(3).forward(randn([1, 1, 2, 2]))).toThrow(/^MaxPool2d: the window 3×3 must fit in the padded input 2×2 \(got input \[1, 1, 2, 2\]/);
    expect(() => new AvgPool2d(3).forward(randn([1, 1, 2, 5]))).toThrow(/^AvgPool2d: the window 3×3 must fit in the padded input 2×5/);
    expect(() => new AvgPool2d(2).forward(randint(0, 3, [1, 1, 4, 4]))).toThrow(new DtypeError('AvgPool2d: input must be float32 or float64 (got int32)'));
    expect(() => new MaxPool2d(2, { padding: 2 })).toThrow(new RangeError('MaxPool2d: padding must be at most half the window 2×2 (got padding [2, 2])'));
    expect(() => new AvgPool2d(0)).toThrow(/^AvgPool2d: kernelSize must be a positive integer/);
    expect(() => new MaxPool2d(2, { stride: 0 })).toThrow(/^MaxPool2d: stride must be a positive integer/);
  });
});
