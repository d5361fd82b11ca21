import { describe, expect, test } from 'vitest';
import { tensor } from '@tapegrad/core';
import { Adam, AdamW, type AdamOptions } from '@tapegrad/optim';

const scalar = (v: number) => tensor([v], { dtype: 'float64', requiresGrad: true });

describe('Adam and AdamW', () => {
  test('the first step moves each weight by lr·g/(|g| + eps): the bias corrections cancel', () => {
    const w = tensor([1, -1, 0.5], { dtype: 'float64', requiresGrad: true });
    const opt = new Adam([w], { lr: 0.1, eps: 1e-3 });
    w.grad = tensor([2, -0.5, 0.001], { dtype: 'float64' });
    opt.step();
    const expected = [1 - 0.1 * 2 / 2.001, -1 + 0.1 * 0.5 / 0.501, 0.5 - 0.1 * 0.001 / 0.002];
    expect(w).toBeAllclose(expected, { rtol: 0, atol: 5e-15 }); // toBeCloseTo's 14 digits
  });

  test('amsgrad divides by the largest second moment so far', () => {
    // a large gradient, then small ones: v decays but amsgrad keeps its maximum
    const plain = scalar(0);
    const ams = scalar(0);
    const a = new Adam([plain], { lr: 0.1 });
    const b = new Adam([ams], { lr: 0.1, amsgrad: true });
    for (const g of [10, 0.1, 0.1]) {
      plain.grad = tensor([g], { dtype: 'float64' });
      ams.grad = tensor([g], { dtype: 'float64' });
      a.step();
      b.step();
    }
    const state = b.state.get(ams)!;
    expect(state.maxExpAvgSq!.item()).toBeCloseTo(0.001 * 100, 14);
    expect(state.maxExpAvgSq!.item()).toBeGreaterThan(state.expAvgSq.item());
    expect(Math.abs(ams.item())).toBeLessThan(Math.abs(plain.item()));
  });

  test("Adam's weight decay goes into the gradient, AdamW's shrinks the weight", () => {
    const w1 = scalar(2);
    const w2 = scalar(2);
    const adam = new Adam([w1], { lr: 0.1, weightDecay: 0.5 });
    const adamW = new AdamW([w2], { lr: 0.1, weightDecay: 0.5 });
    w1.grad = tensor([0], { dtype: 'float64' });
    w2.grad = tensor([0], { dtype: 'float64' });
    adam.step();
    adamW.step();
    expect(w1.item()).toBeCloseTo(2 - 0.1 * 1 / (1 + 1e-8), 14); // g = 0 + 0.5·2 = 1: a full lr step
    expect(w2.item()).toBeCloseTo(2 * (1 - 0.1 * 0.5), 14); // g = 0: only the decay
  });

  test("AdamW's default weight decay is 1e-2, Adam's 0", () => {
    expect(new AdamW([scalar(1)]).paramGroups[0]!.weightDecay).toBe(1e-2);
    expect(new Adam([scalar(1)]).paramGroups[0]!.weightDecay).toBe(0);
  });

  test('AdamW is an Adam (as in PyTorch since 2.6) with its own name and defaults; a subclass of AdamW is an AdamW', () => {
    const adamW = new AdamW([scalar(1)]);
    expect(adamW).toBeInstanceOf(Adam);
    expect([adamW.name, adamW.defaults.weightDecay]).toEqual(['AdamW', 1e-2]);
    class MyAdamW extends AdamW {}
    const mine = new MyAdamW([scalar(2)], { lr: 0.1, weightDecay: 0.5 });
    mine.paramGroups[0]!.params[0]!.grad = tensor([0], { dtype: 'float64' });
    mine.step();
    expect([mine.name, mine.paramGroups[0]!.params[0]!.item()]).toEqual(['AdamW', 2 * (1 - 0.1 * 0.5)]);
  });

  const invalid: [string, Partial<AdamOptions>, new (message: string) => Error, string][] = [
    ['betas[0] above 1', { betas: [1.2, 0.999] }, RangeError, 'Adam: betas[0] must be in [0, 1) (got 1.2)'],
    ['betas[1] equal to 1', { betas: [0.9, 1] }, RangeError, 'Adam: betas[1] must be in [0, 1) (got 1)'],
    ['a negative beta', { betas: [-0.1, 0.999] }, RangeError, 'Adam: betas[0] must be in [0, 1) (got -0.1)'],
    ['betas that are not a pair', { betas: [0.9] as unknown as [number, number] }, TypeError, 'Adam: betas must be a pair of numbers (got [0.9])'],
    ['an infinite lr', { lr: Infinity }, RangeError, 'Adam: lr must be a finite number (got Infinity)'],
    ['a negative eps', { eps: -1e-8 }, RangeError, 'Adam: eps must be >= 0 (got -1e-8)'],
    ['a negative weight decay', { weightDecay: -0.1 }, RangeError, 'Adam: weightDecay must be >= 0 (got -0.1)'],
    ['an amsgrad that is not a boolean', { amsgrad: 'yes' as unknown as boolean }, TypeError, "Adam: amsgrad must be true or false (got 'yes')"],
  ];
  test.each(invalid)('Adam rejects %s', (_name, options, kind, message) => {
    expect(() => new Adam([scalar(1)], options)).toThrow(new kind(message));
  });
  test('AdamW names itself in its errors', () => {
    expect(() => new AdamW([scalar(1)], { betas: [0.9, NaN] })).toThrow(new RangeError('AdamW: betas[1] must be a finite number (got NaN)'));
  });
});
