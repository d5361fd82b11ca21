import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { broadcastView, createNd, reshapeNd, toFloat64, viewStrides, wrapNd } from './layout.js';
import type { DType, NdArray, TypedArray } from '../dtype.js';
import { contiguousStrides, sizeOf } from '../shape.js';

const dtypes: DType[] = ['float32', 'float64', 'int32', 'uint8'];
const shapes = [[], [5], [2, 3], [2, 1, 4], [2, 3, 1, 2], [1, 2, 1, 2, 3], [2, 1, 1, 2, 1, 2]];

/** What identifies a view: its class, dtype, shape, strides, offset and array. */
function described(x: NdArray): unknown {
  return { class: x.constructor, dtype: x.dtype, shape: [...x.shape], stride: [...x.stride], offset: x.offset, data: x.data, size: x.size };
}

describe('layout views', () => {
  // layout.ts calls ndarray's view classes directly for ranks 0 to 4: they must be what ndarray makes
  test('createNd, wrapNd and broadcastView make the views ndarray makes, for every dtype and rank', () => {
    for (const dtype of dtypes) {
      for (const shape of shapes) {
        const made = createNd(dtype, shape);
        const data = made.data as TypedArray;
        expect(described(made)).toEqual(described(ndarray(data, shape, contiguousStrides(shape), 0) as NdArray));
        const wrapped = wrapNd(data, shape.slice(1), 1);
        expect(described(wrapped)).toEqual(described(ndarray(data, shape.slice(1), contiguousStrides(shape.slice(1)), 1) as NdArray));
        const wide = [3, ...shape];
        const broadcast = broadcastView(made, wide);
        const stride = [0, ...shape.map((d, i) => (d === 1 ? 0 : made.stride[i]!))];
        expect(described(broadcast)).toEqual(described(ndarray(data, wide, stride, 0) as NdArray));
        data[sizeOf(shape) - 1] = 7;
        expect(broadcast.get(2, ...shape.map((d) => d - 1))).toBe(7);
      }
    }
  });
});

/** `n` values 0, 1, 2, ... in a Float64Array. */
const counting = (n: number) => Float64Array.from({ length: n }, (_, i) => i);

/**
 * Strided arrays and new shapes, with numpy 2.4's `reshape` as the reference: it returns a view
 * exactly when PyTorch's `view` rule allows one, and these are its strides (in elements; a dim of
 * size 1 takes any stride, null here) or null where it copies.
 */
const numpyReshapes: { name: string; x: () => NdArray; shape: number[]; stride: (number | null)[] | null }[] = [
  { name: 'a transpose [3, 2] to [3, 1, 2]', x: () => ndarray(counting(6), [3, 2], [1, 3]), shape: [3, 1, 2], stride: [1, null, 3] },
  { name: 'a transpose [3, 2] to [1, 3, 2, 1]', x: () => ndarray(counting(6), [3, 2], [1, 3]), shape: [1, 3, 2, 1], stride: [null, 1, 3, null] },
  { name: 'a transpose [3, 2] to [6]', x: () => ndarray(counting(6), [3, 2], [1, 3]), shape: [6], stride: null },
  { name: 'a permute [4, 2, 3] merging its last two dims', x: () => ndarray(counting(24), [4, 2, 3], [1, 12, 4]), shape: [4, 6], stride: [1, 4] },
  { name: 'a permute [4, 2, 3] splitting its first dim', x: () => ndarray(counting(24), [4, 2, 3], [1, 12, 4]), shape: [2, 2, 2, 3], stride: [2, 1, 12, 4] },
  { name: 'a permute [4, 2, 3] merging its first two dims', x: () => ndarray(counting(24), [4, 2, 3], [1, 12, 4]), shape: [8, 3], stride: null },
  { name: 'every other element [6] split', x: () => ndarray(counting(12), [6], [2]), shape: [2, 3], stride: [6, 2] },
  { name: 'every other element [6] as a column', x: () => ndarray(counting(12), [6], [2]), shape: [6, 1], stride: [2, null] },
  { name: 'a broadcast [3, 4] (stride 0) split', x: () => ndarray(counting(3), [3, 4], [1, 0]), shape: [3, 2, 2], stride: [1, 0, 0] },
  { name: 'a broadcast [3, 4] (stride 0) merged', x: () => ndarray(counting(3), [3, 4], [1, 0]), shape: [12], stride: null },
  { name: 'columns 1..4 of [4, 6], rows split', x: () => ndarray(counting(24), [4, 4], [6, 1], 1), shape: [2, 2, 4], stride: [12, 6, 1] },
  { name: 'columns 1..4 of [4, 6], columns split', x: () => ndarray(counting(24), [4, 4], [6, 1], 1), shape: [4, 2, 2], stride: [6, 2, 1] },
  { name: 'columns 1..4 of [4, 6], merged', x: () => ndarray(counting(24), [4, 4], [6, 1], 1), shape: [16], stride: null },
  { name: 'a transpose(1, 0, 2) [4, 3, 5] merging its last two dims', x: () => ndarray(counting(60), [4, 3, 5], [5, 20, 1]), shape: [4, 15], stride: null },
  { name: 'a transpose(1, 0, 2) [4, 3, 5] with a dim of size 1 added', x: () => ndarray(counting(60), [4, 3, 5], [5, 20, 1]), shape: [4, 3, 5, 1], stride: [5, 20, 1, null] },
];

describe('reshapeNd', () => {
  test.each(numpyReshapes)('$name: a view where numpy makes one (its strides), else a copy; the values in row-major order either way', ({ x: make, shape, stride }) => {
    const x = make();
    const y = reshapeNd(x, shape);
    expect(y.shape).toEqual(shape);
    expect(Array.from(toFloat64(y))).toEqual(Array.from(toFloat64(x)));
    if (stride === null) {
      expect(y.data).not.toBe(x.data);
    } else {
      expect(y.data).toBe(x.data);
      expect(y.offset).toBe(x.offset);
      expect(y.stride.map((st, i) => (shape[i] === 1 ? null : st))).toEqual(stride);
    }
    expect(viewStrides(x.shape, x.stride, shape) === null).toBe(stride === null);
  });

  test('any permuted, offset or broadcast array, to any shape of its size: the values of a reshaped contiguous copy, in place when strides allow', () => {
    const dims = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 });
    const arb = dims.chain((shape) => fc.record({
      shape: fc.constant(shape),
      order: fc.shuffledSubarray(shape.map((_, i) => i), { minLength: shape.length, maxLength: shape.length }),
      broadcast: fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
      offset: fc.integer({ min: 0, max: 3 }),
      // the new shape: the size's prime factors, grouped, with dims of size 1 put in
      cuts: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 8 }),
    }));
    fc.assert(fc.property(arb, ({ shape, order, broadcast, offset, cuts }) => {
      // a contiguous base of `shape`, permuted by `order`; dims marked broadcast read one element (stride 0)
      const base = contiguousStrides(shape);
      const xShape = order.map((d) => shape[d]!);
      const xStride = order.map((d, i) => (broadcast[i] ? 0 : base[d]!));
      const x = ndarray(counting(sizeOf(shape) + offset), xShape, xStride, offset) as NdArray;
      const factors: number[] = [];
      for (let n = sizeOf(xShape), p = 2; n > 1;) if (n % p === 0) { factors.push(p); n /= p; } else p++;
      const newShape: number[] = [];
      let at = 0;
      for (const cut of cuts) {
        if (cut === 0) newShape.push(1);
        else {
          const take = factors.slice(at, at + cut);
          at += take.length;
          newShape.push(take.reduce((a, b) => a * b, 1));
        }
      }
      if (at < factors.length) newShape.push(factors.slice(at).reduce((a, b) => a * b, 1));
      const y = reshapeNd(x, newShape);
      expect(y.shape).toEqual(newShape);
      expect(Array.from(toFloat64(y))).toEqual(Array.from(toFloat64(x)));
      expect(y.data === x.data).toBe(viewStrides(xShape, xStride, newShape) !== null || isRowMajor(x));
    }), { numRuns: 500, seed: 231 });
  });
});

/** Whether `x` reads its elements in order from its offset (dims of size 1 aside). */
function isRowMajor(x: NdArray): boolean {
  const expected = contiguousStrides(x.shape);
  return x.shape.every((d, i) => d === 1 || x.stride[i] === expected[i]);
}

