import { describe, expect, test } from 'vitest';
import ndarray from 'ndarray';
import { broadcastView, createNd, wrapNd } from './layout.js';
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
