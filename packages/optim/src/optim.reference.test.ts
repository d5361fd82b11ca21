import { describe, expect, test } from 'vitest';
import { tensor, type FloatDType, type Tensor } from '@tapegrad/core';
import { Adam, AdamW, RMSprop, SGD, cs231nUpdateRules, type Cs231nOptimConfig, type Cs231nRuleName, type Optimizer } from '@tapegrad/optim';
import { loadReference, type Case, type ReferenceArray } from '@tapegrad/test-support/reference';
import { toleranceFor } from '@tapegrad/test-support/allclose';

interface TorchConfig {
  library: 'torch';
  optimizer: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop';
  hyperparameters: Record<string, number | boolean | number[]>;
  steps: number;
}
interface Cs231nConfig {
  library: 'cs231n';
  rule: Cs231nRuleName;
  config: Record<string, number>;
  steps: number;
}
type OptimCase = Case<TorchConfig | Cs231nConfig>;

/** PyTorch's keyword names → tapegrad's option names (`maximize` is checked to be false and dropped). */
const torchNames: Record<string, string> = {
  lr: 'lr', momentum: 'momentum', dampening: 'dampening', weight_decay: 'weightDecay', nesterov: 'nesterov',
  betas: 'betas', eps: 'eps', amsgrad: 'amsgrad', alpha: 'alpha', centered: 'centered',
};
/** cs231n's config keys → tapegrad's. */
const cs231nNames: Record<string, keyof Cs231nOptimConfig> = {
  learning_rate: 'learningRate', momentum: 'momentum', decay_rate: 'decayRate', epsilon: 'epsilon', beta1: 'beta1', beta2: 'beta2', t: 't',
};

function torchOptions(c: TorchConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(c.hyperparameters)) {
    if (key === 'maximize') {
      expect(value).toBe(false);
      continue;
    }
    const name = torchNames[key];
    expect(name, `no mapping for PyTorch's ${key}`).toBeDefined();
    out[name!] = value;
  }
  return out;
}

function makeOptimizer(c: TorchConfig, params: Tensor[]): Optimizer {
  const o = torchOptions(c);
  switch (c.optimizer) {
    case 'SGD': return new SGD(params, o as { lr: number });
    case 'Adam': return new Adam(params, o);
    case 'AdamW': return new AdamW(params, o);
    case 'RMSprop': return new RMSprop(params, o);
  }
}

/** Row `t` of a `[steps, ...shape]` array, as a tensor of `shape`. */
function row(a: ReferenceArray, t: number, dtype: FloatDType): Tensor {
  const shape = a.shape.slice(1);
  const n = shape.reduce((x, y) => x * y, 1);
  return tensor(Float64Array.from(a.data.slice(t * n, (t + 1) * n)), { shape, dtype });
}
function rowArray(a: ReferenceArray, t: number): ReferenceArray {
  const shape = a.shape.slice(1);
  const n = shape.reduce((x, y) => x * y, 1);
  return { shape, data: a.data.slice(t * n, (t + 1) * n) };
}
const param = (c: OptimCase, dtype: FloatDType) =>
  tensor(Float64Array.from(c.inputs.param!.data), { shape: c.inputs.param!.shape, dtype, requiresGrad: true });

const cases = loadReference<TorchConfig | Cs231nConfig>('optim.json');
const torchCases = cases.filter((c): c is Case<TorchConfig> => c.config.library === 'torch');
const cs231nCases = cases.filter((c): c is Case<Cs231nConfig> => c.config.library === 'cs231n');

describe('optimizers match the reference vectors (optim.json)', () => {
  test('the file holds the 13 cases the manifest lists: 9 torch, 4 cs231n, 6 steps each', () => {
    expect(cases).toHaveLength(13);
    expect(torchCases).toHaveLength(9);
    expect(cs231nCases.map((c) => c.config.rule).sort()).toEqual(['adam', 'rmsprop', 'sgd', 'sgd_momentum']);
    for (const c of cases) expect(c.outputs.params!.shape[0]).toBe(c.config.steps);
  });

  test.each(torchCases.map((c) => [c.name, c] as const))('%s: every step, float64', (_name, c) => {
    const p = param(c, 'float64');
    const opt = makeOptimizer(c.config, [p]);
    for (let t = 0; t < c.config.steps; t++) {
      p.grad = row(c.inputs.grads!, t, 'float64');
      opt.step();
      expect(p, `${c.name} step ${t + 1}`).toBeAllclose(rowArray(c.outputs.params!, t), toleranceFor('float64', 'reduction'));
    }
  });

  test.each(torchCases.map((c) => [c.name, c] as const))('%s: a float32 and a float64 parameter in one optimizer', (_name, c) => {
    const p64 = param(c, 'float64');
    const p32 = param(c, 'float32');
    const opt = makeOptimizer(c.config, [p32, p64]);
    for (let t = 0; t < c.config.steps; t++) {
      p32.grad = row(c.inputs.grads!, t, 'float32');
      p64.grad = row(c.inputs.grads!, t, 'float64');
      opt.step();
      expect(p64, `${c.name} float64 step ${t + 1}`).toBeAllclose(rowArray(c.outputs.params!, t), toleranceFor('float64', 'reduction'));
      expect(p32, `${c.name} float32 step ${t + 1}`).toBeAllclose(rowArray(c.outputs.params!, t), toleranceFor('float32', 'reduction'));
    }
    for (const [p, entry] of opt.state) {
      for (const value of Object.values(entry)) if (typeof value === 'object') expect((value as Tensor).dtype).toBe(p.dtype);
    }
  });

  test.each(cs231nCases.map((c) => [c.name, c] as const))('%s: every step, float64 and float32', (_name, c) => {
    for (const dtype of ['float64', 'float32'] as const) {
      const w = param(c, dtype);
      let config: Cs231nOptimConfig = {};
      for (const [key, value] of Object.entries(c.config.config)) config[cs231nNames[key]!] = value as never;
      const rule = cs231nUpdateRules[c.config.rule];
      for (let t = 0; t < c.config.steps; t++) {
        config = rule(w, row(c.inputs.grads!, t, dtype), config);
        expect(w, `${c.name} ${dtype} step ${t + 1}`).toBeAllclose(rowArray(c.outputs.params!, t), toleranceFor(dtype, 'reduction'));
      }
    }
  });
});
