/**
 * The convolution, pooling and NCHW-norm kernels of every kernel set against naive loops written
 * from the definitions (not from either set), over ragged sizes: odd widths, windows wider than the
 * stride, padding on every side, dilation, the 2×2 max pool's vector path and its scalar tail,
 * offsets into larger arrays; the norms also against the TypeScript set.
 */
import { describe, expect, it } from 'vitest';
import type { FloatArray } from '../dtype.js';
import type { KernelSet } from './kernelSet.js';
import type { SpatialWindow } from './spatialKernelSet.js';
import { kernelVariants } from './test-utils/kernelVariants.js';
import { mulberry32 as seeded, randomArray as data } from '@tapegrad/test-support/random';

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;
const dtypes: [string, Ctor][] = [['float32', Float32Array], ['float64', Float64Array]];

/** A window over [n, c, h, w] with the output size PyTorch gives (floor mode). */
function windowOf(n: number, c: number, h: number, w: number, kh: number, kw: number, s: [number, number], p: [number, number, number, number], d: [number, number]): SpatialWindow | null {
  const outH = Math.floor((h + p[0] + p[1] - d[0] * (kh - 1) - 1) / s[0]) + 1;
  const outW = Math.floor((w + p[2] + p[3] - d[1] * (kw - 1) - 1) / s[1]) + 1;
  if (outH < 1 || outW < 1) return null;
  return { n, c, h, w, kh, kw, strideH: s[0], strideW: s[1], padTop: p[0], padLeft: p[2], dilationH: d[0], dilationW: d[1], outH, outW };
}

/** Random windows: sizes 1..9, kernels 1..4, strides 1..3, dilations 1..2, pads 0..2 (asymmetric). */
function windows(random: () => number, count: number, opts: { dilation?: boolean; maxPad?: (k: number) => number } = {}): SpatialWindow[] {
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const out: SpatialWindow[] = [];
  while (out.length < count) {
    const kh = int(1, 4), kw = int(1, 4);
    const d: [number, number] = opts.dilation === false ? [1, 1] : [int(1, 2), int(1, 2)];
    const pad = (k: number) => int(0, Math.min(2, opts.maxPad ? opts.maxPad(k) : 2));
    const g = windowOf(int(1, 3), int(1, 3), int(1, 9), int(1, 9), kh, kw, [int(1, 3), int(1, 3)], [pad(kh), pad(kh), pad(kw), pad(kw)], d);
    if (g !== null) out.push(g);
  }
  return out;
}

/** The input cell output (oh, ow) reads through window cell (i, j), or null in the padding. */
function cell(g: SpatialWindow, oh: number, ow: number, i: number, j: number): [number, number] | null {
  const ih = oh * g.strideH - g.padTop + i * g.dilationH, iw = ow * g.strideW - g.padLeft + j * g.dilationW;
  return ih >= 0 && ih < g.h && iw >= 0 && iw < g.w ? [ih, iw] : null;
}

/** Visits every (b, ci, i, j, oh, ow) with its column entry's index and its input cell's index (or -1). */
function eachEntry(g: SpatialWindow, kStride: number, bStride: number, visit: (col: number, x: number) => void): void {
  for (let b = 0; b < g.n; b++) for (let ci = 0; ci < g.c; ci++) for (let i = 0; i < g.kh; i++) for (let j = 0; j < g.kw; j++) {
    const k = (ci * g.kh + i) * g.kw + j;
    for (let oh = 0; oh < g.outH; oh++) for (let ow = 0; ow < g.outW; ow++) {
      const at = cell(g, oh, ow, i, j);
      visit(k * kStride + b * bStride + oh * g.outW + ow, at === null ? -1 : ((b * g.c + ci) * g.h + at[0]) * g.w + at[1]);
    }
  }
}

/** Expects `got` to equal `want` elementwise within `tol`, absolute and relative. */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  expect(got, what).toBeAllclose(want, { rtol: tol, atol: tol });
}

describe.each(kernelVariants())('the $label kernels', ({ kernels }) => {
  const k: KernelSet = kernels;
  const reference = kernelVariants()[0]!.kernels;

  for (const [name, C] of dtypes) {
    const tol = C === Float32Array ? 2e-6 : 1e-13;
    /** A statistic's tolerance: float64's, or f32 rounding for float32 (the wasm kernels sum f32 data in f32 lanes over short blocks, as PyTorch does). */
    const statTol = (float64: number) => (C === Float32Array ? 1e-6 : float64);

    it(`${name}: im2col copies every window cell (0 in the padding) in both layouts, and col2im is its adjoint`, () => {
      const random = seeded(11);
      for (const g of windows(random, 60)) {
        const K = g.c * g.kh * g.kw, L = g.outH * g.outW;
        const x = data(C, g.n * g.c * g.h * g.w, random, 3);
        for (const [kStride, bStride] of [[g.n * L, L], [L, K * L]] as const) {
          const cols = new C(2 + g.n * K * L).fill(9);
          k.im2col(g, x, 3, cols, 2, kStride, bStride);
          const want = new C(2 + g.n * K * L).fill(9);
          eachEntry(g, kStride, bStride, (col, xi) => (want[2 + col] = xi < 0 ? 0 : x[3 + xi]!));
          expect(Array.from(cols), `${JSON.stringify(g)}`).toEqual(Array.from(want));
          const back = new C(g.n * g.c * g.h * g.w).fill(5);
          k.col2im(g, cols, 2, kStride, bStride, back);
          const wantBack = new Float64Array(back.length);
          eachEntry(g, kStride, bStride, (col, xi) => { if (xi >= 0) wantBack[xi] = wantBack[xi]! + cols[2 + col]!; });
          expectClose(back, wantBack, tol * 4, `col2im ${JSON.stringify(g)}`);
        }
      }
    });

    it(`${name}: the [c, n, l] ↔ [n, c, l] permutations move every element and add the bias / sum per channel`, () => {
      const random = seeded(12);
      for (const [c, n, l] of [[1, 1, 1], [3, 2, 5], [4, 3, 7], [2, 5, 16], [5, 1, 33]] as const) {
        const src = data(C, c * n * l, random, 1), bias = Float64Array.from({ length: c }, () => Math.round(random() * 8) / 4);
        for (const b of [bias, null]) {
          const y = new C(c * n * l + 2).fill(3);
          k.cnlToNcl(c, n, l, src, 1, b, y, 2);
          for (let ch = 0; ch < c; ch++) for (let i = 0; i < n; i++) for (let t = 0; t < l; t++) {
            const v = src[1 + (ch * n + i) * l + t]! + (b ? b[ch]! : 0);
            expect(y[2 + (i * c + ch) * l + t]).toBe(C === Float32Array ? Math.fround(v) : v);
          }
          expect([y[0], y[1]]).toEqual([3, 3]);
        }
        const dst = new C(c * n * l), sums = new Float64Array(c).fill(4);
        k.nclToCnl(n, c, l, src, 1, dst, sums);
        const wantSums = new Float64Array(c);
        for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) for (let t = 0; t < l; t++) {
          expect(dst[(ch * n + i) * l + t]).toBe(src[1 + (i * c + ch) * l + t]);
          wantSums[ch] = wantSums[ch]! + src[1 + (i * c + ch) * l + t]!;
        }
        expectClose(sums, wantSums, 1e-13, 'sums');
        const again = new C(c * n * l);
        k.nclToCnl(n, c, l, src, 1, again, null);
        expect(Array.from(again)).toEqual(Array.from(dst));
      }
    });

    it(`${name}: max pooling takes the first largest cell (padding is -Infinity, NaN wins) and routes dy back to it`, () => {
      const random = seeded(13);
      const gs = windows(random, 40, { maxPad: (kk) => Math.floor(kk / 2) });
      // the 2×2 stride-2 path: widths around multiples of 8, odd heights
      for (const w of [2, 3, 7, 8, 9, 15, 16, 17, 33]) gs.push(windowOf(2, 3, 5, w, 2, 2, [2, 2], [0, 0, 0, 0], [1, 1])!);
      for (const g of gs) {
        const x = data(C, g.n * g.c * g.h * g.w, random, 2);
        for (let i = 2; i < x.length; i += 7) x[i] = -Infinity;
        if (x.length > 20) x[20] = NaN;
        for (let i = 5; i < x.length; i += 11) x[i] = x[i - 1]!; // ties
        const L = g.outH * g.outW, planes = g.n * g.c;
        const y = new C(planes * L), idx = new Int32Array(planes * L);
        k.maxPool2dForward(g, x, 2, y, idx);
        for (let p = 0; p < planes; p++) for (let oh = 0; oh < g.outH; oh++) for (let ow = 0; ow < g.outW; ow++) {
          let best = -Infinity, at = -1;
          for (let i = 0; i < g.kh; i++) for (let j = 0; j < g.kw; j++) {
            const c = cell(g, oh, ow, i, j);
            if (c === null) continue;
            const v = x[2 + p * g.h * g.w + c[0] * g.w + c[1]]!;
            if (at < 0) at = c[0] * g.w + c[1];
            if (v > best || Number.isNaN(v)) { best = v; at = c[0] * g.w + c[1]; }
          }
          const o = p * L + oh * g.outW + ow;
          expect([y[o], idx[o]], `${JSON.stringify(g)} output ${o}`).toEqual([best, at]);
        }
        const dy = data(C, planes * L, random, 1), dx = new C(planes * g.h * g.w).fill(8);
        k.maxPool2dBackward(g, dy, 1, idx, dx);
        const want = new Float64Array(dx.length);
        for (let o = 0; o < planes * L; o++) {
          const at = Math.floor(o / L) * g.h * g.w + idx[o]!;
          want[at] = want[at]! + dy[1 + o]!;
        }
        expectClose(dx, want, tol, 'max pool dx');
      }
    });

    it(`${name}: average pooling divides by kh·kw or by the cells inside, forward and backward`, () => {
      const random = seeded(14);
      // no dilation (PyTorch's average pool has none; with it a window could miss the input)
      for (const g of windows(random, 40, { dilation: false, maxPad: (kk) => Math.floor(kk / 2) })) {
        const x = data(C, g.n * g.c * g.h * g.w, random, 1);
        const L = g.outH * g.outW, planes = g.n * g.c;
        const dy = data(C, planes * L, random, 2);
        for (const include of [true, false]) {
          const y = new C(planes * L);
          k.avgPool2dForward(g, include, x, 1, y);
          const wantY = new Float64Array(y.length), wantDx = new Float64Array(planes * g.h * g.w);
          for (let p = 0; p < planes; p++) for (let oh = 0; oh < g.outH; oh++) for (let ow = 0; ow < g.outW; ow++) {
            const cells: number[] = [];
            for (let i = 0; i < g.kh; i++) for (let j = 0; j < g.kw; j++) {
              const c = cell(g, oh, ow, i, j);
              if (c !== null) cells.push(p * g.h * g.w + c[0] * g.w + c[1]);
            }
            const count = include ? g.kh * g.kw : cells.length;
            const o = p * L + oh * g.outW + ow;
            wantY[o] = cells.reduce((s, at) => s + x[1 + at]!, 0) / count;
            for (const at of cells) wantDx[at] = wantDx[at]! + dy[2 + o]! / count;
          }
          expectClose(y, wantY, tol, 'avg pool y');
          const dx = new C(planes * g.h * g.w).fill(6);
          k.avgPool2dBackward(g, include, dy, 2, dx);
          expectClose(dx, wantDx, tol * 4, 'avg pool dx');
        }
      }
    });

    it(`${name}: BatchNorm over [n, c, hw] matches the formulas forward, and the TypeScript kernels backward`, () => {
      const random = seeded(15);
      // the last shape: a mean 10⁵ times the spread, where f32 arithmetic on x − μ must not lose x̂
      for (const [n, c, hw, spread, center] of [[2, 1, 1, 3, 12], [2, 3, 5, 3, 12], [3, 4, 7, 3, 12], [5, 2, 16, 3, 12], [1, 3, 33, 3, 12], [3, 2, 37, 0.01, 1000]] as const) {
        const x = data(C, n * c * hw, random, 3), dy = data(C, n * c * hw, random, 1);
        for (let i = 3; i < x.length; i++) x[i] = x[i]! * spread + center;
        // float64: the sets sum in different orders, and a mean's rounding, relative to the spread, grows with mean/spread;
        // float32 must stay within f32 rounding (the WebAssembly f32 lanes subtract the mean in two parts)
        const amplify = C === Float64Array ? Math.max(1, center / spread) : 1;
        const scale = Float64Array.from({ length: c }, () => random() + 0.5), shift = Float64Array.from({ length: c }, () => random());
        const run = (set: KernelSet, training: boolean) => {
          const mean = new Float64Array(c).fill(0.5), variance = new Float64Array(c).fill(2), invStd = new Float64Array(c);
          const y = new C(n * c * hw);
          set.batchNorm2dForward(n, c, hw, x, 3, training, 1e-5, scale, shift, mean, variance, invStd, y);
          const sumDy = new Float64Array(c), sumDyXHat = new Float64Array(c), dx = new C(n * c * hw);
          set.batchNorm2dBackward(n, c, hw, dy, 1, x, 3, training, mean, invStd, scale, sumDy, sumDyXHat, dx);
          const sums2 = new Float64Array(c);
          set.batchNorm2dBackward(n, c, hw, dy, 1, x, 3, training, mean, invStd, scale, new Float64Array(c), sums2, null);
          return { mean, variance, invStd, y, sumDy, sumDyXHat, dx, sums2 };
        };
        for (const training of [true, false]) {
          const got = run(k, training), want = run(reference, training);
          for (let ch = 0; ch < c; ch++) {
            const values: number[] = [];
            for (let b = 0; b < n; b++) for (let t = 0; t < hw; t++) values.push(x[3 + (b * c + ch) * hw + t]!);
            const mu = training ? values.reduce((s, v) => s + v, 0) / values.length : 0.5;
            const v = training ? values.reduce((s, u) => s + (u - mu) ** 2, 0) / values.length : 2;
            expect(got.mean[ch], 'mean').toBeAllclose(mu, { rtol: 1e-12, atol: statTol(1e-12) * spread });
            expect(got.variance[ch], 'variance').toBeAllclose(v, { rtol: statTol(1e-9), atol: 1e-15 });
            const gotY: number[] = [], wantY: number[] = [];
            for (let b = 0; b < n; b++) for (let t = 0; t < hw; t++) {
              const at = (b * c + ch) * hw + t;
              gotY.push(got.y[at]!);
              wantY.push(((x[3 + at]! - mu) / Math.sqrt(v + 1e-5)) * scale[ch]! + shift[ch]!);
            }
            const tolY = C === Float32Array ? 1e-5 : 1e-13 * amplify;
            expect(gotY, `y of channel ${ch}`).toBeAllclose(wantY, { rtol: tolY, atol: tolY });
          }
          expectClose(got.y, want.y, tol * 4 * amplify, 'y');
          if (C === Float64Array) {
            expectClose(got.sumDy, want.sumDy, 1e-12, 'sumDy');
            expectClose(got.sumDyXHat, want.sumDyXHat, 1e-12 * amplify, 'sumDyXHat');
            expectClose(got.sums2, want.sumDyXHat, 1e-12 * amplify, 'sums without dx');
          } else {
            // f32 sums in blocks of 16 terms a lane: within 16 f32 ulps of the sum of the terms' magnitudes
            for (let ch = 0; ch < c; ch++) {
              let dyMagnitude = 0, termMagnitude = 0;
              for (let b = 0; b < n; b++) for (let t = 0; t < hw; t++) {
                const at = (b * c + ch) * hw + t;
                dyMagnitude += Math.abs(dy[1 + at]!);
                termMagnitude += Math.abs(dy[1 + at]! * (x[3 + at]! - want.mean[ch]!) * want.invStd[ch]!);
              }
              const ulps16 = 16 * 2 ** -24;
              expect(got.sumDy[ch], `sumDy ${ch}`).toBeAllclose(want.sumDy[ch]!, { rtol: 0, atol: ulps16 * dyMagnitude });
              expect(got.sumDyXHat[ch], `sumDyXHat ${ch}`).toBeAllclose(want.sumDyXHat[ch]!, { rtol: 0, atol: ulps16 * termMagnitude });
              expect(got.sums2[ch], `sums without dx ${ch}`).toBe(got.sumDyXHat[ch]);
            }
          }
          expectClose(got.dx, want.dx, tol * 4 * amplify, 'dx');
        }
      }
    });

    it(`${name}: GroupNorm and RMSNorm match the TypeScript kernels, forward and backward, with and without dx`, () => {
      const random = seeded(16);
      for (const [n, c, s, groups] of [[1, 1, 1, 1], [2, 6, 5, 3], [3, 4, 7, 1], [2, 4, 9, 4], [1, 8, 16, 2]] as const) {
        const x = data(C, n * c * s, random, 2), dy = data(C, n * c * s, random, 1);
        const scale = Float64Array.from({ length: c }, () => random() + 0.5), shift = Float64Array.from({ length: c }, () => random());
        const run = (set: KernelSet) => {
          const mean = new Float64Array(n * groups), invStd = new Float64Array(n * groups), y = new C(n * c * s);
          set.groupNormForward(n, c, s, groups, x, 2, 1e-5, scale, shift, mean, invStd, y);
          const dx = new C(n * c * s), dScale = new Float64Array(c).fill(1), dShift = new Float64Array(c).fill(2);
          set.groupNormBackward(n, c, s, groups, dy, 1, x, 2, mean, invStd, scale, dx, dScale, dShift);
          const dScale2 = new Float64Array(c);
          set.groupNormBackward(n, c, s, groups, dy, 1, x, 2, mean, invStd, scale, null, dScale2, new Float64Array(c));
          return { mean, invStd, y, dx, dScale, dShift, dScale2 };
        };
        const got = run(k), want = run(reference);
        expectClose(got.mean, want.mean, statTol(1e-13), 'mean');
        expectClose(got.invStd, want.invStd, statTol(1e-10), 'invStd');
        expectClose(got.y, want.y, tol * 4, 'y');
        expectClose(got.dx, want.dx, tol * 4, 'dx');
        expectClose(got.dScale, want.dScale, statTol(1e-12), 'dScale (written, not accumulated)');
        expectClose(got.dShift, want.dShift, statTol(1e-12), 'dShift');
        expectClose(got.dScale2, want.dScale, statTol(1e-12), 'dScale without dx');
      }
      for (const [m, d] of [[1, 1], [3, 2], [4, 7], [2, 16], [5, 33]] as const) {
        const x = data(C, m * d, random, 1), dy = data(C, m * d, random, 3);
        const scale = Float64Array.from({ length: d }, () => random() + 0.5);
        const run = (set: KernelSet) => {
          const y = new C(m * d), invRms = new Float64Array(m);
          set.rmsNormForward(m, d, x, 1, 1e-6, scale, y, invRms);
          const dx = new C(m * d), dScale = new Float64Array(d).fill(3);
          set.rmsNormBackward(m, d, dy, 3, x, 1, invRms, scale, dx, dScale);
          return { y, invRms, dx, dScale };
        };
        const got = run(k), want = run(reference);
        for (let r = 0; r < m; r++) {
          let ss = 0;
          for (let j = 0; j < d; j++) ss += x[1 + r * d + j]! ** 2;
          expect(got.invRms[r]).toBeCloseTo(1 / Math.sqrt(ss / d + 1e-6), 8);
        }
        expectClose(got.y, want.y, tol * 4, 'rms y');
        expectClose(got.dx, want.dx, tol * 4, 'rms dx');
        expectClose(got.dScale, want.dScale, 1e-12, 'rms dScale (written)');
      }
    });
  }
});
