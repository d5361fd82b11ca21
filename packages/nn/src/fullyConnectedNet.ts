/**
 * cs231n's `FullyConnectedNet` as a Module: {affine - [batch/layer norm] - relu - [dropout]} × (L - 1)
 * - affine - softmax, with cs231n's parameter names (W1, b1, gamma1, beta1, ...), its [in, out]
 * weight layout, its initialisation order on the global RNG, and its `loss(X, y)`.
 * @module
 */
import {
  DtypeError, ShapeError, checkFloatDtype, formatShape, manualSeed, noGrad, randn, zeros, ones,
  type FloatDType, type Tensor,
} from '@tapegrad/core';
import { Buffer, Parameter, inKernelMemory } from './parameter.js';
import type { BackwardMode } from './backwardMode.js';
import { Cs231nClassifier, type LossAndGrads } from './cs231nClassifier.js';
import { pickForm } from './functional/fusedOpTable.js';
import { dropout } from './functional/dropout.js';
import type { BatchNormOptions } from './functional/batchNorm.js';

export type { LossAndGrads };

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
export class FullyConnectedNet extends Cs231nClassifier {
  /** The sizes of the hidden layers. */
  readonly hiddenDims: readonly number[];
  /** L, the number of affine layers (hidden layers + 1). */
  readonly numLayers: number;
  /** The normalization before each hidden ReLU. */
  readonly normalization: 'batchnorm' | 'layernorm' | null;
  /** The probability of keeping a unit in dropout (1: no dropout). */
  readonly dropoutKeepRatio: number;
  /** When not null, dropout reseeds the global RNG with it before every mask (cs231n's `dropout_param['seed']`). */
  seed: number | null;

  /**
   * @param hiddenDims - the size of each hidden layer.
   * @param opts - see {@link FullyConnectedNetOptions}.
   * @throws {@link @tapegrad/core!ShapeError | ShapeError} for a non-positive layer size; RangeError for a bad option;
   *   {@link @tapegrad/core!DtypeError | DtypeError} for a dtype that is not float32 or float64.
   */
  constructor(hiddenDims: readonly number[], opts: FullyConnectedNetOptions = {}) {
    super('FullyConnectedNet', opts.reg ?? 0, opts.backward);
    const inputDim = opts.inputDim ?? 3 * 32 * 32;
    const numClasses = opts.numClasses ?? 10;
    const dims = [inputDim, ...hiddenDims, numClasses];
    if (!dims.every((d) => Number.isInteger(d) && d > 0)) {
      throw new ShapeError(`FullyConnectedNet: layer sizes must be positive integers (got ${formatShape(dims)})`);
    }
    const keep = opts.dropoutKeepRatio ?? 1;
    if (!(keep > 0 && keep <= 1)) throw new RangeError(`FullyConnectedNet: dropoutKeepRatio must be in (0, 1] (got ${keep})`);
    const weightScale = opts.weightScale ?? 1e-2;
    if (!Number.isFinite(weightScale)) throw new RangeError(`FullyConnectedNet: weightScale must be finite (got ${weightScale})`);
    const normalization = opts.normalization ?? null;
    if (normalization !== null && normalization !== 'batchnorm' && normalization !== 'layernorm') {
      throw new RangeError(`FullyConnectedNet: normalization must be null, 'batchnorm' or 'layernorm' (got ${String(normalization)})`);
    }
    this.hiddenDims = [...hiddenDims];
    this.numLayers = hiddenDims.length + 1;
    this.normalization = normalization;
    this.dropoutKeepRatio = keep;
    this.seed = opts.seed ?? null;
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

  /** The options of the batch norm calls (cs231n's: momentum 0.9 decay of the old value, biased running variance). */
  private readonly batchNormOptions: BatchNormOptions = {
    training: true, runningMean: null, runningVar: null, momentum: 0.1, unbiasedRunningVar: false, eps: 1e-5,
  };

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
    const relu = pickForm('relu', mode);
    const batchNorm = pickForm('batchNorm', mode), layerNorm = pickForm('layerNorm', mode);
    let h = X.ndim === 2 ? X : X.reshape([X.shape[0]!, inputDim]);
    for (let l = 1; l <= this.numLayers; l++) {
      const names = layerNames(l);
      h = this.affine(h, this.field(names.W), this.field(names.b));
      if (l === this.numLayers) break;
      if (this.normalization === 'batchnorm') {
        // one options object, refilled for each call (the forms read it before they return)
        const opts = this.batchNormOptions;
        opts.training = this.training;
        opts.runningMean = this.field(names.runningMean);
        opts.runningVar = this.field(names.runningVar);
        h = batchNorm(h, this.field(names.gamma), this.field(names.beta), opts);
      } else if (this.normalization === 'layernorm') {
        h = layerNorm(h, [h.shape[1]!], this.field(names.gamma), this.field(names.beta), 1e-5);
      }
      h = relu(h);
      if (this.dropoutKeepRatio !== 1 && this.training) {
        if (this.seed !== null) manualSeed(this.seed);
        h = dropout(h, 1 - this.dropoutKeepRatio, true);
      }
    }
    return h;
  }

  /** The weights W1..WL: what the L2 penalty covers. @internal */
  protected weightNames(): string[] {
    return Array.from({ length: this.numLayers }, (_, l) => `W${l + 1}`);
  }

  /** `dims=[3072, 100, 10], normalization=batchnorm, reg=0, dropoutKeepRatio=1`. */
  override extraRepr(): string {
    const dims = [this.field('W1').shape[0]!, ...this.hiddenDims, this.field(`W${this.numLayers}`).shape[1]!];
    return `dims=[${dims.join(', ')}], normalization=${this.normalization}, reg=${this.reg}, dropoutKeepRatio=${this.dropoutKeepRatio}`;
  }
}

/** The names of layer l's parameters and buffers (W1, b1, gamma1, …). */
interface LayerNames {
  readonly W: string;
  readonly b: string;
  readonly gamma: string;
  readonly beta: string;
  readonly runningMean: string;
  readonly runningVar: string;
}

/** Each layer's names, made once (a template string is a new string per call). */
const namesByLayer: LayerNames[] = [];

/** The names of layer l's parameters and buffers. */
function layerNames(l: number): LayerNames {
  return (namesByLayer[l] ??= Object.freeze({
    W: `W${l}`, b: `b${l}`, gamma: `gamma${l}`, beta: `beta${l}`, runningMean: `runningMean${l}`, runningVar: `runningVar${l}`,
  }));
}
