/**
 * cs231n's `FullyConnectedNet` as a Module: {affine - [batch/layer norm] - relu - [dropout]} × (L - 1)
 * - affine - softmax, with cs231n's parameter names (W1, b1, gamma1, beta1, ...), its [in, out]
 * weight layout, its initialisation order on the global RNG, and its `loss(X, y)`.
 * @module
 */
import {
  DtypeError, ShapeError, Tensor, checkFloatDtype, formatShape, manualSeed, noGrad, randn, recyclingArrays, giveBackArrays, zeros, ones,
  type FloatDType,
} from '@tapegrad/core';
import { Module } from './module.js';
import { Buffer, Parameter, inKernelMemory } from './parameter.js';
import { checkBackwardMode, type BackwardMode } from './backwardMode.js';
import { pickForm } from './functional/fusedOpTable.js';
import { dropout } from './functional/dropout.js';
import { crossEntropy } from './functional/crossEntropy.js';

/** Options of {@link FullyConnectedNet}; the defaults are cs231n's. @category Models */
export interface FullyConnectedNetOptions {
  /** D, the size of one flattened input (default 3072 = 3·32·32). */
  inputDim?: number;
  /** C, the number of classes (default 10). */
  numClasses?: number;
  /** The probability of keeping a unit in dropout; 1 (the default) means no dropout. */
  dropoutKeepRatio?: number;
  /** `null` (default), `'batchnorm'` or `'layernorm'` before each hidden ReLU. */
  normalization?: 'batchnorm' | 'layernorm' | null;
  /** L2 strength: the loss adds 0.5·reg·Σ‖W‖² over the weights (default 0). */
  reg?: number;
  /** The standard deviation of the initial weights (default 1e-2). */
  weightScale?: number;
  /** The dtype of the parameters (default float32, as cs231n's np.float32). */
  dtype?: FloatDType;
  /** When set, dropout reseeds the global RNG with it before every mask, as cs231n does. */
  seed?: number | null;
  /** Fused (default) or tape backward for the affine, norm and ReLU layers. */
  backward?: BackwardMode;
}

/** What `loss(X, y)` returns: the loss and the gradient of every parameter by cs231n's name. @category Models */
export interface LossAndGrads {
  loss: number;
  grads: Record<string, Tensor>;
}

/**
 * cs231n's fully connected network with any number of hidden layers, as a Module.
 *
 * - Parameters `W1, b1, gamma1, beta1, …, WL, bL` (gammas/betas only with a normalization), W in
 *   cs231n's layout `[in, out]`; `params` lists them by those names.
 * - Construction draws only `W_l = weightScale · randn(in, out)` from the global RNG, l = 1..L in
 *   order, so after `manualSeed(s)` it equals the numpy model after `np.random.seed(s)`.
 * - Batchnorm follows cs231n's convention (momentum 0.9 decay of the old value, biased running
 *   variance, running stats starting at 0), kept as buffers `running_mean1, running_var1, …`.
 * - `loss(X)` returns the scores in test mode; `loss(X, y)` runs a train-mode forward and backward
 *   and returns `{ loss, grads }` with loss = softmax loss + 0.5·reg·Σ‖W‖².
 *
 * @example
 * ```ts
 * import { manualSeed, randn, randint } from '@tapegrad/core';
 * import { FullyConnectedNet } from '@tapegrad/nn';
 * manualSeed(231);
 * const X = randn([2, 15], { dtype: 'float64' });
 * const y = randint(0, 10, [2]);
 * const model = new FullyConnectedNet([20, 30], { inputDim: 15, numClasses: 10, weightScale: 5e-2, dtype: 'float64', normalization: 'batchnorm' });
 * const { loss, grads } = model.loss(X, y);
 * console.log(loss); // 2.2611955101340957, as the notebook prints
 * console.log(Object.keys(grads).length); // 10
 * ```
 * @category Models
 */
export class FullyConnectedNet extends Module {
  /** The sizes of the hidden layers. */
  readonly hiddenDims: readonly number[];
  /** L, the number of affine layers (hidden layers + 1). */
  readonly numLayers: number;
  /** The normalization before each hidden ReLU. */
  readonly normalization: 'batchnorm' | 'layernorm' | null;
  /** The L2 strength of `loss`. */
  reg: number;
  /** The probability of keeping a unit in dropout (1: no dropout). */
  readonly dropoutKeepRatio: number;
  /** When not null, dropout reseeds the global RNG with it before every mask (cs231n's `dropout_param['seed']`). */
  seed: number | null;
  /** Fused or tape backward for the affine, norm and ReLU layers. */
  backward: BackwardMode;

  /**
   * @param hiddenDims - the size of each hidden layer.
   * @param opts - see {@link FullyConnectedNetOptions}.
   * @throws {@link @tapegrad/core!ShapeError | ShapeError} for a non-positive layer size; RangeError for a bad option;
   *   {@link @tapegrad/core!DtypeError | DtypeError} for a dtype that is not float32 or float64.
   */
  constructor(hiddenDims: readonly number[], opts: FullyConnectedNetOptions = {}) {
    super();
    const inputDim = opts.inputDim ?? 3 * 32 * 32;
    const numClasses = opts.numClasses ?? 10;
    const dims = [inputDim, ...hiddenDims, numClasses];
    if (!dims.every((d) => Number.isInteger(d) && d > 0)) {
      throw new ShapeError(`FullyConnectedNet: layer sizes must be positive integers (got ${formatShape(dims)})`);
    }
    const keep = opts.dropoutKeepRatio ?? 1;
    if (!(keep > 0 && keep <= 1)) throw new RangeError(`FullyConnectedNet: dropoutKeepRatio must be in (0, 1] (got ${keep})`);
    const reg = opts.reg ?? 0;
    if (!(reg >= 0 && reg < Infinity)) throw new RangeError(`FullyConnectedNet: reg must be a finite number >= 0 (got ${reg})`);
    const weightScale = opts.weightScale ?? 1e-2;
    if (!Number.isFinite(weightScale)) throw new RangeError(`FullyConnectedNet: weightScale must be finite (got ${weightScale})`);
    const normalization = opts.normalization ?? null;
    if (normalization !== null && normalization !== 'batchnorm' && normalization !== 'layernorm') {
      throw new RangeError(`FullyConnectedNet: normalization must be null, 'batchnorm' or 'layernorm' (got ${String(normalization)})`);
    }
    this.hiddenDims = [...hiddenDims];
    this.numLayers = hiddenDims.length + 1;
    this.normalization = normalization;
    this.reg = reg;
    this.dropoutKeepRatio = keep;
    this.seed = opts.seed ?? null;
    this.backward = checkBackwardMode('FullyConnectedNet', opts.backward);
    const dtype = checkFloatDtype('FullyConnectedNet', opts.dtype ?? 'float32');
    const fields = this as unknown as Record<string, Tensor>;
    for (let l = 1; l <= this.numLayers; l++) {
      const [fanIn, fanOut] = [dims[l - 1]!, dims[l]!];
      fields[`W${l}`] = new Parameter(inKernelMemory(noGrad(() => randn([fanIn, fanOut], { dtype: 'float64' }).mul(weightScale).to(dtype))));
      fields[`b${l}`] = new Parameter(inKernelMemory(zeros([fanOut], { dtype })));
      if (normalization !== null && l < this.numLayers) {
        fields[`gamma${l}`] = new Parameter(inKernelMemory(ones([fanOut], { dtype })));
        fields[`beta${l}`] = new Parameter(inKernelMemory(zeros([fanOut], { dtype })));
      }
    }
    if (normalization === 'batchnorm') {
      for (let l = 1; l < this.numLayers; l++) {
        fields[`runningMean${l}`] = new Buffer(zeros([dims[l]!], { dtype }));
        fields[`runningVar${l}`] = new Buffer(zeros([dims[l]!], { dtype }));
      }
    }
  }

  /** The parameters' dtype (follows `to(dtype)`). */
  get dtype(): FloatDType {
    return this.field('W1').dtype as FloatDType;
  }

  /** The parameters by cs231n's names (W1, b1, gamma1, beta1, ...), in cs231n's order. */
  get params(): Record<string, Parameter> {
    return Object.fromEntries(this.namedParameters());
  }

  /** The parameter names in cs231n's order (W1, b1, gamma1, beta1, …): namedParameters' names. */
  private paramNames: string[] | null = null;

  /**
   * The parameters by name in cs231n's order, as `namedParameters()` lists them, without walking
   * the module's fields on every step (the fields themselves are read each time: `to(dtype)` may
   * replace them).
   */
  private paramsInOrder(): [string, Parameter][] {
    this.paramNames ??= [...this.namedParameters()].map(([name]) => name);
    return this.paramNames.map((name) => [name, this.field(name) as Parameter]);
  }

  private field(name: string): Tensor {
    return (this as unknown as Record<string, Tensor>)[name]!;
  }

  /**
   * The class scores `[N, C]` for `X` (`[N, D]` or `[N, ...]` with D elements per row), in train or
   * eval mode as the module is.
   * @throws {@link @tapegrad/core!ShapeError | ShapeError} when a row of X does not hold inputDim values;
   *   {@link @tapegrad/core!DtypeError | DtypeError} when X's dtype is not the model's.
   */
  forward(X: Tensor): Tensor {
    const inputDim = this.field('W1').shape[0]!;
    if (X.ndim < 1 || X.size !== X.shape[0]! * inputDim) {
      throw new ShapeError(`FullyConnectedNet: expected input [N, ${inputDim}] or [N, ...] with ${inputDim} values per row (got ${formatShape(X.shape)})`);
    }
    const dtype = this.field('W1').dtype;
    if (X.dtype !== dtype) {
      throw new DtypeError(`FullyConnectedNet: expected a ${dtype} input, the model's dtype (got ${X.dtype}); convert X with .to('${dtype}')`);
    }
    const mode = this.backward;
    const linear = pickForm('linear', mode), relu = pickForm('relu', mode);
    const batchNorm = pickForm('batchNorm', mode), layerNorm = pickForm('layerNorm', mode);
    let h = X.reshape([X.shape[0]!, inputDim]);
    for (let l = 1; l <= this.numLayers; l++) {
      h = linear(h, this.field(`W${l}`).T, this.field(`b${l}`));
      if (l === this.numLayers) break;
      if (this.normalization === 'batchnorm') {
        h = batchNorm(h, this.field(`gamma${l}`), this.field(`beta${l}`), {
          training: this.training,
          runningMean: this.field(`runningMean${l}`),
          runningVar: this.field(`runningVar${l}`),
          momentum: 0.1,
          unbiasedRunningVar: false,
          eps: 1e-5,
        });
      } else if (this.normalization === 'layernorm') {
        h = layerNorm(h, [h.shape[1]!], this.field(`gamma${l}`), this.field(`beta${l}`), 1e-5);
      }
      h = relu(h);
      if (this.dropoutKeepRatio !== 1 && this.training) {
        if (this.seed !== null) manualSeed(this.seed);
        h = dropout(h, 1 - this.dropoutKeepRatio, true);
      }
    }
    return h;
  }

  /** The L2 penalty 0.5·reg·Σ‖W‖² as a scalar tensor on the tape. */
  private penalty(): Tensor | null {
    if (this.reg === 0) return null;
    const sumOfSquares = pickForm('sumOfSquares', this.backward);
    let total: Tensor | null = null;
    for (let l = 1; l <= this.numLayers; l++) {
      const s = sumOfSquares(this.field(`W${l}`));
      total = total === null ? s : total.add(s);
    }
    return total!.mul(0.5 * this.reg);
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
      if (!(this.reg >= 0 && this.reg < Infinity)) throw new RangeError(`FullyConnectedNet: reg must be a finite number >= 0 (got ${this.reg})`);
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
      throw new TypeError(`FullyConnectedNet.releaseGrads: grads must be the object loss(X, y) returned (got ${grads === null ? 'null' : typeof grads})`);
    }
    const byName = new Map(this.paramsInOrder());
    const back: Tensor[] = [];
    for (const [name, g] of Object.entries(grads)) {
      const p = byName.get(name);
      if (p !== undefined && g instanceof Tensor && p.grad === g) {
        p.grad = null;
        back.push(g);
      }
    }
    giveBackArrays(back);
  }

  /** What outlives a `loss` call: its result, and the model's parameters, gradients and buffers. */
  private *survivors(result: Tensor | LossAndGrads): Iterable<Tensor> {
    if (result instanceof Tensor) yield result;
    else yield* Object.values(result.grads);
    for (const [, p] of this.paramsInOrder()) {
      yield p;
      if (p.grad !== null) yield p.grad;
    }
    yield* this.buffers();
  }

  override extraRepr(): string {
    const dims = [this.field('W1').shape[0]!, ...this.hiddenDims, this.field(`W${this.numLayers}`).shape[1]!];
    return `dims=[${dims.join(', ')}], normalization=${this.normalization}, reg=${this.reg}, dropoutKeepRatio=${this.dropoutKeepRatio}`;
  }
}
