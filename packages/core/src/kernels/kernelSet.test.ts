import { describe, expect, it } from 'vitest';
import type { FloatArray } from '../dtype.js';
import type { AdamStep, KernelSet } from './kernelSet.js';
import { kernelVariants } from './test-utils/kernelVariants.js';
import { mulberry32 as seeded, randomArray as data } from '@tapegrad/test-support/random';

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;
const dtypes: [string, Ctor][] = [['float32', Float32Array], ['float64', Float64Array]];

/** Naive references, in float64, written from the formulas (not from either kernel set). */
const naive = {
  batchNorm(n: number, c: number, x: FloatArray, xo: number, eps: number, scale: Float64Array, shift: Float64Array) {
    const mean = new Float64Array(c), variance = new Float64Array(c), xHat = new Float64Array(n * c), y = new Float64Array(n * c);
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += x[xo + r * c + j]!;
      mean[j] = s / n;
      let v = 0;
      for (let r = 0; r < n; r++) v += (x[xo + r * c + j]! - mean[j]!) ** 2;
      variance[j] = v / n;
      for (let r = 0; r < n; r++) {
        const h = (x[xo + r * c + j]! - mean[j]!) / Math.sqrt(variance[j]! + eps);
        xHat[r * c + j] = h;
        y[r * c + j] = h * scale[j]! + shift[j]!;
      }
    }
    return { mean, variance, xHat, y };
  },
};

/** Expects `got` to equal `want` elementwise within `tol`, absolute and relative. */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  expect(got, what).toBeAllclose(want, { rtol: tol, atol: tol });
}

const sizes = [1, 2, 3, 5, 7, 8, 9, 13, 100];

describe.each(kernelVariants())('the $label kernels', ({ kernels }) => {
  const k: KernelSet = kernels;
  const reference = kernelVariants()[0]!.kernels;

  for (const [name, C] of dtypes) {
    const tol = C === Float32Array ? 2e-6 : 1e-13;

    it(`${name}: relu and its backward match the formulas at every length, at offsets, NaN kept`, () => {
      const random = seeded(1);
      for (const n of sizes) {
        const x = data(C, n, random, 3);
        x[3] = NaN;
        const y = new C(n + 2).fill(9);
        k.relu(n, x, 3, y, 2);
        for (let i = 0; i < n; i++) {
          const v = x[3 + i]!;
          expect(Object.is(y[2 + i], v > 0 || Number.isNaN(v) ? v : 0) || (y[2 + i] === 0 && v <= 0), `relu[${i}]`).toBe(true);
        }
        expect([y[0], y[1]]).toEqual([9, 9]);
        const dy = data(C, n, random, 1);
        const dx = new C(n);
        k.reluBackward(n, y, 2, dy, 1, dx, 0);
        for (let i = 0; i < n; i++) expect(dx[i]).toBe(y[2 + i]! > 0 ? dy[1 + i] : 0);
      }
    });

    it(`${name}: relu works in place`, () => {
      const x = C.from([-1, 2, -3, 4, 5, -6, 7]);
      k.relu(7, x, 0, x, 0);
      expect(Array.from(x)).toEqual([0, 2, 0, 4, 5, 0, 7]);
    });

    it(`${name}: addRowVector and sumRows match loops`, () => {
      const random = seeded(2);
      for (const rows of [1, 3, 50]) for (const cols of sizes) {
        const y = data(C, rows * cols, random, 2);
        const bias = data(C, cols, random, 1);
        const want = Array.from(y, (v, i) => (i < 2 ? v : C === Float32Array ? Math.fround(v + bias[1 + ((i - 2) % cols)]!) : v + bias[1 + ((i - 2) % cols)]!));
        k.addRowVector(rows, cols, y, 2, bias, 1);
        expect(Array.from(y)).toEqual(want);
        const sums = new Float64Array(cols).fill(3);
        k.sumRows(rows, cols, y, 2, sums);
        const wantSums = Array.from({ length: cols }, (_, j) => {
          let s = 0;
          for (let r = 0; r < rows; r++) s += y[2 + r * cols + j]!;
          return s;
        });
        expectClose(sums, wantSums, 1e-13, 'sumRows');
      }
    });

    it(`${name}: the Adam update matches the formula, with and without amsgrad and weight decay`, () => {
      const random = seeded(3);
      const decays = [[false, 0, 0.999], [true, 0.01, 1], [false, 0, 1], [true, 0, 1]] as const; // [amsgrad, l2, shrink]
      for (const n of sizes) for (const [amsgrad, l2, shrink] of decays) {
        const step: AdamStep = { beta1: 0.9, beta2: 0.999, stepSize: 1e-3 / (1 - 0.9 ** 3), bc2Sqrt: Math.sqrt(1 - 0.999 ** 3), eps: 1e-8, l2, shrink };
        const p = data(C, n, random, 1), g = data(C, n, random, 2);
        const m = data(C, n, random), v = data(C, n, random).map(Math.abs);
        const vMax = amsgrad ? data(C, n, random).map(Math.abs) : null;
        const want = { p: Float64Array.from(p), m: Float64Array.from(m), v: Float64Array.from(v), vMax: vMax && Float64Array.from(vMax) };
        for (let i = 0; i < n; i++) {
          const w = want.p[1 + i]! * step.shrink;
          const gi = g[2 + i]! + step.l2 * w;
          want.m[i] = step.beta1 * want.m[i]! + (1 - step.beta1) * gi;
          want.v[i] = step.beta2 * want.v[i]! + (1 - step.beta2) * gi * gi;
          if (want.vMax) want.vMax[i] = Math.max(want.vMax[i]!, want.v[i]!);
          const denom = Math.sqrt((want.vMax ?? want.v)[i]!) / step.bc2Sqrt + step.eps;
          want.p[1 + i] = w - step.stepSize * (want.m[i]! / denom);
        }
        k.adamUpdate(n, p, 1, g, 2, m, v, vMax, step);
        expectClose(p, want.p, C === Float32Array ? 1e-5 : 1e-13, 'p');
        expectClose(m, want.m, tol * 4, 'm');
        expectClose(v, want.v, tol * 4, 'v');
        if (vMax) expectClose(vMax, want.vMax!, tol * 4, 'vMax');
      }
    });

    it(`${name}: BatchNorm forward matches the formulas, and eval mode uses the given statistics`, () => {
      const random = seeded(4);
      for (const n of [2, 5, 50]) for (const c of sizes) {
        const x = data(C, n * c, random, 3);
        const scale = Float64Array.from({ length: c }, () => random() + 0.5), shift = Float64Array.from({ length: c }, () => random());
        const mean = new Float64Array(c), variance = new Float64Array(c), invStd = new Float64Array(c);
        const xHat = new C(n * c), y = new C(n * c);
        k.batchNormForward(n, c, x, 3, true, 1e-5, scale, shift, mean, variance, invStd, xHat, y);
        const yWithoutXHat = new C(n * c);
        k.batchNormForward(n, c, x, 3, true, 1e-5, scale, shift, new Float64Array(c), new Float64Array(c), new Float64Array(c), null, yWithoutXHat);
        expect(Array.from(yWithoutXHat)).toEqual(Array.from(y));
        const want = naive.batchNorm(n, c, x, 3, 1e-5, scale, shift);
        expectClose(mean, want.mean, 1e-12, 'mean');
        expectClose(variance, want.variance, 1e-12, 'variance');
        expectClose(xHat, want.xHat, C === Float32Array ? 1e-6 : 1e-10, 'xHat');
        expectClose(y, want.y, C === Float32Array ? 1e-6 : 1e-10, 'y');
        const y2 = new C(n * c);
        k.batchNormForward(n, c, x, 3, false, 1e-5, scale, shift, mean, variance, invStd, xHat, y2);
        expect(Array.from(y2)).toEqual(Array.from(y));
      }
    });

    it(`${name}: BatchNorm backward matches the formulas and the TypeScript kernels, with and without dx, training and eval`, () => {
      const random = seeded(5);
      for (const n of [2, 5, 50]) for (const c of sizes) for (const training of [true, false]) {
        const dy = data(C, n * c, random, 2), x = data(C, n * c, random, 1);
        const mean = Float64Array.from({ length: c }, () => random() - 0.5);
        const invStd = Float64Array.from({ length: c }, () => random() + 0.5), scale = Float64Array.from({ length: c }, () => random() + 0.5);
        const run = (set: KernelSet, withDx: boolean) => {
          const sumDy = new Float64Array(c), sumDyXHat = new Float64Array(c), dx = withDx ? new C(n * c) : null;
          set.batchNormBackward(n, c, dy, 2, x, 1, mean, training, invStd, scale, sumDy, sumDyXHat, dx);
          return { sumDy, sumDyXHat, dx };
        };
        // x̂ = (x − mean)·invStd, written out: Σdy, Σdy·x̂ and dx = a·dy − a·Σdy/n − x̂·a·Σ(dy·x̂)/n (a = γ·invStd)
        const sumDy = new Float64Array(c), sumDyXHat = new Float64Array(c), xHat = new Float64Array(n * c), dxWant = new Float64Array(n * c);
        for (let r = 0; r < n; r++) for (let j = 0; j < c; j++) {
          xHat[r * c + j] = (x[1 + r * c + j]! - mean[j]!) * invStd[j]!;
          sumDy[j] = sumDy[j]! + dy[2 + r * c + j]!;
          sumDyXHat[j] = sumDyXHat[j]! + dy[2 + r * c + j]! * xHat[r * c + j]!;
        }
        for (let r = 0; r < n; r++) for (let j = 0; j < c; j++) {
          const a = scale[j]! * invStd[j]!;
          dxWant[r * c + j] = a * dy[2 + r * c + j]! - (training ? (a * sumDy[j]! + xHat[r * c + j]! * a * sumDyXHat[j]!) / n : 0);
        }
        const got = run(k, true), want = run(reference, true);
        expectClose(got.sumDy, sumDy, 1e-10, 'sumDy (formula)');
        expectClose(got.sumDyXHat, sumDyXHat, 1e-10, 'sumDyXHat (formula)');
        expectClose(got.dx!, dxWant, C === Float32Array ? 1e-5 : 1e-10, 'dx (formula)');
        expectClose(got.sumDy, want.sumDy, 1e-12, 'sumDy');
        expectClose(got.sumDyXHat, want.sumDyXHat, 1e-12, 'sumDyXHat');
        expectClose(got.dx!, want.dx!, C === Float32Array ? 1e-6 : 1e-12, 'dx');
        expectClose(run(k, false).sumDyXHat, want.sumDyXHat, 1e-12, 'sums without dx');
      }
    });

    it(`${name}: LayerNorm forward and backward match the TypeScript kernels`, () => {
      const random = seeded(6);
      for (const m of [1, 4, 50]) for (const d of sizes) {
        const x = data(C, m * d, random, 1), dy = data(C, m * d, random, 3);
        const scale = Float64Array.from({ length: d }, () => random() + 0.5), shift = Float64Array.from({ length: d }, () => random());
        const run = (set: KernelSet) => {
          const xHat = new C(m * d), y = new C(m * d), invStd = new Float64Array(m);
          set.layerNormForward(m, d, x, 1, 1e-5, scale, shift, xHat, y, invStd);
          const dx = new C(m * d), dScale = new Float64Array(d).fill(1), dShift = new Float64Array(d).fill(2);
          set.layerNormBackward(m, d, dy, 3, xHat, invStd, scale, dx, dScale, dShift);
          return { xHat, y, invStd, dx, dScale, dShift };
        };
        const got = run(k), want = run(reference);
        const t = C === Float32Array ? 1e-6 : 1e-11;
        expectClose(got.invStd, want.invStd, 1e-9, 'invStd');
        expectClose(got.xHat, want.xHat, t, 'xHat');
        expectClose(got.y, want.y, t, 'y');
        expectClose(got.dx, want.dx, t, 'dx');
        expectClose(got.dScale, want.dScale, 1e-11, 'dScale (accumulated onto 1)');
        expectClose(got.dShift, want.dShift, 1e-11, 'dShift (accumulated onto 2)');
      }
    });
  }

  it('allocate gives zero-filled arrays of the dtype that the kernels use in place', () => {
    const a = k.allocate('float32', 10), b = k.allocate('float64', 3);
    expect(a).toBeInstanceOf(Float32Array);
    expect(b).toBeInstanceOf(Float64Array);
    expect([a.length, b.length, ...a, ...b].every((v, i) => (i === 0 ? v === 10 : i === 1 ? v === 3 : v === 0))).toBe(true);
    a.set([-1, 2, -3]);
    k.relu(10, a, 0, a, 0);
    expect(Array.from(a.subarray(0, 3))).toEqual([0, 2, 0]);
  });
});
