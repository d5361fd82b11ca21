/**
 * The Module base, as in PyTorch: parameters, buffers and submodules are found from the fields
 * that hold a {@link Parameter}, a {@link Buffer} or a {@link Module}; names in `stateDict()` and
 * `namedParameters()` are PyTorch's (dotted, snake_case: `1.running_mean`).
 * @module
 */
import { checkFloatDtype, noGrad, toSnakeCase, type FloatDType, type Tensor } from '@tapegrad/core';
import { Buffer, Parameter, inKernelMemory } from './parameter.js';
import { loadNamedState, type LoadStateDictOptions, type LoadStateDictResult } from './stateDict.js';
import { collectBuffers, fieldsOf, setTraining } from './moduleTree.js';

export type { LoadStateDictOptions, LoadStateDictResult } from './stateDict.js';

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
  /**
   * Train mode (true) or eval mode (false); see {@link Module.train}.
   *
   * @example
   * ```ts
   * import { BatchNorm1d, Sequential } from '@tapegrad/nn';
   * const net = new Sequential(new BatchNorm1d(3));
   * console.log(net.training, net.eval().training); // true false
   * ```
   */
  training = true;

  /**
   * Computes the module's output. Subclasses implement it from ops and submodules (the tape derives
   * the gradient); it takes what the module needs, often one tensor.
   * @param inputs - the module's inputs.
   * @example
   * ```ts
   * import { tensor, type Tensor } from '@tapegrad/core';
   * import { Module } from '@tapegrad/nn';
   * class Double extends Module {
   *   forward(x: Tensor): Tensor { return x.mul(2); }
   * }
   * console.log(new Double().forward(tensor([1, 2])).toArray()); // [2, 4]
   * ```
   */
  abstract forward(...inputs: Tensor[]): Tensor;

  /** This module's own fields holding a `cls`, in declaration order, with their state-dict names (snake_case). */
  private namedFieldsOf<T>(cls: abstract new (...args: never[]) => T): [string, T][] {
    const keys: string[] = [];
    return fieldsOf(this, cls, [], keys).map((value, i) => [toSnakeCase(keys[i]!), value]);
  }

  /**
   * The direct submodules with their names (the field names in snake_case, as in PyTorch).
   *
   * @example
   * ```ts
   * import { type Tensor } from '@tapegrad/core';
   * import { Linear, Module } from '@tapegrad/nn';
   * class Net extends Module {
   *   hiddenLayer = new Linear(4, 8);
   *   outputLayer = new Linear(8, 2);
   *   forward(x: Tensor): Tensor { return this.outputLayer.forward(this.hiddenLayer.forward(x).relu()); }
   * }
   * console.log(new Net().namedChildren().map(([name]) => name)); // ['hidden_layer', 'output_layer']
   * ```
   */
  namedChildren(): [string, Module][] {
    return this.namedFieldsOf(Module);
  }
  /**
   * The direct submodules.
   *
   * @example
   * ```ts
   * import { Linear, ReLU, Sequential } from '@tapegrad/nn';
   * const net = new Sequential(new Linear(2, 3), new ReLU(), new Sequential(new Linear(3, 1)));
   * console.log(net.children().map((m) => m.constructor.name)); // ['Linear', 'ReLU', 'Sequential']
   * ```
   */
  children(): Module[] {
    // namedChildren's modules, without making their names and pairs (Sequential.forward asks every step)
    return fieldsOf(this, Module, []);
  }
  /**
   * This module and every submodule, depth first, with dotted names ('' for this one).
   * @param prefix - put before every name, with a dot (default '': this module's name).
   * @example
   * ```ts
   * import { Linear, ReLU, Sequential } from '@tapegrad/nn';
   * const net = new Sequential(new Linear(2, 3), new Sequential(new ReLU(), new Linear(3, 1)));
   * console.log(net.namedModules().map(([name]) => name)); // ['', '0', '1', '1.0', '1.1']
   * console.log(net.namedModules('net').map(([name]) => name)); // ['net', 'net.0', 'net.1', 'net.1.0', 'net.1.1']
   * ```
   */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.namedChildren()) out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }
  /**
   * This module and every submodule, depth first.
   *
   * @example
   * ```ts
   * import { Linear, ReLU, Sequential } from '@tapegrad/nn';
   * const net = new Sequential(new Linear(2, 3), new Sequential(new ReLU(), new Linear(3, 1)));
   * console.log(net.modules().map((m) => m.constructor.name)); // ['Sequential', 'Linear', 'Sequential', 'ReLU', 'Linear']
   * ```
   */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /**
   * Every parameter with its dotted name (`0.weight`), each shared parameter once.
   *
   * @example
   * ```ts
   * import { Linear, ReLU, Sequential } from '@tapegrad/nn';
   * const net = new Sequential(new Linear(2, 3), new ReLU(), new Linear(3, 1));
   * console.log(net.namedParameters().map(([name, p]) => [name, p.shape])); // [['0.weight', [3, 2]], ['0.bias', [3]], ['2.weight', [1, 3]], ['2.bias', [1]]]
   * ```
   */
  namedParameters(): [string, Parameter][] {
    const seen = new Set<Parameter>();
    const out: [string, Parameter][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, p] of m.namedFieldsOf(Parameter)) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([prefix ? `${prefix}.${name}` : name, p]);
      }
    }
    return out;
  }
  /**
   * Every parameter, each once: what an optimizer is given.
   *
   * @example
   * ```ts
   * import { Linear, ReLU, Sequential } from '@tapegrad/nn';
   * const net = new Sequential(new Linear(2, 3), new ReLU(), new Linear(3, 1));
   * console.log(net.parameters().reduce((n, p) => n + p.size, 0)); // 13
   * ```
   */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }
  /**
   * Every buffer with its dotted name (`1.running_mean`).
   *
   * @example
   * ```ts
   * import { BatchNorm1d, Linear, Sequential } from '@tapegrad/nn';
   * const net = new Sequential(new Linear(2, 3), new BatchNorm1d(3));
   * console.log(net.namedBuffers().map(([name]) => name)); // ['1.running_mean', '1.running_var', '1.num_batches_tracked']
   * ```
   */
  namedBuffers(): [string, Buffer][] {
    const out: [string, Buffer][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, b] of m.namedFieldsOf(Buffer)) out.push([prefix ? `${prefix}.${name}` : name, b]);
    }
    return out;
  }
  /**
   * Every buffer.
   *
   * @example
   * ```ts
   * import { BatchNorm1d } from '@tapegrad/nn';
   * console.log(new BatchNorm1d(3).buffers().map((b) => [b.dtype, b.shape])); // [['float32', [3]], ['float32', [3]], ['int32', []]]
   * ```
   */
  buffers(): Buffer[] {
    return collectBuffers(this, [], Module);
  }

  /**
   * Sets train mode (`mode` true, the default) or eval mode here, then calls `train(mode)` on each
   * child, as PyTorch does: a submodule that overrides `train` (to keep its BatchNorm in eval mode,
   * say) decides for itself and its own submodules.
   * @param mode - true for train mode (default), false for eval mode.
   * @returns this module.
   * @example
   * ```ts
   * import { BatchNorm1d, Linear, Sequential } from '@tapegrad/nn';
   * const net = new Sequential(new Linear(2, 3), new BatchNorm1d(3));
   * net.train(false);
   * console.log(net.training, net.children()[1]!.training, net.train().training); // false false true
   * ```
   */
  train(mode = true): this {
    setTraining(this, mode, this.children === Module.prototype.children ? Module : null);
    return this;
  }
  /**
   * Sets eval mode (BatchNorm uses running statistics, Dropout does nothing).
   * @returns this module.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * import { BatchNorm1d } from '@tapegrad/nn';
   * const bn = new BatchNorm1d(2).eval(); // running mean 0 and variance 1 at start: y = x / sqrt(1 + eps)
   * console.log(bn.training, bn.forward(tensor([[1, 2], [3, 4]])).toArray()); // false [[0.999995, 1.99999], [2.999985, 3.99998]]
   * ```
   */
  eval(): this {
    return this.train(false);
  }

  /**
   * Clears the gradients of every parameter (to null by default, as PyTorch 2; in place with `setToNone` false).
   * @param opts - `setToNone` (default true): set `.grad` to null rather than fill it with zeros.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * import { Linear } from '@tapegrad/nn';
   * const lin = new Linear(2, 1);
   * lin.forward(tensor([[1, 2]])).sum().backward();
   * lin.zeroGrad({ setToNone: false });
   * console.log(lin.weight.grad?.toArray()); // [[0, 0]]
   * lin.zeroGrad();
   * console.log(lin.weight.grad); // null
   * ```
   */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    for (const p of this.parameters()) {
      if (opts.setToNone === false) noGrad(() => p.grad?.zero_());
      else p.grad = null;
    }
  }

  /**
   * Calls `fn` on every submodule (depth first) and then on this module, as PyTorch does (to
   * initialize weights, for instance).
   * @param fn - called once per module, children before their parent.
   * @returns this module.
   * @example
   * ```ts
   * import { Linear, ReLU, Sequential } from '@tapegrad/nn';
   * const order: string[] = [];
   * new Sequential(new Linear(2, 3), new ReLU()).apply((m) => order.push(m.constructor.name));
   * console.log(order); // ['Linear', 'ReLU', 'Sequential']
   * ```
   */
  apply(fn: (m: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Converts every floating parameter and buffer to `dtype`. Parameters are replaced by new ones:
   * create optimizers after calling this. Integer buffers (`num_batches_tracked`) stay as they are.
   * @param dtype - 'float32' or 'float64'.
   * @returns this module.
   * @throws {@link @tapegrad/core!DtypeError | DtypeError} when `dtype` is not 'float32' or 'float64'.
   * @example
   * ```ts
   * import { BatchNorm1d, Linear } from '@tapegrad/nn';
   * const lin = new Linear(2, 1);
   * const before = lin.weight;
   * console.log(lin.to('float64').weight.dtype, lin.weight === before); // 'float64' false
   * console.log(new BatchNorm1d(3).to('float64').buffers().map((b) => b.dtype)); // ['float64', 'float64', 'int32']
   * ```
   */
  to(dtype: FloatDType): this {
    checkFloatDtype(`${this.constructor.name}.to`, dtype);
    for (const m of this.modules()) {
      const record = m as unknown as Record<string, unknown>;
      const keys: string[] = [];
      for (const [i, p] of fieldsOf(m, Parameter, [], keys).entries()) {
        if (p.dtype !== dtype) record[keys[i]!] = new Parameter(inKernelMemory(p.to(dtype)), p.requiresGrad);
      }
      keys.length = 0;
      for (const [i, b] of fieldsOf(m, Buffer, [], keys).entries()) {
        if ((b.dtype === 'float32' || b.dtype === 'float64') && b.dtype !== dtype) {
          record[keys[i]!] = new Buffer(b.to(dtype).detach(), { persistent: b.persistent });
        }
      }
    }
    return this;
  }

  /**
   * Parameters and persistent buffers by PyTorch's names (`0.weight`, `1.running_mean`,
   * `1.num_batches_tracked`), in PyTorch's order. The tensors share data with the module.
   * @returns detached tensors (no grad) by name; save them with `save` or load them into a module
   *   of the same shape with {@link Module.loadStateDict}.
   * @example
   * ```ts
   * import { BatchNorm1d, Linear, Sequential } from '@tapegrad/nn';
   * const net = new Sequential(new Linear(2, 3), new BatchNorm1d(3));
   * const state = net.stateDict();
   * console.log(Object.keys(state)); // ['0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked']
   * console.log(state['0.weight']!.data === net.parameters()[0]!.data, state['0.weight']!.requiresGrad); // true false
   * ```
   */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries(this.namedState().map(([name, t]) => [name, t.detach()]));
  }

  /** Parameters and persistent buffers under every name they have (a shared parameter under each). */
  private namedState(): [string, Parameter | Buffer][] {
    const out: [string, Parameter | Buffer][] = [];
    for (const [prefix, m] of this.namedModules()) {
      const key = (name: string) => (prefix ? `${prefix}.${name}` : name);
      for (const [name, p] of m.namedFieldsOf(Parameter)) out.push([key(name), p]);
      for (const [name, b] of m.namedFieldsOf(Buffer)) if (b.persistent) out.push([key(name), b]);
    }
    return out;
  }

  /**
   * Copies the values of `stateDict` into this module's parameters and buffers (converting dtype).
   * Shapes must match. With `strict` (the default) the keys must match exactly.
   * @param stateDict - tensors by name, as {@link Module.stateDict} returns them.
   * @param opts - `strict` (default true).
   * @returns the keys of this module that `stateDict` lacks and the keys it has that this module
   *   lacks (both empty when `strict`).
   * @throws {@link @tapegrad/core!ShapeError | ShapeError} listing every missing and unexpected key (strict) and every shape mismatch.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * import { Linear } from '@tapegrad/nn';
   * const lin = new Linear(2, 1);
   * lin.loadStateDict({ weight: tensor([[1, 2]]), bias: tensor([0.5]) });
   * console.log(lin.weight.toArray(), lin.bias?.toArray()); // [[1, 2]] [0.5]
   * console.log(lin.loadStateDict({ weight: tensor([[3, 4]]) }, { strict: false })); // { missingKeys: ['bias'], unexpectedKeys: [] }
   * ```
   */
  loadStateDict(stateDict: Record<string, Tensor>, opts: LoadStateDictOptions = {}): LoadStateDictResult {
    return loadNamedState(`${this.constructor.name}.loadStateDict`, new Map(this.namedState()), stateDict, opts);
  }

  /**
   * The text after the class name inside the parentheses of `toString` (e.g. `inFeatures=5, ...`).
   * Subclasses override it to show their settings; the base returns ''.
   * @example
   * ```ts
   * import { type Tensor } from '@tapegrad/core';
   * import { Module } from '@tapegrad/nn';
   * class Scale extends Module {
   *   factor = 2;
   *   override extraRepr(): string { return `factor=${this.factor}`; }
   *   forward(x: Tensor): Tensor { return x.mul(this.factor); }
   * }
   * console.log(new Scale().extraRepr(), String(new Scale())); // 'factor=2' 'Scale(factor=2)'
   * ```
   */
  extraRepr(): string {
    return '';
  }

  /**
   * A PyTorch-like tree: `Sequential(\n  (0): Linear(inFeatures=5, outFeatures=4, bias=true)\n ...)`.
   *
   * @example
   * ```ts
   * import { Linear, ReLU, Sequential } from '@tapegrad/nn';
   * const net = new Sequential(new Linear(5, 4), new ReLU());
   * console.log(net.toString()); // 'Sequential(\n  (0): Linear(inFeatures=5, outFeatures=4, bias=true)\n  (1): ReLU()\n)'
   * ```
   */
  toString(): string {
    const children = this.namedChildren();
    const extra = this.extraRepr();
    if (children.length === 0) return `${this.constructor.name}(${extra})`;
    const lines = children.map(([name, m]) => `  (${name}): ${m.toString().split('\n').join('\n  ')}`);
    if (extra) lines.unshift(`  ${extra}`);
    return `${this.constructor.name}(\n${lines.join('\n')}\n)`;
  }
}
