import { describe, expect, it } from 'vitest';
import { packPanelsOf2, packPanelsOf3 } from './gemmPack.js';

/** A scratch array of doubles that shows which elements a packer left alone. */
const UNWRITTEN = 1e9;
const scratch = (length: number): number[] => Array.from({ length }, () => UNWRITTEN);

describe('packPanelsOf2', () => {
  it('lays rows out in 2-row depth-major panels and zero-pads an odd last row', () => {
    // M = [[1, 2, 3], [4, 5, 6], [7, 8, 9]] stored row-major
    const dst = scratch(13);
    packPanelsOf2(new Float64Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), 0, 3, 1, 3, 3, dst, 1);
    expect(dst).toEqual([UNWRITTEN, 1, 4, 2, 5, 3, 6, 7, 0, 8, 0, 9, 0]);
  });

  it('packs a block at an offset with a row stride, reading only that block', () => {
    // rows 1..2, columns 1..2 of a 3×4 matrix: [[6, 7], [10, 11]]
    const src = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const dst = scratch(4);
    packPanelsOf2(src, 5, 4, 1, 2, 2, dst, 0);
    expect(dst).toEqual([6, 10, 7, 11]);
  });
});

describe('packPanelsOf3', () => {
  it('lays rows out in 3-row depth-major panels and zero-pads 1 or 2 leftover rows', () => {
    const src = new Float64Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]); // M = 5 rows × 2: [[1, 2], [3, 4], ...]
    const dst = scratch(12);
    packPanelsOf3(src, 0, 2, 1, 5, 2, dst, 0);
    expect(dst).toEqual([1, 3, 5, 2, 4, 6, 7, 9, 0, 8, 10, 0]);
    const one = scratch(12);
    packPanelsOf3(src, 0, 2, 1, 4, 2, one, 0);
    expect(one).toEqual([1, 3, 5, 2, 4, 6, 7, 0, 0, 8, 0, 0]);
  });
});

describe('packing absorbs transposes', () => {
  for (const rows of [1, 2, 3, 4, 5, 6, 7]) {
    it(`a ${rows}-row matrix and its stored transpose pack to the same panels`, () => {
      const depth = 5;
      const values = Array.from({ length: rows * depth }, (_, i) => i * 0.25 - 3);
      const rowMajor = new Float64Array(values); // M[i, p] at i·depth + p
      const transposed = new Float64Array(rows * depth); // M[i, p] at p·rows + i
      for (let i = 0; i < rows; i++) for (let p = 0; p < depth; p++) transposed[p * rows + i] = values[i * depth + p]!;
      for (const [R, pack] of [[2, packPanelsOf2], [3, packPanelsOf3]] as const) {
        const length = Math.ceil(rows / R) * R * depth;
        const [x, y] = [scratch(length), scratch(length)];
        pack(rowMajor, 0, depth, 1, rows, depth, x, 0);
        pack(transposed, 0, 1, rows, rows, depth, y, 0);
        expect(y).toEqual(x);
        expect(x).not.toContain(UNWRITTEN);
        expect(x.filter((v) => v !== 0).sort((u, v) => u - v)).toEqual(values.filter((v) => v !== 0).sort((u, v) => u - v));
      }
    });
  }
});
