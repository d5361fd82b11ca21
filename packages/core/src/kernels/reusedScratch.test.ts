import { describe, expect, test } from 'vitest';
import ndarray from 'ndarray';
import type { NdArray } from '../dtype.js';
import { broadcastView, expandNd, toFloat64 } from './layout.js';
import { splitAround, sumAxes } from './reduce.js';

/** `0, 1, 2, …` as a float64 ndarray of `shape`. */
function iota(shape: number[]): NdArray {
  const n = shape.reduce((a, b) => a * b, 1);
  return ndarray(Float64Array.from({ length: n }, (_, i) => i), shape) as NdArray;
}

describe('kernels that reuse a scratch array from call to call', () => {
  test("sumAxes: each call's sums alone, whatever the call before summed (reused accumulator and shape)", () => {
    const x = iota([2, 3, 4]);
    for (let round = 0; round < 2; round++) {
      expect(Array.from(toFloat64(sumAxes(x, [0])))).toEqual([12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34]);
      expect(sumAxes(x, [0]).shape).toEqual([1, 3, 4]);
      expect(Array.from(toFloat64(sumAxes(x, [1])))).toEqual([12, 15, 18, 21, 48, 51, 54, 57]);
      expect(Array.from(toFloat64(sumAxes(x, [0, 2])))).toEqual([60, 92, 124]);
      expect(sumAxes(x, [0, 2]).shape).toEqual([1, 3, 1]);
      expect(Array.from(toFloat64(sumAxes(x, [0, 1, 2])))).toEqual([276]);
    }
    const big = iota([2, 5000]); // more sums than the reused accumulator holds
    const sums = toFloat64(sumAxes(big, [0]));
    expect(sums.length).toBe(5000);
    expect(sums[4999]).toBe(4999 + 9999);
    expect(Array.from(toFloat64(sumAxes(iota([3, 2]), [0])))).toEqual([6, 9]);
  });

  test("splitAround's sizes are the call's own", () => {
    const a = splitAround([2, 3, 4], 1, 1);
    expect([a[0], a[1], a[2]]).toEqual([2, 3, 4]);
    const b = splitAround([5, 6], 0, 1);
    expect([b[0], b[1], b[2]]).toEqual([1, 30, 1]);
  });

  test('broadcastView: a view keeps its strides when the next one is made', () => {
    const row = ndarray(new Float64Array([1, 2, 3]), [1, 3]) as NdArray;
    const col = ndarray(new Float64Array([1, 2]), [2, 1]) as NdArray;
    const a = broadcastView(row, [2, 3]);
    const b = broadcastView(col, [2, 3]);
    expect(a.stride).toEqual([0, 1]);
    expect(b.stride).toEqual([1, 0]);
  });

  test('expandNd of one value fills with that value, read at its offset', () => {
    const data = new Float64Array([7, 8, 9]);
    const one = ndarray(data, [1, 1], [1, 1], 2) as NdArray; // the 9
    expect(Array.from(toFloat64(expandNd(one, [2, 3])))).toEqual([9, 9, 9, 9, 9, 9]);
    const scalar = ndarray(data, [], [], 1) as NdArray; // the 8, 0-d
    expect(Array.from(toFloat64(expandNd(scalar, [4])))).toEqual([8, 8, 8, 8]);
    expect(Array.from(toFloat64(expandNd(ndarray(new Float32Array([1, 2]), [2, 1]) as NdArray, [2, 2])))).toEqual([1, 1, 2, 2]);
  });
});
