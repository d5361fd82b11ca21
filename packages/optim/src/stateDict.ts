/**
 * Optimizer state dicts in PyTorch's layout: their types, and converting one parameter's state entry
 * to and from it (PyTorch's snake_case keys, buffers copied).
 * @module
 */
import { ShapeError, Tensor, formatShape, sameShape, toCamelCase, toSnakeCase } from '@tapegrad/core';
import { copyAs } from './buffers.js';
import { describeValue } from './options.js';

/**
 * What each key of a per-parameter state entry holds: a number (`step`), a tensor the entry always
 * has, or a tensor created when an option needs it (`tensor?`). Derived from the state type, so a
 * wrong or missing entry fails to compile.
 * @category Optimizers
 */
export type StateSchema<S> = {
  readonly [K in keyof S]-?: S[K] extends number ? 'number' : undefined extends S[K] ? 'tensor?' : 'tensor';
};

/** One parameter's state in a state dict: PyTorch's keys (`exp_avg`), copies of the buffers. @category Optimizers */
export type StateDictEntry = Record<string, Tensor | number>;

/**
 * An optimizer's state in PyTorch's layout: per-parameter `state` keyed by the parameter's index
 * (numbered across all groups in order; parameters without state are absent), and `param_groups`
 * with each group's options under PyTorch's names (`weight_decay`) and its parameters as indices.
 *
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { Adam, type OptimizerStateDict } from '@tapegrad/optim';
 * const w = tensor([1, 2], { requiresGrad: true });
 * const opt = new Adam([w]);
 * w.grad = tensor([0.5, -0.5]);
 * opt.step();
 * const dict: OptimizerStateDict = opt.stateDict();
 * console.log(Object.keys(dict.state[0]!)); // ['step', 'exp_avg', 'exp_avg_sq']
 * console.log(dict.param_groups); // [{ lr: 0.001, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: false, params: [0] }]
 * ```
 * @category Optimizers
 */
export interface OptimizerStateDict {
  /** Per parameter index: its state, tensors as contiguous copies. */
  state: Record<number, StateDictEntry>;
  /** Per group: its options (snake_case) and `params`, the indices of its parameters. */
  param_groups: ({ params: number[] } & Record<string, unknown>)[];
}

/**
 * A loaded state entry checked against `schema` and `param`: camelCase keys, buffers copied in the
 * parameter's dtype.
 * @throws `ShapeError` for an unexpected or missing key or a buffer of another shape; TypeError
 *   for a value of the wrong kind.
 */
export function importState(schema: object, where: string, entry: unknown, param: Tensor, label: string): Record<string, Tensor | number> {
  if (entry === null || typeof entry !== 'object') throw new TypeError(`${where}: the state of ${label} must be an object (got ${describeValue(entry)})`);
  const kinds = schema as Readonly<Record<string, 'number' | 'tensor' | 'tensor?'>>;
  const expected = Object.keys(kinds).map(toSnakeCase).join(', ');
  const out: Record<string, Tensor | number> = {};
  for (const [key, value] of Object.entries(entry)) {
    const name = toCamelCase(key);
    const kind = kinds[name];
    if (kind === undefined) throw new ShapeError(`${where}: the state of ${label} has an unexpected key '${key}' (expected ${expected})`);
    if (kind === 'number') {
      const n = value instanceof Tensor && value.size === 1 ? value.item() : value;
      if (typeof n !== 'number' || !(n >= 0)) throw new TypeError(`${where}: ${key} of ${label} must be a number >= 0 (got ${describeValue(value)})`);
      out[name] = n;
    } else if (value === null || value === undefined) {
      if (kind === 'tensor') throw new TypeError(`${where}: ${key} of ${label} must be a Tensor (got ${describeValue(value)})`);
    } else {
      if (!(value instanceof Tensor)) throw new TypeError(`${where}: ${key} of ${label} must be a Tensor (got ${describeValue(value)})`);
      if (!sameShape(value.shape, param.shape)) {
        throw new ShapeError(`${where}: ${key} of ${label} must have the parameter's shape ${formatShape(param.shape)} (got ${formatShape(value.shape)})`);
      }
      out[name] = copyAs(value, param.dtype as 'float32' | 'float64');
    }
  }
  for (const [name, kind] of Object.entries(kinds)) {
    if (kind !== 'tensor?' && !(name in out)) throw new ShapeError(`${where}: the state of ${label} is missing '${toSnakeCase(name)}'`);
  }
  return out;
}

/** A state entry with PyTorch's keys and copied buffers. */
export function exportState(entry: object): StateDictEntry {
  const out: StateDictEntry = {};
  for (const [key, value] of Object.entries(entry)) {
    if (value instanceof Tensor) out[toSnakeCase(key)] = copyAs(value, value.dtype as 'float32' | 'float64');
    else if (typeof value === 'number') out[toSnakeCase(key)] = value;
  }
  return out;
}
