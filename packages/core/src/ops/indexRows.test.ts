import { describe, expect, it } from 'vitest';
import { DtypeError, ShapeError, indexRows, tensor } from '../index.js';

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
