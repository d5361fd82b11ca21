import { describe, expect, test } from 'vitest';
import { tensor, type Tensor } from '@tapegrad/core';
import { RMSprop, type RMSpropOptions } from '@tapegrad/optim';

const scalar = (v: number) => tensor([v], { dtype: 'float64', requiresGrad: true });
function steps(opt: RMSprop, w: Tensor, grads: number[]): number[] {
  return grads.map((g) => {
    w.grad = tensor([g], { dtype: 'float64' });
    opt.step();
    return w.item();
  });
}

describe('RMSprop', () => {
  test('with momentum, the buffer starts at zero and accumulates g/sqrt(s)', () => {
    const w = scalar(1);
    const opt = new RMSprop([w], { lr: 0.1, alpha: 0.75, eps: 0, momentum: 0.9 });
    const [w1, w2] = steps(opt, w, [0.5, 0.5]);
    expect(w1).toBeCloseTo(0.8, 15); // s = 0.25·0.25, sqrt(s) = 0.25, b = 2
    expect(w2).toBeCloseTo(0.8 - 0.1 * (0.9 * 2 + 0.5 / Math.sqrt(0.75 * 0.0625 + 0.0625)), 15);
  });

  test('centered, it divides by the root of s − ḡ², after weight decay', () => {
    const w = scalar(1);
    const opt = new RMSprop([w], { lr: 0.1, alpha: 0.9, eps: 0, momentum: 0.5, centered: true, weightDecay: 0.1 });
    const [w1] = steps(opt, w, [0.5]);
    // g = 0.5 + 0.1·1 = 0.6; s = 0.036; ḡ = 0.06; sqrt(0.036 − 0.0036) = 0.18; b = 0.6/0.18
    expect(w1).toBeCloseTo(1 - 0.1 * (0.6 / 0.18), 14);
    const state = opt.state.get(w)!;
    expect(state.step).toBe(1);
    expect(state.gradAvg!.item()).toBeCloseTo(0.06, 15);
    expect(state.momentumBuffer!.item()).toBeCloseTo(0.6 / 0.18, 14);
  });

  test('without momentum or centering it keeps only the squared average', () => {
    const w = scalar(1);
    const opt = new RMSprop([w]);
    steps(opt, w, [1]);
    expect(Object.keys(opt.state.get(w)!)).toEqual(['step', 'squareAvg']);
  });

  const invalid: [string, Partial<RMSpropOptions>, new (message: string) => Error, string][] = [
    ['alpha equal to 1', { alpha: 1 }, RangeError, 'RMSprop: alpha must be in [0, 1) (got 1)'],
    ['a negative momentum', { momentum: -0.5 }, RangeError, 'RMSprop: momentum must be >= 0 (got -0.5)'],
    ['a negative eps', { eps: -1 }, RangeError, 'RMSprop: eps must be >= 0 (got -1)'],
    ['a negative lr', { lr: -1e-2 }, RangeError, 'RMSprop: lr must be >= 0 (got -0.01)'],
    ['a centered that is not a boolean', { centered: null as unknown as boolean }, TypeError, 'RMSprop: centered must be true or false (got null)'],
  ];
  test.each(invalid)('rejects %s', (_name, options, kind, message) => {
    expect(() => new RMSprop([scalar(1)], options)).toThrow(new kind(message));
  });
});
