/**
 * Every entry of the fused-op table, driven from the table: the fused form matches its composed
 * twin (output and every input's gradient under a random upstream gradient) and both pass a
 * float64 finite-difference gradcheck. A new entry needs one sample entry here; tsc asks for it.
 */
import { describe, expect, test } from 'vitest';
import { Generator, Tensor, gradcheck, ones, tensor, zeros, type FloatDType } from '@tapegrad/core';
import { fusedOpTable, pickForm, twins, type FusedOpName, type FusedOpSignature } from './fusedOpTable.js';
import type { Conv2dOptions } from './conv2d.js';
import { toleranceFor } from '@tapegrad/test-support/allclose';

/** One case of a fused op. */
interface Sample<P extends FusedOpName> {
  /** What the case covers. */
  name: string;
  /** The inputs that get a gradient, float64, drawn from `g`. */
  inputs(g: Generator): Tensor[];
  /** Calls a form on them, with what the case fixes besides (options, views, shapes). */
  call(form: FusedOpSignature<P>, ...xs: Tensor[]): Tensor;
}

const f64 = { dtype: 'float64' } as const;
/** scale·N(0, 1) + shift. */
const normal = (g: Generator, shape: number[], scale = 1, shift = 0): Tensor => g.randn(shape, f64).mul(scale).add(shift);
/** N(0, 1) moved away from 0 by 0.1, so that finite differences do not cross ReLU's kink. */
const awayFromZero = (g: Generator, shape: number[]): Tensor =>
  tensor(g.randn(shape, f64).toFloat64Array().map((v) => Math.sign(v) * (Math.abs(v) + 0.1)), { dtype: 'float64', shape });
/** Running statistics in x's dtype, fixed values (eval mode uses them as constants). */
const runningStats = (x: Tensor, c: number) => ({
  runningMean: tensor(Array.from({ length: c }, (_, j) => 11 + j), { dtype: x.dtype }),
  runningVar: tensor(Array.from({ length: c }, (_, j) => 20 + 3 * j), { dtype: x.dtype }),
});

/** A conv2d case: x, weight (and bias) drawn in that order, called with `opts`. */
const conv = (name: string, x: number[], w: number[], bias: boolean, opts: Conv2dOptions): Sample<'conv2d'> => ({
  name,
  inputs: (g) => (bias ? [normal(g, x), normal(g, w), normal(g, [w[0]!])] : [normal(g, x), normal(g, w)]),
  call: (f, xt, wt, bt) => f(xt, wt, bt ?? null, opts),
});

const samples: { readonly [P in FusedOpName]: readonly Sample<P>[] } = {
  linear: [
    { name: 'x [5, 4], weight [3, 4], bias [3]', inputs: (g) => [normal(g, [5, 4]), normal(g, [3, 4]), normal(g, [3])], call: (f, x, w, b) => f(x, w, b) },
    { name: 'bias null', inputs: (g) => [normal(g, [5, 4]), normal(g, [3, 4])], call: (f, x, w) => f(x, w, null) },
    { name: 'bias omitted', inputs: (g) => [normal(g, [5, 4]), normal(g, [3, 4])], call: (f, x, w) => f(x, w) },
    {
      name: "weight W.T of a [in, out] W, as FullyConnectedNet passes it",
      inputs: (g) => [normal(g, [5, 4]), normal(g, [4, 3]), normal(g, [3])],
      call: (f, x, W, b) => f(x, W.T, b),
    },
    { name: 'x a transposed view', inputs: (g) => [normal(g, [4, 5]), normal(g, [3, 4]), normal(g, [3])], call: (f, xT, w, b) => f(xT.T, w, b) },
    { name: 'one row', inputs: (g) => [normal(g, [1, 4]), normal(g, [2, 4]), normal(g, [2])], call: (f, x, w, b) => f(x, w, b) },
  ],
  relu: [
    { name: '[6, 5]', inputs: (g) => [awayFromZero(g, [6, 5])], call: (f, x) => f(x) },
    { name: '[2, 3, 4]', inputs: (g) => [awayFromZero(g, [2, 3, 4])], call: (f, x) => f(x) },
    { name: 'a transposed view', inputs: (g) => [awayFromZero(g, [3, 5])], call: (f, x) => f(x.T) },
  ],
  batchNorm: [
    { name: 'train, weight and bias, [8, 4]', inputs: (g) => [normal(g, [8, 4], 5, 12), normal(g, [4]), normal(g, [4])], call: (f, x, w, b) => f(x, w, b) },
    { name: 'train, no weight and bias', inputs: (g) => [normal(g, [6, 3], 5, 12)], call: (f, x) => f(x) },
    { name: 'train, weight only', inputs: (g) => [normal(g, [6, 3], 5, 12), normal(g, [3])], call: (f, x, w) => f(x, w, null) },
    { name: 'train, bias only', inputs: (g) => [normal(g, [6, 3], 5, 12), normal(g, [3])], call: (f, x, b) => f(x, null, b) },
    {
      name: 'train with running statistics, momentum 0.3, biased running variance',
      inputs: (g) => [normal(g, [7, 4], 5, 12), normal(g, [4]), normal(g, [4])],
      call: (f, x, w, b) => f(x, w, b, {
        runningMean: zeros([4], { dtype: x.dtype }), runningVar: ones([4], { dtype: x.dtype }), momentum: 0.3, unbiasedRunningVar: false,
      }),
    },
    { name: 'train, eps 0.5', inputs: (g) => [normal(g, [5, 3]), normal(g, [3]), normal(g, [3])], call: (f, x, w, b) => f(x, w, b, { eps: 0.5 }) },
    {
      name: 'eval, running statistics as constants',
      inputs: (g) => [normal(g, [5, 4], 5, 12), normal(g, [4]), normal(g, [4])],
      call: (f, x, w, b) => f(x, w, b, { training: false, ...runningStats(x, 4) }),
    },
    { name: 'eval, no weight and bias', inputs: (g) => [normal(g, [5, 3], 5, 12)], call: (f, x) => f(x, null, null, { training: false, ...runningStats(x, 3) }) },
    { name: 'train, [N, C, L] = [3, 4, 5]', inputs: (g) => [normal(g, [3, 4, 5], 5, 12), normal(g, [4]), normal(g, [4])], call: (f, x, w, b) => f(x, w, b) },
    {
      name: 'eval, [N, C, L] = [2, 3, 4]',
      inputs: (g) => [normal(g, [2, 3, 4], 5, 12), normal(g, [3]), normal(g, [3])],
      call: (f, x, w, b) => f(x, w, b, { training: false, ...runningStats(x, 3) }),
    },
  ],
  layerNorm: [
    { name: '[6, 5] over [5], weight and bias', inputs: (g) => [normal(g, [6, 5], 5, 12), normal(g, [5]), normal(g, [5])], call: (f, x, w, b) => f(x, [5], w, b) },
    { name: 'no weight and bias, normalizedShape a number', inputs: (g) => [normal(g, [4, 5], 5, 12)], call: (f, x) => f(x, 5) },
    { name: 'weight only', inputs: (g) => [normal(g, [4, 5]), normal(g, [5])], call: (f, x, w) => f(x, [5], w) },
    { name: 'bias only', inputs: (g) => [normal(g, [4, 5]), normal(g, [5])], call: (f, x, b) => f(x, [5], null, b) },
    { name: '[2, 3, 4] over the last dim', inputs: (g) => [normal(g, [2, 3, 4], 3), normal(g, [4]), normal(g, [4])], call: (f, x, w, b) => f(x, [4], w, b) },
    { name: '[2, 3, 4] over the last two dims', inputs: (g) => [normal(g, [2, 3, 4], 3), normal(g, [3, 4]), normal(g, [3, 4])], call: (f, x, w, b) => f(x, [3, 4], w, b) },
    { name: '[2, 3, 4] over all three dims', inputs: (g) => [normal(g, [2, 3, 4], 3), normal(g, [2, 3, 4]), normal(g, [2, 3, 4])], call: (f, x, w, b) => f(x, [2, 3, 4], w, b) },
    { name: 'eps 0.5', inputs: (g) => [normal(g, [3, 4]), normal(g, [4]), normal(g, [4])], call: (f, x, w, b) => f(x, 4, w, b, 0.5) },
    { name: 'x a transposed view', inputs: (g) => [normal(g, [5, 4], 2, 1), normal(g, [5]), normal(g, [5])], call: (f, xT, w, b) => f(xT.T, [5], w, b) },
  ],
  sumOfSquares: [
    { name: '[4, 3]', inputs: (g) => [normal(g, [4, 3])], call: (f, w) => f(w) },
    { name: 'a transposed view', inputs: (g) => [normal(g, [4, 3])], call: (f, w) => f(w.T) },
    { name: '[7]', inputs: (g) => [normal(g, [7], 3)], call: (f, w) => f(w) },
  ],
  conv2d: [
    conv('3x3, padding 1, bias', [2, 3, 5, 6], [4, 3, 3, 3], true, { padding: 1 }),
    conv('2x3, stride [2, 1], padding [1, 2], no bias', [1, 2, 6, 5], [3, 2, 2, 3], false, { stride: [2, 1], padding: [1, 2] }),
    conv("3x3, dilation 2, 'same'", [2, 2, 6, 7], [2, 2, 3, 3], true, { padding: 'same', dilation: 2 }),
    conv("2x4, 'same' (the odd padding at the bottom and right)", [1, 2, 5, 6], [2, 2, 2, 4], true, { padding: 'same' }),
    conv('groups 2, stride 2, padding [1, 0]', [1, 4, 7, 6], [6, 2, 3, 3], true, { groups: 2, stride: 2, padding: [1, 0] }),
    conv("depthwise (groups = C), 'same'", [2, 3, 5, 5], [3, 1, 3, 3], true, { groups: 3, padding: 'same' }),
    conv("1x1, 'valid'", [3, 4, 3, 3], [5, 4, 1, 1], true, { padding: 'valid' }),
    conv("'same' with a dilated window larger than the input", [1, 2, 3, 4], [2, 2, 3, 3], true, { padding: 'same', dilation: 2 }),
    conv('5x5 on a 5x5 input: one output', [2, 2, 5, 5], [3, 2, 5, 5], true, {}),
    { name: 'bias omitted', inputs: (g) => [normal(g, [2, 2, 4, 4]), normal(g, [3, 2, 3, 3])], call: (f, x, w) => f(x, w) },
    {
      name: 'x a permuted view (channels-last storage)',
      inputs: (g) => [normal(g, [2, 4, 5, 3]), normal(g, [2, 3, 3, 3]), normal(g, [2])],
      call: (f, xNhwc, w, b) => f(xNhwc.permute([0, 3, 1, 2]), w, b, { padding: 1 }),
    },
  ],
  batchNorm2d: [
    { name: 'train, weight and bias', inputs: (g) => [normal(g, [4, 3, 5, 5], 5, 12), normal(g, [3]), normal(g, [3])], call: (f, x, w, b) => f(x, w, b) },
    { name: 'train, no weight and bias, 1x1 maps', inputs: (g) => [normal(g, [6, 2, 1, 1], 2, -1)], call: (f, x) => f(x) },
    { name: 'train, eps 1e-3, weight only', inputs: (g) => [normal(g, [2, 4, 3, 2]), normal(g, [4])], call: (f, x, w) => f(x, w, null, { eps: 1e-3 }) },
    { name: 'train, bias only', inputs: (g) => [normal(g, [3, 2, 2, 3], 2, 1), normal(g, [2])], call: (f, x, b) => f(x, null, b) },
    {
      name: "train with running statistics (cs231n's convention)",
      inputs: (g) => [normal(g, [3, 4, 3, 3], 5, 12), normal(g, [4]), normal(g, [4])],
      call: (f, x, w, b) => f(x, w, b, { runningMean: zeros([4], { dtype: x.dtype }), runningVar: zeros([4], { dtype: x.dtype }), momentum: 0.1, unbiasedRunningVar: false }),
    },
    {
      name: 'eval, running statistics as constants',
      inputs: (g) => [normal(g, [3, 3, 4, 4], 5, 12), normal(g, [3]), normal(g, [3])],
      call: (f, x, w, b) => f(x, w, b, { training: false, ...runningStats(x, 3) }),
    },
    { name: 'eval, no weight and bias', inputs: (g) => [normal(g, [2, 3, 2, 3], 5, 12)], call: (f, x) => f(x, null, null, { training: false, ...runningStats(x, 3) }) },
    {
      name: 'x a permuted view',
      inputs: (g) => [normal(g, [2, 3, 4, 3], 5, 12), normal(g, [3]), normal(g, [3])],
      call: (f, xNhwc, w, b) => f(xNhwc.permute([0, 3, 1, 2]), w, b),
    },
  ],
  groupNorm: [
    { name: '[2, 6, 4, 4], 3 groups, weight and bias', inputs: (g) => [normal(g, [2, 6, 4, 4], 5, 12), normal(g, [6]), normal(g, [6])], call: (f, x, w, b) => f(x, 3, w, b) },
    { name: '[3, 4, 5] (rank 3), 2 groups, no weight and bias', inputs: (g) => [normal(g, [3, 4, 5], 2, 1)], call: (f, x) => f(x, 2) },
    { name: '1 group (LayerNorm over C, H, W)', inputs: (g) => [normal(g, [2, 3, 2, 3]), normal(g, [3]), normal(g, [3])], call: (f, x, w, b) => f(x, 1, w, b) },
    { name: 'C groups (InstanceNorm), eps 1e-3, weight only', inputs: (g) => [normal(g, [2, 4, 3, 3]), normal(g, [4])], call: (f, x, w) => f(x, 4, w, null, 1e-3) },
    { name: 'bias only', inputs: (g) => [normal(g, [2, 4, 2, 2], 3), normal(g, [4])], call: (f, x, b) => f(x, 2, null, b) },
    { name: '[5, 4] (rank 2), 2 groups', inputs: (g) => [normal(g, [5, 4]), normal(g, [4]), normal(g, [4])], call: (f, x, w, b) => f(x, 2, w, b) },
    {
      name: 'x a permuted view',
      inputs: (g) => [normal(g, [2, 3, 3, 4], 3, 2), normal(g, [4]), normal(g, [4])],
      call: (f, xNhwc, w, b) => f(xNhwc.permute([0, 3, 1, 2]), 2, w, b),
    },
  ],
  rmsNorm: [
    { name: '[4, 6] over [6], weight, eps null', inputs: (g) => [normal(g, [4, 6]), normal(g, [6])], call: (f, x, w) => f(x, [6], w) },
    { name: '[2, 3, 4, 5] over [4, 5], weight', inputs: (g) => [normal(g, [2, 3, 4, 5]), normal(g, [4, 5])], call: (f, x, w) => f(x, [4, 5], w) },
    { name: '[3, 5] over 5, no weight, eps 1e-5', inputs: (g) => [normal(g, [3, 5], 1, 0.5)], call: (f, x) => f(x, 5, null, 1e-5) },
    { name: '[7] over [7] (one row)', inputs: (g) => [normal(g, [7]), normal(g, [7])], call: (f, x, w) => f(x, [7], w) },
    { name: 'x a transposed view', inputs: (g) => [normal(g, [5, 3], 2), normal(g, [5])], call: (f, xT, w) => f(xT.T, 5, w) },
  ],
  convReluPool: [
    {
      name: "3x3 'same', 2x2 pool (ThreeLayerConvNet's first stage)",
      inputs: (g) => [normal(g, [2, 3, 6, 6]), normal(g, [4, 3, 3, 3]), normal(g, [4], 0.5)],
      call: (f, x, w, b) => f(x, w, b, { conv: { padding: 'same' } }),
    },
    {
      name: 'odd maps (the pool drops the last row and column), no bias',
      inputs: (g) => [normal(g, [2, 2, 5, 7]), normal(g, [3, 2, 2, 2])],
      call: (f, x, w) => f(x, w, null, { conv: { padding: [1, 0] } }),
    },
    {
      name: 'overlapping 3x3 pool, stride 2, padding 1; conv stride 2, groups 2',
      inputs: (g) => [normal(g, [1, 4, 9, 8]), normal(g, [4, 2, 3, 3]), normal(g, [4], 0.5)],
      call: (f, x, w, b) => f(x, w, b, { conv: { stride: 2, padding: 1, groups: 2 }, pool: { kernelSize: 3, stride: 2, padding: 1 } }),
    },
    {
      name: 'a bias that makes most of the map negative (the ReLU zeroes whole windows)',
      inputs: (g) => [normal(g, [2, 2, 4, 4]), normal(g, [2, 2, 3, 3], 0.3), normal(g, [2], 0.1, -1.2)],
      call: (f, x, w, b) => f(x, w, b, { conv: { padding: 1 }, pool: { kernelSize: [2, 1] } }),
    },
  ],
  crossEntropy: [
    { name: 'logits [6, 5], mean', inputs: (g) => [normal(g, [6, 5], 3)], call: (f, x) => f(x, [0, 4, 2, 2, 1, 3]) },
    { name: "'sum', int32 labels", inputs: (g) => [normal(g, [4, 3])], call: (f, x) => f(x, tensor([2, 0, 1, 2], { dtype: 'int32' }), { reduction: 'sum' }) },
    { name: "'none' (a gradient per row)", inputs: (g) => [normal(g, [5, 4], 2)], call: (f, x) => f(x, [3, 3, 0, 1, 2], { reduction: 'none' }) },
    { name: 'logits a transposed view, spread over 1e3', inputs: (g) => [normal(g, [3, 4], 300)], call: (f, xT) => f(xT.T, [2, 0, 1, 1]) },
  ],
};

/** Fresh leaves, in `dtype`, holding the inputs' values. */
const leavesOf = (inputs: Tensor[], dtype: FloatDType): Tensor[] =>
  inputs.map((t) => tensor(t.toFloat64Array(), { dtype, shape: t.shape, requiresGrad: true }));

/** The output of `sample` on `form`, and every input's gradient under upstream gradient `G` (drawn from `seed` when absent). */
function run<P extends FusedOpName>(sample: Sample<P>, form: FusedOpSignature<P>, inputs: Tensor[], dtype: FloatDType, G?: Tensor) {
  const leaves = leavesOf(inputs, dtype);
  const out = sample.call(form, ...leaves);
  const upstream = G ?? new Generator(99).randn(out.shape, { dtype });
  out.backward(upstream);
  return { out, grads: leaves.map((x) => x.grad), G: upstream };
}

function checkEntry<P extends FusedOpName>(name: P): void {
  const fused = pickForm(name, 'fused'), composed = pickForm(name, 'tape');
  samples[name].forEach((sample, k) => {
    const inputs = () => sample.inputs(new Generator(1000 + k));

    test(`${sample.name}: fused matches composed, output and every input's gradient (float64, 1e-10)`, () => {
      const a = run(sample, fused, inputs(), 'float64');
      const b = run(sample, composed, inputs(), 'float64', a.G);
      const tol = toleranceFor('float64', 'elementwise');
      expect(a.out.dtype).toBe('float64');
      expect(a.out, 'output').toBeAllclose(b.out, tol);
      expect(a.grads).toHaveLength(inputs().length);
      a.grads.forEach((dx, i) => {
        expect(dx, `fused gradient of input ${i}`).not.toBeNull();
        expect(b.grads[i], `composed gradient of input ${i}`).not.toBeNull();
        expect(dx!, `gradient of input ${i}`).toBeAllclose(b.grads[i]!, tol);
      });
    });

    test(`${sample.name}: gradcheck passes for the fused and the composed form (float64)`, () => {
      for (const form of [fused, composed]) {
        const leaves = leavesOf(inputs(), 'float64');
        const report = gradcheck((...xs) => sample.call(form, ...xs), leaves);
        expect(report.ok, `${form.name}: ${JSON.stringify(report.inputs)}`).toBe(true);
        expect(report.inputs.map((r) => r.index)).toEqual(leaves.map((_, i) => i));
      }
    });

    test(`${sample.name}: fused matches composed in float32, computed in float32`, () => {
      const a = run(sample, fused, inputs(), 'float32');
      const b = run(sample, composed, inputs(), 'float32', a.G);
      const tol = toleranceFor('float32', 'reduction');
      expect([a.out.dtype, ...a.grads.map((g) => g?.dtype)]).toEqual(Array(a.grads.length + 1).fill('float32'));
      expect(a.out, 'output').toBeAllclose(b.out, tol);
      a.grads.forEach((dx, i) => expect(dx!, `gradient of input ${i}`).toBeAllclose(b.grads[i]!, tol));
    });
  });
}

for (const name of Object.keys(fusedOpTable) as FusedOpName[]) describe(`fusedOpTable.${name}`, () => checkEntry(name));

describe('the table and pickForm', () => {
  test('each entry pairs two different functions named <name>Fused and <name>Composed', () => {
    for (const [name, pair] of Object.entries(fusedOpTable)) {
      expect([pair.fused.name, pair.composed.name]).toEqual([`${name}Fused`, `${name}Composed`]);
    }
  });

  test("pickForm gives the fused form for 'fused' and the composed one for 'tape', and names what is wrong", () => {
    for (const name of Object.keys(fusedOpTable) as FusedOpName[]) {
      expect(pickForm(name, 'fused')).toBe(fusedOpTable[name].fused);
      expect(pickForm(name, 'tape')).toBe(fusedOpTable[name].composed);
    }
    expect(() => pickForm('relu', 'Fused' as never)).toThrow("relu: backward must be 'fused' or 'tape' (got Fused)");
    expect(() => pickForm('conv' as never, 'fused')).toThrow('pickForm: expected one of linear, relu, batchNorm, layerNorm, sumOfSquares, conv2d, batchNorm2d, groupNorm, rmsNorm, convReluPool, crossEntropy (got conv)');
  });

  test('every fused form is defined once: a second call records nodes of the very ops the first did', () => {
    /** The specs of the nodes reachable from `t` (TapeNode.spec is internal; it is the op that defineOp made). */
    const specsOf = (t: Tensor, seen = new Set<unknown>()): Set<unknown> => {
      const node = t.gradFn;
      if (node !== null && !seen.has(node.spec)) {
        seen.add(node.spec);
        for (const input of node.inputs) specsOf(input, seen);
      }
      return seen;
    };
    for (const name of Object.keys(fusedOpTable) as FusedOpName[]) {
      const sample = samples[name][0]!;
      const fused = pickForm(name, 'fused');
      const call = () => run(sample, fused, sample.inputs(new Generator(5)), 'float64').out;
      const first = specsOf(call()), second = specsOf(call());
      expect(first.size, name).toBeGreaterThan(0);
      expect([...second].every((spec) => first.has(spec)), name).toBe(true);
    }
  });

  test('the table and its entries are frozen', () => {
    expect(Object.isFrozen(fusedOpTable)).toBe(true);
    for (const pair of Object.values(fusedOpTable)) expect(Object.isFrozen(pair)).toBe(true);
  });

  test('tsc rejects a composed twin whose signature differs, by one argument fewer too', () => {
    const fused = (x: Tensor, w: Tensor, b?: Tensor | null): Tensor => (b ? x.add(w).add(b) : x.add(w));
    const fewer = (x: Tensor, w: Tensor): Tensor => x.add(w);
    const other = (x: Tensor, w: number, b?: Tensor | null): Tensor => (b ? x.add(w).add(b) : x.add(w));
    // @ts-expect-error: a twin without the optional bias has another signature
    twins(fused, fewer);
    // @ts-expect-error: a twin with another argument type
    twins(fused, other);
    const same = (x: Tensor, w: Tensor, b?: Tensor | null): Tensor => x.mul(w).add(b ?? 0);
    expect(twins(fused, same).composed).toBe(same);
  });
});
