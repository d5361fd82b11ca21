import { describe, expect, test } from 'vitest';
import {
  DtypeError, ShapeError, arange, eye, fromArray, full, getDefaultDtype, linspace, logspace, ones, setDefaultDtype, tensor, zeros,
} from '@tapegrad/core';

describe('creating tensors', () => {
  test('tensor copies nested arrays and typed arrays; the shape comes from the data', () => {
    const src = new Float64Array([1, 2, 3, 4, 5, 6]);
    const t = tensor(src, { shape: [2, 3] });
    src[0] = 100;
    expect(t.dtype).toBe('float64');
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(tensor([[1, 2], [3, 4]]).shape).toEqual([2, 2]);
    expect(tensor(5).shape).toEqual([]);
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3] }).toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(ShapeError);
  });

  test('ragged nested arrays, non-numbers and size mismatches are named errors', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow('tensor: nested arrays must be rectangular (got length 1 at [1] where length 2 was expected)');
    expect(() => tensor([1, 'a' as unknown as number])).toThrow(TypeError);
    expect(() => tensor(new Float32Array(5), { shape: [2, 3] })).toThrow(ShapeError);
    expect(() => tensor([1], { dtype: 'float16' as 'float32' })).toThrow(DtypeError);
  });

  test('fromArray shares memory with the typed array', () => {
    const px = new Uint8Array([0, 128, 255, 64]);
    const t = fromArray(px, [2, 2]);
    px[0] = 9;
    expect(t.dtype).toBe('uint8');
    expect(t.toArray()).toEqual([[9, 128], [255, 64]]);
    expect(() => fromArray(px, [3])).toThrow(ShapeError);
  });

  test('the default dtype is float32 and can be changed', () => {
    expect(getDefaultDtype()).toBe('float32');
    expect(zeros([2]).dtype).toBe('float32');
    setDefaultDtype('float64');
    try {
      expect(ones([2]).dtype).toBe('float64');
    } finally {
      setDefaultDtype('float32');
    }
    expect(() => setDefaultDtype('int32' as 'float32')).toThrow(DtypeError);
  });

  test('full, eye, arange, linspace and logspace follow numpy', () => {
    expect(full([2], 7).toArray()).toEqual([7, 7]);
    expect(eye(2).toArray()).toEqual([[1, 0], [0, 1]]);
    expect(arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(arange(1, 2, 0.25, { dtype: 'float64' }).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(arange(3, 0, -1).toArray()).toEqual([3, 2, 1]);
    expect(() => arange(0, 1, 0)).toThrow(ShapeError);
    expect(linspace(0, 1, 5, { dtype: 'float64' }).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    // np.logspace(-4, 0, num=20)[1] and [19]
    const scales = logspace(-4, 0, 20, { dtype: 'float64' }).toFloat64Array();
    expect(scales[0]).toBe(1e-4);
    expect(scales[19]).toBe(1);
    expect(scales[1]).toBeCloseTo(0.00016237767391887208, 18);
  });
});
