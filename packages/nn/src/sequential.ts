/**
 * The sequential container, as PyTorch's `nn.Sequential`.
 * @module
 */
import { releaseWithGraph, type Tensor } from '@tapegrad/core';
import { Module } from './module.js';
import { isGraphOnly } from './graphOnly.js';
import { enterChildren, enteredChildren, leaveChildren } from './moduleTree.js';

/**
 * Whether `m` keeps its input and output only on the tape: one of nn's layers whose class itself
 * declares so (`graphOnly`: Linear, Conv2d, the norms, the pools, ReLU, Dropout, Flatten; not a
 * subclass, which may override forward), or a Sequential (exactly, not a subclass) whose children
 * all do.
 */
function keepsNothing(m: Module): boolean {
  if (m instanceof Sequential && m.constructor === Sequential) return m.children().every(keepsNothing);
  return isGraphOnly(m);
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
   * Passes `x` through each child in order (returns x when there are none). A tensor that one of
   * nn's layers made and the next layer took, both keeping their input and output only on the tape
   * (Linear, Conv2d, BatchNorm1d/2d, LayerNorm, GroupNorm, RMSNorm, MaxPool2d, AvgPool2d, ReLU,
   * Dropout, Flatten, or a Sequential of them; not a subclass of one, nor a module of your own), is
   * held by the tape alone, so it is marked with core's `releaseWithGraph`: once backward frees the
   * graph its array is reused by the next step (and it can no longer be read through
   * `gradFn.inputs`). A tensor a layer passes on unchanged (Dropout in eval mode returns its input)
   * is marked only once a later layer takes it and makes another; `x` and the result are never marked.
   */
  forward(x: Tensor): Tensor {
    let y = x;
    // whether only the tape holds y: made by a layer that keeps nothing, and seen only by such layers
    let tapeOnly = false;
    const count = enterChildren(this, Module); // (a list kept from call to call: see moduleTree.ts)
    try {
      const children = enteredChildren();
      for (let i = 0; i < count; i++) {
        const child = children[i]!;
        const out = child.forward(y);
        const clean = keepsNothing(child);
        if (out === y) {
          tapeOnly &&= clean;
          continue;
        }
        if (tapeOnly && clean) releaseWithGraph(y);
        y = out;
        tapeOnly = clean;
      }
    } finally {
      leaveChildren(count);
    }
    return y;
  }
}
