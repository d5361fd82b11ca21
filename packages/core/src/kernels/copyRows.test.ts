import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import type { NdArray, TypedArray } from '../dtype.js';
import { copyRows } from './copyRows.js';

/** An ndarray over `data` (row-major, offset 0) of `shape`. */
function nd(data: TypedArray, shape: number[]): NdArray {
  return ndarray(data, shape) as NdArray;
}

/** `0, 1, 2, …` in a fresh array of `Type`. */
function iota(Type: new (n: number) => TypedArray, n: number): TypedArray {
  const a = new Type(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

/** Rows `rows` of `x`, read element by element through `get` (any strides): what copyRows must write. */
function expectedRows(x: NdArray, rows: readonly number[]): number[] {
  const out: number[] = [];
  const rest = x.shape.slice(1);
  const idx = new Array<number>(rest.length).fill(0);
  const get = x.get as (...i: number[]) => number;
  if (rest.some((d) => d === 0)) return out;
  for (const r of rows) {
    idx.fill(0);
    for (;;) {
      out.push(get.call(x, r, ...idx));
      let d = rest.length - 1;
      for (; d >= 0; d--) {
        if (++idx[d]! < rest[d]!) break;
        idx[d] = 0;
      }
      if (d < 0) break;
    }
  }
  return out;
}

/** copyRows into a buffer with two sentinels before and after; checks the sentinels and returns the rows. */
function gathered(x: NdArray, rows: readonly number[], Type: new (n: number) => TypedArray = Float64Array): number[] {
  let width = 1;
  for (const d of x.shape.slice(1)) width *= d;
  const out = new Type(rows.length * width + 4).fill(77);
  copyRows(x, rows, out, 2);
  expect([out[0], out[1], out[out.length - 2], out[out.length - 1]]).toEqual([77, 77, 77, 77]);
  return Array.from(out.subarray(2, out.length - 2));
}

describe('copyRows', () => {
  test('contiguous rows, in the order asked, repeats allowed, from an offset in out', () => {
    const x = nd(iota(Float64Array, 12), [4, 3]);
    expect(gathered(x, [2, 0, 2])).toEqual([6, 7, 8, 0, 1, 2, 6, 7, 8]);
  });

  test('rows of a transposed matrix are its columns', () => {
    const x = nd(iota(Float64Array, 12), [4, 3]).transpose(1, 0) as NdArray; // [3, 4], strides [1, 3]
    expect(gathered(x, [1, 2])).toEqual([1, 4, 7, 10, 2, 5, 8, 11]);
  });

  test('permuted 3-D and 4-D views (channels-last images read as channels-first, and others)', () => {
    const images = nd(iota(Float64Array, 5 * 4 * 3 * 2), [5, 4, 3, 2]);
    for (const order of [[0, 3, 1, 2], [0, 2, 1, 3], [3, 0, 2, 1], [2, 3, 0, 1], [1, 0, 3, 2]]) {
      const x = images.transpose(...order) as NdArray;
      const rows = [x.shape[0]! - 1, 0, 1, 0];
      expect(gathered(x, rows), order.join()).toEqual(expectedRows(x, rows));
    }
    const cube = nd(iota(Float64Array, 4 * 3 * 5), [4, 3, 5]);
    for (const order of [[0, 2, 1], [1, 0, 2], [2, 1, 0], [1, 2, 0]]) {
      const x = cube.transpose(...order) as NdArray;
      const rows = [1, x.shape[0]! - 1, 0];
      expect(gathered(x, rows), order.join()).toEqual(expectedRows(x, rows));
    }
  });

  test('views with an offset, steps, reversed dims and size-1 dims of any stride', () => {
    const base = nd(iota(Float64Array, 6 * 7), [6, 7]);
    const views: [string, NdArray][] = [
      ['a block inside', base.lo(1, 2).hi(4, 3) as NdArray],
      ['every second row and third column', base.step(2, 3) as NdArray],
      ['rows reversed', base.step(-1) as NdArray],
      ['columns reversed', base.step(1, -1) as NdArray],
      ['both reversed, from an offset', base.lo(1, 1).step(-2, -2) as NdArray],
      ['a size-1 dim with an odd stride', ndarray(iota(Float64Array, 12), [3, 1, 4], [4, 99, 1]) as NdArray],
      ['a size-1 last dim with an odd stride', ndarray(iota(Float64Array, 12), [4, 3, 1], [3, 1, 5]) as NdArray],
    ];
    for (const [what, x] of views) {
      const rows = Array.from({ length: x.shape[0]! }, (_, i) => x.shape[0]! - 1 - i);
      expect(gathered(x, rows), what).toEqual(expectedRows(x, rows));
    }
    expect(gathered(base.lo(1, 2).hi(4, 3) as NdArray, [0, 3])).toEqual([9, 10, 11, 30, 31, 32]);
    expect(gathered(base.step(1, -1) as NdArray, [5])).toEqual([41, 40, 39, 38, 37, 36, 35]);
  });

  test('a broadcast view (a zero stride) repeats what it views', () => {
    const x = ndarray(new Float64Array([1, 2, 3]), [4, 3], [0, 1]) as NdArray;
    expect(gathered(x, [3, 0])).toEqual([1, 2, 3, 1, 2, 3]);
    const y = ndarray(new Float64Array([1, 2]), [2, 3], [1, 0]) as NdArray;
    expect(gathered(y, [1, 0])).toEqual([2, 2, 2, 1, 1, 1]);
  });

  test('1-D input: single elements', () => {
    expect(gathered(nd(iota(Float64Array, 5), [5]), [4, 1])).toEqual([4, 1]);
    expect(gathered(nd(iota(Float64Array, 5), [5]).step(-2) as NdArray, [0, 2])).toEqual([4, 0]);
  });

  test('rows of zero width, and no rows, write nothing', () => {
    const out = new Float64Array(3).fill(5);
    copyRows(ndarray(new Float64Array(0), [3, 0, 2]) as NdArray, [2, 0], out, 1);
    copyRows(nd(iota(Float64Array, 6), [3, 2]), [], out, 1);
    copyRows(nd(iota(Float64Array, 6), [3, 2]).transpose(1, 0) as NdArray, [], out, 3);
    expect(Array.from(out)).toEqual([5, 5, 5]);
  });

  test('int32, uint8, float32 and float64 data, contiguous and strided', () => {
    for (const Type of [Int32Array, Uint8Array, Float32Array, Float64Array] as (new (n: number) => TypedArray)[]) {
      const x = nd(iota(Type, 24), [4, 3, 2]);
      expect(gathered(x, [3, 1], Type), Type.name).toEqual([18, 19, 20, 21, 22, 23, 6, 7, 8, 9, 10, 11]);
      const t = x.transpose(2, 0, 1) as NdArray; // [2, 4, 3]
      expect(gathered(t, [1], Type), Type.name).toEqual(expectedRows(t, [1]));
      expect(gathered(t, [1], Type).slice(0, 4), Type.name).toEqual([1, 3, 5, 7]);
    }
    const negatives = nd(new Int32Array([-5, 2 ** 31 - 1, -(2 ** 31), 0]), [2, 2]).transpose(1, 0) as NdArray;
    expect(gathered(negatives, [0, 1], Int32Array)).toEqual([-5, -(2 ** 31), 2 ** 31 - 1, 0]);
  });

  test('any permutation and any steps of a tensor of rank 1 to 4 give the rows read element by element', () => {
    const dims = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(dims, fc.array(fc.integer({ min: -2, max: 2 }).filter((s) => s !== 0), { minLength: 4, maxLength: 4 }),
        fc.array(fc.nat(), { minLength: 4, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 6 }),
        (shape, steps, keys, picks) => {
          const size = shape.reduce((a, b) => a * b, 1);
          const order = shape.map((_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);
          const view = nd(iota(Float64Array, size), shape).transpose(...order).step(...steps.slice(0, shape.length)) as NdArray;
          const rows = picks.map((p) => p % view.shape[0]!);
          expect(gathered(view, rows)).toEqual(expectedRows(view, rows));
        }),
      { numRuns: 300 },
    );
  });
});
