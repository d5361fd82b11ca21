import { describe, expect, test } from 'vitest';
import { tensor } from '@tapegrad/core';
import { RowGather } from './rowGather.js';

describe('RowGather', () => {
  const X = tensor([[0, 1], [10, 11], [20, 21], [30, 31]]);

  test('gathers rows in order, repeats allowed, from a range of the row list', () => {
    const g = new RowGather();
    expect(g.gather(X, [2, 0, 2]).toArray()).toEqual([[20, 21], [0, 1], [20, 21]]);
    expect(g.gather(X, [3, 1, 0, 2], 1, 3).toArray()).toEqual([[10, 11], [0, 1]]);
  });

  test('reuses one buffer (each gather overwrites the last), grows it for a larger batch, and keeps the dtype', () => {
    const g = new RowGather();
    const a = g.gather(X, [0, 1]);
    const b = g.gather(X, [3, 2]);
    expect(b.data.data.buffer).toBe(a.data.data.buffer);
    expect(a.toArray()).toEqual([[30, 31], [20, 21]]);
    const c = g.gather(X, [0, 1, 2, 3]);
    expect(c.shape).toEqual([4, 2]);
    expect(c.toArray()).toEqual(X.toArray());
    const ints = g.gather(tensor([[1, 2], [3, 4]], { dtype: 'int32' }), [1]);
    expect(ints.dtype).toBe('int32');
    expect(ints.toArray()).toEqual([[3, 4]]);
  });

  test('reads a strided tensor by its values, and keeps trailing dims', () => {
    const g = new RowGather();
    expect(g.gather(X.T, [1]).toArray()).toEqual([[1, 11, 21, 31]]);
    const X3 = tensor([[[1, 2]], [[3, 4]]]);
    expect(g.gather(X3, [1, 0]).toArray()).toEqual([[[3, 4]], [[1, 2]]]);
  });

  test('a row out of range is a named error', () => {
    expect(() => new RowGather().gather(X, [4])).toThrow('Solver: row 4 is out of range for 4 examples');
  });
});
