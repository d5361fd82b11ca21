import { describe, expect, test } from 'vitest';
import { DtypeError, Generator, gradcheck, relError, tensor, type Tensor } from '@tapegrad/core';
import { sumOfSquaresComposed, sumOfSquaresFused } from './sumOfSquares.js';

describe('sumOfSquaresFused and sumOfSquaresComposed', () => {
  const g = new Generator(5);

  test('the fused backward passes a float64 finite-difference gradcheck, on a contiguous and a transposed input', () => {
    const w = tensor(g.randn([4, 3], { dtype: 'float64' }).toFloat64Array(), { shape: [4, 3], dtype: 'float64', requiresGrad: true });
    expect(gradcheck(sumOfSquaresFused, [w]).ok).toBe(true);
    expect(gradcheck((x: Tensor) => sumOfSquaresFused(x.T), [w]).ok).toBe(true);
  });

  test('fused and composed agree on the value and on the gradient (float64 to 1e-12, float32 to 1e-6)', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const values = g.randn([7, 5], { dtype: 'float64' }).toFloat64Array();
      const run = (fn: (w: Tensor) => Tensor) => {
        const w = tensor(values, { shape: [7, 5], dtype, requiresGrad: true });
        const s = fn(w).mul(3);
        s.backward();
        return { s: s.item(), dw: w.grad! };
      };
      const fused = run(sumOfSquaresFused), composed = run(sumOfSquaresComposed);
      const tol = dtype === 'float64' ? 1e-12 : 1e-6;
      expect(Math.abs(fused.s - composed.s) / Math.abs(composed.s)).toBeLessThan(tol);
      expect(relError(fused.dw, composed.dw)).toBeLessThan(tol);
      expect(fused.dw.toArray()).toEqual(tensor(values, { shape: [7, 5], dtype }).mul(6).toArray());
    }
  });

  test('an integer tensor is a DtypeError naming the op', () => {
    expect(() => sumOfSquaresFused(tensor([1, 2], { dtype: 'int32' }))).toThrow(DtypeError);
    expect(() => sumOfSquaresFused(tensor([1, 2], { dtype: 'int32' }))).toThrow(/sumOfSquaresFused: input must be float32 or float64 \(got int32\)/);
  });
});
