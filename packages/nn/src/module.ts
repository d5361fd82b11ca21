/**
 * The Module base, as in PyTorch: parameters, buffers and submodules are found from the fields
 * that hold a {@link Parameter}, a {@link Buffer} or a {@link Module}; names in `stateDict()` and
 * `namedParameters()` are PyTorch's (dotted, snake_case: `1.running_mean`).
 * @module
 */
import { DtypeError, ShapeError, noGrad, type FloatDType, type Tensor } from '@tapegrad/core';
import { Buffer, Parameter } from './parameter.js';
import { toSnakeCase } from './names.js';

/** Options of {@link Module.loadStateDict}. @category Modules */
export interface LoadStateDictOptions {
  /** Require the keys to match exactly (default true). */
  strict?: boolean;
}

/** What {@link Module.loadStateDict} did not match (only when `strict` is false). @category Modules */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/**
 * A neural network layer or model. Subclasses assign parameters ({@link Parameter}), buffers
 * ({@link Buffer}) and submodules to fields, and implement `forward`; the base finds them from the
 * fields in declaration order, as PyTorch's `__setattr__` registers them.
 *
 * @example
 * ```ts
 * import { randn, type Tensor } from '@tapegrad/core';
 * import { Module, Parameter } from '@tapegrad/nn';
 * class Scale extends Module {
 *   factor = new Parameter(randn([3]));
 *   forward(x: Tensor): Tensor { return x.mul(this.factor); }
 * }
 * const m = new Scale();
 * console.log(m.namedParameters().map(([name]) => name)); // ['factor']
 * ```
 * @category Modules
 */
export abstract class Module {
  /** Train mode (true) or eval mode (false); see {@link Module.train}. */
  training = true;

  /** Computes the module's output. */
  abstract forward(...inputs: Tensor[]): Tensor;

  /** The fields in declaration order, with their state-dict names. */
  private fields(): [string, unknown][] {
    return Object.keys(this).map((key) => [key, (this as Record<string, unknown>)[key]]);
  }

  /** The direct submodules with their names. */
  namedChildren(): [string, Module][] {
    return this.fields().filter((f): f is [string, Module] => f[1] instanceof Module).map(([k, m]) => [toSnakeCase(k), m]);
  }
  /** The direct submodules. */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }
  /** This module and every submodule, depth first, with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.namedChildren()) out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }
  /** This module and every submodule, depth first. */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Parameters of this module only (not of submodules), with their names. */
  private ownParameters(): [string, Parameter][] {
    return this.fields().filter((f): f is [string, Parameter] => f[1] instanceof Parameter).map(([k, p]) => [toSnakeCase(k), p]);
  }
  /** Buffers of this module only, with their names. */
  private ownBuffers(): [string, Buffer][] {
    return this.fields().filter((f): f is [string, Buffer] => f[1] instanceof Buffer).map(([k, b]) => [toSnakeCase(k), b]);
  }

  /** Every parameter with its dotted name (`0.weight`), each shared parameter once. */
  namedParameters(): [string, Parameter][] {
    const seen = new Set<Parameter>();
    const out: [string, Parameter][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, p] of m.ownParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([prefix ? `${prefix}.${name}` : name, p]);
      }
    }
    return out;
  }
  /** Every parameter, each once. */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }
  /** Every buffer with its dotted name (`1.running_mean`). */
  namedBuffers(): [string, Buffer][] {
    const out: [string, Buffer][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, b] of m.ownBuffers()) out.push([prefix ? `${prefix}.${name}` : name, b]);
    }
    return out;
  }
  /** Every buffer. */
  buffers(): Buffer[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /** Sets train mode (`mode` true, the default) or eval mode, here and in every submodule. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  /** Sets eval mode (BatchNorm uses running statistics, Dropout does nothing). */
  eval(): this {
    return this.train(false);
  }

  /** Clears the gradients of every parameter (to null by default, as PyTorch 2; in place with `setToNone` false). */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    for (const p of this.parameters()) {
      if (opts.setToNone === false) noGrad(() => p.grad?.zero_());
      else p.grad = null;
    }
  }

  /** Calls `fn` on every submodule (depth first) and then on this module, as PyTorch does. */
  apply(fn: (m: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Converts every floating parameter and buffer to `dtype`. Parameters are replaced by new ones:
   * create optimizers after calling this.
   */
  to(dtype: FloatDType): this {
    if (dtype !== 'float32' && dtype !== 'float64') throw new DtypeError(`${this.constructor.name}.to: dtype must be float32 or float64 (got ${String(dtype)})`);
    for (const m of this.modules()) {
      const record = m as unknown as Record<string, unknown>;
      for (const [key, value] of m.fields()) {
        if (value instanceof Parameter && value.dtype !== dtype) {
          record[key] = new Parameter(value.to(dtype).detach(), value.requiresGrad);
        } else if (value instanceof Buffer && (value.dtype === 'float32' || value.dtype === 'float64') && value.dtype !== dtype) {
          record[key] = new Buffer(value.to(dtype).detach(), { persistent: value.persistent });
        }
      }
    }
    return this;
  }

  /**
   * Parameters and persistent buffers by PyTorch's names (`0.weight`, `1.running_mean`,
   * `1.num_batches_tracked`), in PyTorch's order. The tensors share data with the module.
   */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries(this.namedState().map(([name, t]) => [name, t.detach()]));
  }

  /** Parameters and persistent buffers under every name they have (a shared parameter under each). */
  private namedState(): [string, Parameter | Buffer][] {
    const out: [string, Parameter | Buffer][] = [];
    for (const [prefix, m] of this.namedModules()) {
      const key = (name: string) => (prefix ? `${prefix}.${name}` : name);
      for (const [name, p] of m.ownParameters()) out.push([key(name), p]);
      for (const [name, b] of m.ownBuffers()) if (b.persistent) out.push([key(name), b]);
    }
    return out;
  }

  /**
   * Copies the values of `stateDict` into this module's parameters and buffers (converting dtype).
   * Shapes must match. With `strict` (the default) the keys must match exactly.
   * @throws {@link @tapegrad/core!ShapeError | ShapeError} listing every missing and unexpected key (strict) and every shape mismatch.
   */
  loadStateDict(stateDict: Record<string, Tensor>, opts: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = opts.strict ?? true;
    const own = new Map<string, Tensor>(this.namedState());
    const given = Object.keys(stateDict);
    const missingKeys = [...own.keys()].filter((k) => !Object.hasOwn(stateDict, k));
    const unexpectedKeys = given.filter((k) => !own.has(k));
    const mismatches = given
      .filter((k) => own.has(k))
      .filter((k) => own.get(k)!.shape.join() !== stateDict[k]!.shape.join())
      .map((k) => `${k}: expected [${own.get(k)!.shape.join(', ')}] (got [${stateDict[k]!.shape.join(', ')}])`);
    const problems: string[] = [];
    if (strict && missingKeys.length) problems.push(`missing keys: ${missingKeys.join(', ')}`);
    if (strict && unexpectedKeys.length) problems.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
    if (mismatches.length) problems.push(`shape mismatches: ${mismatches.join('; ')}`);
    if (problems.length) throw new ShapeError(`${this.constructor.name}.loadStateDict: ${problems.join('; ')}`);
    noGrad(() => {
      for (const k of given) if (own.has(k)) own.get(k)!.copy_(stateDict[k]!);
    });
    return { missingKeys, unexpectedKeys };
  }

  /** The text after the class name inside the parentheses of `toString` (e.g. `inFeatures=5, ...`). */
  extraRepr(): string {
    return '';
  }

  /** A PyTorch-like tree: `Sequential(\n  (0): Linear(inFeatures=5, outFeatures=4, bias=true)\n ...)`. */
  toString(): string {
    const children = this.namedChildren();
    const extra = this.extraRepr();
    if (children.length === 0) return `${this.constructor.name}(${extra})`;
    const lines = children.map(([name, m]) => `  (${name}): ${m.toString().split('\n').join('\n  ')}`);
    if (extra) lines.unshift(`  ${extra}`);
    return `${this.constructor.name}(\n${lines.join('\n')}\n)`;
  }
}
