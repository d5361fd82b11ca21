import { describe, expect, test } from 'vitest';
import { zeros } from '@tapegrad/core';
import { Adam, ExponentialLR } from '@tapegrad/optim';

const adam = (lr: number) => new Adam([zeros([2], { requiresGrad: true })], { lr });

describe('ExponentialLR', () => {
  test('multiplies the lr by gamma every epoch', () => {
    const opt = adam(0.8);
    const sched = new ExponentialLR(opt, { gamma: 0.5 });
    const lrs: number[] = [];
    for (let e = 0; e < 4; e++) {
      lrs.push(opt.paramGroups[0]!.lr);
      sched.step();
    }
    expect(lrs).toEqual([0.8, 0.4, 0.2, 0.1]);
    expect(sched.getLastLr()).toEqual([0.05]);
  });

  test('a state dict round trip restores gamma and the epoch', () => {
    const sched = new ExponentialLR(adam(1), { gamma: 0.9 });
    sched.step();
    const other = new ExponentialLR(adam(1), { gamma: 0.1 });
    other.loadStateDict(sched.stateDict());
    expect(other.gamma).toBe(0.9);
    expect(other.lastEpoch).toBe(1);
    expect(other.getLastLr()).toEqual([0.9]);
  });

  test.each([
    ['a missing gamma', {}, TypeError, 'ExponentialLR: gamma must be a number (got undefined)'],
    ['a NaN gamma', { gamma: NaN }, RangeError, 'ExponentialLR: gamma must be a finite number (got NaN)'],
    ['a negative gamma', { gamma: -2 }, RangeError, 'ExponentialLR: gamma must be >= 0 (got -2)'],
  ] as const)('rejects %s', (_name, options, kind, message) => {
    expect(() => new ExponentialLR(adam(1), options as never)).toThrow(new kind(message));
  });
});
