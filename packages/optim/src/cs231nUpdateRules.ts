/**
 * cs231n's update rules (`optim.py`): `sgd`, `sgd_momentum`, `rmsprop` and `adam`, with cs231n's
 * defaults and per-parameter config dicts, for the Solver's `updateRule` names.
 *
 * cs231n's config keys are snake_case; here they are camelCase (see {@link cs231nUpdateRules}).
 * Unlike cs231n, which returns a new `next_w`, a rule updates `w` in place; like cs231n, it fills
 * the defaults into the config it is given and returns that config.
 * @module
 */
import { ShapeError, Tensor, checkFloatTensor, formatShape, getKernels, sameShape, type FloatArray, type NdArray } from '@tapegrad/core';
import { copyAs, flatGradient, floats, zerosBuffer } from './buffers.js';
import { OptionChecker, checkKnownKeys, decayRate, describeValue, nonNegative, nonNegativeInteger } from './options.js';

/**
 * The config of cs231n's `sgd` (Python's `learning_rate`).
 * @category cs231n
 */
export interface Cs231nSgdConfig {
  /** Learning rate (default 1e-2). */
  learningRate: number;
}

/**
 * The config of cs231n's `sgd_momentum`.
 * @category cs231n
 */
export interface Cs231nSgdMomentumConfig {
  /** Learning rate (default 1e-2). */
  learningRate: number;
  /** Momentum μ (default 0.9). */
  momentum: number;
  /** Velocity v, w's shape (default zeros; updated in place). */
  velocity: Tensor;
}

/**
 * The config of cs231n's `rmsprop` (Python's `learning_rate`, `decay_rate`).
 * @category cs231n
 */
export interface Cs231nRmspropConfig {
  /** Learning rate (default 1e-2). */
  learningRate: number;
  /** Decay rate of the squared-gradient cache, in [0, 1) (default 0.99). */
  decayRate: number;
  /** Added to the denominator (default 1e-8). */
  epsilon: number;
  /** Moving average of squared gradients, w's shape (default zeros; updated in place). */
  cache: Tensor;
}

/**
 * The config of cs231n's `adam` (Python's `learning_rate`).
 * @category cs231n
 */
export interface Cs231nAdamConfig {
  /** Learning rate (default 1e-3). */
  learningRate: number;
  /** Decay rate of the first moment, in [0, 1) (default 0.9). */
  beta1: number;
  /** Decay rate of the second moment, in [0, 1) (default 0.999). */
  beta2: number;
  /** Added to the denominator (default 1e-8). */
  epsilon: number;
  /** First moment, w's shape (default zeros; updated in place). */
  m: Tensor;
  /** Second moment, w's shape (default zeros; updated in place). */
  v: Tensor;
  /** Iteration number, incremented before use (default 0). */
  t: number;
}

/**
 * The config type of each cs231n rule, by the rule's name.
 * @category cs231n
 */
export interface Cs231nConfigs {
  sgd: Cs231nSgdConfig;
  sgd_momentum: Cs231nSgdMomentumConfig;
  rmsprop: Cs231nRmspropConfig;
  adam: Cs231nAdamConfig;
}

/**
 * The names of cs231n's update rules, as the Solver's `updateRule` takes them.
 * @category cs231n
 */
export type Cs231nRuleName = keyof Cs231nConfigs;

/**
 * A cs231n update rule: updates `w` in place from its gradient `dw`, fills the defaults into
 * `config` (created when absent) and returns it; buffers (velocity, cache, m, v) are created in the
 * config at the first call and updated in place afterwards.
 * @typeParam C - the rule's config.
 * @category cs231n
 */
export type Cs231nUpdateRule<C> = (w: Tensor, dw: Tensor, config?: Partial<C>) => C;

/**
 * A config as the Solver's `optimConfig` takes it: any keys of any rule, all optional.
 * @category cs231n
 */
export type Cs231nOptimConfig = Partial<Cs231nSgdConfig & Cs231nSgdMomentumConfig & Cs231nRmspropConfig & Cs231nAdamConfig>;

const sgdKeys = ['learningRate'] as const;
const sgdMomentumKeys = ['learningRate', 'momentum', 'velocity'] as const;
const rmspropKeys = ['learningRate', 'decayRate', 'epsilon', 'cache'] as const;
const adamKeys = ['learningRate', 'beta1', 'beta2', 'epsilon', 'm', 'v', 't'] as const;
const allKeys: readonly string[] = [...new Set([...sgdKeys, ...sgdMomentumKeys, ...rmspropKeys, ...adamKeys])];
const tensorKeys: readonly string[] = ['velocity', 'cache', 'm', 'v'];

const checkers = {
  sgd: new OptionChecker('sgd'),
  sgd_momentum: new OptionChecker('sgd_momentum'),
  rmsprop: new OptionChecker('rmsprop'),
  adam: new OptionChecker('adam'),
} as const satisfies Record<Cs231nRuleName, OptionChecker>;

/** Checks `w` and `dw` and returns `dw`'s contiguous ndarray. */
function operands(rule: Cs231nRuleName, w: Tensor, dw: Tensor, config: object, keys: readonly string[]): NdArray {
  if (config === null || typeof config !== 'object') throw new TypeError(`${rule}: config must be an object (got ${describeValue(config)})`);
  checkKnownKeys(rule, 'config key', config, keys);
  if (!(w instanceof Tensor)) throw new TypeError(`${rule}: w must be a Tensor (got ${describeValue(w)})`);
  if (!(dw instanceof Tensor)) throw new TypeError(`${rule}: dw must be a Tensor (got ${describeValue(dw)})`);
  checkFloatTensor(rule, w, 'w');
  if (!w.isContiguous()) throw new ShapeError(`${rule}: w must be contiguous (got strides [${w.data.stride.join(', ')}] for shape ${formatShape(w.shape)})`);
  return flatGradient(rule, 'dw', dw, w);
}

/**
 * The buffer `config[key]`, created as zeros like `w` when absent; a given one must have `w`'s
 * shape and is converted once to `w`'s dtype and a contiguous layout when it has neither.
 */
function buffer<K extends string>(rule: Cs231nRuleName, config: Partial<Record<K, Tensor>>, key: K, w: Tensor): FloatArray {
  const given = config[key];
  if (given === undefined) return floats((config[key] = zerosBuffer(w)));
  if (!(given instanceof Tensor)) throw new TypeError(`${rule}: config.${key} must be a Tensor (got ${describeValue(given)})`);
  if (!sameShape(given.shape, w.shape)) {
    throw new ShapeError(`${rule}: config.${key} must have w's shape ${formatShape(w.shape)} (got ${formatShape(given.shape)})`);
  }
  if (given.dtype === w.dtype && given.isContiguous() && given.data.offset === 0) return floats(given);
  return floats((config[key] = copyAs(given, w.dtype as 'float32' | 'float64')));
}

/**
 * cs231n's vanilla SGD: `w -= learningRate · dw`.
 * @param w - the weights, updated in place.
 * @param dw - their gradient, w's shape.
 * @param config - `learningRate` = 1e-2.
 */
function sgd(w: Tensor, dw: Tensor, config: Partial<Cs231nSgdConfig> = {}): Cs231nSgdConfig {
  const g = operands('sgd', w, dw, config, sgdKeys);
  const lr = (config.learningRate ??= 1e-2);
  checkers.sgd.number('learningRate', lr, nonNegative);
  const x = floats(w), xo = w.data.offset, go = g.offset, gd = g.data;
  const n = w.size;
  for (let i = 0; i < n; i++) x[xo + i] = x[xo + i]! - lr * gd[go + i]!;
  return config as Cs231nSgdConfig;
}

/**
 * cs231n's SGD with momentum: `v = momentum · v − learningRate · dw; w += v`.
 * @param w - the weights, updated in place.
 * @param dw - their gradient, w's shape.
 * @param config - `learningRate` = 1e-2, `momentum` = 0.9, `velocity` = zeros.
 */
function sgdMomentum(w: Tensor, dw: Tensor, config: Partial<Cs231nSgdMomentumConfig> = {}): Cs231nSgdMomentumConfig {
  const g = operands('sgd_momentum', w, dw, config, sgdMomentumKeys);
  const lr = (config.learningRate ??= 1e-2);
  const mu = (config.momentum ??= 0.9);
  checkers.sgd_momentum.number('learningRate', lr, nonNegative);
  checkers.sgd_momentum.number('momentum', mu, nonNegative);
  const v = buffer('sgd_momentum', config, 'velocity', w);
  const x = floats(w), xo = w.data.offset, go = g.offset, gd = g.data;
  const n = w.size;
  for (let i = 0; i < n; i++) {
    v[i] = mu * v[i]! - lr * gd[go + i]!;
    x[xo + i] = x[xo + i]! + v[i]!;
  }
  return config as Cs231nSgdMomentumConfig;
}

/**
 * cs231n's RMSProp: `cache = decayRate · cache + (1 − decayRate) · dw²;
 * w -= learningRate · dw / (sqrt(cache) + epsilon)`.
 * @param w - the weights, updated in place.
 * @param dw - their gradient, w's shape.
 * @param config - `learningRate` = 1e-2, `decayRate` = 0.99, `epsilon` = 1e-8, `cache` = zeros.
 */
function rmsprop(w: Tensor, dw: Tensor, config: Partial<Cs231nRmspropConfig> = {}): Cs231nRmspropConfig {
  const g = operands('rmsprop', w, dw, config, rmspropKeys);
  const lr = (config.learningRate ??= 1e-2);
  const rho = (config.decayRate ??= 0.99);
  const eps = (config.epsilon ??= 1e-8);
  checkers.rmsprop.number('learningRate', lr, nonNegative);
  checkers.rmsprop.number('decayRate', rho, decayRate);
  checkers.rmsprop.number('epsilon', eps, nonNegative);
  const cache = buffer('rmsprop', config, 'cache', w);
  const x = floats(w), xo = w.data.offset, go = g.offset, gd = g.data;
  const n = w.size;
  for (let i = 0; i < n; i++) {
    const gi = gd[go + i]!;
    cache[i] = rho * cache[i]! + (1 - rho) * (gi * gi);
    x[xo + i] = x[xo + i]! - (lr * gi) / (Math.sqrt(cache[i]!) + eps);
  }
  return config as Cs231nRmspropConfig;
}

/**
 * cs231n's Adam, with `t` incremented before use: `t += 1; m = β1·m + (1 − β1)·dw;
 * v = β2·v + (1 − β2)·dw²; mt = m/(1 − β1^t); vt = v/(1 − β2^t);
 * w -= learningRate · mt / (sqrt(vt) + epsilon)`.
 * @param w - the weights, updated in place.
 * @param dw - their gradient, w's shape.
 * @param config - `learningRate` = 1e-3, `beta1` = 0.9, `beta2` = 0.999, `epsilon` = 1e-8,
 *   `m` = zeros, `v` = zeros, `t` = 0.
 */
function adam(w: Tensor, dw: Tensor, config: Partial<Cs231nAdamConfig> = {}): Cs231nAdamConfig {
  const g = operands('adam', w, dw, config, adamKeys);
  const lr = (config.learningRate ??= 1e-3);
  const b1 = (config.beta1 ??= 0.9);
  const b2 = (config.beta2 ??= 0.999);
  const eps = (config.epsilon ??= 1e-8);
  const check = checkers.adam;
  check.number('learningRate', lr, nonNegative);
  check.number('beta1', b1, decayRate);
  check.number('beta2', b2, decayRate);
  check.number('epsilon', eps, nonNegative);
  check.number('t', (config.t ??= 0), nonNegativeInteger);
  const m = buffer('adam', config, 'm', w);
  const v = buffer('adam', config, 'v', w);
  const t = ++config.t;
  // lr·(m/c1)/(√(v/c2) + eps) is PyTorch's form lr/c1 · m/(√v/√c2 + eps): one kernel runs both
  getKernels().adamUpdate(w.size, floats(w), w.data.offset, g.data as FloatArray, g.offset, m, v, null, {
    beta1: b1, beta2: b2, stepSize: lr / (1 - b1 ** t), bc2Sqrt: Math.sqrt(1 - b2 ** t), eps, l2: 0, shrink: 1,
  });
  return config as Cs231nAdamConfig;
}

/**
 * cs231n's update rules by name, for the Solver's `updateRule`. Each updates `w` in place, fills its
 * defaults into the config and returns it (see {@link Cs231nUpdateRule}); the table below maps
 * cs231n's config keys to these.
 *
 * | cs231n          | tapegrad       | default                         |
 * |-----------------|----------------|---------------------------------|
 * | `learning_rate` | `learningRate` | 1e-2 (`adam`: 1e-3)             |
 * | `momentum`      | `momentum`     | 0.9 (`sgd_momentum`)            |
 * | `velocity`      | `velocity`     | zeros like w (`sgd_momentum`)   |
 * | `decay_rate`    | `decayRate`    | 0.99 (`rmsprop`)                |
 * | `epsilon`       | `epsilon`      | 1e-8 (`rmsprop`, `adam`)        |
 * | `cache`         | `cache`        | zeros like w (`rmsprop`)        |
 * | `beta1`, `beta2`| `beta1`, `beta2` | 0.9, 0.999 (`adam`)           |
 * | `m`, `v`, `t`   | `m`, `v`, `t`  | zeros, zeros, 0 (`adam`)        |
 *
 * - `sgd`: `w -= learningRate · dw`
 * - `sgd_momentum`: `v = momentum · v − learningRate · dw; w += v`
 * - `rmsprop`: `cache = decayRate · cache + (1 − decayRate) · dw²; w -= learningRate · dw / (sqrt(cache) + epsilon)`
 * - `adam`: `t += 1; m = β1·m + (1 − β1)·dw; v = β2·v + (1 − β2)·dw²;
 *   w -= learningRate · (m/(1 − β1^t)) / (sqrt(v/(1 − β2^t)) + epsilon)`
 *
 * @throws TypeError for an unknown config key (such as Python's `learning_rate`) or a value of the
 *   wrong type; RangeError for a value out of range; `ShapeError` when dw or a buffer does not
 *   have w's shape; `DtypeError` for a w that is not float32 or float64.
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { cs231nUpdateRules, copyOptimConfig } from '@tapegrad/optim';
 * const optimConfig = { learningRate: 0.1 };
 * const w = tensor([1, 2], { dtype: 'float64' });
 * let config = copyOptimConfig(optimConfig); // one copy per parameter, as the Solver keeps them
 * config = cs231nUpdateRules.sgd_momentum(w, tensor([1, 1], { dtype: 'float64' }), config);
 * config = cs231nUpdateRules.sgd_momentum(w, tensor([1, 1], { dtype: 'float64' }), config);
 * // v = −0.1, then 0.9·(−0.1) − 0.1 = −0.19
 * console.log(w.toArray(), config.momentum); // [0.71, 1.71] 0.9
 * ```
 * @category cs231n
 */
export const cs231nUpdateRules: { readonly [R in Cs231nRuleName]: Cs231nUpdateRule<Cs231nConfigs[R]> } = Object.freeze({
  sgd,
  sgd_momentum: sgdMomentum,
  rmsprop,
  adam,
});

/**
 * A copy of a config for one parameter, as cs231n's Solver makes one from `optimConfig` for each
 * parameter: numbers are copied and so are buffers (tensors), so that rules updating one
 * parameter's buffers in place never touch another's.
 * @param config - an `optimConfig` (default `{}`).
 * @throws TypeError for a key no rule knows (such as Python's `learning_rate`) or a buffer that is not a Tensor.
 * @example
 * ```ts
 * import { copyOptimConfig } from '@tapegrad/optim';
 * const optimConfig = { learningRate: 1e-3 };
 * const a = copyOptimConfig(optimConfig), b = copyOptimConfig(optimConfig);
 * a.learningRate = a.learningRate! * 0.5; // the Solver's lrDecay, per parameter
 * console.log(a.learningRate, b.learningRate, optimConfig.learningRate); // 0.0005 0.001 0.001
 * ```
 * @category cs231n
 */
export function copyOptimConfig(config: Cs231nOptimConfig = {}): Cs231nOptimConfig {
  if (config === null || typeof config !== 'object') throw new TypeError(`copyOptimConfig: config must be an object (got ${describeValue(config)})`);
  checkKnownKeys('copyOptimConfig', 'config key', config, allKeys);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (tensorKeys.includes(key) && value !== undefined) {
      if (!(value instanceof Tensor)) throw new TypeError(`copyOptimConfig: ${key} must be a Tensor (got ${describeValue(value)})`);
      out[key] = copyAs(value, value.dtype === 'float32' ? 'float32' : 'float64');
    } else {
      out[key] = value;
    }
  }
  return out as Cs231nOptimConfig;
}
