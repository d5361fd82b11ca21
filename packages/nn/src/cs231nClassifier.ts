/**
 * What cs231n's classifiers (FullyConnectedNet, ThreeLayerConvNet) share as Modules: parameters by
 * cs231n's names, `loss(X)` / `loss(X, y)` with the L2 penalty 0.5·reg·Σ‖W‖², and the recycling of
 * a step's arrays (`releaseGrads`), so that cs231n's Solver trains any of them.
 * @module
 * @internal
 */
import { Tensor, giveBackArrays, noGrad, recyclingArrays, zeros, type FloatDType } from '@tapegrad/core';
import { checkBackwardMode, type BackwardMode } from './backwardMode.js';
import { crossEntropy } from './functional/crossEntropy.js';
import { pickForm } from './functional/fusedOpTable.js';
import { linearComposed, linearInOutFused } from './functional/linear.js';
import { Module } from './module.js';
import type { Parameter } from './parameter.js';

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
    return this.paramsInOrder()[0]![1].dtype as FloatDType;
  }

  /** The parameters by cs231n's names (W1, b1, ...), in cs231n's order. */
  get params(): Record<string, Parameter> {
    return Object.fromEntries(this.namedParameters());
  }

  /** The parameter names in cs231n's order (W1, b1, gamma1, beta1, …): namedParameters' names. */
  private paramNames: string[] | null = null;

  /**
   * The parameters by name in cs231n's order, as `namedParameters()` lists them, without walking
   * the module's fields on every step (the fields themselves are read each time: `to(dtype)` may
   * replace them). Models with nested modules (dotted names) walk them as namedParameters does.
   */
  private paramsInOrder(): [string, Parameter][] {
    this.paramNames ??= [...this.namedParameters()].map(([name]) => name);
    if (this.paramNames.some((name) => name.includes('.'))) return [...this.namedParameters()];
    const fields = this as unknown as Record<string, Parameter>;
    return this.paramNames.map((name) => [name, fields[name]!]);
  }

  /** The L2 penalty 0.5·reg·Σ‖W‖² as a scalar tensor on the tape, or null when reg is 0. */
  private penalty(): Tensor | null {
    if (this.reg === 0) return null;
    const sumOfSquares = pickForm('sumOfSquares', this.backward);
    const params = new Map(this.paramsInOrder());
    let total: Tensor | null = null;
    for (const name of this.weightNames()) {
      const s = sumOfSquares(params.get(name)!);
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
    return recyclingArrays(() => this.lossStep(X, y), (result) => this.survivors(result));
  }

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
      const dataLoss = crossEntropy(scores, y);
      const penalty = this.penalty();
      const loss = penalty === null ? dataLoss : dataLoss.add(penalty);
      const params = this.paramsInOrder();
      for (const [, p] of params) p.grad = null; // zeroGrad(), without walking the module's fields
      loss.backward();
      const grads: Record<string, Tensor> = {};
      for (const [name, p] of params) grads[name] = p.grad ?? zeros(p.shape, { dtype: p.dtype });
      return { loss: loss.item(), grads };
    } finally {
      this.train(wasTraining);
    }
  }

  /**
   * Takes back the gradients a `loss(X, y)` call returned, once the caller has applied them (the
   * Solver calls this after each update): each that is still its parameter's `.grad` is unset, and
   * its array is reused by the next step (the large ones from the kernels' memory, where the weight
   * gradients' products and the optimizer's update then work in place). Reading them afterwards
   * reads whatever later steps write.
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
    // by the parameters' order, which is the order loss(X, y) gave the gradients in (no Map by name)
    const back: Tensor[] = [];
    for (const [name, p] of this.paramsInOrder()) {
      const g = Object.hasOwn(grads, name) ? grads[name] : undefined;
      if (g instanceof Tensor && p.grad === g) {
        p.grad = null;
        back.push(g);
      }
    }
    giveBackArrays(back);
  }

  /** What outlives a `loss` call: its result, and the model's parameters, gradients and buffers (a list, not a generator: every step asks). */
  private survivors(result: Tensor | LossAndGrads): Tensor[] {
    const out = result instanceof Tensor ? [result] : Object.values(result.grads);
    for (const [, p] of this.paramsInOrder()) {
      out.push(p);
      if (p.grad !== null) out.push(p.grad);
    }
    for (const b of this.buffers()) out.push(b);
    return out;
  }
}
