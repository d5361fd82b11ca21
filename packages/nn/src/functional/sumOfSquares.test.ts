import { describe, expect, test } from 'vitest';
import { DtypeError, Generator, tensor } from '@tapegrad/core';
import { sumOfSquaresFused } from '@tapegrad/nn';

// Fused matches composed, and gradcheck of both forms (contiguous and transposed inputs, float32):
// fusedOpTable.test.ts, driven from the table.

describe('sumOfSquaresFused', () => {
  test('the gradient is exactly 2·w·ds, in w\'s dtype', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const values = new Generator(5).randn([7, 5], { dtype: 'float64' }).toFloat64Array();
      const w = tensor(values, { shape: [7, 5], dtype, requiresGrad: true });
      sumOfSquaresFused(w).mul(3).backward();
      expect(w.grad!.dtype).toBe(dtype);
      expect(w.grad!.toArray()).toEqual(tensor(values, { shape: [7, 5], dtype }).mul(6).toArray());
    }
  });

  test('an integer tensor is a DtypeError naming the op', () => {
    expect(() => sumOfSquaresFused(tensor([1, 2], { dtype: 'int32' }))).toThrow(DtypeError);
    expect(() => sumOfSquaresFused(tensor([1, 2], { dtype: 'int32' }))).toThrow(/sumOfSquaresFused: input must be float32 or float64 \(got int32\)/);
  });
});
