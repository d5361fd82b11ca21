/**
 * The 2-D convolution layer, as PyTorch's `nn.Conv2d`.
 * @module
 */
import {
  DtypeError, ShapeError, checkFloatDtype, checkFloatTensor, defaultGenerator, formatShape, getDefaultDtype, spatialWindow, zeros,
  type FloatDType, type Generator, type Tensor,
} from '@tapegrad/core';
import { checkBackwardMode, defaultBackwardMode, type BackwardMode } from './backwardMode.js';
import { resolveConv2d, type Conv2dOptions } from './functional/conv2d.js';
import { pickForm } from './functional/fusedOpTable.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from './init.js';
import { Module } from './module.js';
import { Parameter, inKernelMemory } from './parameter.js';
import { graphOnly } from './graphOnly.js';

/**
 * Options of {@link Conv2d} (PyTorch's `nn.Conv2d` arguments; one number for both dims or `[h, w]`).
 * @category Layers
 */
export interface Conv2dLayerOptions extends Conv2dOptions {
  /** Whether the layer adds a learnable bias per output channel (default true). */
  bias?: boolean;
  /** The parameters' dtype (default: core's default dtype). */
  dtype?: FloatDType;
  /** `'fused'` (default: im2col and GEMMs in one node, handwritten backward) or `'tape'` (composed from core ops). */
  backward?: BackwardMode;
  /** The stream the initial values are drawn from (default: the global one, seeded by `manualSeed`). */
  generator?: Generator;
}

/** `v` as [h, w]. */
const pairOf = (v: number | readonly [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/**
 * A 2-D convolution layer (PyTorch's `nn.Conv2d`, zero padding): for input `[N, C, H, W]`,
 * `y[n, f] = bias[f] + Σ_c weight[f, c] ⋆ x[n, g·C/G + c]` over the input channels of f's group
 * (cross-correlation, as every framework's "convolution"), with strides, zero padding
 * (`[ph, pw]`, `'same'` or `'valid'`), dilation and channel groups.
 *
 * Weight `[outChannels, inChannels/groups, kh, kw]` and bias `[outChannels]` in PyTorch's layouts;
 * state-dict keys `weight`, `bias`. Initialised as PyTorch does: weight by
 * {@link init.kaimingUniform_} with a = √5, which is U(−1/√fanIn, 1/√fanIn) with
 * fanIn = inChannels/groups·kh·kw, then bias from the same U (weight drawn first).
 *
 * `forward` only picks a path: {@link conv2dFused} (`backward: 'fused'`, the default) or
 * {@link conv2dComposed} (`'tape'`). Output `[N, outChannels, OH, OW]` with
 * `OH = ⌊(H + padTop + padBottom − dilationH·(kh − 1) − 1)/strideH⌋ + 1`, likewise OW.
 *
 * @example
 * ```ts
 * import { manualSeed, randn } from '@tapegrad/core';
 * import { Conv2d } from '@tapegrad/nn';
 * manualSeed(0);
 * const conv = new Conv2d(3, 8, 3, { padding: 1 });
 * const y = conv.forward(randn([2, 3, 16, 16]));
 * console.log(y.shape, String(conv)); // [2, 8, 16, 16] 'Conv2d(3, 8, kernelSize=[3, 3], stride=[1, 1], padding=[1, 1])'
 * console.log(conv.weight.shape, Object.keys(conv.stateDict())); // [8, 3, 3, 3] ['weight', 'bias']
 * ```
 * @category Layers
 */
export class Conv2d extends Module {
  /** forward keeps its input and output only on the tape (see graphOnly.ts). @internal */
  static readonly [graphOnly] = true;
  /** C, the channels of the input. */
  readonly inChannels: number;
  /** F, the channels of the output. */
  readonly outChannels: number;
  /** `[kh, kw]`. */
  readonly kernelSize: readonly [number, number];
  /** `[strideH, strideW]`. */
  readonly stride: readonly [number, number];
  /** `[ph, pw]` (the same above and below, left and right), `'same'` or `'valid'`. */
  readonly padding: readonly [number, number] | 'same' | 'valid';
  /** `[dilationH, dilationW]`. */
  readonly dilation: readonly [number, number];
  /** The channel groups G: each output channel sees C/G input channels. */
  readonly groups: number;
  /** Which backward `forward` uses; see {@link setBackwardMode}. */
  backward: BackwardMode;
  /** `[outChannels, inChannels/groups, kh, kw]`. */
  weight: Parameter;
  /** `[outChannels]`, or null when built with `bias: false`. */
  bias: Parameter | null;

  /**
   * @param inChannels - C.
   * @param outChannels - F.
   * @param kernelSize - `k` or `[kh, kw]`.
   * @param opts - `stride` (1), `padding` (0; `[ph, pw]`, `'same'`, `'valid'`), `dilation` (1),
   *   `groups` (1), `bias` (true), `dtype` (the default dtype), `backward` ('fused'), `generator`
   *   (the global stream); see {@link Conv2dLayerOptions}.
   * @throws RangeError for channels, kernel size, stride or dilation that are not positive
   *   integers, a negative padding, groups that do not divide both channel counts
   *   (`Conv2d: groups must divide inChannels 3 and outChannels 8 (got groups 2)`), or `'same'`
   *   with a stride other than 1; TypeError for an unknown backward;
   *   {@link @tapegrad/core!DtypeError | DtypeError} for a dtype that is not float32 or float64.
   */
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], opts: Conv2dLayerOptions = {}) {
    super();
    for (const [name, v] of [['inChannels', inChannels], ['outChannels', outChannels]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new RangeError(`Conv2d: ${name} must be a positive integer (got ${v})`);
    }
    const groups = opts.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`Conv2d: groups must be a positive integer (got ${groups})`);
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new RangeError(`Conv2d: groups must divide inChannels ${inChannels} and outChannels ${outChannels} (got groups ${groups})`);
    }
    const padding = opts.padding ?? 0;
    const numeric = padding === 'same' || padding === 'valid' ? 0 : padding;
    // the numbers' checks are spatialWindow's, on an input large enough for any window
    const big = 1 << 20;
    const g = spatialWindow('Conv2d', [1, 1, big, big], kernelSize, { stride: opts.stride, dilation: opts.dilation, padding: numeric });
    if (padding === 'same' && (g.strideH !== 1 || g.strideW !== 1)) {
      throw new RangeError(`Conv2d: padding 'same' needs stride 1 (got stride [${g.strideH}, ${g.strideW}])`);
    }
    const dtype = checkFloatDtype('Conv2d', opts.dtype ?? getDefaultDtype());
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = [g.kh, g.kw];
    this.stride = [g.strideH, g.strideW];
    this.padding = padding === 'same' || padding === 'valid' ? padding : pairOf(padding);
    this.dilation = [g.dilationH, g.dilationW];
    this.groups = groups;
    this.backward = checkBackwardMode('Conv2d', opts.backward);
    this.weight = new Parameter(inKernelMemory(zeros([outChannels, inChannels / groups, g.kh, g.kw], { dtype })));
    this.bias = (opts.bias ?? true) ? new Parameter(inKernelMemory(zeros([outChannels], { dtype }))) : null;
    this.resetParameters(opts.generator);
  }

  /**
   * Draws new initial values in place, as PyTorch's `reset_parameters`: weight ~ kaiming-uniform
   * with a = √5 (= U(−1/√fanIn, 1/√fanIn)), then bias ~ U(−1/√fanIn, 1/√fanIn),
   * fanIn = inChannels/groups·kh·kw.
   * @param generator - default: the global stream.
   */
  resetParameters(generator: Generator = defaultGenerator): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5), generator });
    if (this.bias) {
      const [fanIn] = calculateFanInAndFanOut(this.weight);
      const bound = 1 / Math.sqrt(fanIn);
      uniform_(this.bias, -bound, bound, generator);
    }
  }

  /** The options the functional forms take. */
  private options(): Conv2dOptions {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }

  /**
   * The convolution by the `backward` path chosen.
   * @param x - `[N, inChannels, H, W]`, the layer's dtype.
   * @returns `[N, outChannels, OH, OW]`.
   * @throws {@link @tapegrad/core!ShapeError | ShapeError} for another rank or channel count
   *   (`Conv2d: expected input [N, 3, H, W] (got [2, 4, 8, 8])`), or a kernel larger than the
   *   padded input.
   * @throws {@link @tapegrad/core!DtypeError | DtypeError} for an input of another dtype than the layer's.
   */
  forward(x: Tensor): Tensor {
    checkFloatTensor('Conv2d', x);
    if (x.ndim !== 4 || x.shape[1] !== this.inChannels) {
      throw new ShapeError(`Conv2d: expected input [N, ${this.inChannels}, H, W] (got ${formatShape(x.shape)})`);
    }
    if (x.dtype !== this.weight.dtype) {
      throw new DtypeError(`Conv2d: expected a ${this.weight.dtype} input (got ${x.dtype}); convert the input with .to() or the layer with .to()`);
    }
    const opts = this.options();
    resolveConv2d('Conv2d', x, this.weight, this.bias, opts);
    return pickForm('conv2d', this.backward)(x, this.weight, this.bias, opts);
  }

  /** `3, 8, kernelSize=[3, 3], stride=[1, 1], padding=[1, 1]` (dilation, groups, bias and backward when not the defaults). */
  override extraRepr(): string {
    const p = typeof this.padding === 'string' ? `'${this.padding}'` : formatShape(this.padding);
    let s = `${this.inChannels}, ${this.outChannels}, kernelSize=${formatShape(this.kernelSize)}, stride=${formatShape(this.stride)}`;
    if (typeof this.padding === 'string' || this.padding.some((v) => v !== 0)) s += `, padding=${p}`;
    if (this.dilation.some((v) => v !== 1)) s += `, dilation=${formatShape(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=false';
    if (this.backward !== defaultBackwardMode) s += `, backward='${this.backward}'`;
    return s;
  }
}
