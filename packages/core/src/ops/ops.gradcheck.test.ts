/**
 * Every primitive op's backward against float64 finite differences, over random shapes, dims and
 * values (fast-check), with a random upstream gradient G: the tape's gradient of sum(op(x)·G) must
 * match numericalGradientArray. The sampler table is typed by the op table, so an op added without
 * a sampler fails tsc.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import {
  Generator, opTable, numericalGradientArray, add, sub, mul, div, maximum, minimum, pow, neg, sqrt, exp, log, abs,
  relu, matmul, permute, reshape, sum, mean, variance, max, min, softmax, logSoftmax, indexRows, cast, clone, pad, unfold,
  type PrimitiveName, type Tensor,
} from '@tapegrad/core';

/** One sampled check: float64 inputs (all differentiated) and the op applied to them. */
interface Sample {
  inputs: Tensor[];
  apply: (...xs: Tensor[]) => Tensor;
  /** The finite-difference step, when the default 1e-5 does not suit. */
  h?: number;
}

const shapeArb = (minRank = 0, maxRank = 3) => fc.array(fc.integer({ min: 1, max: 4 }), { minLength: minRank, maxLength: maxRank });

/** A shape that broadcasts to `shape`: some leading dims dropped, some dims set to 1. */
const broadcastableTo = (shape: number[]) =>
  fc.tuple(fc.integer({ min: 0, max: shape.length }), fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }))
    .map(([drop, ones]) => shape.map((d, i) => (ones[i] ? 1 : d)).slice(drop));

const seedArb = fc.integer({ min: 0, max: 2 ** 31 });

function normalValues(g: Generator, shape: number[]): Tensor {
  return g.randn(shape, { dtype: 'float64' });
}
/** Values at least 0.1 away from 0 (away from the kinks of relu and abs). */
function awayFromZero(g: Generator, shape: number[]): Tensor {
  const x = normalValues(g, shape);
  const v = x.data.data as Float64Array;
  for (let i = 0; i < v.length; i++) v[i] = Math.sign(v[i]! || 1) * (Math.abs(v[i]!) + 0.1);
  return x;
}
/** Positive values in [0.5, 2.5). */
function positive(g: Generator, shape: number[]): Tensor {
  return g.uniform(0.5, 2.5, shape, { dtype: 'float64' });
}
/**
 * Distinct values on a grid of step 0.1 (each at `phase` + [0, 0.03) within its cell), so an arg-max
 * is never a near-tie; two tensors with phases 0 and 0.05 never come within 0.02 of each other either.
 */
function gridValues(g: Generator, shape: number[], phase: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const order = g.permutation(n).toFloat64Array();
  const x = g.uniform(0, 0.03, shape, { dtype: 'float64' });
  const v = x.data.data as Float64Array;
  for (let i = 0; i < n; i++) v[i] = v[i]! + phase + (order[i]! - Math.round(n / 2)) * 0.1;
  return x;
}
const distinct = (g: Generator, shape: number[]) => gridValues(g, shape, 0);
const distinctFromFirst = (g: Generator, shape: number[]) => gridValues(g, shape, 0.05);

const binarySample = (apply: (a: Tensor, b: Tensor) => Tensor, values: (g: Generator, s: number[]) => Tensor, valuesB = values) =>
  fc.tuple(shapeArb(), seedArb, fc.boolean()).chain(([shape, seed, swap]) =>
    broadcastableTo(shape).map((other): Sample => {
      const g = new Generator(seed);
      const [sa, sb] = swap ? [other, shape] : [shape, other];
      return { inputs: [values(g, sa), valuesB(g, sb)], apply };
    }),
  );

const unarySample = (apply: (x: Tensor) => Tensor, values = normalValues, rank = shapeArb()) =>
  fc.tuple(rank, seedArb).map(([shape, seed]): Sample => ({ inputs: [values(new Generator(seed), shape)], apply }));

const dimsOf = (rank: number) => fc.subarray(Array.from({ length: rank }, (_, i) => i));

const reductionSample = (apply: (x: Tensor, dims: number[] | undefined, keepdim: boolean) => Tensor, values = normalValues) =>
  fc.tuple(shapeArb(1), seedArb, fc.boolean(), fc.boolean()).chain(([shape, seed, keepdim, all]) =>
    dimsOf(shape.length).map((dims): Sample => ({
      inputs: [values(new Generator(seed), shape)],
      apply: (x) => apply(x, all ? undefined : dims.length ? dims : [0], keepdim),
    })),
  );

const singleDimSample = (apply: (x: Tensor, dim: number) => Tensor, values = normalValues) =>
  fc.tuple(shapeArb(1), seedArb).chain(([shape, seed]) =>
    fc.integer({ min: -shape.length, max: shape.length - 1 }).map((dim): Sample => ({
      inputs: [values(new Generator(seed), shape)],
      apply: (x) => apply(x, dim),
    })),
  );

const samplers: { [P in PrimitiveName]: fc.Arbitrary<Sample> } = {
  add: binarySample(add, normalValues),
  sub: binarySample(sub, normalValues),
  mul: binarySample(mul, normalValues),
  div: binarySample(div, normalValues, awayFromZero),
  maximum: binarySample(maximum, distinct, distinctFromFirst),
  minimum: binarySample(minimum, distinct, distinctFromFirst),
  pow: binarySample(pow, positive, normalValues),
  powScalar: fc.tuple(fc.constantFrom(2, 3, 0.5, -1.5), shapeArb(), seedArb).map(([p, shape, seed]) => ({
    inputs: [positive(new Generator(seed), shape)],
    apply: (x: Tensor) => pow(x, p),
  })),
  neg: unarySample(neg),
  sqrt: unarySample(sqrt, positive),
  exp: unarySample(exp),
  log: unarySample(log, positive),
  abs: unarySample(abs, awayFromZero),
  relu: unarySample(relu, awayFromZero),
  matmul: fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), seedArb, fc.constantFrom('ab', 'aTb', 'abT', 'vec-left', 'vec-right'))
    .map(([m, k, n, seed, form]): Sample => {
      const g = new Generator(seed);
      switch (form) {
        case 'aTb': return { inputs: [normalValues(g, [k, m]), normalValues(g, [k, n])], apply: (a, b) => matmul(a.transpose(), b) };
        case 'abT': return { inputs: [normalValues(g, [m, k]), normalValues(g, [n, k])], apply: (a, b) => matmul(a, b.transpose()) };
        case 'vec-left': return { inputs: [normalValues(g, [k]), normalValues(g, [k, n])], apply: matmul };
        case 'vec-right': return { inputs: [normalValues(g, [m, k]), normalValues(g, [k])], apply: matmul };
        default: return { inputs: [normalValues(g, [m, k]), normalValues(g, [k, n])], apply: matmul };
      }
    }),
  permute: fc.tuple(shapeArb(1), seedArb).chain(([shape, seed]) =>
    fc.shuffledSubarray(shape.map((_, i) => i), { minLength: shape.length, maxLength: shape.length }).map((dims): Sample => ({
      // multiplying after the permute makes the strided view flow through another op
      inputs: [normalValues(new Generator(seed), shape)],
      apply: (x) => mul(permute(x, dims), 1.5),
    })),
  ),
  reshape: fc.tuple(shapeArb(1), seedArb, fc.constantFrom('contiguous', 'strided', 'strided view')).map(([shape, seed, form]): Sample => ({
    inputs: [normalValues(new Generator(seed), shape)],
    // a transpose merged into [-1, d0] is a copy; with dims of size 1 put in, a strided view, which
    // multiplying then makes flow through another op
    apply: (x) => (form === 'strided view' ? mul(reshape(x.T, [1, ...[...shape].reverse(), 1]), 1.5) : reshape(form === 'strided' ? x.T : x, [-1, shape[0]!])),
  })),
  sum: reductionSample((x, d, k) => sum(x, d, k)),
  mean: reductionSample((x, d, k) => mean(x, d, k)),
  // unbiased over a single element divides by zero (NaN, as in PyTorch): biased then
  var: fc.tuple(shapeArb(1), seedArb, fc.boolean(), fc.boolean()).chain(([shape, seed, keepdim, unbiased]) =>
    dimsOf(shape.length).map((dims): Sample => {
      const count = dims.reduce((n, d) => n * shape[d]!, 1);
      return {
        inputs: [normalValues(new Generator(seed), shape)],
        apply: (x) => variance(x, dims, { unbiased: unbiased && count > 1, keepdim }),
      };
    }),
  ),
  max: singleDimSample((x, dim) => max(x, dim), distinct),
  min: singleDimSample((x, dim) => min(x, dim), distinct),
  softmax: singleDimSample((x, dim) => softmax(x, dim)),
  logSoftmax: singleDimSample((x, dim) => logSoftmax(x, dim)),
  index: fc.tuple(shapeArb(1), seedArb).chain(([shape, seed]) =>
    fc.array(fc.integer({ min: -shape[0]!, max: shape[0]! - 1 }), { maxLength: 6 }).map((rows): Sample => ({
      inputs: [normalValues(new Generator(seed), shape)],
      apply: (x) => indexRows(x, rows),
    })),
  ),
  // through float32 and back: values and step are multiples of 2^-10, exact in float32, so the
  // finite differences see no rounding
  cast: fc.tuple(shapeArb(), seedArb).map(([shape, seed]): Sample => {
    const x = new Generator(seed).randint(-512, 512, shape).to('float64').mul(1 / 64);
    return { inputs: [x], apply: (t) => cast(cast(t, 'float32'), 'float64').mul(3), h: 2 ** -10 };
  }),
  clone: unarySample((x) => clone(x.T).mul(2)),
  // a permuted (strided) input, so the op's own contiguous copy is exercised too
  pad: fc.tuple(shapeArb(2, 4), seedArb, fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 4, maxLength: 4 }), fc.boolean())
    .map(([shape, seed, p, strided]): Sample => ({
      inputs: [normalValues(new Generator(seed), shape)],
      apply: (x) => pad(strided ? x.transpose(-1, -2) : x, p as [number, number, number, number]),
    })),
  // windows that fit: the input grows to the dilated window when the padding does not make room
  unfold: fc.tuple(
    fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 2 }), fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 2 }),
    fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 2 }), fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 2, maxLength: 2 }),
    fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 2, maxLength: 2 }), fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 2, maxLength: 2 }),
    seedArb,
  ).map(([[n, c], [h, w], [kh, kw], stride, padding, dilation, seed]): Sample => {
    const fit = (size: number, k: number, p: number, d: number) => Math.max(size, d * (k - 1) + 1 - 2 * p);
    const shape = [n!, c!, fit(h!, kh!, padding[0]!, dilation[0]!), fit(w!, kw!, padding[1]!, dilation[1]!)];
    const pair = (v: number[]) => [v[0]!, v[1]!] as [number, number];
    return {
      inputs: [normalValues(new Generator(seed), shape)],
      apply: (x) => unfold(x, [kh!, kw!], { stride: pair(stride), padding: pair(padding), dilation: pair(dilation) }),
    };
  }),
};

describe('every primitive op passes a float64 finite-difference check with a random upstream gradient', () => {
  test('the sampler table covers the op table', () => {
    expect(Object.keys(samplers).sort()).toEqual(Object.keys(opTable).sort());
  });
  test.each(Object.keys(samplers) as PrimitiveName[])('%s', (name) => {
    fc.assert(
      fc.property(samplers[name], seedArb, ({ inputs, apply, h }, gSeed) => {
        const out = apply(...inputs.map((x) => x.detach()));
        const G = new Generator(gSeed).normal(0.3, 1, out.shape, { dtype: 'float64' });
        const leaves = inputs.map((x) => x.detach());
        leaves.forEach((x) => (x.requiresGrad = true));
        const y = apply(...leaves);
        if (!y.requiresGrad) return; // e.g. index with no rows selected nothing differentiable
        y.backward(G);
        leaves.forEach((x, i) => {
          const numeric = numericalGradientArray((t) => apply(...leaves.map((l, j) => (j === i ? t : l.detach()))), x.detach(), G, { h });
          const analytic = x.grad?.toFloat64Array() ?? new Float64Array(x.size);
          const n = numeric.toFloat64Array();
          // absolute 1e-6 × max(1, max|numeric|)
          expect(analytic, `${name} input ${i}`).toBeAllclose(n, { rtol: 0, a: 1e-6 });
        });
      }),
      { numRuns: 30 },
    );
  });
});
