/**
 * The fully connected layer, as PyTorch's `nn.Linear`.
 * @module
 */
import { DtypeError, ShapeError, Tensor, checkFloatDtype, defaultGenerator, formatShape, getDefaultDtype, zeros, type FloatDType, type Generator } from '@tapegrad/core';
import { Module } from './module.js';
import { Parameter, inKernelMemory } from './parameter.js';
import { checkBackwardMode, type BackwardMode } from './backwardMode.js';
import { pickForm } from './functional/fusedOpTable.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from './init.js';
import { graphOnly } from './graphOnly.js';

/** Options of {@link Linear}. @category Layers */
export interface LinearOptions {
  /** Whether the layer adds a learnable bias (default true). */
  bias?: boolean;
  /** The parameters' dtype (default: core's default dtype, float32 unless changed). */
  dtype?: FloatDType;
  /** `'fused'` (one node with a handwritten backward; the default) or `'tape'` (composed from core ops). */
  backward?: BackwardMode;
  /** The stream the initial values are drawn from (default: the global one, seeded by `manualSeed`). */
  generator?: Generator;
}

function checkFeatures(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`Linear: ${name} must be a non-negative integer (got ${String(value)})`);
  }
  return value;
}

/**
 * A fully connected layer (PyTorch's `nn.Linear`): y = x·Wᵀ + b, with W in PyTorch's layout
 * `[outFeatures, inFeatures]`, so state dicts exchange with PyTorch.
 *
 * Initialised as PyTorch does: W by {@link init.kaimingUniform_} with a = √5, which is
 * U(−1/√inFeatures, 1/√inFeatures), then b from the same U(−1/√inFeatures, 1/√inFeatures)
 * (W drawn first, from core's global stream unless a `generator` is given).
 *
 * Shapes: input `[N, inFeatures]`, output `[N, outFeatures]`.
 *
 * @example
 * ```ts
 * import { manualSeed, randn } from '@tapegrad/core';
 * import { Linear } from '@tapegrad/nn';
 * manualSeed(0);
 * const fc = new Linear(5, 4, { dtype: 'float64' });
 * const y = fc.forward(randn([3, 5], { dtype: 'float64' }));
 * console.log(y.shape, String(fc)); // [3, 4] 'Linear(inFeatures=5, outFeatures=4, bias=true)'
 * y.sum().backward();
 * console.log(fc.weight.grad?.shape); // [4, 5]
 * ```
 * @category Layers
 */
export class Linear extends Module {
  /** forward keeps its input and output only on the tape (see graphOnly.ts). @internal */
  static readonly [graphOnly] = true;
  /** `[outFeatures, inFeatures]`. */
  weight: Parameter;
  /** `[outFeatures]`, or null when built with `bias: false`. */
  bias: Parameter | null;
  /** The size of each input row. */
  readonly inFeatures: number;
  /** The size of each output row. */
  readonly outFeatures: number;
  /** Which backward `forward` uses; see {@link setBackwardMode}. */
  backward: BackwardMode;

  /**
   * @param inFeatures - the size of each input row.
   * @param outFeatures - the size of each output row.
   * @param opts - `bias` (true), `dtype` (the default dtype), `backward` ('fused'), `generator` (the global stream).
   * @throws RangeError when a size is not a non-negative integer; TypeError for an unknown `backward`.
   */
  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions = {}) {
    super();
    const dtype = checkFloatDtype('Linear', opts.dtype ?? getDefaultDtype());
    this.inFeatures = checkFeatures('inFeatures', inFeatures);
    this.outFeatures = checkFeatures('outFeatures', outFeatures);
    this.weight = new Parameter(inKernelMemory(zeros([outFeatures, inFeatures], { dtype })));
    this.bias = (opts.bias ?? true) ? new Parameter(inKernelMemory(zeros([outFeatures], { dtype }))) : null;
    this.backward = checkBackwardMode('Linear', opts.backward);
    this.resetParameters(opts.generator);
  }

  /**
   * Draws new initial values in place, as PyTorch's `reset_parameters`: W ~ kaiming-uniform with
   * a = √5 (= U(−1/√in, 1/√in)), then b ~ U(−1/√in, 1/√in) (0 when inFeatures is 0).
   * @param generator - default: the global stream.
   */
  resetParameters(generator: Generator = defaultGenerator): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5), generator });
    if (this.bias) {
      const [fanIn] = calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound, generator);
    }
  }

  /**
   * x·Wᵀ + b by the `backward` path chosen.
   * @param x - `[N, inFeatures]`, the layer's dtype.
   * @returns `[N, outFeatures]`.
   * @throws {@link @tapegrad/core!ShapeError | ShapeError} `Linear: expected input [N, 5] (got [3, 4])`; {@link @tapegrad/core!DtypeError | DtypeError} for another dtype.
   */
  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new TypeError(`Linear: input must be a Tensor (got ${x === null ? 'null' : typeof x})`);
    if (x.ndim !== 2 || x.shape[1] !== this.inFeatures) {
      throw new ShapeError(`Linear: expected input [N, ${this.inFeatures}] (got ${formatShape(x.shape)})`);
    }
    if (x.dtype !== this.weight.dtype) {
      throw new DtypeError(`Linear: expected a ${this.weight.dtype} input (got ${x.dtype}); convert the input with .to() or the layer with .to()`);
    }
    return pickForm('linear', this.backward)(x, this.weight, this.bias);
  }

  /** `inFeatures=5, outFeatures=4, bias=true`. */
  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
