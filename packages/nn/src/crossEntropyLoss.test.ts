import { describe, expect, test } from 'vitest';
import { Generator, tensor, type FloatDType, type Tensor } from '@tapegrad/core';
import { CrossEntropyLoss, Linear, Sequential, crossEntropy } from '@tapegrad/nn';
import { loadReference, type ReferenceArray } from '@tapegrad/test-support/reference';
import { toleranceFor } from '@tapegrad/test-support/allclose';

const load = (a: ReferenceArray, dtype: FloatDType, requiresGrad = false): Tensor =>
  tensor(Float64Array.from(a.data), { dtype, shape: a.shape, requiresGrad });

describe('CrossEntropyLoss against PyTorch (nn.json)', () => {
  for (const c of loadReference('nn.json').filter((k) => k.kind === 'nn.CrossEntropyLoss')) {
    test(`${c.name} matches loss and dlogits`, () => {
      const dtype = c.dtype as FloatDType;
      const logits = load(c.inputs.logits!, dtype, true);
      const loss = new CrossEntropyLoss().forward(logits, tensor(c.inputs.labels!.data, { dtype: 'int32' }));
      loss.backward();
      const tol = toleranceFor(dtype, 'reduction');
      expect(loss, 'loss').toBeAllclose(c.outputs.loss!, tol);
      expect(logits.grad!, 'dlogits').toBeAllclose(c.outputs.dlogits!, tol);
    });
  }
});

describe('CrossEntropyLoss', () => {
  test('gives crossEntropy with its reduction, and its gradient reaches a model\'s parameters', () => {
    const g = new Generator(2);
    const model = new Sequential(new Linear(4, 3, { dtype: 'float64', generator: g }));
    const x = g.randn([5, 4], { dtype: 'float64' });
    const y = [0, 2, 1, 1, 0];
    const loss = new CrossEntropyLoss().forward(model.forward(x), y);
    expect(loss.item()).toBe(crossEntropy(model.forward(x), y).item());
    loss.backward();
    expect(model.parameters().every((p) => p.grad !== null && p.grad.abs().sum().item() > 0)).toBe(true);
    const sum = new CrossEntropyLoss({ reduction: 'sum' }).forward(model.forward(x), y);
    expect(sum.item()).toBeCloseTo(5 * loss.item(), 12);
    expect(new CrossEntropyLoss({ reduction: 'none' }).forward(model.forward(x), y).shape).toEqual([5]);
  });

  test('prints as PyTorch does, naming a reduction other than mean', () => {
    expect(new CrossEntropyLoss().toString()).toBe('CrossEntropyLoss()');
    expect(new CrossEntropyLoss({ reduction: 'sum' }).toString()).toBe("CrossEntropyLoss(reduction='sum')");
    expect(new CrossEntropyLoss().parameters()).toEqual([]);
  });

  test('checks its reduction and passes label errors through', () => {
    expect(() => new CrossEntropyLoss({ reduction: 'max' as 'sum' })).toThrow("CrossEntropyLoss: reduction must be 'mean', 'sum' or 'none' (got max)");
    expect(() => new CrossEntropyLoss().forward(tensor([[0, 0, 0]]), [3])).toThrow('crossEntropy: target[0] must be a class index in [0, 3) (got 3)');
  });
});
