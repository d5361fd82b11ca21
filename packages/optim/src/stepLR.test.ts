import { describe, expect, test } from 'vitest';
import { zeros } from '@tapegrad/core';
import { ExponentialLR, LRScheduler, SGD, StepLR } from '@tapegrad/optim';

const optimizer = (lrs: number[]) => new SGD(lrs.map((lr) => ({ params: [zeros([2], { requiresGrad: true })], lr })), { lr: 1 });

/** The lr of each group during each of `epochs` epochs, calling `sched.step()` at each epoch end. */
function schedule(opt: SGD, sched: LRScheduler, epochs: number): number[][] {
  const out: number[][] = [];
  for (let e = 0; e < epochs; e++) {
    out.push(opt.paramGroups.map((g) => g.lr));
    sched.step();
  }
  return out;
}
const expectClose = (actual: number[][], expected: number[][]) => {
  expect(actual.map((row) => row.length)).toEqual(expected.map((row) => row.length));
  expect(actual.flat()).toBeAllclose(expected.flat(), { rtol: 0, atol: 5e-15 }); // toBeCloseTo's 14 digits
};

describe('StepLR', () => {
  test('multiplies every group by gamma every stepSize epochs', () => {
    const opt = optimizer([1, 0.5]);
    const lrs = schedule(opt, new StepLR(opt, { stepSize: 3, gamma: 0.1 }), 10);
    expectClose(lrs, [
      [1, 0.5], [1, 0.5], [1, 0.5],
      [0.1, 0.05], [0.1, 0.05], [0.1, 0.05],
      [0.01, 0.005], [0.01, 0.005], [0.01, 0.005],
      [0.001, 0.0005],
    ]);
  });

  test('getLastLr and lastEpoch follow the steps; creating it changes nothing', () => {
    const opt = optimizer([0.2]);
    const sched = new StepLR(opt, { stepSize: 1 });
    expect(sched.lastEpoch).toBe(0);
    expect(sched.getLastLr()).toEqual([0.2]);
    expect(opt.paramGroups[0]!.lr).toBe(0.2);
    sched.step();
    expect(sched.lastEpoch).toBe(1);
    expect(sched.getLastLr()[0]).toBeCloseTo(0.02, 15); // default gamma 0.1
  });

  test('is chainable: a hand change to the lr is kept, and schedulers stack', () => {
    const opt = optimizer([1]);
    const step = new StepLR(opt, { stepSize: 2, gamma: 0.1 });
    const exp = new ExponentialLR(opt, { gamma: 0.5 });
    const lrs: number[] = [];
    for (let e = 0; e < 4; e++) {
      lrs.push(opt.paramGroups[0]!.lr);
      step.step();
      exp.step();
    }
    expect(lrs.map((x) => Number(x.toPrecision(12)))).toEqual([1, 0.5, 0.025, 0.0125]);
    opt.paramGroups[0]!.lr = 3;
    step.step();
    expect(opt.paramGroups[0]!.lr).toBe(3); // epoch 5: no decay
  });

  test('a state dict restores the schedule mid-run, with the optimizer state', () => {
    const whole = optimizer([1]);
    const expected = schedule(whole, new StepLR(whole, { stepSize: 2, gamma: 0.5 }), 7);

    const first = optimizer([1]);
    const firstSched = new StepLR(first, { stepSize: 2, gamma: 0.5 });
    const got = schedule(first, firstSched, 3);
    const optDict = first.stateDict();
    const schedDict = firstSched.stateDict();
    expect(schedDict).toEqual({ last_epoch: 3, base_lrs: [1], _last_lr: [0.5], step_size: 2, gamma: 0.5 });

    const resumed = optimizer([1]);
    const resumedSched = new StepLR(resumed, { stepSize: 5, gamma: 0.9 });
    resumed.loadStateDict(optDict);
    resumedSched.loadStateDict(schedDict);
    expect(resumedSched.stepSize).toBe(2);
    got.push(...schedule(resumed, resumedSched, 4));
    expect(got).toEqual(expected);
  });

  test.each([
    ['a stepSize of 0', { stepSize: 0 }, RangeError, 'StepLR: stepSize must be an integer >= 1 (got 0)'],
    ['a fractional stepSize', { stepSize: 2.5 }, RangeError, 'StepLR: stepSize must be an integer >= 1 (got 2.5)'],
    ['a missing stepSize', {}, TypeError, 'StepLR: stepSize must be a number (got undefined)'],
    ['a negative gamma', { stepSize: 1, gamma: -0.1 }, RangeError, 'StepLR: gamma must be >= 0 (got -0.1)'],
    ['an unknown option', { stepSize: 1, step_size: 1 }, TypeError, "StepLR: unknown option 'step_size' (expected one of stepSize, gamma)"],
  ] as const)('rejects %s', (_name, options, kind, message) => {
    expect(() => new StepLR(optimizer([1]), options as never)).toThrow(new kind(message));
  });

  test('rejects something that is not an optimizer', () => {
    expect(() => new StepLR({ paramGroups: [] } as never, { stepSize: 1 })).toThrow(new TypeError('StepLR: optimizer must be an Optimizer (got Object)'));
  });

  test('loadStateDict rejects a state for another number of groups, changing nothing', () => {
    const opt = optimizer([1, 2]);
    const sched = new StepLR(opt, { stepSize: 2 });
    const dict = { last_epoch: 4, base_lrs: [1], _last_lr: [0.01], step_size: 2, gamma: 0.1 };
    expect(() => sched.loadStateDict(dict)).toThrow(new RangeError('StepLR.loadStateDict: base_lrs must hold one lr per param group, 2 (got [1])'));
    expect(sched.lastEpoch).toBe(0);
    expect(() => sched.loadStateDict({ ...dict, base_lrs: [1, 2], _last_lr: [1, 2], step_size: 0 })).toThrow(RangeError);
    expect(sched.stateDict()).toEqual({ last_epoch: 0, base_lrs: [1, 2], _last_lr: [1, 2], step_size: 2, gamma: 0.1 });
  });
});
