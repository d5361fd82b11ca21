import { describe, expect, test } from 'vitest';
import { ShapeError, arange, tensor } from '@tapegrad/core';
import { Flatten } from '@tapegrad/nn';

describe('Flatten', () => {
  test('merges every dim after the batch dim by default, keeping row-major order', () => {
    const x = arange(0, 24, 1, { dtype: 'float64' }).reshape([2, 3, 2, 2]);
    const y = new Flatten().forward(x);
    expect(y.shape).toEqual([2, 12]);
    expect(y.toFloat64Array()).toEqual(x.toFloat64Array());
  });

  test('takes startDim and endDim, negative from the end', () => {
    const x = arange(0, 24, 1, { dtype: 'float64' }).reshape([2, 3, 2, 2]);
    expect(new Flatten(0, 1).forward(x).shape).toEqual([6, 2, 2]);
    expect(new Flatten(1, -2).forward(x).shape).toEqual([2, 6, 2]);
    expect(new Flatten(0).forward(x).shape).toEqual([24]);
  });

  test('the gradient comes back in the input\'s shape', () => {
    const x = tensor([[[1, 2], [3, 4]]], { dtype: 'float64', requiresGrad: true });
    new Flatten().forward(x).backward(tensor([[5, 6, 7, 8]], { dtype: 'float64' }));
    expect(x.grad!.toArray()).toEqual([[[5, 6], [7, 8]]]);
  });

  test('a dim out of range is a ShapeError, and it prints its dims', () => {
    expect(() => new Flatten(1).forward(tensor([1, 2]))).toThrow(ShapeError);
    expect(new Flatten().toString()).toBe('Flatten(startDim=1, endDim=-1)');
  });
});
