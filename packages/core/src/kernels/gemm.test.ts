import { beforeAll, describe, expect, it } from 'vitest';
import { DtypeError, ShapeError } from '../errors.js';
import type { FloatArray } from '../dtype.js';
import { gemm } from './gemm.js';
import { gemmBlocking } from './gemmJs.js';
import { kernelVariants, useKernels } from './test-utils/kernelVariants.js';
import { mulberry32 as seeded } from '@tapegrad/test-support/random';

type FloatArrayConstructor = Float32ArrayConstructor | Float64ArrayConstructor;
const dtypes: [string, FloatArrayConstructor][] = [['float32', Float32Array], ['float64', Float64Array]];
const transposes: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];
/** Value of every array element outside the matrices, so a stray read or write shows. */
const SENTINEL = 7.25;

interface Case {
  transA: boolean; transB: boolean; m: number; n: number; k: number;
  aOffset: number; lda: number; bOffset: number; ldb: number; cOffset: number; ldc: number;
  accumulate: boolean;
}

/** An array holding a `rows × cols` matrix of values in [-1, 1) at `offset` with row stride `ld`; sentinels elsewhere. */
function matrix(Ctor: FloatArrayConstructor, rows: number, cols: number, offset: number, ld: number, random: () => number): FloatArray {
  const data = new Ctor(offset + rows * ld + 2).fill(SENTINEL);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[offset + i * ld + j] = 2 * random() - 1;
  return data;
}

/** The case's C computed in float64 by a triple loop, with Σ|a·b| per element to scale the tolerance. */
function reference(t: Case, a: FloatArray, b: FloatArray, c: FloatArray): { want: Float64Array; scale: Float64Array } {
  const want = Float64Array.from(c);
  const scale = new Float64Array(c.length);
  for (let i = 0; i < t.m; i++) {
    for (let j = 0; j < t.n; j++) {
      const at = t.cOffset + i * t.ldc + j;
      let sum = t.accumulate ? c[at]! : 0;
      let size = Math.abs(sum);
      for (let p = 0; p < t.k; p++) {
        const x = a[t.aOffset + (t.transA ? p * t.lda + i : i * t.lda + p)]!;
        const y = b[t.bOffset + (t.transB ? j * t.ldb + p : p * t.ldb + j)]!;
        sum += x * y;
        size += Math.abs(x * y);
      }
      want[at] = sum;
      scale[at] = size;
    }
  }
  return { want, scale };
}

/** Whether the active kernels accumulate float32 in float32 (set by each suite below). */
let float32Accumulation = false;

/** Runs gemm on random data for `t` and checks every element of C, and that A and B are untouched. */
function check(t: Case, Ctor: FloatArrayConstructor, seed: number): void {
  const random = seeded(seed);
  const a = matrix(Ctor, t.transA ? t.k : t.m, t.transA ? t.m : t.k, t.aOffset, t.lda, random);
  const b = matrix(Ctor, t.transB ? t.n : t.k, t.transB ? t.k : t.n, t.bOffset, t.ldb, random);
  const c = matrix(Ctor, t.m, t.n, t.cOffset, t.ldc, random);
  const [a0, b0] = [a.slice(), b.slice()];
  const { want, scale } = reference(t, a, b, c);
  gemm(t.transA, t.transB, t.m, t.n, t.k, a, t.aOffset, t.lda, b, t.bOffset, t.ldb, c, t.cOffset, t.ldc, t.accumulate);
  const float32 = Ctor === Float32Array;
  let bad = 0;
  let firstBad = '';
  for (let i = 0; i < c.length; i++) {
    // float64 summation order differs by at most about k ulps of Σ|a·b|; float32 adds its one rounding,
    // or k float32 ulps when the products are summed in float32.
    const ulp = float32 && float32Accumulation ? 2 ** -24 : 2 ** -52;
    const tolerance = (t.k + 2) * ulp * scale[i]! + (float32 ? 1e-6 * Math.abs(want[i]!) : 0);
    const ok = Math.abs(c[i]! - want[i]!) <= tolerance || Object.is(c[i], want[i]);
    if (!ok && bad++ === 0) firstBad = `c[${i}] = ${c[i]}, want ${want[i]}`;
  }
  expect(firstBad, JSON.stringify(t)).toBe('');
  expect(firstDifference(a, a0), 'A changed').toBe(-1);
  expect(firstDifference(b, b0), 'B changed').toBe(-1);
}

/** The first index where two arrays differ (NaN equal to NaN), or -1: a loop, since toEqual walks a long typed array slowly. */
function firstDifference(x: FloatArray, y: FloatArray): number {
  if (x.length !== y.length) return Math.min(x.length, y.length);
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return i;
  return -1;
}

/** A case with random offsets and leading dimensions 0–2 longer than the rows. */
function randomCase(transA: boolean, transB: boolean, m: number, n: number, k: number, random: () => number): Case {
  const pad = () => Math.floor(random() * 3);
  return {
    transA, transB, m, n, k,
    aOffset: pad(), lda: (transA ? m : k) + pad(),
    bOffset: pad(), ldb: (transB ? k : n) + pad(),
    cOffset: pad(), ldc: n + pad(),
    accumulate: random() < 0.5,
  };
}

const { mr, nr, kc, mc, nc, tileBudget } = gemmBlocking;

describe.each(kernelVariants())('gemm on the $label kernels', (variant) => {
  useKernels(variant.kernels);
  beforeAll(() => {
    float32Accumulation = variant.float32Accumulation;
  });
  const sizes = [1, 2, 3, 4, 5, 7, 11, 13, 31, 37, 61];
  for (const [name, Ctor] of dtypes) {
    for (const [transA, transB] of transposes) {
      it(`${name} ${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'} matches a float64 triple loop on sizes 1, primes and tile ± 1`, () => {
        const random = seeded(17);
        const pick = () => sizes[Math.floor(random() * sizes.length)]!;
        for (let trial = 0; trial < 40; trial++) {
          check(randomCase(transA, transB, pick(), pick(), pick(), random), Ctor, trial);
        }
      });

      it(`${name} ${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'} is right across the k, m and n block edges`, () => {
        const random = seeded(5);
        for (const k of [kc - 1, kc, kc + 1, 2 * kc + 3]) check(randomCase(transA, transB, 5, 7, k, random), Ctor, k);
        for (const m of [mc - 1, mc + 1, 2 * mc + mr + 1]) check(randomCase(transA, transB, m, 4, 3, random), Ctor, m);
        for (const n of [nc - 1, nc + nr + 1]) check(randomCase(transA, transB, 3, n, 5, random), Ctor, n);
      });
    }

    it(`${name}: every form is right across the WebAssembly blocking's edges (kc 384 in f32, 256 in f64, mc 72 or 60, nc 2048)`, () => {
      const random = seeded(9);
      for (const [transA, transB] of transposes) {
        for (const k of [255, 256, 257, 383, 384, 385, 515, 769]) check(randomCase(transA, transB, 7, 9, k, random), Ctor, k);
        for (const m of [59, 60, 61, 71, 72, 73, 145]) check(randomCase(transA, transB, m, 9, 5, random), Ctor, m);
      }
      for (const n of [2047, 2049, 2057]) check(randomCase(false, random() < 0.5, 7, n, 3, random), Ctor, n);
    });

    it(`${name}: a row-major B read in place (C within one WebAssembly A block: up to 72 or 60 rows) or packed (more), with full and ragged panels across depth blocks`, () => {
      const random = seeded(21);
      for (const m of [1, 5, 60, 61, 72, 73]) {
        for (const n of [16, 21]) {
          for (const transA of [false, true]) check(randomCase(transA, false, m, n, 300, random), Ctor, m * 1000 + n);
        }
      }
    });

    it(`${name}: a packed row-major B, four full panels at a time then one at a time, then a ragged one, across depth blocks`, () => {
      const random = seeded(23);
      // f32 panels are 8 columns (groups of 32), f64 panels 4 (groups of 16)
      for (const n of [15, 16, 17, 31, 32, 33, 47, 64, 71]) {
        for (const transA of [false, true]) check(randomCase(transA, false, 73, n, 400, random), Ctor, n);
      }
    });

    it(`${name}: every cut into A panels of 6, 5, 4 or fewer rows and B panels of one or two vectors (m to 40, n to 20, and 50, 68, 145, 500 rows)`, () => {
      const random = seeded(13);
      const depths = [3, 9, 13];
      const form = (): [boolean, boolean] => transposes[Math.floor(random() * transposes.length)]!;
      for (let m = 1; m <= 40; m++) check(randomCase(...form(), m, 1 + (m % 11), depths[m % 3]!, random), Ctor, m);
      for (let n = 1; n <= 20; n++) check(randomCase(...form(), 1 + (n % 13), n, depths[n % 3]!, random), Ctor, 100 + n);
      for (const m of [50, 68, 145, 500]) {
        for (const [transA, transB] of transposes) check(randomCase(transA, transB, m, 97 + (m % 5), 9, random), Ctor, 200 + m);
      }
    });

    it(`${name}: an A stored transposed read in place (rows spanning at most 32 KiB, or at most 8 deep) or packed, with every remainder of m, n and k, both B forms, accumulating or not`, () => {
      const random = seeded(29);
      let trial = 0;
      // m: every remainder of 6- and 5-row panels, and more than one A block (72 or 60 rows)
      for (const m of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 29, 50, 73, 145]) {
        // n: every remainder of the 8- and 4-column panels; k: shallow (in place whatever the stride),
        // just deeper, and the weight gradients' depth of 50
        for (const [n, k] of [[1 + (m % 17), 1 + (m % 9)], [8 + (m % 9), 9], [50, 50], [3 + (m % 5), 8]] as const) {
          for (const transB of [false, true]) {
            const t = randomCase(true, transB, m, n, k, random);
            t.accumulate = trial % 2 === 1;
            check(t, Ctor, 300 + trial++);
            // a long stride (3072, as the images' Xᵀ): read in place only when at most 8 deep
            if (k < 50 || m === 73) check({ ...t, lda: 3072 + (trial % 3), accumulate: !t.accumulate }, Ctor, 300 + trial++);
          }
        }
      }
    });

    it(`${name}: a C larger than the work tile is done in row chunks`, () => {
      const m = Math.floor(tileBudget / nc) + mc + 1;
      expect(m * (nc + 1)).toBeGreaterThan(tileBudget);
      for (const [transA, transB] of transposes) check(randomCase(transA, transB, m, nc + 1, 2, seeded(3)), Ctor, 1);
    });
  }

  it('register-tile edges: every m, n in 1..7 with k in {1, 2, 9}', () => {
    const random = seeded(11);
    for (let m = 1; m <= 7; m++) for (let n = 1; n <= 7; n++) for (const k of [1, 2, 9]) {
      check(randomCase(random() < 0.5, random() < 0.5, m, n, k, random), random() < 0.5 ? Float32Array : Float64Array, m * 100 + n * 10 + k);
    }
  });

  it.skipIf(variant.float32Accumulation)('a float32 result is the float32 rounding of the float64-accumulated product', () => {
    const [m, n, k] = [6, 5, 3000];
    const random = seeded(23);
    const a = Float32Array.from({ length: m * k }, () => random());
    const b = Float32Array.from({ length: k * n }, () => random());
    const c = new Float32Array(m * n);
    gemm(false, false, m, n, k, a, 0, k, b, 0, n, c, 0, n, false);
    const want = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a[i * k + p]! * b[p * n + j]!;
      want[i * n + j] = Math.fround(sum);
    }
    expect(c).toBeAllclose(want, { rtol: 1e-6, atol: 0 });
  });

  it('without accumulate, C\'s old values are ignored, even NaN; with it, they are added', () => {
    const a = new Float64Array([1, 2, 3, 4]);
    const b = new Float64Array([1, 1, 1, 1]);
    const c = new Float64Array([NaN, Infinity, 5, -5]);
    gemm(false, false, 2, 2, 2, a, 0, 2, b, 0, 2, c, 0, 2, false);
    expect(Array.from(c)).toEqual([3, 3, 7, 7]);
    gemm(false, false, 2, 2, 2, a, 0, 2, b, 0, 2, c, 0, 2, true);
    expect(Array.from(c)).toEqual([6, 6, 14, 14]);
  });

  it('k = 0 writes zeros, or leaves C as it was when accumulating', () => {
    const empty = new Float32Array(0);
    const c = new Float32Array([1, 2, 3, 4, 5, 6]);
    gemm(false, true, 2, 3, 0, empty, 0, 0, empty, 0, 0, c, 0, 3, true);
    expect(Array.from(c)).toEqual([1, 2, 3, 4, 5, 6]);
    gemm(false, true, 2, 3, 0, empty, 0, 0, empty, 0, 0, c, 0, 3, false);
    expect(Array.from(c)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('m = 0 or n = 0 leaves C untouched', () => {
    const c = new Float64Array([9, 9]);
    gemm(false, false, 0, 2, 3, new Float64Array(0), 0, 3, new Float64Array(6), 0, 2, c, 0, 2, false);
    gemm(false, false, 2, 0, 3, new Float64Array(6), 0, 3, new Float64Array(0), 0, 0, c, 0, 0, false);
    expect(Array.from(c)).toEqual([9, 9]);
  });

  it('a NaN in one row of A reaches only that row of C, an Infinity in one column of B only that column', () => {
    const [m, n, k] = [5, 4, 3];
    const a = new Float64Array(m * k).fill(1);
    const b = new Float64Array(k * n).fill(1);
    a[4 * k + 1] = NaN; // the last row, alone in its zero-padded 2-row panel
    b[2 * n + 3] = Infinity; // the last column, alone in its zero-padded 3-column panel
    const c = new Float64Array(m * n);
    gemm(false, false, m, n, k, a, 0, k, b, 0, n, c, 0, n, false);
    const rows = Array.from({ length: m }, (_, i) => Array.from(c.subarray(i * n, (i + 1) * n)));
    expect(rows).toEqual([
      [3, 3, 3, Infinity], [3, 3, 3, Infinity], [3, 3, 3, Infinity], [3, 3, 3, Infinity], [NaN, NaN, NaN, NaN],
    ]);
  });

  it('a small product right after a large one does not see the large one\'s scratch', () => {
    check(randomCase(true, false, mc + 3, 50, kc + 5, seeded(1)), Float64Array, 1);
    check(randomCase(false, false, 3, 2, 1, seeded(2)), Float64Array, 2);
    check(randomCase(false, true, 1, 1, 7, seeded(3)), Float32Array, 3);
  });

  describe('argument checks', () => {
    const a = new Float64Array(6);
    const b = new Float64Array(6);
    const c = new Float64Array(4);

    it('rejects a leading dimension shorter than the stored row, naming it', () => {
      expect(() => gemm(false, false, 2, 2, 3, a, 0, 2, b, 0, 2, c, 0, 2, false)).toThrow(ShapeError);
      expect(() => gemm(false, false, 2, 2, 3, a, 0, 2, b, 0, 2, c, 0, 2, false)).toThrow('gemm: lda must be at least 3');
      expect(() => gemm(false, true, 2, 2, 3, a, 0, 3, b, 0, 2, c, 0, 2, false)).toThrow('gemm: ldb must be at least 3');
      expect(() => gemm(false, false, 2, 2, 3, a, 0, 3, b, 0, 2, c, 0, 1, false)).toThrow('gemm: ldc must be at least 2');
    });

    it('rejects an array too short for its matrix at its offset', () => {
      expect(() => gemm(false, false, 2, 2, 3, a, 1, 3, b, 0, 2, c, 0, 2, false))
        .toThrow('gemm: a [2, 3] with lda 3 at offset 1 needs 7 elements (got 6)');
      expect(() => gemm(true, false, 2, 2, 3, a, 0, 2, b, 0, 2, new Float64Array(3), 0, 2, false)).toThrow(ShapeError);
    });

    it('rejects negative or fractional sizes', () => {
      expect(() => gemm(false, false, -1, 2, 3, a, 0, 3, b, 0, 2, c, 0, 2, false)).toThrow('gemm: m must be a non-negative integer (got -1)');
      expect(() => gemm(false, false, 2, 2, 1.5, a, 0, 3, b, 0, 2, c, 0, 2, false)).toThrow(ShapeError);
    });

    it('rejects arrays of different dtypes', () => {
      expect(() => gemm(false, false, 2, 2, 3, a, 0, 3, new Float32Array(6), 0, 2, c, 0, 2, false))
        .toThrow(new DtypeError('gemm: a, b and c must all be Float32Array or all Float64Array (got Float64Array, Float32Array, Float64Array)'));
    });

    it('rejects a C that overlaps A, and accepts disjoint views of one buffer', () => {
      const buffer = new Float64Array(16);
      const x = buffer.subarray(0, 6);
      expect(() => gemm(false, false, 2, 2, 3, x, 0, 3, b, 0, 2, buffer.subarray(4, 8), 0, 2, false)).toThrow('gemm: c must not overlap a or b');
      x.set([1, 2, 3, 4, 5, 6]);
      const out = buffer.subarray(6, 10);
      gemm(false, false, 2, 2, 3, x, 0, 3, new Float64Array([1, 0, 0, 1, 1, 1]), 0, 2, out, 0, 2, false);
      expect(Array.from(out)).toEqual([4, 5, 10, 11]);
    });
  });
});
