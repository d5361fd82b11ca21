import { describe, expect, test } from 'vitest';
import {
  Generator, createNdArray, defineOp, gradcheck, numericalGradient, numericalGradientArray, relError, tensor, type NdArray,
} from '@tapegrad/core';

/** y = x·sin(x) elementwise, with a handwritten backward dy·(sin x + x cos x); `wrong` drops the cos term. */
function xSinX(wrong: boolean) {
  return defineOp({
    name: wrong ? 'xSinXWrong' : 'xSinX',
    forward(ctx, x) {
      ctx.save(x);
      const y = createNdArray(x.dtype, x.shape);
      for (let i = 0; i < x.size; i++) { const v = x.data[x.offset + i]!; y.data[i] = v * Math.sin(v); }
      return y;
    },
    backward(ctx, dy) {
      const [x] = ctx.saved as readonly NdArray[];
      const dx = createNdArray(x!.dtype, x!.shape);
      for (let i = 0; i < x!.size; i++) {
        const v = x!.data[x!.offset + i]!;
        dx.data[i] = dy.data[dy.offset + i]! * (Math.sin(v) + (wrong ? 0 : v * Math.cos(v)));
      }
      return [dx];
    },
  });
}

describe('gradcheck', () => {
  const x = () => new Generator(7).randn([3, 4], { dtype: 'float64', requiresGrad: true });

  test('passes a defineOp whose backward is right', () => {
    const report = gradcheck(xSinX(false), [x()]);
    expect(report.ok).toBe(true);
    expect(report.inputs).toHaveLength(1);
    expect(report.inputs[0]!.maxAbsError).toBeLessThan(1e-8);
  });

  test('flags a defineOp whose backward is deliberately wrong', () => {
    const report = gradcheck(xSinX(true), [x()]);
    expect(report.ok).toBe(false);
    expect(report.inputs[0]!.maxAbsError).toBeGreaterThan(1e-2);
  });

  test('reports only the inputs that require grad, by position, and leaves their data and grad alone', () => {
    const a = x();
    const b = new Generator(8).randn([4, 2], { dtype: 'float64' });
    const before = a.toFloat64Array();
    const report = gradcheck((p, q) => p.matmul(q).exp(), [a, b]);
    expect(report.ok).toBe(true);
    expect(report.inputs.map((r) => r.index)).toEqual([0]);
    expect(a.toFloat64Array()).toEqual(before);
    expect(a.grad).toBeNull();
  });
});

describe('numerical gradients (cs231n)', () => {
  test('numericalGradient matches the exact gradient of a scalar function and restores x', () => {
    const x = tensor([[0.5, -1.2], [2.0, 0.1]], { dtype: 'float64' });
    const before = x.toFloat64Array();
    const g = numericalGradient((t) => t.pow(3).sum().item(), x);
    const exact = Array.from(before, (v) => 3 * v * v);
    expect(relError(g, exact)).toBeLessThan(1e-8);
    expect(x.toFloat64Array()).toEqual(before);
  });

  test('numericalGradient works through a strided view (the data it perturbs is the view\'s)', () => {
    const base = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' });
    const view = base.transpose();
    const g = numericalGradient((t) => t.mul(tensor([[1, 2], [3, 4], [5, 6]], { dtype: 'float64' })).sum().item(), view);
    expect(relError(g, [1, 2, 3, 4, 5, 6])).toBeLessThan(1e-8);
  });

  test('numericalGradientArray weights the output by dout', () => {
    const x = tensor([1, 2, 3], { dtype: 'float64' });
    const dout = tensor([0.5, -2, 3], { dtype: 'float64' });
    const g = numericalGradientArray((t) => t.mul(t), x, dout);
    expect(relError(g, [1, -8, 18])).toBeLessThan(1e-8);
    expect(() => numericalGradientArray((t) => t.sum(), x, dout)).toThrow(/must have dout's shape \[3\] \(got \[\]\)/);
  });

  test('relError is cs231n\'s max |a-b| / max(1e-8, |a|+|b|)', () => {
    expect(relError([1, 2], [1, 2])).toBe(0);
    expect(relError([1, 0], [3, 0])).toBe(0.5);
    expect(relError(0, 1e-9)).toBeCloseTo(0.1, 12);
    expect(relError(tensor([1, 2]), [1, 2.000002])).toBeCloseTo(0.000002 / 4.000002, 10);
    expect(() => relError(tensor([1, 2]), tensor([[1, 2]]))).toThrow(/same shape/);
  });
});
