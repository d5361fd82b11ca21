import { describe, expect, it } from 'vitest';
import { DtypeError, Generator, ShapeError, Tensor, gradcheck, indexRows, indexRowsInto, tensor, type NdArray, type TypedArray } from '../index.js';
import { scopeAllocations } from '../allocator.js';

describe('indexRows: what it refuses', () => {
  const x = tensor([[1, 2], [3, 4]]);

  it('a bare number, a float or a string as rows: a TypeError naming what came (never zero rows)', () => {
    for (const [rows, got] of [[1, 'number'], [1.5, 'number'], ['0', 'string'], [null, 'null'], [new Float32Array([0]), 'Float32Array']] as const) {
      expect(() => indexRows(x, rows as never)).toThrow(TypeError);
      expect(() => indexRows(x, rows as never)).toThrow(`index: rows must be a list of integers, an Int32Array or a 1-D int32 or uint8 tensor (got ${got}); for one row, pass [row]`);
    }
  });

  it('rows out of range or not integers: a ShapeError; a float index tensor: a DtypeError', () => {
    expect(() => indexRows(x, [2])).toThrow(ShapeError);
    expect(() => indexRows(x, [0.5])).toThrow('index: row 0 must be an integer in [-2, 1] for dim 0 of size 2 (got 0.5)');
    expect(() => indexRows(x, tensor([0]))).toThrow(DtypeError);
  });

  it('the accepted forms give the same rows', () => {
    const expected = [[3, 4], [1, 2]];
    expect(indexRows(x, [1, 0]).toArray()).toEqual(expected);
    expect(indexRows(x, [-1, -2]).toArray()).toEqual(expected);
    expect(indexRows(x, new Int32Array([1, 0])).toArray()).toEqual(expected);
    expect(indexRows(x, tensor([1, 0], { dtype: 'int32' })).toArray()).toEqual(expected);
  });
});

/** The arrays core's allocator makes while `fn` runs, and what `fn` returns. */
function allocationsOf<T>(fn: () => T): { result: T; arrays: TypedArray[] } {
  const made = new Set<TypedArray>();
  const outer = scopeAllocations(made);
  try {
    return { result: fn(), arrays: [...made] };
  } finally {
    scopeAllocations(outer);
  }
}

/** Strided views of fresh tensors, each with its values as nested arrays (read through ndarray-ops, not copyRows). */
function stridedViews(): [string, Tensor][] {
  const g = new Generator(5);
  const images = g.randn([6, 4, 5, 3], { dtype: 'float64' }); // [N, H, W, C]
  const flat = g.randn([7, 9], { dtype: 'float64' });
  const ints = tensor(Array.from({ length: 4 }, (_, i) => Array.from({ length: 6 }, (_, j) => 10 * i + j)), { dtype: 'int32' });
  return [
    ['transposed', flat.T],
    ['permuted 4-D [N, C, H, W]', images.permute([0, 3, 1, 2])],
    ['permuted 4-D, rows along H', images.permute([1, 3, 0, 2])],
    ['permuted 3-D', g.randn([3, 4, 5]).permute([2, 0, 1])],
    ['every second row, every third column', new Tensor((flat.data as NdArray).step(2, 3))],
    ['rows and columns reversed, from an offset', new Tensor((flat.data as NdArray).lo(1, 2).step(-1, -2))],
    ['a block inside (offset view)', new Tensor((flat.data as NdArray).lo(2, 3).hi(4, 5))],
    ['int32, transposed', ints.T],
  ];
}

describe('index on strided inputs', () => {
  it('gives the rows of the values, for transposed, permuted, stepped, reversed and offset views', () => {
    for (const [what, x] of stridedViews()) {
      expect(x.isContiguous(), what).toBe(false);
      const rows = [x.shape[0]! - 1, 0, 1, 0];
      const values = x.toArray() as unknown[];
      const y = x.index(rows);
      expect(y.dtype, what).toBe(x.dtype);
      expect(y.toArray(), what).toEqual(rows.map((r) => values[r]));
    }
  });

  it('allocates the chosen rows only, not a contiguous copy of a strided input', () => {
    const x = new Generator(1).randn([300, 200], { dtype: 'float64' });
    for (const view of [x.T, x.reshape([300, 20, 10]).permute([1, 2, 0])]) {
      const width = view.shape.slice(1).reduce((a, b) => a * b, 1);
      const { result, arrays } = allocationsOf(() => view.index([5, 3]));
      expect(arrays.map((a) => a.length)).toEqual([2 * width]);
      expect(arrays[0]).toBe(result.data.data);
    }
  });

  it('backward through a strided input puts the gradient where each row came from', () => {
    const g = new Generator(3);
    const w = g.randn([3, 2, 4], { dtype: 'float64' });
    const report = gradcheck((x) => x.permute([2, 0, 1]).index([1, 4, 1]).mul(w).sum(), [g.randn([2, 4, 5], { dtype: 'float64', requiresGrad: true })]);
    expect(report.ok).toBe(true);
    const x = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64', requiresGrad: true });
    x.T.index([2, 0, 2]).mul(tensor([[1, 10], [100, 1000], [2, 20]], { dtype: 'float64' })).sum().backward();
    expect(x.grad?.toArray()).toEqual([[100, 0, 3], [1000, 0, 30]]);
  });
});

describe('indexRowsInto', () => {
  const x = tensor([[1, 2], [3, 4], [5, 6]]);

  it('writes the rows in order from `at`, leaves the rest of out, and returns out', () => {
    const out = new Float32Array(8).fill(-1);
    expect(indexRowsInto(x, [2, -3, 2], out, 1)).toBe(out);
    expect(Array.from(out)).toEqual([-1, 5, 6, 1, 2, 5, 6, -1]);
    expect(Array.from(indexRowsInto(x, tensor([1], { dtype: 'int32' }), new Float32Array(2)))).toEqual([3, 4]);
    expect(Array.from(indexRowsInto(x, new Float64Array([0, 2]).subarray(1), new Float32Array(2)))).toEqual([5, 6]);
    expect(Array.from(indexRowsInto(x, [], new Float32Array(0)))).toEqual([]);
  });

  it('reads strided inputs by their values, of every dtype, without allocating', () => {
    const Types = { float32: Float32Array, float64: Float64Array, int32: Int32Array, uint8: Uint8Array } as const;
    for (const [what, view] of [...stridedViews(), ['uint8, transposed', tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'uint8' }).T] as [string, Tensor]]) {
      const rows = [1, view.shape[0]! - 1];
      const width = view.shape.slice(1).reduce((a, b) => a * b, 1);
      const out = new Types[view.dtype as keyof typeof Types](rows.length * width);
      const { arrays } = allocationsOf(() => indexRowsInto(view, rows, out));
      expect(arrays, what).toEqual([]);
      const values = view.toArray() as unknown[];
      expect(Array.from(out), what).toEqual(rows.map((r) => values[r]).flat(Infinity));
    }
  });

  it('refuses bad arguments with errors that name it, and writes nothing then', () => {
    const out = new Float32Array(4).fill(9);
    expect(() => indexRowsInto(x, [0, 3], out)).toThrow(ShapeError);
    expect(() => indexRowsInto(x, [0, 3], out)).toThrow('indexRowsInto: row 1 must be an integer in [-3, 2] for dim 0 of size 3 (got 3)');
    expect(() => indexRowsInto(x, [1.5], out)).toThrow('indexRowsInto: row 0 must be an integer in [-3, 2] for dim 0 of size 3 (got 1.5)');
    expect(() => indexRowsInto(x, [0, 1, 2], out)).toThrow(RangeError);
    expect(() => indexRowsInto(x, [0, 1, 2], out)).toThrow('indexRowsInto: out must have at least 6 elements for 3 rows of 2 from at=0 (got 4)');
    expect(() => indexRowsInto(x, [0, 1], out, 1)).toThrow('indexRowsInto: out must have at least 5 elements for 2 rows of 2 from at=1 (got 4)');
    expect(() => indexRowsInto(x, [0], new Float64Array(2))).toThrow(DtypeError);
    expect(() => indexRowsInto(x, [0], new Float64Array(2))).toThrow('indexRowsInto: out must be of x\'s dtype float32 (got a Float64Array, float64)');
    expect(() => indexRowsInto(x, [0], [0, 0] as never)).toThrow(TypeError);
    expect(() => indexRowsInto(x, [0], [0, 0] as never)).toThrow('indexRowsInto: out must be a Float32Array, Float64Array, Int32Array or Uint8Array (got an array)');
    expect(() => indexRowsInto(x, [0], out, -1)).toThrow('indexRowsInto: at must be a non-negative integer (got -1)');
    expect(() => indexRowsInto(x, [0], out, 0.5)).toThrow(RangeError);
    expect(() => indexRowsInto(x, 1 as never, out)).toThrow('indexRowsInto: rows must be an array-like of integers or a 1-D int32 or uint8 tensor (got number); for one row, pass [row]');
    expect(() => indexRowsInto(x, tensor([0]), out)).toThrow('indexRowsInto: row indices must be an int32 or uint8 tensor (got float32)');
    expect(() => indexRowsInto([[1]] as never, [0], out)).toThrow('indexRowsInto: x must be a Tensor (got an array)');
    expect(() => indexRowsInto(tensor(1), [0], out)).toThrow('indexRowsInto: x must have at least one dim (got a 0-d tensor)');
    expect(Array.from(out)).toEqual([9, 9, 9, 9]);
  });
});
