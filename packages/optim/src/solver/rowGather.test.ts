import { describe, expect, test, vi } from 'vitest';
import { Generator, Tensor, contiguousNdArray, noGrad, tensor, type NdArray } from '@tapegrad/core';
import { RowGather } from './rowGather.js';

// core's contiguousNdArray, counted: what a gather from a strided X used to call at every batch
vi.mock('@tapegrad/core', async (importOriginal) => {
  const core = await importOriginal<typeof import('@tapegrad/core')>();
  return { ...core, contiguousNdArray: vi.fn(core.contiguousNdArray) };
});

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

  test('reads a strided X in place at every gather: the same batches as from its contiguous copy, no copy of X, and changes made in place show', () => {
    const g = new Generator(9);
    const images = g.randn([7, 4, 5, 3]); // [N, H, W, C]
    const flat = g.randn([6, 7]);
    const strided: [string, Tensor, Tensor][] = [
      ['permuted [N, C, H, W]', images.permute([0, 3, 1, 2]), images],
      ['transposed', flat.T, flat],
      ['every second row', new Tensor((flat.data as NdArray).step(2)), flat],
      ['rows reversed, columns every third', new Tensor((flat.data as NdArray).step(-1, 3)), flat],
    ];
    const copies = vi.mocked(contiguousNdArray);
    for (const [what, X, base] of strided) {
      expect(X.isContiguous(), what).toBe(false);
      const gather = new RowGather();
      const batches = [[2, 0, 1], [1, 1], Array.from({ length: X.shape[0]! }, (_, i) => X.shape[0]! - 1 - i)];
      copies.mockClear();
      for (const rows of batches) expect(gather.gather(X, rows).toArray(), what).toEqual(X.clone().index(rows).toArray());
      // a change to the viewed tensor in place between two steps: the next batch has it
      noGrad(() => base.copy_(base.mul(-2).add(1)));
      expect(gather.gather(X, [0, 1]).toArray(), what).toEqual(X.clone().index([0, 1]).toArray());
      // no copy of X was made (contiguousNdArray returns its argument itself only when that is contiguous)
      const made = copies.mock.results.filter((r, i) => r.value !== copies.mock.calls[i]![0]);
      expect(made, what).toHaveLength(0);
    }
  });
});

