import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 as seeded, randomArray as data } from '@tapegrad/test-support/random';
import type { AdamStep } from '../kernelSet.js';
import { kernelVariants } from '../test-utils/kernelVariants.js';
import { createWasmKernels, type WasmKernelSet } from './wasmKernels.js';
import { cut, elementParts, gemmByColumns, gemmParts } from './splitJobs.js';

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;
const dtypes: [string, Ctor][] = [['float32', Float32Array], ['float64', Float64Array]];

/** Whether two arrays hold the same values bit for bit (NaN included), element by element. */
function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

describe('cut and elementParts', () => {
  it('cover the extent once, in runs that start on the alignment, at most one per way', () => {
    for (const extent of [1, 15, 16, 17, 33, 100, 1001]) for (const ways of [1, 2, 3, 4]) for (const align of [1, 8, 16]) {
      const parts = cut(extent, ways, align, (start, size) => [start, size]);
      expect(parts.length).toBeLessThanOrEqual(ways);
      let next = 0;
      for (const [start = -1, size = 0] of parts) {
        expect([start, start % align]).toEqual([next, 0]);
        expect(size).toBeGreaterThan(0);
        next = start + size;
      }
      expect(next).toBe(extent);
    }
    expect(cut(0, 2, 16, () => [])).toEqual([]);
  });

  it('move each address to its run (an address 0 stays 0) and pass the scalars on', () => {
    expect(elementParts(40, 2, 4, [1000, 0, 2000], [0.5, 7])).toEqual([
      [32, 1000, 0, 2000, 0.5, 7],
      [8, 1000 + 32 * 4, 0, 2000 + 32 * 4, 0.5, 7],
    ]);
  });
});

describe('gemmByColumns and gemmParts', () => {
  it('split the wider side of C (on a tie the rows when A is stored transposed, else the columns), and a thin product by rows when it has rows for two parts', () => {
    // W2's products: hidden forward and dx, first-layer forward, hidden dW, first-layer dW
    expect(gemmByColumns(500, 1000, 1000, 0, 8)).toBe(true);
    expect(gemmByColumns(500, 1000, 3072, 0, 8)).toBe(true);
    expect(gemmByColumns(1000, 1000, 500, 1, 8)).toBe(false);
    expect(gemmByColumns(1000, 1000, 500, 0, 8)).toBe(true);
    expect(gemmByColumns(3072, 1000, 500, 1, 8)).toBe(false);
    expect(gemmByColumns(1000, 3072, 500, 1, 8)).toBe(true);
    // the last layer's: forward (10 wide), dW (fcnet 1000×10, Sequential 10×1000), dx (10 deep)
    expect(gemmByColumns(500, 10, 1000, 0, 8)).toBe(false);
    expect(gemmByColumns(1000, 10, 500, 1, 8)).toBe(false);
    expect(gemmByColumns(10, 1000, 500, 1, 8)).toBe(true);
    expect(gemmByColumns(500, 1000, 10, 0, 8)).toBe(false);
    // thin but too few rows for two parts: by columns still; 33 deep: not thin
    expect(gemmByColumns(15, 1000, 10, 0, 8)).toBe(true);
    expect(gemmByColumns(16, 1000, 10, 0, 8)).toBe(false);
    expect(gemmByColumns(500, 1000, 32, 0, 8)).toBe(false);
    expect(gemmByColumns(500, 1000, 33, 0, 8)).toBe(true);
  });

  it('move A, B and C to each part\'s rows or columns, with its own workspace', () => {
    const work = (i: number) => 9000 + i;
    // [tA, tB, m, n, k, pa, lda, pb, ldb, pc, ldc, acc], 4-byte elements, C's rows 1003 apart
    expect(gemmParts(2, 8, 4, [0, 0, 40, 100, 50, 1000, 50, 2000, 100, 3000, 1003, 1], work)).toEqual([
      [0, 0, 40, 56, 50, 1000, 50, 2000, 100, 3000, 1003, 1, 9000],
      [0, 0, 40, 44, 50, 1000, 50, 2000 + 56 * 4, 100, 3000 + 56 * 4, 1003, 1, 9001],
    ]);
    // B stored transposed: a column of op(B) is a stored row
    expect(gemmParts(2, 8, 4, [0, 1, 40, 100, 50, 1000, 50, 2000, 50, 3000, 100, 0], work)[1]!.slice(7, 10)).toEqual([2000 + 56 * 50 * 4, 50, 3000 + 56 * 4]);
    // thin: by rows; A stored transposed: a row of op(A) is a stored column
    expect(gemmParts(2, 8, 8, [1, 0, 100, 1000, 10, 1000, 100, 2000, 1000, 3000, 1001, 0], work)).toEqual([
      [1, 0, 56, 1000, 10, 1000, 100, 2000, 1000, 3000, 1001, 0, 9000],
      [1, 0, 44, 1000, 10, 1000 + 56 * 8, 100, 2000, 1000, 3000 + 56 * 1001 * 8, 1001, 0, 9001],
    ]);
  });
});

const variants = kernelVariants();
const one = variants.find((v) => v.label === 'wasm fma')?.kernels as WasmKernelSet | undefined;
const split = variants.find((v) => v.label === 'wasm 2 threads')?.kernels as WasmKernelSet | undefined;

describe.skipIf(one === undefined || split === undefined || split.threads === 0)('elementwise kernels split over a worker thread', () => {
  const lengths = [31, 32, 33, 47, 63, 64, 65, 100, 1001, 4097, 100_003];

  for (const [name, C] of dtypes) {
    it(`${name}: relu and its backward give the one-thread results bit for bit, NaN and -0 kept`, () => {
      const random = seeded(11);
      const before = split!.splitElementwise;
      for (const n of lengths) {
        const x = data(C, n, random, 3);
        x[5] = NaN;
        x[6] = -0;
        const [y1, y2] = [new C(n + 1).fill(9), new C(n + 1).fill(9)];
        one!.relu(n, x, 3, y1, 1);
        split!.relu(n, x, 3, y2, 1);
        expect(sameBits(y1, y2), `relu, n = ${n}`).toBe(true);
        const dy = data(C, n, random, 2);
        const [dx1, dx2] = [new C(n), new C(n)];
        one!.reluBackward(n, y1, 1, dy, 2, dx1, 0);
        split!.reluBackward(n, y1, 1, dy, 2, dx2, 0);
        expect(sameBits(dx1, dx2), `reluBackward, n = ${n}`).toBe(true);
      }
      // 31 elements are fewer than two 16-element runs: not split
      expect(split!.splitElementwise - before).toBe(2 * lengths.filter((n) => n >= 32).length);
    });

    it(`${name}: the Adam update gives the one-thread results bit for bit, with and without amsgrad`, () => {
      const random = seeded(12);
      for (const n of lengths) for (const amsgrad of [false, true]) {
        const step: AdamStep = { beta1: 0.9, beta2: 0.999, stepSize: 1e-3 / (1 - 0.9 ** 5), bc2Sqrt: Math.sqrt(1 - 0.999 ** 5), eps: 1e-8, l2: amsgrad ? 0.01 : 0, shrink: amsgrad ? 1 : 0.999 };
        const p = data(C, n, random, 1), g = data(C, n, random, 2);
        const m = data(C, n, random), v = data(C, n, random).map(Math.abs);
        const vMax = amsgrad ? data(C, n, random).map(Math.abs) : null;
        const copies = [p, m, v, vMax].map((a) => a && a.slice());
        one!.adamUpdate(n, p, 1, g, 2, m, v, vMax, step);
        split!.adamUpdate(n, copies[0]!, 1, g, 2, copies[1]!, copies[2]!, copies[3]!, step);
        for (const [i, what] of ['p', 'm', 'v', 'vMax'].entries()) {
          const want = [p, m, v, vMax][i];
          if (want !== null) expect(sameBits(copies[i]!, want!), `${what}, n = ${n}, amsgrad ${amsgrad}`).toBe(true);
        }
      }
    });

    it(`${name}: the bias add gives the one-thread results bit for bit, split by rows`, () => {
      const random = seeded(13);
      for (const rows of [1, 2, 3, 17, 500]) for (const cols of [1, 7, 33, 1000]) {
        const y = data(C, rows * cols, random, 2), bias = data(C, cols, random, 1);
        const y2 = y.slice();
        one!.addRowVector(rows, cols, y, 2, bias, 1);
        split!.addRowVector(rows, cols, y2, 2, bias, 1);
        expect(sameBits(y, y2), `${rows}×${cols}`).toBe(true);
      }
    });

    it(`${name}: the row sums give the one-thread results bit for bit, split by strips of columns`, () => {
      const random = seeded(14);
      const before = split!.splitElementwise;
      for (const rows of [1, 3, 500]) for (const cols of [1, 31, 32, 33, 50, 1000]) {
        const x = data(C, rows * cols, random, 3);
        const [s1, s2] = [new Float64Array(cols), new Float64Array(cols)];
        one!.sumRows(rows, cols, x, 3, s1);
        split!.sumRows(rows, cols, x, 3, s2);
        expect(sameBits(s1, s2), `${rows}×${cols}`).toBe(true);
      }
      // 32 columns and more are split (two strips of 16 at least)
      expect(split!.splitElementwise - before).toBe(3 * 4);
    });
  }
});

describe.skipIf(one === undefined || split === undefined || split.threads === 0)('products split over a worker thread', () => {
  // m, n, k: by columns (wide, tied), by rows (tall), thin by rows (k ≤ 32), thin too short for rows,
  // ragged slices, several depth blocks, more rows than one A block
  const shapes: [number, number, number][] = [
    [40, 100, 50], [64, 64, 64], [72, 72, 100], [100, 37, 50], [500, 100, 10], [500, 101, 32], [15, 200, 10],
    [33, 129, 7], [17, 1000, 300], [300, 23, 400], [145, 90, 1],
  ];

  for (const [name, C] of dtypes) {
    it(`${name}: every transpose, accumulating or not, with padded rows, gives the one-thread results bit for bit`, () => {
      const random = seeded(15);
      const before = split!.splitProducts;
      let calls = 0;
      for (const [m, n, k] of shapes) for (const tA of [false, true]) for (const tB of [false, true]) {
        const acc = random() < 0.5;
        const lda = (tA ? m : k) + 1, ldb = (tB ? k : n) + 2, ldc = n + 3;
        const a = data(C, 1 + (tA ? k : m) * lda, random, 2), b = data(C, 2 + (tB ? n : k) * ldb, random, 2);
        const c1 = data(C, 3 + m * ldc, random, 1), c2 = c1.slice();
        one!.gemm(tA, tB, m, n, k, a, 1, lda, b, 2, ldb, c1, 3, ldc, acc);
        split!.gemm(tA, tB, m, n, k, a, 1, lda, b, 2, ldb, c2, 3, ldc, acc);
        expect(sameBits(c1, c2), `${tA ? 'Aᵀ' : 'A'}·${tB ? 'Bᵀ' : 'B'} ${m}×${k}×${n}, accumulate ${acc}`).toBe(true);
        calls++;
      }
      expect(split!.splitProducts - before).toBe(calls);
    });
  }
});

describe('the default split threshold', () => {
  const set = createWasmKernels({ relaxed: true, threads: 1 });
  afterAll(() => set.dispose());

  it('keeps arrays below 2^18 elements on the calling thread, and splits from there on', () => {
    const small = new Float32Array((1 << 18) - 1), large = new Float32Array(1 << 18);
    set.relu(small.length, small, 0, small, 0);
    expect(set.splitElementwise).toBe(0);
    set.relu(large.length, large, 0, large, 0);
    expect(set.splitElementwise).toBe(set.threads > 0 ? 1 : 0);
  });
});
