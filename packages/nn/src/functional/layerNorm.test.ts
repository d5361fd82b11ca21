import { describe, expect, test } from 'vitest';
import { DtypeError, ShapeError, Tensor, ones, tensor, zeros } from '@tapegrad/core';
import { layerNormComposed, layerNormFused } from '@tapegrad/nn';

// Fused matches composed, and gradcheck of both forms, over one or several trailing dims, with and
// without weight and bias, in float64 and float32: fusedOpTable.test.ts, driven from the table.

type LayerNormFn = typeof layerNormFused;
const paths: [string, LayerNormFn][] = [['fused', layerNormFused], ['composed', layerNormComposed]];
const f64 = { dtype: 'float64' } as const;

describe('layer norm', () => {
  test('the fused form is one node named layerNorm', () => {
    const x = zeros([2, 3], { dtype: 'float64', requiresGrad: true });
    expect(layerNormFused(x, 3).gradFn?.name).toBe('layerNorm');
  });

  for (const [path, fn] of paths) {
    test(`only the inputs that require grad get one (${path})`, () => {
      const x = tensor([[1, 2, 4], [0, -1, 3]], f64);
      const bias = new Tensor(tensor([0.5, 0, -0.5], f64).data, { requiresGrad: true });
      fn(x, 3, ones([3], f64), bias).mul(tensor([[1, 2, 3], [-1, 0, 2]], f64)).sum().backward();
      expect(bias.grad!.toArray()).toEqual([0, 2, 5]);
      expect(x.grad).toBeNull();
    });

    test(`bad arguments are clear errors (${path})`, () => {
      const x = zeros([4, 3], f64);
      expect(() => fn(x, 4)).toThrow(ShapeError);
      expect(() => fn(x, 4)).toThrow(/expected input \[\*, 4\] \(got \[4, 3\]\)/);
      expect(() => fn(x, [3], ones([4], f64))).toThrow(/expected weight \[3\] \(got \[4\]\)/);
      expect(() => fn(x, [3], ones([3]))).toThrow(DtypeError);
      expect(() => fn(x, [3], ones([3]))).toThrow("expected weight of the input's dtype float64 (got float32)");
      expect(() => fn(tensor([[1, 2]], { dtype: 'int32' }), 2)).toThrow(`layerNorm${path === 'fused' ? 'Fused' : 'Composed'}: input must be float32 or float64 (got int32)`);
      expect(() => fn(x, [])).toThrow(TypeError);
      expect(() => fn(x, 3, null, null, -1)).toThrow(RangeError);
    });
  }
});
