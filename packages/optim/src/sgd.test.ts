import { describe, expect, test } from 'vitest';
import { tensor, type Tensor } from '@tapegrad/core';
import { SGD, type SGDOptions } from '@tapegrad/optim';

const scalar = (v: number) => tensor([v], { dtype: 'float64', requiresGrad: true });
function steps(opt: SGD, w: Tensor, grads: number[]): number[] {
  return grads.map((g) => {
    w.grad = tensor([g], { dtype: 'float64' });
    opt.step();
    return w.item();
  });
}

describe('SGD', () => {
  test('the first momentum step uses the gradient itself, without dampening; later ones dampen it', () => {
    const w = scalar(1);
    const opt = new SGD([w], { lr: 0.1, momentum: 0.9, dampening: 0.5 });
    const [w1, w2] = steps(opt, w, [1, 1]);
    expect(w1).toBeCloseTo(0.9, 15); // b = 1
    expect(w2).toBeCloseTo(0.76, 15); // b = 0.9·1 + 0.5·1 = 1.4
    expect(opt.state.get(w)!.momentumBuffer!.item()).toBeCloseTo(1.4, 15);
  });

  test('weight decay is added to the gradient before the momentum buffer', () => {
    const w = scalar(1);
    const opt = new SGD([w], { lr: 0.1, momentum: 0.9, weightDecay: 0.1 });
    const [w1, w2] = steps(opt, w, [1, 1]);
    expect(w1).toBeCloseTo(0.89, 15); // d = 1.1, b = 1.1
    expect(w2).toBeCloseTo(0.89 - 0.1 * (0.9 * 1.1 + 1 + 0.1 * 0.89), 15);
  });

  test('Nesterov steps along g + μ·b', () => {
    const w = scalar(1);
    const opt = new SGD([w], { lr: 0.1, momentum: 0.5, nesterov: true });
    const [w1, w2] = steps(opt, w, [1, 2]);
    expect(w1).toBeCloseTo(1 - 0.1 * 1.5, 15); // b = 1
    expect(w2).toBeCloseTo(w1! - 0.1 * (2 + 0.5 * 2.5), 15); // b = 0.5 + 2
  });

  test('without momentum it keeps no buffer', () => {
    const w = scalar(1);
    const opt = new SGD([w], { lr: 0.1 });
    steps(opt, w, [1]);
    expect(opt.state.get(w)).toEqual({});
  });

  const invalid: [string, Partial<SGDOptions> & { lr: number }, new (message: string) => Error, string][] = [
    ['a negative lr', { lr: -0.1 }, RangeError, 'SGD: lr must be >= 0 (got -0.1)'],
    ['a NaN lr', { lr: NaN }, RangeError, 'SGD: lr must be a finite number (got NaN)'],
    ['a missing lr', {} as { lr: number }, TypeError, 'SGD: lr must be a number (got undefined)'],
    ['a lr that is a string', { lr: '0.1' as unknown as number }, TypeError, "SGD: lr must be a number (got '0.1')"],
    ['a negative momentum', { lr: 0.1, momentum: -0.9 }, RangeError, 'SGD: momentum must be >= 0 (got -0.9)'],
    ['a dampening above 1', { lr: 0.1, momentum: 0.9, dampening: 1.5 }, RangeError, 'SGD: dampening must be in [0, 1] (got 1.5)'],
    ['a negative weight decay', { lr: 0.1, weightDecay: -1e-4 }, RangeError, 'SGD: weightDecay must be >= 0 (got -0.0001)'],
    ['nesterov without momentum', { lr: 0.1, nesterov: true }, RangeError, 'SGD: nesterov requires momentum > 0 and dampening 0 (got momentum 0, dampening 0)'],
    ['nesterov with dampening', { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }, RangeError, 'SGD: nesterov requires momentum > 0 and dampening 0 (got momentum 0.9, dampening 0.1)'],
    ['a nesterov that is not a boolean', { lr: 0.1, momentum: 0.9, nesterov: 1 as unknown as boolean }, TypeError, 'SGD: nesterov must be true or false (got 1)'],
  ];
  test.each(invalid)('rejects %s', (_name, options, kind, message) => {
    expect(() => new SGD([scalar(1)], options)).toThrow(new kind(message));
  });
});
