import { describe, expect, test } from 'vitest';
import { arange, ones, tensor, zeros } from '@tapegrad/core';

describe('printing like PyTorch', () => {
  test('floats with 4 decimals, aligned, the dtype when it is not the default', () => {
    expect(tensor([[1.5, -2], [3.25, 4]]).toString()).toBe('tensor([[ 1.5000, -2.0000],\n        [ 3.2500,  4.0000]])');
    expect(tensor([1, 2], { dtype: 'float64' }).toString()).toBe('tensor([1., 2.], dtype=float64)');
    expect(tensor(3.5).toString()).toBe('tensor(3.5000)');
  });

  test('scientific notation when magnitudes span more than 1000x', () => {
    expect(tensor([1e-5, 1]).toString()).toBe('tensor([1.0000e-05, 1.0000e+00])');
  });

  test('integer dtypes, grad status and the tape node', () => {
    expect(tensor([1, 2], { dtype: 'int32' }).toString()).toBe('tensor([1, 2], dtype=int32)');
    const x = ones([2], { requiresGrad: true });
    expect(x.toString()).toBe('tensor([1., 1.], requiresGrad=true)');
    expect(x.mul(2).toString()).toBe('tensor([2., 2.], gradFn=<MulBackward>)');
  });

  test('large tensors are summarised with the first and last three items of each dim', () => {
    const text = arange(2000).reshape(1000, 2).toString();
    expect(text.split('\n')).toHaveLength(7);
    expect(text).toContain('...');
    expect(text.startsWith('tensor([[   0.,    1.],')).toBe(true);
    expect(text.endsWith('[1998., 1999.]])')).toBe(true);
  });

  test('empty tensors, NaN and infinities', () => {
    expect(zeros([0]).toString()).toBe('tensor([])');
    expect(tensor([NaN, Infinity, -Infinity, 1.5]).toString()).toBe('tensor([   nan,    inf,   -inf, 1.5000])');
  });
});
