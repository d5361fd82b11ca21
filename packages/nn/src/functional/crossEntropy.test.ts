import { describe, expect, test } from 'vitest';
import { DtypeError, Generator, ShapeError, Tensor, createNdArray, gradcheck, tensor, type FloatDType } from '@tapegrad/core';
import { crossEntropy, crossEntropyComposed } from '@tapegrad/nn';
import { loadReference, type ReferenceArray } from '@tapegrad/test-support/reference';
import { toleranceFor } from '@tapegrad/test-support/allclose';

const load = (a: ReferenceArray, dtype: FloatDType, requiresGrad = false): Tensor =>
  tensor(Float64Array.from(a.data), { dtype, shape: a.shape, requiresGrad });

describe('crossEntropy against PyTorch (nn.json)', () => {
  const cases = loadReference('nn.json').filter((c) => c.kind === 'nn.CrossEntropyLoss');
  test('the reference file has the plain, shifted and spread cases', () => {
    expect(cases.map((c) => c.name).sort()).toEqual([
      'cross_entropy_4x3_shifted_f64', 'cross_entropy_4x3_spread_f64', 'cross_entropy_5x4_f32', 'cross_entropy_5x4_f64',
    ]);
  });
  for (const c of cases) {
    for (const labels of ['number[]', 'int32 tensor'] as const) {
      test(`${c.name} matches loss and dlogits (labels as ${labels})`, () => {
        const dtype = c.dtype as FloatDType;
        const logits = load(c.inputs.logits!, dtype, true);
        const target = labels === 'number[]' ? c.inputs.labels!.data : tensor(c.inputs.labels!.data, { dtype: 'int32' });
        const loss = crossEntropy(logits, target);
        expect(loss.shape).toEqual([]);
        expect(loss.dtype).toBe(dtype);
        loss.backward();
        const tol = toleranceFor(dtype, 'reduction');
        expect(loss, 'loss').toBeAllclose(c.outputs.loss!, tol);
        expect(logits.grad!, 'dlogits').toBeAllclose(c.outputs.dlogits!, tol);
      });
    }
  }

  // logits near 1e4 (a naive exp overflows) or spread over 1e3 (a naive log(softmax) hits log 0):
  // the stable form is exact up to the rounding of the inputs themselves
  for (const name of ['cross_entropy_4x3_shifted_f64', 'cross_entropy_4x3_spread_f64']) {
    test(`${name} is exact: loss and dlogits to the elementwise tolerance, all finite`, () => {
      const c = cases.find((k) => k.name === name)!;
      const logits = load(c.inputs.logits!, 'float64', true);
      expect(Math.max(...logits.toFloat64Array().map(Math.exp))).toBe(Infinity);
      const loss = crossEntropy(logits, c.inputs.labels!.data);
      loss.backward();
      expect(Number.isFinite(loss.item())).toBe(true);
      expect(logits.grad!.toFloat64Array().every(Number.isFinite)).toBe(true);
      expect(loss, 'loss').toBeAllclose(c.outputs.loss!, { rtol: 1e-13, a: 1e-12 });
      expect(logits.grad!, 'dlogits').toBeAllclose(c.outputs.dlogits!, toleranceFor('float64', 'elementwise'));
    });
  }
});

describe('crossEntropy', () => {
  const g = new Generator(21);
  const logits = g.randn([6, 4], { dtype: 'float64' });
  const target = [3, 0, 1, 1, 2, 0];

  test('the loss is mean_i(logsumexp(logits_i) - logits_i[target_i]) and dlogits = (softmax - onehot)/N', () => {
    const x = tensor(logits.toFloat64Array(), { dtype: 'float64', shape: [6, 4], requiresGrad: true });
    const loss = crossEntropy(x, target);
    loss.backward();
    const rows = logits.toArray() as number[][];
    let want = 0;
    const dwant: number[][] = [];
    rows.forEach((r, i) => {
      const m = Math.max(...r);
      const z = r.reduce((s, v) => s + Math.exp(v - m), 0);
      want += m + Math.log(z) - r[target[i]!]!;
      dwant.push(r.map((v, j) => (Math.exp(v - m) / z - (j === target[i] ? 1 : 0)) / 6));
    });
    expect(loss.item()).toBeCloseTo(want / 6, 13);
    expect(x.grad!, 'dlogits').toBeAllclose(dwant.flat(), { rtol: 1e-12, a: 1e-14 });
  });

  test("reduction 'sum' is N times 'mean', and 'none' gives the per-sample losses", () => {
    const mean = crossEntropy(logits, target).item();
    expect(crossEntropy(logits, target, { reduction: 'sum' }).item()).toBeCloseTo(6 * mean, 12);
    const none = crossEntropy(logits, target, { reduction: 'none' });
    expect(none.shape).toEqual([6]);
    expect(none.mean().item()).toBeCloseTo(mean, 14);
    expect(none.toFloat64Array().every((v) => v > 0)).toBe(true);
    expect(crossEntropy(logits.index([2]), [target[2]!]).item()).toBeCloseTo(none.toFloat64Array()[2]!, 14);
  });

  test('gradcheck passes for every reduction', () => {
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      const x = tensor(logits.toFloat64Array(), { dtype: 'float64', shape: [6, 4], requiresGrad: true });
      expect(gradcheck((t) => crossEntropy(t, target, { reduction }), [x]).ok, reduction).toBe(true);
    }
  });

  test('float32 logits give a float32 loss', () => {
    const loss = crossEntropy(logits.to('float32'), target);
    expect(loss.dtype).toBe('float32');
    expect(loss.item()).toBeCloseTo(crossEntropy(logits, target).item(), 5);
  });

  test('labels are checked: integer, in [0, C), one per row', () => {
    const x = new Generator(1).randn([5, 10], { dtype: 'float64' });
    expect(() => crossEntropy(x, [0, 1, 2, 12, 4])).toThrow(RangeError);
    expect(() => crossEntropy(x, [0, 1, 2, 12, 4])).toThrow('crossEntropy: target[3] must be a class index in [0, 10) (got 12)');
    expect(() => crossEntropy(x, [0, -1, 2, 3, 4])).toThrow('crossEntropy: target[1] must be a class index in [0, 10) (got -1)');
    expect(() => crossEntropy(x, [0, 1, 2.5, 3, 4])).toThrow('crossEntropy: target[2] must be a class index in [0, 10) (got 2.5)');
    expect(() => crossEntropy(x, [0, 1, 2, 3, 10])).toThrow('crossEntropy: target[4] must be a class index in [0, 10) (got 10)');
    expect(() => crossEntropy(x, tensor([0, 1, 2, 3, 99], { dtype: 'int32' }))).toThrow('crossEntropy: target[4] must be a class index in [0, 10) (got 99)');
    expect(() => crossEntropy(x, [0, 1, 2])).toThrow(ShapeError);
    expect(() => crossEntropy(x, [0, 1, 2])).toThrow('crossEntropy: expected target [5] (got 3 labels)');
    expect(() => crossEntropy(x, tensor([[0, 1, 2, 3, 4]], { dtype: 'int32' }))).toThrow('crossEntropy: expected target [5] (got [1, 5])');
    expect(() => crossEntropy(x, tensor([0, 1, 2, 3, 4], { dtype: 'float64' }))).toThrow(DtypeError);
    expect(() => crossEntropy(x, tensor([0, 1, 2, 3, 4], { dtype: 'float64' }))).toThrow('crossEntropy: target must be an int32 tensor of class indices (got float64)');
  });

  test('the composed form\'s inner steps go back to the pool once backward frees the graph; what it returns is the caller\'s', () => {
    const x = tensor(logits.toFloat64Array(), { dtype: 'float64', shape: [6, 4], requiresGrad: true });
    /** The tensors between the result and the logits: the losses (before the mean), the picked log-probabilities, their flat view, the log-softmax. */
    const steps = (t: Tensor) => {
      const chain: Tensor[] = [];
      for (let u = t.gradFn!.inputs[0]!; u !== x; u = u.gradFn!.inputs[0]!) chain.push(u);
      return chain;
    };
    const loss = crossEntropyComposed(x, target);
    const inner = steps(loss);
    expect(inner).toHaveLength(4);
    loss.backward();
    expect(inner.map((t) => t.isReleased)).toEqual([true, true, true, true]);
    expect(loss.isReleased).toBe(false);

    const none = crossEntropyComposed(x, target, { reduction: 'none' });
    const noneSteps = steps(none);
    none.sum().backward();
    expect(none.isReleased).toBe(false); // returned: the caller's
    expect(noneSteps.map((t) => t.isReleased)).toEqual([true, true, true]);
    expect(none.toFloat64Array().every((v) => v > 0)).toBe(true);
  });

  test('a label tensor with a stride and an offset is read through them', () => {
    const labels = createNdArray('int32', [13]);
    target.forEach((label, i) => (labels.data[1 + 2 * i] = label));
    const strided = new Tensor(labels.lo(1).step(2)); // [6], offset 1, stride 2
    expect(strided.data.stride).toEqual([2]);
    expect(crossEntropy(logits, strided).item()).toBe(crossEntropy(logits, target).item());
  });

  test('logits and options are checked', () => {
    expect(() => crossEntropy(tensor([1, 2, 3]), [0])).toThrow('crossEntropy: expected logits [N, C] (got [3])');
    expect(() => crossEntropy(tensor([[1, 2]], { dtype: 'int32' }), [0])).toThrow('crossEntropy: logits must be float32 or float64 (got int32)');
    expect(() => crossEntropy(logits, target, { reduction: 'avg' as 'mean' })).toThrow("crossEntropy: reduction must be 'mean', 'sum' or 'none' (got avg)");
  });
});
