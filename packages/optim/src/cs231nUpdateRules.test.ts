import { describe, expect, test } from 'vitest';
import { DtypeError, ShapeError, tensor, zeros, type Tensor } from '@tapegrad/core';
import { copyOptimConfig, cs231nUpdateRules, type Cs231nOptimConfig, type Cs231nRuleName } from '@tapegrad/optim';

const w64 = (values: number[]) => tensor(values, { dtype: 'float64' });

describe("cs231n's update rules", () => {
  test("each rule fills cs231n's defaults into the config it is given and returns it", () => {
    const rules: [Cs231nRuleName, Record<string, unknown>][] = [
      ['sgd', { learningRate: 1e-2 }],
      ['sgd_momentum', { learningRate: 1e-2, momentum: 0.9 }],
      ['rmsprop', { learningRate: 1e-2, decayRate: 0.99, epsilon: 1e-8 }],
      ['adam', { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, t: 1 }],
    ];
    for (const [name, defaults] of rules) {
      const config = {};
      const out = cs231nUpdateRules[name](w64([1, 2]), w64([0.1, 0.2]), config);
      expect(out, name).toBe(config);
      expect(out, name).toMatchObject(defaults);
    }
  });

  test('without a config, a new one is made', () => {
    const config = cs231nUpdateRules.sgd_momentum(w64([1]), w64([1]));
    expect(config.velocity.toArray()).toEqual([-0.01]);
  });

  test('sgd_momentum: v = μ·v − lr·dw, w += v, with the velocity updated in place', () => {
    const w = w64([1, 2]);
    const config = cs231nUpdateRules.sgd_momentum(w, w64([1, -1]), { learningRate: 0.1, momentum: 0.5 });
    const velocity = config.velocity;
    cs231nUpdateRules.sgd_momentum(w, w64([1, -1]), config);
    expect(config.velocity).toBe(velocity);
    expect(velocity.toArray()).toEqual([-0.15000000000000002, 0.15000000000000002]); // 0.5·(−0.1) − 0.1
    expect(w.toArray()).toEqual([1 - 0.1 - 0.15000000000000002, 2 + 0.1 + 0.15000000000000002]);
  });

  test('adam increments t before using it, so the first step is lr·dw/(|dw| + ε)', () => {
    const w = w64([1]);
    const config = cs231nUpdateRules.adam(w, w64([0.5]), { learningRate: 0.1, epsilon: 0 });
    expect(config.t).toBe(1);
    expect(w.item()).toBeCloseTo(0.9, 15);
    cs231nUpdateRules.adam(w, w64([0.5]), config);
    expect(config.t).toBe(2);
    expect(w.item()).toBeCloseTo(0.8, 14); // a constant dw: every bias-corrected step is lr
  });

  test('rmsprop: cache = ρ·cache + (1 − ρ)·dw², w −= lr·dw/(sqrt(cache) + ε)', () => {
    const w = w64([1]);
    const config = cs231nUpdateRules.rmsprop(w, w64([2]), { learningRate: 0.1, decayRate: 0.75, epsilon: 0 });
    expect(config.cache.item()).toBe(1); // 0.25·4
    expect(w.item()).toBeCloseTo(0.8, 15); // 0.1·2/1
  });

  test('a float32 w gets float32 buffers; a given float64 buffer is converted once', () => {
    const w = tensor([1, 2], { dtype: 'float32' });
    const config = cs231nUpdateRules.adam(w, tensor([1, 1], { dtype: 'float32' }), { v: zeros([2], { dtype: 'float64' }) });
    expect(config.m.dtype).toBe('float32');
    expect(config.v.dtype).toBe('float32');
    const v = config.v;
    cs231nUpdateRules.adam(w, tensor([1, 1], { dtype: 'float32' }), config);
    expect(config.v).toBe(v);
  });

  test('per-parameter configs, as the Solver keeps them, decay their learning rates independently', () => {
    const optimConfig: Cs231nOptimConfig = { learningRate: 0.1 };
    const params = { W1: w64([1, 1]), b1: w64([0]) };
    const configs = new Map(Object.keys(params).map((k) => [k, copyOptimConfig(optimConfig)]));
    for (const [name, p] of Object.entries(params)) configs.set(name, cs231nUpdateRules.sgd_momentum(p, w64(p.toArray() as number[]), configs.get(name)));
    for (const config of configs.values()) config.learningRate! *= 0.5; // lrDecay at the end of an epoch
    expect(optimConfig).toEqual({ learningRate: 0.1 });
    expect([...configs.values()].map((c) => c.learningRate)).toEqual([0.05, 0.05]);
    expect(configs.get('W1')!.velocity).not.toBe(configs.get('b1')!.velocity);
  });

  test('copyOptimConfig copies buffers, so one parameter never updates another one’s', () => {
    const velocity = w64([1, 2]);
    const original: Cs231nOptimConfig = { learningRate: 0.1, momentum: 0.9, velocity };
    const copy = copyOptimConfig(original);
    expect(copy.velocity).not.toBe(velocity);
    cs231nUpdateRules.sgd_momentum(w64([0, 0]), w64([1, 1]), copy);
    expect(velocity.toArray()).toEqual([1, 2]);
    expect(copy.velocity!.toArray()).toEqual([0.9 - 0.1, 1.8 - 0.1]);
  });

  const invalid: [string, () => unknown, new (message: string) => Error, string][] = [
    ["Python's snake_case key", () => cs231nUpdateRules.sgd(w64([1]), w64([1]), { learning_rate: 0.1 } as never), TypeError,
      "sgd: unknown config key 'learning_rate' (expected one of learningRate)"],
    ['a key of another rule', () => cs231nUpdateRules.adam(w64([1]), w64([1]), { momentum: 0.9 } as never), TypeError,
      "adam: unknown config key 'momentum' (expected one of learningRate, beta1, beta2, epsilon, m, v, t)"],
    ['a negative learning rate', () => cs231nUpdateRules.sgd(w64([1]), w64([1]), { learningRate: -1 }), RangeError,
      'sgd: learningRate must be >= 0 (got -1)'],
    ['a decay rate of 1', () => cs231nUpdateRules.rmsprop(w64([1]), w64([1]), { decayRate: 1 }), RangeError,
      'rmsprop: decayRate must be in [0, 1) (got 1)'],
    ['a beta1 of NaN', () => cs231nUpdateRules.adam(w64([1]), w64([1]), { beta1: NaN }), RangeError,
      'adam: beta1 must be a finite number (got NaN)'],
    ['a fractional t', () => cs231nUpdateRules.adam(w64([1]), w64([1]), { t: 1.5 }), RangeError,
      'adam: t must be an integer >= 0 (got 1.5)'],
    ['a negative momentum', () => cs231nUpdateRules.sgd_momentum(w64([1]), w64([1]), { momentum: -0.9 }), RangeError,
      'sgd_momentum: momentum must be >= 0 (got -0.9)'],
    ['a dw of another shape', () => cs231nUpdateRules.sgd(w64([1, 2]), w64([1])), ShapeError,
      'sgd: dw must have the shape [2] (got [1])'],
    ['a buffer of another shape', () => cs231nUpdateRules.sgd_momentum(w64([1, 2]), w64([1, 1]), { velocity: w64([0]) }), ShapeError,
      "sgd_momentum: config.velocity must have w's shape [2] (got [1])"],
    ['an integer w', () => cs231nUpdateRules.sgd(tensor([1], { dtype: 'int32' }), w64([1])), DtypeError,
      'sgd: w must be float32 or float64 (got int32)'],
    ['a copy of a config with an unknown key', () => copyOptimConfig({ lr: 0.1 } as never), TypeError,
      "copyOptimConfig: unknown config key 'lr' (expected one of learningRate, momentum, velocity, decayRate, epsilon, cache, beta1, beta2, m, v, t)"],
  ];
  test.each(invalid)('reject %s', (_name, run, kind, message) => {
    expect(run).toThrow(new kind(message));
  });

  test('a rule leaves w unchanged when it rejects the config', () => {
    const w: Tensor = w64([1]);
    expect(() => cs231nUpdateRules.rmsprop(w, w64([1]), { epsilon: -1 })).toThrow(RangeError);
    expect(w.item()).toBe(1);
  });
});
