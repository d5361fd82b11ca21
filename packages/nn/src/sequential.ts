/**
 * The sequential container, as PyTorch's `nn.Sequential`.
 * @module
 */
import type { Tensor } from '@tapegrad/core';
import { Module } from './module.js';

/**
 * Modules applied one after the other (PyTorch's `nn.Sequential`). The children are named `'0'`,
 * `'1'`, ... so state-dict keys are PyTorch's (`0.weight`, `1.running_mean`); `seq[i]` or `seq.at(i)`
 * gets a child.
 *
 * y = mₖ(…m₁(m₀(x)))
 *
 * @example
 * ```ts
 * import { randn } from '@tapegrad/core';
 * import { Sequential, Linear, ReLU } from '@tapegrad/nn';
 * const model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 2));
 * console.log(Object.keys(model.stateDict())); // ['0.weight', '0.bias', '2.weight', '2.bias']
 * console.log(model.forward(randn([5, 4])).shape); // [5, 2]
 * ```
 * @category Containers
 */
export class Sequential extends Module implements Iterable<Module> {
  /** The child at index i. */
  [index: number]: Module;

  /**
   * @param modules - the layers, in order.
   * @throws TypeError when an argument is not a Module.
   */
  constructor(...modules: Module[]) {
    super();
    for (const m of modules) this.append(m);
  }

  /** The number of children. */
  get length(): number {
    return this.children().length;
  }

  /** Adds `module` at the end (named by its index) and returns this. @throws TypeError when it is not a Module. */
  append(module: Module): this {
    if (!(module instanceof Module)) {
      throw new TypeError(`Sequential: module ${this.length} must be a Module (got ${module === null ? 'null' : typeof module})`);
    }
    this[this.length] = module;
    return this;
  }

  /** The child at `index` (negative counts from the end). @throws RangeError when out of range. */
  at(index: number): Module {
    const n = this.length;
    const i = index < 0 ? index + n : index;
    const m = Number.isInteger(i) && i >= 0 && i < n ? this[i] : undefined;
    if (m === undefined) throw new RangeError(`Sequential: index must be an integer in [${-n}, ${n}) (got ${index})`);
    return m;
  }

  /** The children in order. */
  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]();
  }

  /** Passes `x` through each child in order (returns x when there are none). */
  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.children()) y = m.forward(y);
    return y;
  }
}
