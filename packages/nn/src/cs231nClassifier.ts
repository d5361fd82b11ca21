/**
 * What cs231n's classifiers (FullyConnectedNet, ThreeLayerConvNet) share as Modules: parameters by
 * cs231n's names, `loss(X)` / `loss(X, y)` with the L2 penalty 0.5·reg·Σ‖W‖², and the recycling of
 * a step's arrays (`releaseGrads`), so that cs231n's Solver trains any of them.
 * @module
 * @internal
 */
import { Tensor, giveBackArrays, noGrad, recyclingArrays, zeros, type FloatDType } from '@tapegrad/core';
import { checkBackwardMode, type BackwardMode } from './backwardMode.js';
import { pickForm } from './functional/fusedOpTable.js';
import { linearComposed, linearInOutFused } from './functional/linear.js';
import { Module } from './module.js';
import { collectBuffers } from './moduleTree.js';
import type { Buffer, Parameter } from './parameter.js';

/** What `loss(X, y)` returns: the loss and the gradient of every parameter by cs231n's name. @category Models */
export interface LossAndGrads {
  loss: number;
  grads: Record<string, Tensor>;
}

/** A finite reg >= 0, or a RangeError naming the model. */
function checkReg(where: string, reg: number): number {
  if (!(reg >= 0 && reg < Infinity)) throw new RangeError(`${where}: reg must be a finite number >= 0 (got ${reg})`);
  return reg;
}

/**
 * The base of cs231n's models: a subclass assigns its parameters (by cs231n's names, in cs231n's
 * order) and implements `forward` (the scores) and `weightNames` (what the L2 penalty covers). @internal
 */
export abstract class Cs231nClassifier extends Module {
  /** The L2 strength of `loss`: it adds 0.5·reg·Σ‖W‖² over the weights. */
  reg: number;
  /** Fused or tape backward for every layer of the model. */
  backward: BackwardMode;
  /** The model's name in messages. */
  private readonly modelName: string;

  /**
   * @param where - the model's name in messages.
   * @param reg - the L2 strength.
   * @param backward - the backward mode (undefined: fused).
   */
  protected constructor(where: string, reg: number, backward: BackwardMode | undefined) {
    super();
    this.modelName = where;
    this.reg = checkReg(where, reg);
    this.backward = checkBackwardMode(where, backward);
  }

  /** The names of the parameters the L2 penalty covers (cs231n's weights, not the biases). @internal */
  protected abstract weightNames(): readonly string[];

  /**
   * cs231n's affine layer, x·W + b with W in cs231n's `[in, out]` layout, in the model's backward
   * mode: fused, one `linearFused` node that reads W as it is (no permute recorded for `W.T`); tape,
   * `linearComposed(x, W.T, b)`. @internal
   */
  protected affine(x: Tensor, W: Tensor, b: Tensor): Tensor {
    return this.backward === 'fused' ? linearInOutFused(x, W, b) : linearComposed(x, W.T, b);
  }

  /** The parameters' dtype (follows `to(dtype)`). */
  get dtype(): FloatDType {
    return this.paramsInOrder().params[0]!.dtype as FloatDType;
  }

  /** The parameters by cs231n's names (W1, b1, ...), in cs231n's order. */
  get params(): Record<string, Parameter> {
    return Object.fromEntries(this.namedParameters());
  }

  /** The parameter names in cs231n's order (W1, b1, gamma1, beta1, …): namedParameters' names. */
  private paramNames: string[] | null = null;
  /** Whether a name is dotted (a nested module's): then every call walks the modules. */
  private nested = false;
  /** What {@link paramsInOrder} hands out: refilled by each call, read at once. */
  private readonly ordered: { names: readonly string[]; params: Parameter[] } = { names: [], params: [] };
  /** An object with the parameter names as keys in their order, each null; `loss` copies it for its grads (see {@link newGrads}). */
  private gradsTemplate: Record<string, Tensor | null> | null = null;
  /** The list `survivors` hands to recyclingArrays, refilled by each loss call and emptied after it. */
  private readonly keepList: (Tensor | null)[] = [];
  /** The list `releaseGrads` hands to giveBackArrays, refilled by each call and emptied after it. */
  private readonly giveBack: (Tensor | null)[] = [];

  /**
   * The parameter names and the parameters, in cs231n's order, as `namedParameters()` lists them,
   * without walking the module's fields on every step (the fields themselves are read each time:
   * `to(dtype)` may replace them). Models with nested modules (dotted names) walk them as
   * namedParameters does. The lists are refilled by the next call: read them at once.
   */
  private paramsInOrder(): { readonly names: readonly string[]; readonly params: readonly Parameter[] } {
    const o = this.ordered;
    if (this.paramNames === null) {
      this.paramNames = this.namedParameters().map(([name]) => name);
      this.nested = this.paramNames.some((name) => name.includes('.'));
    }
    if (this.nested) {
      const pairs = this.namedParameters();
      o.names = pairs.map(([name]) => name);
      o.params = pairs.map(([, p]) => p);
      return o;
    }
    const names = this.paramNames, params = o.params;
    const fields = this as unknown as Record<string, Parameter>;
    for (let i = 0; i < names.length; i++) params[i] = fields[names[i]!]!;
    o.names = names;
    return o;
  }

  /**
   * A new object for `loss`'s gradients, with `names` as its keys in that order (each null, to be
   * set): a copy of one template, which makes it in one allocation with its final layout, where
   * adding the keys one by one would make it a dictionary, grown step by step.
   */
  private newGrads(names: readonly string[]): Record<string, Tensor | null> {
    let t = this.gradsTemplate;
    if (t === null || !sameKeys(t, names)) t = this.gradsTemplate = Object.fromEntries(names.map((name) => [name, null]));
    return { ...t };
  }

  /** The L2 penalty 0.5·reg·Σ‖W‖² as a scalar tensor on the tape, or null when reg is 0. */
  private penalty(): Tensor | null {
    if (this.reg === 0) return null;
    const sumOfSquares = pickForm('sumOfSquares', this.backward);
    const { names, params } = this.paramsInOrder();
    let total: Tensor | null = null;
    for (const name of this.weightNames()) {
      const s = sumOfSquares(params[names.indexOf(name)]!);
      total = total === null ? s : total.add(s);
    }
    return total === null ? null : total.mul(0.5 * this.reg);
  }

  /**
   * cs231n's `loss`: without `y`, the scores of a test-mode forward (no graph); with `y` (int32 labels
   * or numbers), a train-mode forward and backward returning the loss and every parameter's gradient.
   * As in cs231n, X is first converted to the model's dtype (`forward` instead requires it). The
   * module's train/eval mode is restored afterwards.
   * @throws {@link @tapegrad/core!ShapeError | ShapeError} for a wrong input shape or labels that are not class indices;
   *   RangeError when `reg` was set to a value that is not a finite number >= 0.
   */
  loss(X: Tensor): Tensor;
  loss(X: Tensor, y: Tensor | readonly number[]): LossAndGrads;
  loss(X: Tensor, y?: Tensor | readonly number[]): Tensor | LossAndGrads {
    // every array the step makes besides the result, the parameters, their gradients and the
    // buffers is dead when it returns: give them back for the next step to reuse
    const args = this.stepArgs, outerX = args.X, outerY = args.y; // (a loss call inside this one puts them back)
    args.X = X;
    args.y = y;
    try {
      return recyclingArrays(this.runLossStep, this.keepSurvivors);
    } finally {
      args.X = outerX;
      args.y = outerY;
      this.keepList.fill(null); // (the list outlives the call: it must not keep the step's tensors alive)
    }
  }

  /** `loss`'s arguments, read by {@link runLossStep} when recyclingArrays calls it at once (null between calls). */
  private readonly stepArgs: { X: Tensor | null; y: Tensor | readonly number[] | undefined } = { X: null, y: undefined };
  /** What `loss` hands recyclingArrays, made once (closures over a call's X and y were two functions and a context per step). */
  private readonly runLossStep = (): Tensor | LossAndGrads => this.lossStep(this.stepArgs.X!, this.stepArgs.y);
  private readonly keepSurvivors = (result: Tensor | LossAndGrads): Tensor[] => this.survivors(result) as Tensor[];

  private lossStep(X: Tensor, y?: Tensor | readonly number[]): Tensor | LossAndGrads {
    const wasTraining = this.training;
    // cs231n's loss starts with X = X.astype(self.dtype): float64 CIFAR-10 into a float32 model works
    if (X instanceof Tensor && X.dtype !== this.dtype) X = X.to(this.dtype);
    try {
      if (y === undefined) {
        this.eval();
        return noGrad(() => this.forward(X));
      }
      checkReg(this.modelName, this.reg);
      this.train();
      const scores = this.forward(X);
      const dataLoss = pickForm('crossEntropy', this.backward)(scores, y);
      const penalty = this.penalty();
      const loss = penalty === null ? dataLoss : dataLoss.add(penalty);
      const { names, params } = this.paramsInOrder();
      for (let i = 0; i < params.length; i++) params[i]!.grad = null; // zeroGrad(), without walking the module's fields
      loss.backward();
      const grads = this.newGrads(names);
      for (let i = 0; i < params.length; i++) {
        const p = params[i]!;
        grads[names[i]!] = p.grad ?? zeros(p.shape, { dtype: p.dtype });
      }
      return { loss: loss.item(), grads: grads as Record<string, Tensor> };
    } finally {
      this.train(wasTraining);
    }
  }

  /**
   * Takes back the gradients a `loss(X, y)` call returned, once the caller has applied them (the
   * Solver calls this after each update): each that is still its parameter's `.grad` is unset, and
   * its array is reused by the next step (the large ones from the kernels' memory, where the weight
   * gradients' products and the optimizer's update then work in place). They are released: reading
   * one afterwards throws a GraphError, or, once the next `loss` has made its gradients in their
   * objects (see core's `recyclingArrays`), shows those.
   * @throws TypeError when `grads` is not an object.
   *
   * @example
   * ```ts
   * import { randint, randn } from '@tapegrad/core';
   * import { FullyConnectedNet } from '@tapegrad/nn';
   * const model = new FullyConnectedNet([8], { inputDim: 4, numClasses: 3 });
   * const { grads } = model.loss(randn([5, 4]), randint(0, 3, [5]));
   * model.releaseGrads(grads); // done with them
   * console.log(model.params.W1!.grad); // null
   * ```
   */
  releaseGrads(grads: Readonly<Record<string, Tensor>>): void {
    if (grads === null || typeof grads !== 'object') {
      throw new TypeError(`${this.modelName}.releaseGrads: grads must be the object loss(X, y) returned (got ${grads === null ? 'null' : typeof grads})`);
    }
    // by the parameters' order, which is the order loss(X, y) gave the gradients in (no Map by name),
    // into a list kept from call to call
    const { names, params } = this.paramsInOrder();
    const back = this.giveBack;
    let n = 0;
    for (let i = 0; i < params.length; i++) {
      const p = params[i]!, name = names[i]!;
      const g = Object.hasOwn(grads, name) ? grads[name] : undefined;
      if (g instanceof Tensor && p.grad === g) {
        p.grad = null;
        back[n++] = g;
      }
    }
    if (back.length !== n) back.length = n;
    try {
      giveBackArrays(back as Tensor[]);
    } finally {
      back.fill(null);
    }
  }

  /**
   * What outlives a `loss` call: its result, and the model's parameters, gradients and buffers, in
   * a list kept from call to call (`loss` empties it after use; every step asks).
   */
  private survivors(result: Tensor | LossAndGrads): readonly (Tensor | null)[] {
    const out = this.keepList;
    const { names, params } = this.paramsInOrder();
    let n = 0;
    if (result instanceof Tensor) out[n++] = result;
    else for (let i = 0; i < names.length; i++) out[n++] = result.grads[names[i]!]!;
    const grads = result instanceof Tensor ? null : result.grads;
    for (let i = 0; i < params.length; i++) {
      const p = params[i]!;
      out[n++] = p;
      // (a gradient loss returned is listed already)
      if (p.grad !== null && (grads === null || p.grad !== grads[names[i]!])) out[n++] = p.grad;
    }
    if (out.length !== n) out.length = n;
    collectBuffers(this, out as Buffer[], Module); // (appends them)
    return out;
  }
}

/** Whether `record`'s keys are `names`, in that order. */
function sameKeys(record: object, names: readonly string[]): boolean {
  let i = 0;
  for (const key in record) if (key !== names[i++]) return false;
  return i === names.length;
}
