/**
 * Checking hyperparameters. Errors name the optimizer (or scheduler or update rule), the option,
 * the allowed range and the value: `Adam: betas[0] must be in [0, 1) (got 1.2)`.
 * @module
 */

/**
 * An allowed interval of an option, for {@link OptionChecker.number}; an absent bound is unbounded.
 * @category Optimizers
 */
export interface Range {
  min?: number;
  max?: number;
  /** Whether `min` itself is excluded. */
  minOpen?: boolean;
  /** Whether `max` itself is excluded. */
  maxOpen?: boolean;
  /** Whether only integers are allowed. */
  integer?: boolean;
}

/** `[0, ∞)`: learning rates, weight decays, eps, momenta. @internal */
export const nonNegative: Range = { min: 0 };
/** `[0, 1)`: decay rates of running averages (betas, alpha, decayRate). @internal */
export const decayRate: Range = { min: 0, max: 1, maxOpen: true };
/** `[0, 1]`. @internal */
export const unitInterval: Range = { min: 0, max: 1 };
/** Integers `>= 1`. @internal */
export const positiveInteger: Range = { min: 1, integer: true };
/** Integers `>= 0`. @internal */
export const nonNegativeInteger: Range = { min: 0, integer: true };

function describeRange(r: Range): string {
  const kind = r.integer ? 'an integer ' : '';
  if (r.min !== undefined && r.max !== undefined) {
    return `${kind}in ${r.minOpen ? '(' : '['}${r.min}, ${r.max}${r.maxOpen ? ')' : ']'}`;
  }
  if (r.min !== undefined) return `${kind}${r.minOpen ? '>' : '>='} ${r.min}`;
  if (r.max !== undefined) return `${kind}${r.maxOpen ? '<' : '<='} ${r.max}`;
  return r.integer ? 'an integer' : 'a number';
}

function inRange(v: number, r: Range): boolean {
  if (r.integer && !Number.isInteger(v)) return false;
  if (r.min !== undefined && (r.minOpen ? !(v > r.min) : !(v >= r.min))) return false;
  if (r.max !== undefined && (r.maxOpen ? !(v < r.max) : !(v <= r.max))) return false;
  return true;
}

/** How a value reads in an error message: numbers as JS prints them, other things by kind. */
export function describeValue(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(describeValue).join(', ')}]`;
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'object') return value.constructor?.name ?? 'an object';
  return String(value);
}

/**
 * Checks the options of one optimizer, param group, scheduler or update rule and throws errors
 * that read `<owner>: <option>[ of <context>] must be <range> (got <value>)`. Optimizers get one in
 * `checkOptions` (see {@link Optimizer}).
 *
 * @example
 * ```ts
 * import { OptionChecker } from '@tapegrad/optim';
 * const check = new OptionChecker('MyOptimizer', 'param group 1');
 * check.number('lr', 0.1, { min: 0 }); // fine
 * try { check.number('lr', -1, { min: 0 }); } catch (e) { console.log(String(e)); }
 * // RangeError: MyOptimizer: lr of param group 1 must be >= 0 (got -1)
 * ```
 * @category Optimizers
 */
export class OptionChecker {
  /**
   * @param owner - who is checking (`Adam`, `StepLR`, `sgd_momentum`).
   * @param context - where the options come from (`param group 1`), or '' for the defaults.
   */
  constructor(
    readonly owner: string,
    readonly context = '',
  ) {}

  private label(name: string): string {
    return this.context ? `${name} of ${this.context}` : name;
  }

  /**
   * Checks a finite number in `range`.
   * @throws TypeError when `value` is not a number; RangeError when it is NaN, infinite or outside `range`.
   */
  number(name: string, value: unknown, range: Range): void {
    if (typeof value !== 'number') {
      throw new TypeError(`${this.owner}: ${this.label(name)} must be a number (got ${describeValue(value)})`);
    }
    if (!Number.isFinite(value)) {
      throw new RangeError(`${this.owner}: ${this.label(name)} must be a finite number (got ${value})`);
    }
    if (!inRange(value, range)) {
      throw new RangeError(`${this.owner}: ${this.label(name)} must be ${describeRange(range)} (got ${value})`);
    }
  }

  /** {@link number} of `name[i]`, whose name is made only for an error's message (step checks every step). */
  private numberAt(name: string, i: number, value: unknown, range: Range): void {
    if (typeof value === 'number' && Number.isFinite(value) && inRange(value, range)) return;
    this.number(`${name}[${i}]`, value, range);
  }

  /** Checks a pair of numbers, each in `range` (Adam's betas). @throws TypeError, RangeError. */
  pair(name: string, value: unknown, range: Range): void {
    if (!Array.isArray(value) || value.length !== 2) {
      throw new TypeError(`${this.owner}: ${this.label(name)} must be a pair of numbers (got ${describeValue(value)})`);
    }
    this.numberAt(name, 0, value[0] as unknown, range);
    this.numberAt(name, 1, value[1] as unknown, range);
  }

  /** Checks a boolean. @throws TypeError. */
  boolean(name: string, value: unknown): void {
    if (typeof value !== 'boolean') {
      throw new TypeError(`${this.owner}: ${this.label(name)} must be true or false (got ${describeValue(value)})`);
    }
  }

  /** Throws a RangeError for a combination of options that cannot go together. */
  fail(message: string): never {
    throw new RangeError(`${this.owner}: ${message}${this.context ? ` in ${this.context}` : ''}`);
  }
}

/**
 * Rejects keys of `given` that `known` does not list, so that a misspelt option (`weight_decay`
 * for `weightDecay`) fails instead of being ignored.
 * @throws TypeError naming the key and the known ones.
 */
export function checkKnownKeys(owner: string, what: string, given: object, known: readonly string[], skip: readonly string[] = [], context = ''): void {
  for (const key in given) {
    if (!known.includes(key) && !skip.includes(key)) {
      throw new TypeError(`${owner}: unknown ${what} '${key}'${context ? ` in ${context}` : ''} (expected one of ${known.join(', ')})`);
    }
  }
}

/** A copy of an option value: arrays (betas) are copied so that the caller's array is not shared. */
export function copyOption<T>(value: T): T {
  return (Array.isArray(value) ? [...value] : value) as T;
}

/**
 * The defaults an optimizer passes to the {@link Optimizer} base: every option, `undefined` for one
 * without a default (SGD's `lr`), which each param group must then give.
 * @category Optimizers
 */
export type OptionDefaults<O> = { [K in keyof O]: O[K] | undefined };

/**
 * `defaults` overridden by the entries of `options` that are defined (an explicit `undefined` keeps
 * the default). Arrays are copied.
 * @throws TypeError when `options` is not an object or has a key `defaults` lacks.
 */
export function withDefaults<O>(owner: string, defaults: OptionDefaults<O>, options: Partial<O> | undefined): OptionDefaults<O> {
  if (options === undefined) return { ...defaults };
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${owner}: options must be an object (got ${describeValue(options)})`);
  }
  checkKnownKeys(owner, 'option', options, Object.keys(defaults));
  const out = { ...defaults } as Record<string, unknown>;
  for (const [key, value] of Object.entries(options)) if (value !== undefined) out[key] = copyOption(value);
  return out as OptionDefaults<O>;
}
