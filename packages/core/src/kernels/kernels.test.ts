import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { Generator, permute, type Tensor } from '@tapegrad/core';
import { binary } from './elementwise.js';
import { sumAxes, extremeAlong } from './reduce.js';
import { broadcastShapes, sizeOf } from '../shape.js';

/** Value of `t` at a multi-index, read through its ndarray (any strides). */
const at = (t: Tensor, idx: number[]) => (t.data.get as (...i: number[]) => number)(...idx);

/** Every multi-index of `shape` in row-major order. */
function* indices(shape: readonly number[]): IterableIterator<number[]> {
  const idx = new Array<number>(shape.length).fill(0);
  if (shape.some((d) => d === 0)) return;
  for (;;) {
    yield [...idx];
    let d = shape.length - 1;
    for (; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

const dimsArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 });

/** A random tensor of `shape`, possibly stored transposed (a strided view). */
function randomView(g: Generator, shape: number[], permuted: boolean): Tensor {
  if (!permuted || shape.length < 2) return g.randn(shape, { dtype: 'float64' });
  const order = shape.map((_, i) => shape.length - 1 - i);
  return permute(g.randn(order.map((i) => shape[i]!), { dtype: 'float64' }), order);
}

describe('elementwise kernels on strided and broadcast operands', () => {
  test('binary ops equal a per-index computation for any broadcast and any layout', () => {
    fc.assert(
      fc.property(dimsArb, fc.integer({ min: 0, max: 2 ** 30 }), fc.boolean(), fc.boolean(), fc.array(fc.boolean(), { maxLength: 4 }), fc.integer({ min: 0, max: 4 }),
        (shape, seed, permA, permB, ones, drop) => {
          const g = new Generator(seed);
          const shapeB = shape.map((d, i) => (ones[i] ? 1 : d)).slice(Math.min(drop, shape.length));
          const a = randomView(g, shape, permA);
          const b = randomView(g, shapeB, permB);
          const outShape = broadcastShapes('test', a.shape, b.shape);
          for (const code of ['add', 'sub', 'mul', 'div', 'maximum'] as const) {
            const out = binary(code, a.data, b.data, outShape);
            for (const idx of indices(outShape)) {
              const x = at(a, idx.slice(idx.length - a.ndim));
              const y = at(b, idx.slice(idx.length - b.ndim).map((v, k) => (b.shape[k] === 1 ? 0 : v)));
              const expected = { add: x + y, sub: x - y, mul: x * y, div: x / y, maximum: Math.max(x, y) }[code];
              expect((out.get as (...i: number[]) => number)(...idx)).toBe(expected);
            }
          }
        }),
      { numRuns: 200 },
    );
  });
});

describe('reduction kernels', () => {
  test('sum over any set of dims equals a per-index sum, for any layout', () => {
    fc.assert(
      fc.property(dimsArb.filter((s) => s.length > 0), fc.integer({ min: 0, max: 2 ** 30 }), fc.boolean(), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        (shape, seed, permuted, pick) => {
          const x = randomView(new Generator(seed), shape, permuted);
          const dims = shape.map((_, i) => i).filter((i) => pick[i]);
          const out = sumAxes(x.data, dims);
          expect(out.shape).toEqual(shape.map((d, i) => (dims.includes(i) ? 1 : d)));
          const expected = new Float64Array(sizeOf(out.shape));
          for (const idx of indices(shape)) {
            let flat = 0;
            idx.forEach((v, d) => (flat = flat * out.shape[d]! + (dims.includes(d) ? 0 : v)));
            expected[flat]! += at(x, idx);
          }
          const got = out.data as Float64Array;
          expect(got).toBeAllclose(expected, { rtol: 1e-12, atol: 1e-12 });
        }),
      { numRuns: 200 },
    );
  });

  test('extremeAlong finds the first maximum and lets NaN win', () => {
    const g = new Generator(3);
    const x = g.randn([3, 5], { dtype: 'float64' });
    const { indices: idx } = extremeAlong(x.data, 1, 'max');
    for (let r = 0; r < 3; r++) {
      const row = Array.from({ length: 5 }, (_, c) => at(x, [r, c]));
      expect(idx[r]).toBe(row.indexOf(Math.max(...row)));
    }
    const withNaN = x.clone();
    withNaN.data.set(1, 3, NaN);
    const { values } = extremeAlong(withNaN.data, 1, 'max');
    expect(Number.isNaN(values.get(1, 0))).toBe(true);
  });
});
