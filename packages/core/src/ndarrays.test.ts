import { describe, expect, test } from 'vitest';
import { DtypeError, Generator, ShapeError, matmul, matmulNdArray, tensor } from '@tapegrad/core';

describe('matmulNdArray', () => {
  const g = new Generator(5);

  for (const dtype of ['float64', 'float32'] as const) {
    test(`${dtype}: op(a)·op(b) for every pair of flags, against matmul of the tensors, element by element`, () => {
      const a = g.randn([4, 6], { dtype }), b = g.randn([6, 3], { dtype });
      const aT = a.T.clone(), bT = b.T.clone(); // contiguous [6, 4] and [3, 6]
      const want = matmul(a, b).toArray();
      const close = (got: ReturnType<typeof matmulNdArray>) => {
        expect(got.shape).toEqual([4, 3]);
        const values = tensor(Array.from(got.data), { dtype: 'float64', shape: [4, 3] }).toArray() as number[][];
        const tol = dtype === 'float64' ? 1e-12 : 1e-5;
        (want as number[][]).forEach((row, i) => row.forEach((v, j) => expect(Math.abs(values[i]![j]! - v)).toBeLessThan(tol)));
      };
      close(matmulNdArray(a.data, false, b.data, false));
      close(matmulNdArray(aT.data, true, b.data, false));
      close(matmulNdArray(a.data, false, bT.data, true));
      close(matmulNdArray(aT.data, true, bT.data, true));
      // strided operands: a transposed view, read in place, and a view with a gap between rows
      close(matmulNdArray(aT.data.transpose(1, 0), false, b.data, false));
      const gap = g.randn([4, 9], { dtype }).data.lo(0, 2).hi(4, 6); // rows 9 apart, from offset 2
      for (let i = 0; i < 4; i++) for (let k = 0; k < 6; k++) gap.set(i, k, a.data.get(i, k));
      close(matmulNdArray(gap, false, b.data, false));
    });
  }

  test('returns a new contiguous array, not one of its operands', () => {
    const a = tensor([[1, 2], [3, 4]], { dtype: 'float64' }), i2 = tensor([[1, 0], [0, 1]], { dtype: 'float64' });
    const c = matmulNdArray(a.data, false, i2.data, false);
    expect(c.data).not.toBe(a.data.data);
    expect(c.data).not.toBe(i2.data.data);
    expect(c.stride).toEqual([2, 1]);
    expect(Array.from(c.data.subarray(c.offset, c.offset + 4))).toEqual([1, 2, 3, 4]);
    expect(Array.from(matmulNdArray(tensor([[1, 2, 3]], { dtype: 'float64' }).data, true, tensor([[4, 5]], { dtype: 'float64' }).data, false).data))
      .toEqual([4, 5, 8, 10, 12, 15]);
  });

  test('names what is wrong: the rank, the inner dims, the dtypes', () => {
    const a = tensor([[1, 2, 3]], { dtype: 'float64' }), v = tensor([1, 2, 3], { dtype: 'float64' });
    expect(() => matmulNdArray(v.data, false, a.data, false)).toThrow(ShapeError);
    expect(() => matmulNdArray(v.data, false, a.data, false)).toThrow('matmulNdArray: operands must be 2-D (got a[3] and b[1, 3])');
    expect(() => matmulNdArray(a.data, false, a.data, false)).toThrow('matmulNdArray: inner dims must match (got a[1, 3] and b[1, 3])');
    expect(() => matmulNdArray(a.data, true, a.data, true)).toThrow('matmulNdArray: inner dims must match (got a[1, 3] transposed and b[1, 3] transposed)');
    expect(() => matmulNdArray(a.data, false, a.to('float32').data, true)).toThrow(DtypeError);
    expect(() => matmulNdArray(a.data, false, a.to('float32').data, true)).toThrow('matmulNdArray: operands must be both float32 or both float64 (got float64 and float32)');
    const ints = tensor([[1, 2, 3]], { dtype: 'int32' });
    expect(() => matmulNdArray(ints.data, false, ints.data, true)).toThrow('matmulNdArray: operands must be both float32 or both float64 (got int32 and int32)');
  });
});
