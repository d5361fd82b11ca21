/**
 * The fused cross-entropy against its composed twin, bit for bit: the loss and dlogits of every
 * reduction in float32 and float64, on ordinary, shifted, spread and saturated logits, under upstream
 * gradients other than 1; and what its node keeps (labels changed after the call, a second backward).
 * `fusedOpTable.test.ts` adds the tolerance comparison and the float64 gradcheck of both forms.
 */
import { describe, expect, test } from 'vitest';
import { Generator, tensor, type FloatDType, type Tensor } from '@tapegrad/core';
import { crossEntropy, crossEntropyComposed, crossEntropyFused, type CrossEntropyOptions } from '@tapegrad/nn';

type Form = typeof crossEntropyFused;

/** The loss and dlogits of `form` on fresh leaves holding `values`, with upstream gradient `G` (ones when absent). */
function lossAndGrad(form: Form, values: Float64Array, shape: [number, number], dtype: FloatDType, labels: number[], opts: CrossEntropyOptions, G?: number[]) {
  const x = tensor(values, { dtype, shape, requiresGrad: true });
  const loss = form(x, labels, opts);
  loss.backward(G === undefined ? undefined : tensor(G, { dtype, shape: loss.shape }));
  return { loss: Array.from(loss.toFloat64Array()), grad: Array.from(x.grad!.toFloat64Array()) };
}

/** Logits: N(0, 1)·scale + shift, from seed. */
const draw = (seed: number, n: number, c: number, scale = 1, shift = 0): Float64Array =>
  new Generator(seed).randn([n, c], { dtype: 'float64' }).toFloat64Array().map((v) => v * scale + shift);

describe('crossEntropyFused equals crossEntropyComposed bit for bit', () => {
  const cases: { name: string; values: Float64Array; n: number; c: number }[] = [
    { name: 'W1-sized, [50, 10]', values: draw(1, 50, 10, 3), n: 50, c: 10 },
    { name: 'near 1e4', values: draw(2, 7, 4, 1, 1e4), n: 7, c: 4 },
    { name: 'spread over 1e3', values: draw(3, 6, 5, 400), n: 6, c: 5 },
    { name: 'saturated (one logit 1e3 above the others)', values: Float64Array.from({ length: 12 }, (_, i) => (i % 4 === 1 ? 1000 : i)), n: 3, c: 4 },
    { name: 'one class', values: draw(4, 3, 1), n: 3, c: 1 },
  ];
  for (const { name, values, n, c } of cases) {
    const labels = Array.from({ length: n }, (_, i) => (i * 7 + 3) % c);
    for (const dtype of ['float32', 'float64'] as const) {
      for (const reduction of ['mean', 'sum', 'none'] as const) {
        test(`${name}, ${dtype}, ${reduction}`, () => {
          const G = reduction === 'none' ? Array.from({ length: n }, (_, i) => (i % 3) - 0.75) : [0.3];
          for (const upstream of [undefined, G]) {
            if (reduction === 'none' && upstream === undefined) continue; // (a non-scalar needs one)
            const a = lossAndGrad(crossEntropyFused, values, [n, c], dtype, labels, { reduction }, upstream);
            const b = lossAndGrad(crossEntropyComposed, values, [n, c], dtype, labels, { reduction }, upstream);
            expect(a.loss).toEqual(b.loss);
            expect(a.grad).toEqual(b.grad);
          }
        });
      }
    }
  }

  test('NaN and infinite logits give what the composed form gives', () => {
    const values = Float64Array.from([NaN, 1, 2, Infinity, 0, 1, -Infinity, 3, 2]);
    for (const dtype of ['float32', 'float64'] as const) {
      const a = lossAndGrad(crossEntropyFused, values, [3, 3], dtype, [1, 1, 1], {}, [2]);
      const b = lossAndGrad(crossEntropyComposed, values, [3, 3], dtype, [1, 1, 1], {}, [2]);
      expect(a).toEqual(b);
    }
  });

  test('crossEntropy is the fused form: one node', () => {
    const x = tensor(draw(5, 4, 3), { dtype: 'float64', shape: [4, 3], requiresGrad: true });
    expect(String(crossEntropy(x, [0, 1, 2, 0]).gradFn)).toBe('<CrossEntropyFusedBackward>');
    expect(crossEntropy(x, [0, 1, 2, 0]).gradFn!.inputs[0]).toBe(x);
  });
});

describe("what the fused form's node keeps", () => {
  test('labels changed after the call, and the logits tensor, leave its backward as it was', () => {
    const values = draw(6, 5, 4);
    const want = lossAndGrad(crossEntropyFused, values, [5, 4], 'float64', [0, 1, 2, 3, 0], {});
    const x = tensor(values, { dtype: 'float64', shape: [5, 4], requiresGrad: true });
    const labels = [0, 1, 2, 3, 0];
    const labelTensor = tensor(labels, { dtype: 'int32' });
    const loss = crossEntropyFused(x, labelTensor);
    crossEntropyFused(x, [3, 3, 3, 3, 3]); // another call in between, other labels
    labelTensor.data.data[0] = 3;
    loss.backward();
    expect(Array.from(x.grad!.toFloat64Array())).toEqual(want.grad);
  });

  test('graphs alive together, more of them than the states it keeps, each backward with its own rows', () => {
    const values = draw(9, 4, 5);
    const labelsOf = (k: number) => [k % 5, (k + 1) % 5, (k + 3) % 5, (2 * k) % 5];
    const want = Array.from({ length: 12 }, (_, k) => lossAndGrad(crossEntropyComposed, values, [4, 5], 'float32', labelsOf(k), {}, [k + 1]).grad);
    const x = tensor(values, { dtype: 'float32', shape: [4, 5], requiresGrad: true });
    const losses = Array.from({ length: 12 }, (_, k) => crossEntropyFused(x.mul(1), labelsOf(k))); // (each its own leaf-free graph)
    crossEntropyFused(x, [1, 1, 1, 1]).backward(); // a call that frees its state, in between
    for (const k of [0, 11, 5, 1, 10, 2, 9, 3, 8, 4, 7, 6]) {
      x.grad = null;
      losses[k]!.backward(tensor([k + 1], { dtype: 'float32', shape: [] }));
      expect(Array.from(x.grad!.toFloat64Array()), `loss ${k}`).toEqual(want[k]);
      const after = crossEntropyFused(x.mul(1), [4, 4, 4, 4]); // takes a state freed by that backward
      after.backward();
    }
  });

  test('backward twice with retainGraph gives the same gradient twice', () => {
    const x = tensor(draw(7, 4, 6), { dtype: 'float32', shape: [4, 6], requiresGrad: true });
    const loss = crossEntropyFused(x, [5, 0, 2, 2]);
    loss.backward(undefined, { retainGraph: true });
    const first = Array.from(x.grad!.toFloat64Array());
    x.grad = null;
    crossEntropyFused(x, [1, 1, 1, 1]).backward(); // (must not take the state the retained graph holds)
    x.grad = null;
    loss.backward();
    expect(Array.from(x.grad!.toFloat64Array())).toEqual(first);
  });

  test('without a gradient to record it records nothing and gives the same loss', () => {
    const values = draw(8, 3, 4);
    const x: Tensor = tensor(values, { dtype: 'float64', shape: [3, 4] });
    const loss = crossEntropyFused(x, [1, 2, 3]);
    expect(loss.gradFn).toBeNull();
    expect(loss.item()).toBe(crossEntropyComposed(x, [1, 2, 3]).item());
  });
});
