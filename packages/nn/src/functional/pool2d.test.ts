/**
 * maxPool2d and avgPool2d beyond the reference vectors: float64 finite-difference checks of their
 * handwritten backward passes over strided, padded and overlapping windows, the plain conv2d's
 * gradients, and what PyTorch's pooling semantics mean at the edges.
 */
import { describe, expect, test } from 'vitest';
import { Generator, Tensor, numericalGradientArray, tensor } from '@tapegrad/core';
import { avgPool2d, conv2d, conv2dComposed, maxPool2d } from '@tapegrad/nn';
import { toleranceFor } from '@tapegrad/test-support/allclose';

/** Distinct values on a grid of step 0.1 (no two within 0.07 of each other): a max never nears a tie. */
function distinct(shape: number[], seed: number): Tensor {
  const g = new Generator(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const order = g.permutation(n).toFloat64Array();
  const jitter = g.uniform(0, 0.03, [n], { dtype: 'float64' }).toFloat64Array();
  return tensor(Float64Array.from(order, (o, i) => (o - n / 2) * 0.1 + jitter[i]!), { shape });
}

/** Expects the tape's gradient of sum(f(x)·G) to match central differences (float64). */
function expectFiniteDifferences(f: (x: Tensor) => Tensor, x: Tensor, seed: number): void {
  const G = new Generator(seed).normal(0.3, 1, f(x).shape, { dtype: 'float64' });
  const leaf = new Tensor(x.data, { requiresGrad: true });
  f(leaf).backward(G);
  const numeric = numericalGradientArray(f, x.detach(), G).toFloat64Array();
  const analytic = leaf.grad!.toFloat64Array();
  expect(analytic).toBeAllclose(numeric, { rtol: 0, a: 1e-8 }); // absolute 1e-8 × max(1, max|numeric|)
}

const windows: [string, number | [number, number], { stride?: number | [number, number]; padding?: number | [number, number] }][] = [
  ['2×2, stride 2 (the convnet pool), odd width', 2, {}],
  ['3×3, stride 2, padding 1 (overlapping)', 3, { stride: 2, padding: 1 }],
  ['3×2, stride [1, 2], padding [1, 0]', [3, 2], { stride: [1, 2], padding: [1, 0] }],
  ['2×2, stride 1 (every cell in up to four windows)', 2, { stride: 1 }],
];

describe('maxPool2d', () => {
  test.each(windows)('%s: the backward matches finite differences', (_, k, opts) => {
    expectFiniteDifferences((x) => maxPool2d(x, k, opts), distinct([2, 3, 5, 7], 1), 2);
  });

  test('dilation 2 reads every other cell', () => {
    const x = tensor([[[[1, 9, 2, 0, 3], [0, 0, 0, 0, 0], [4, 0, 8, 0, 5]]]]);
    expect(maxPool2d(x, 2, { dilation: 2, stride: 1 }).toArray()).toEqual([[[[8, 9, 8]]]]);
    expectFiniteDifferences((t) => maxPool2d(t, 2, { dilation: 2, stride: 1 }), distinct([1, 2, 5, 6], 3), 4);
  });

  test('a tie goes to the first cell of the window, and a NaN wins', () => {
    const x = tensor([[[[2, 2], [1, 2]]]], { requiresGrad: true });
    maxPool2d(x, 2).sum().backward();
    expect(x.grad?.toArray()).toEqual([[[[1, 0], [0, 0]]]]);
    expect(maxPool2d(tensor([[[[1, NaN], [3, 2]]]]), 2).toArray()).toEqual([[[[NaN]]]]);
  });
});

describe('avgPool2d', () => {
  for (const countIncludePad of [true, false]) {
    test.each(windows)(`%s, countIncludePad ${countIncludePad}: the backward matches finite differences`, (_, k, opts) => {
      expectFiniteDifferences((x) => avgPool2d(x, k, { ...opts, countIncludePad }), new Generator(5).randn([2, 2, 5, 6], { dtype: 'float64' }), 6);
    });
  }

  test('is the convolution with a constant kernel when the padding counts', () => {
    const x = new Generator(7).randn([2, 3, 6, 6], { dtype: 'float64' });
    const weight = tensor(new Float64Array(3 * 9).fill(1 / 9), { shape: [3, 1, 3, 3] });
    expect(avgPool2d(x, 3, { stride: 2, padding: 1 })).toBeAllclose(conv2dComposed(x, weight, null, { stride: 2, padding: 1, groups: 3 }), toleranceFor('float64', 'elementwise'));
  });
});

test('conv2d is the fused convolution: one node, gradients that match finite differences', () => {
  const g = new Generator(8);
  const x = g.randn([2, 3, 6, 5], { dtype: 'float64' }), w = g.randn([4, 3, 3, 2], { dtype: 'float64' }), b = g.randn([4], { dtype: 'float64' });
  const y = conv2d(new Tensor(x.data, { requiresGrad: true }), w, b, { stride: [2, 1], padding: 1 });
  expect(y.gradFn?.name).toBe('conv2d');
  expectFiniteDifferences((t) => conv2d(t, w, b, { stride: [2, 1], padding: 1 }), x, 9);
  expectFiniteDifferences((t) => conv2d(x, t, b, { dilation: [1, 2], padding: 'same' }), w, 10);
});
