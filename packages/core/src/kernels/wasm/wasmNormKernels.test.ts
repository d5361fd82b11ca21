import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 as seeded, randomArray as data } from '@tapegrad/test-support/random';
import { kernelVariants } from '../test-utils/kernelVariants.js';
import { createWasmKernels, type WasmKernelSet } from './wasmKernels.js';

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;
const dtypes: [string, Ctor][] = [['float32', Float32Array], ['float64', Float64Array]];

/** Whether two arrays hold the same values bit for bit (NaN and -0 included), element by element. */
function sameBits(a: ArrayLike<number> | null, b: ArrayLike<number> | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

const variants = kernelVariants();
const one = variants.find((v) => v.label === 'wasm fma')?.kernels as WasmKernelSet | undefined;
const split = variants.find((v) => v.label === 'wasm 2 threads')?.kernels as WasmKernelSet | undefined;

// around the ranges' edges (8 float64 or 16 float32 columns), the four-column strips and the odd last column
const columns = [1, 3, 4, 15, 16, 17, 31, 32, 33, 47, 48, 50, 100, 500, 1000];
const rows = [1, 2, 7, 50];

describe.skipIf(one === undefined || split === undefined || split.threads === 0)('BatchNorm split over a worker thread by ranges of columns', () => {
  for (const [name, C] of dtypes) {
    const align = 64 / C.BYTES_PER_ELEMENT;
    /** Two ranges of 64 bytes, and at least 32 elements (as the elementwise kernels), however few else (threadMinNormElements 0). */
    const splits = (n: number, c: number): boolean => c >= 2 * align && n * c >= 32;

    it(`${name}: forward gives the one-thread results bit for bit, training and eval, with and without x̂`, () => {
      const random = seeded(21);
      const before = split!.splitElementwise;
      let calls = 0;
      for (const n of rows) for (const c of columns) for (const training of [true, false]) for (const withXHat of [true, false]) {
        // a mean that dwarfs the spread in some columns, as the shifted sums are there for
        const x = data(C, n * c, random, 3).map((v, i) => v + (i % 5 === 0 ? 1000 : 0));
        const scale = data(Float64Array, c, random), shift = data(Float64Array, c, random);
        const stats = () => (training ? [new Float64Array(c), new Float64Array(c)] : [data(Float64Array, c, random), data(Float64Array, c, random).map(Math.abs)]);
        const [mean = new Float64Array(0), variance = new Float64Array(0)] = stats();
        const got = { mean: mean.slice(), variance: variance.slice(), invStd: new Float64Array(c), xHat: withXHat ? new C(n * c) : null, y: new C(n * c) };
        const want = { mean: mean.slice(), variance: variance.slice(), invStd: new Float64Array(c), xHat: withXHat ? new C(n * c) : null, y: new C(n * c) };
        one!.batchNormForward(n, c, x, 3, training, 1e-5, scale, shift, want.mean, want.variance, want.invStd, want.xHat, want.y);
        split!.batchNormForward(n, c, x, 3, training, 1e-5, scale, shift, got.mean, got.variance, got.invStd, got.xHat, got.y);
        const where = `[${n}, ${c}], training ${training}, x̂ ${withXHat}`;
        for (const key of ['mean', 'variance', 'invStd', 'xHat', 'y'] as const) expect(sameBits(got[key], want[key]), `${key}, ${where}`).toBe(true);
        if (splits(n, c)) calls++;
      }
      expect(split!.splitElementwise - before).toBe(calls);
    });

    it(`${name}: backward gives the one-thread results bit for bit, training and eval, with and without dx`, () => {
      const random = seeded(22);
      const before = split!.splitElementwise;
      let calls = 0;
      for (const n of rows) for (const c of columns) for (const training of [true, false]) for (const withDx of [true, false]) {
        const x = data(C, n * c, random, 1), dy = data(C, n * c, random, 2);
        const mean = data(Float64Array, c, random), invStd = data(Float64Array, c, random).map((v) => 0.5 + Math.abs(v));
        const scale = data(Float64Array, c, random);
        const got = { sumDy: new Float64Array(c), sumDyXHat: new Float64Array(c), dx: withDx ? new C(n * c) : null };
        const want = { sumDy: new Float64Array(c), sumDyXHat: new Float64Array(c), dx: withDx ? new C(n * c) : null };
        one!.batchNormBackward(n, c, dy, 2, x, 1, mean, training, invStd, scale, want.sumDy, want.sumDyXHat, want.dx);
        split!.batchNormBackward(n, c, dy, 2, x, 1, mean, training, invStd, scale, got.sumDy, got.sumDyXHat, got.dx);
        const where = `[${n}, ${c}], training ${training}, dx ${withDx}`;
        for (const key of ['sumDy', 'sumDyXHat', 'dx'] as const) expect(sameBits(got[key], want[key]), `${key}, ${where}`).toBe(true);
        if (splits(n, c)) calls++;
      }
      expect(split!.splitElementwise - before).toBe(calls);
    });
  }
});

describe('the default BatchNorm split threshold', () => {
  const set = createWasmKernels({ relaxed: true, threads: 1 });
  afterAll(() => set.dispose());

  it('keeps arrays below 2^16 elements on the calling thread (M1: [100, 500]), and splits from there on', () => {
    const run = (n: number, c: number) => {
      const v = () => new Float64Array(c);
      set.batchNormForward(n, c, new Float64Array(n * c), 0, true, 1e-5, v().fill(1), v(), v(), v(), v(), null, new Float64Array(n * c));
    };
    run(100, 500);
    run(127, 516);
    expect(set.splitElementwise).toBe(0);
    run(128, 512);
    expect(set.splitElementwise).toBe(set.threads > 0 ? 1 : 0);
  });
});
