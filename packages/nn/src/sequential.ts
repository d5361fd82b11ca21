/**
 * The sequential container, as PyTorch's `nn.Sequential`.
 * @module
 */
import { releaseWithGraph, type Tensor } from '@tapegrad/core';
import { Module } from './module.js';
import { Linear } from './linear.js';
import { BatchNorm1d } from './batchNorm1d.js';
import { ReLU } from './relu.js';
import { LayerNorm } from './layerNorm.js';
import { Dropout } from './dropout.js';
import { Flatten } from './flatten.js';

/**
 * nn's layers whose forward keeps neither its input nor its output anywhere but on the tape (exactly
 * these classes, not subclasses, which may override forward).
 */
const graphOnly: ReadonlySet<Function> = new Set<Function>([Linear, BatchNorm1d, ReLU, LayerNorm, Dropout, Flatten]);

/** Whether `m` keeps its input and output only on the tape (a Sequential: when all its children do). */
function keepsNothing(m: Module): boolean {
  if (m instanceof Sequential && m.constructor === Sequential) return m.children().every(keepsNothing);
  return graphOnly.has(m.constructor);
}

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

  /**
   * Passes `x` through each child in order (returns x when there are none). Between two of nn's
   * own layers (Linear, BatchNorm1d, ReLU, LayerNorm, Dropout, Flatten), the tensor passed on is
   * held only by the tape, so it is marked with core's `releaseWithGraph`: once backward frees the
   * graph its array is reused by the next step (and it can no longer be read through `gradFn.inputs`).
   */
  forward(x: Tensor): Tensor {
    const children = this.children();
    let y = x;
    for (let i = 0; i < children.length; i++) {
      y = children[i]!.forward(y);
      if (i + 1 < children.length && keepsNothing(children[i]!) && keepsNothing(children[i + 1]!)) releaseWithGraph(y);
    }
    return y;
  }
}
