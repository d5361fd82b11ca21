/**
 * cs231n's `ThreeLayerConvNet` (the ConvolutionalNetworks notebook) as a Module: conv - relu - 2×2
 * max pool - affine - relu - affine - softmax, with cs231n's parameter names, layouts, initialisation
 * order on the global RNG, and `loss(X, y)`.
 * @module
 */
import { DtypeError, ShapeError, checkFloatDtype, formatShape, noGrad, randn, zeros, type FloatDType, type Tensor } from '@tapegrad/core';
import type { BackwardMode } from './backwardMode.js';
import { Cs231nClassifier } from './cs231nClassifier.js';
import { pickForm } from './functional/fusedOpTable.js';
import { Parameter, inKernelMemory } from './parameter.js';

/** Options of {@link ThreeLayerConvNet}; the defaults are cs231n's. @category Models */
export interface ThreeLayerConvNetOptions {
  /** `[C, H, W]`, the shape of one input (default `[3, 32, 32]`). */
  inputDim?: readonly [number, number, number];
  /** F, the filters of the convolution (default 32). */
  numFilters?: number;
  /** The convolution's kernel size, square (default 7). */
  filterSize?: number;
  /** The units of the hidden affine layer (default 100). */
  hiddenDim?: number;
  /** The number of classes (default 10). */
  numClasses?: number;
  /** The standard deviation of the initial weights (default 1e-3). */
  weightScale?: number;
  /** L2 strength: the loss adds 0.5·reg·(‖W1‖² + ‖W2‖² + ‖W3‖²) (default 0). */
  reg?: number;
  /** The dtype of the parameters (default float32, as cs231n's np.float32). */
  dtype?: FloatDType;
  /** Fused (default) or tape backward for the convolution, the affine layers and the ReLUs. */
  backward?: BackwardMode;
}

/** A positive integer, or a ShapeError naming the model. */
function size(name: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0) throw new ShapeError(`ThreeLayerConvNet: ${name} must be a positive integer (got ${v})`);
  return v;
}

/**
 * cs231n's three-layer convolutional network, as a Module:
 * conv (F filters of `filterSize²`, stride 1, 'same' zero padding) - relu - 2×2 max pool (stride 2)
 * - affine - relu - affine - softmax.
 *
 * - Parameters `W1 [F, C, HH, WW]`, `b1 [F]` (the convolution, PyTorch's and cs231n's layout),
 *   `W2 [F·⌊H/2⌋·⌊W/2⌋, hidden]`, `b2`, `W3 [hidden, classes]`, `b3` (cs231n's `[in, out]` layout;
 *   W2's rows in the C-order flattening of the pooled `[F, H/2, W/2]` maps); `params` lists them.
 * - Construction draws only `W1`, `W2`, `W3 = weightScale · randn(...)` from the global RNG, in that
 *   order (the biases start at 0), so after `manualSeed(s)` it equals cs231n's numpy model after
 *   `np.random.seed(s)`.
 * - `loss(X)` returns the scores `[N, classes]` in test mode; `loss(X, y)` runs a train-mode forward
 *   and backward and returns `{ loss, grads }` with loss = softmax loss + 0.5·reg·Σ‖W‖² (biases not
 *   regularised), as `FullyConnectedNet` does, so cs231n's Solver trains it; `releaseGrads` lets the
 *   next step reuse the gradients' arrays.
 * - The first stage is cs231n's conv - relu - pool sandwich, {@link convReluPoolFused} (one node,
 *   the convolution's output kept in the kernels' memory) or {@link convReluPoolComposed};
 *   `backward` switches it, the affine layers and the ReLU between their fused and composed forms
 *   (`compareGradients` compares them).
 *
 * @example
 * ```ts
 * import { manualSeed, randn, randint } from '@tapegrad/core';
 * import { ThreeLayerConvNet } from '@tapegrad/nn';
 * manualSeed(231);
 * const model = new ThreeLayerConvNet({ inputDim: [3, 8, 8], numFilters: 4, filterSize: 3, hiddenDim: 7, numClasses: 5, dtype: 'float64' });
 * console.log(Object.entries(model.params).map(([k, p]) => `${k} ${p.shape.join('x')}`)); // ['W1 4x3x3x3', 'b1 4', 'W2 64x7', 'b2 7', 'W3 7x5', 'b3 5']
 * const { loss } = model.loss(randn([2, 3, 8, 8], { dtype: 'float64' }), randint(0, 5, [2]));
 * console.log(Math.abs(loss - Math.log(5)) < 1e-3); // true: tiny weights, uniform scores
 * ```
 * @category Models
 */
export class ThreeLayerConvNet extends Cs231nClassifier {
  /** `[C, H, W]`, the shape of one input. */
  readonly inputDim: readonly [number, number, number];
  /** The convolution's kernel size. */
  readonly filterSize: number;
  /** The convolution's filters [F, C, HH, WW]. */
  W1: Parameter;
  /** The convolution's bias [F]. */
  b1: Parameter;
  /** The hidden affine layer's weight [F·⌊H/2⌋·⌊W/2⌋, hidden]. */
  W2: Parameter;
  /** The hidden affine layer's bias [hidden]. */
  b2: Parameter;
  /** The output affine layer's weight [hidden, classes]. */
  W3: Parameter;
  /** The output affine layer's bias [classes]. */
  b3: Parameter;

  /**
   * @param opts - see {@link ThreeLayerConvNetOptions}.
   * @throws {@link @tapegrad/core!ShapeError | ShapeError} for sizes that are not positive integers or an
   *   input smaller than 2×2; RangeError for a reg or weightScale that is not finite (reg also < 0);
   *   {@link @tapegrad/core!DtypeError | DtypeError} for a dtype that is not float32 or float64.
   */
  constructor(opts: ThreeLayerConvNetOptions = {}) {
    super('ThreeLayerConvNet', opts.reg ?? 0, opts.backward);
    const inputDim = opts.inputDim ?? [3, 32, 32];
    if (!Array.isArray(inputDim) || inputDim.length !== 3) {
      throw new ShapeError(`ThreeLayerConvNet: inputDim must be [C, H, W] (got ${JSON.stringify(inputDim)})`);
    }
    const [C, H, W] = inputDim.map((d, i) => size(`inputDim[${i}]`, d)) as [number, number, number];
    if (H < 2 || W < 2) throw new ShapeError(`ThreeLayerConvNet: the 2×2 pool needs an input of at least 2×2 (got inputDim [${C}, ${H}, ${W}])`);
    const F = size('numFilters', opts.numFilters ?? 32);
    const k = size('filterSize', opts.filterSize ?? 7);
    const hidden = size('hiddenDim', opts.hiddenDim ?? 100);
    const classes = size('numClasses', opts.numClasses ?? 10);
    const weightScale = opts.weightScale ?? 1e-3;
    if (!Number.isFinite(weightScale)) throw new RangeError(`ThreeLayerConvNet: weightScale must be finite (got ${weightScale})`);
    const dtype = checkFloatDtype('ThreeLayerConvNet', opts.dtype ?? 'float32');
    this.inputDim = [C, H, W];
    this.filterSize = k;
    // cs231n's order: W1, b1, W2, b2, W3, b3; only the weights draw from the RNG
    const draw = (shape: number[]) => new Parameter(inKernelMemory(noGrad(() => randn(shape, { dtype: 'float64' }).mul(weightScale).to(dtype))));
    const zero = (n: number) => new Parameter(inKernelMemory(zeros([n], { dtype })));
    this.W1 = draw([F, C, k, k]);
    this.b1 = zero(F);
    this.W2 = draw([F * Math.floor(H / 2) * Math.floor(W / 2), hidden]);
    this.b2 = zero(hidden);
    this.W3 = draw([hidden, classes]);
    this.b3 = zero(classes);
  }

  /** The weights W1, W2, W3: what the L2 penalty covers. @internal */
  protected weightNames(): string[] {
    return ['W1', 'W2', 'W3'];
  }

  /**
   * The class scores `[N, classes]` for `X` `[N, C, H, W]`, in train or eval mode as the module is.
   * @throws {@link @tapegrad/core!ShapeError | ShapeError} when X is not `[N, C, H, W]` of `inputDim`;
   *   {@link @tapegrad/core!DtypeError | DtypeError} when X's dtype is not the model's.
   */
  forward(X: Tensor): Tensor {
    const [C, H, W] = this.inputDim;
    if (X.ndim !== 4 || X.shape[1] !== C || X.shape[2] !== H || X.shape[3] !== W) {
      throw new ShapeError(`ThreeLayerConvNet: expected input [N, ${C}, ${H}, ${W}] (got ${formatShape(X.shape)})`);
    }
    if (X.dtype !== this.W1.dtype) {
      throw new DtypeError(`ThreeLayerConvNet: expected a ${this.W1.dtype} input, the model's dtype (got ${X.dtype}); convert X with .to('${this.W1.dtype}')`);
    }
    const mode = this.backward;
    const relu = pickForm('relu', mode);
    const pooled = pickForm('convReluPool', mode)(X, this.W1, this.b1, { conv: { padding: 'same' }, pool: { kernelSize: 2 } });
    const h = relu(this.affine(pooled.reshape([X.shape[0]!, this.W2.shape[0]!]), this.W2, this.b2));
    return this.affine(h, this.W3, this.b3);
  }

  /** `inputDim=[3, 32, 32], numFilters=32, filterSize=7, hiddenDim=100, numClasses=10, reg=0`. */
  override extraRepr(): string {
    return `inputDim=${formatShape(this.inputDim)}, numFilters=${this.W1.shape[0]}, filterSize=${this.filterSize}, ` +
      `hiddenDim=${this.W2.shape[1]}, numClasses=${this.W3.shape[1]}, reg=${this.reg}`;
  }
}
