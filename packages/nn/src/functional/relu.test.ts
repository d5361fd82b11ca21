import { describe, expect, test } from 'vitest';
import { DtypeError, Generator, tensor, type Tensor } from '@tapegrad/core';
import { reluComposed, reluFused } from '@tapegrad/nn';

const paths: [string, (x: Tensor) => Tensor][] = [['reluFused', reluFused], ['reluComposed', reluComposed]];

function run(fn: (x: Tensor) => Tensor, x0: Tensor, G: Tensor): { out: Tensor; dx: Tensor } {
  const x = tensor(x0.toFloat64Array(), { dtype: x0.dtype, shape: x0.shape, requiresGrad: true });
  const out = fn(x);
  out.backward(G);
  return { out, dx: x.grad! };
}

// Fused matches composed, and gradcheck of both forms away from the kink: fusedOpTable.test.ts,
// driven from the table.

describe('reluFused and reluComposed', () => {
  const g = new Generator(11);
  // with exact zeros, where PyTorch's gradient is 0
  const x = g.randn([7, 5], { dtype: 'float64' }).mul(tensor([1, 0, 1, 1, 0], { dtype: 'float64' }));
  const G = g.randn([7, 5], { dtype: 'float64' });

  for (const [name, fn] of paths) {
    test(`${name}: y = max(x, 0), dx = G where x > 0 and 0 elsewhere (also at x = 0)`, () => {
      const { out, dx } = run(fn, x, G);
      const xv = x.toFloat64Array(), gv = G.toFloat64Array(), yv = out.toFloat64Array(), dv = dx.toFloat64Array();
      let zeros = 0;
      for (let i = 0; i < xv.length; i++) {
        expect(yv[i]).toBe(Math.max(xv[i]!, 0));
        expect(dv[i]).toBe(xv[i]! > 0 ? gv[i] : 0);
        if (xv[i] === 0) zeros++;
      }
      expect(zeros).toBeGreaterThan(0);
    });

    test(`${name} propagates NaN and keeps float32`, () => {
      expect(fn(tensor([NaN, -1, 2], { dtype: 'float32' })).toFloat64Array()).toEqual(new Float64Array([NaN, 0, 2]));
      expect(fn(tensor([1], { dtype: 'float32' })).dtype).toBe('float32');
    });

    test(`${name} rejects integer tensors`, () => {
      expect(() => fn(tensor([1, 2], { dtype: 'int32' }))).toThrow(DtypeError);
      expect(() => fn(tensor([1, 2], { dtype: 'int32' }))).toThrow(`${name}: input must be float32 or float64 (got int32)`);
    });
  }

  test('the fused form is one node named reluFused', () => {
    expect(reluFused(tensor([1], { requiresGrad: true })).gradFn?.name).toBe('reluFused');
  });
});
