/**
 * 2-D convolution as a function (PyTorch's `F.conv2d`), in the two forms every fused layer has:
 * {@link conv2dComposed} (pad, unfold, matmul and reshapes; the tape derives the gradient) and
 * {@link conv2dFused} (one tape node whose forward and backward are im2col and GEMMs over the whole
 * batch); {@link conv2d} is the fused form.
 * @module
 */
import {
  DtypeError, ShapeError, checkFloatTensor, createNdArray, defineOpWithAttrs, eye, formatShape, pad, spatialWindow, unfold,
  type FloatArray, type FloatDType, type NdArray, type SpatialWindow, type Tensor,
} from '@tapegrad/core';
import { ndFrom, perChannel } from './normalization.js';
import { convBackward, convForward, type ConvShape } from './convKernels.js';

/**
 * Options of {@link conv2d}, {@link conv2dFused} and {@link conv2dComposed} (PyTorch's `F.conv2d`
 * arguments; one number for both dims or `[h, w]`).
 * @category Functional
 */
export interface Conv2dOptions {
  /** Rows and columns between two windows. Default 1. */
  stride?: number | readonly [number, number];
  /**
   * Zero padding: `p` rows above and below and columns left and right, `[ph, pw]`, `'valid'` (none,
   * the default 0) or `'same'` (the output has the input's size; stride 1 only): the total
   * `dilation·(k − 1)` per dim, `⌊total/2⌋` above (left) and the rest below (right), as PyTorch.
   */
  padding?: number | readonly [number, number] | 'same' | 'valid';
  /** Rows and columns between two cells of a kernel. Default 1. */
  dilation?: number | readonly [number, number];
  /** Channel groups: input and output channels split into `groups` independent convolutions. Default 1. */
  groups?: number;
}

/** A convolution's checked arguments. @internal */
export interface ResolvedConv2d {
  window: SpatialWindow;
  /** [top, bottom, left, right] as applied. */
  pads: [number, number, number, number];
  groups: number;
  outChannels: number;
  dtype: FloatDType;
}

/**
 * Checks a convolution's arguments (`where` names the caller in the messages) and returns the
 * window it slides, the padding as applied, the groups, F and the dtype. @internal
 */
export function resolveConv2d(where: string, x: Tensor, weight: Tensor, bias: Tensor | null | undefined, opts: Conv2dOptions): ResolvedConv2d {
  checkFloatTensor(where, x, 'input');
  checkFloatTensor(where, weight, 'weight');
  if (bias !== null && bias !== undefined) checkFloatTensor(where, bias, 'bias');
  if (x.ndim !== 4) throw new ShapeError(`${where}: expected input [N, C, H, W] (got ${formatShape(x.shape)})`);
  if (weight.ndim !== 4) throw new ShapeError(`${where}: expected weight [outChannels, inChannels/groups, kh, kw] (got ${formatShape(weight.shape)})`);
  const groups = opts.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`${where}: groups must be a positive integer (got ${groups})`);
  const [F, Cg, kh, kw] = weight.shape as [number, number, number, number];
  if (F % groups !== 0) throw new ShapeError(`${where}: groups ${groups} must divide the weight's ${F} output channels (got weight ${formatShape(weight.shape)})`);
  if (x.shape[1] !== Cg * groups) {
    throw new ShapeError(
      `${where}: expected input [N, ${Cg * groups}, H, W] for weight ${formatShape(weight.shape)} and groups ${groups} (got ${formatShape(x.shape)})`,
    );
  }
  if (bias !== null && bias !== undefined && (bias.ndim !== 1 || bias.shape[0] !== F)) {
    throw new ShapeError(`${where}: expected bias [${F}] (got ${formatShape(bias.shape)})`);
  }
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t && t.dtype !== x.dtype) throw new DtypeError(`${where}: expected ${name} of the input's dtype ${x.dtype} (got ${t.dtype})`);
  }
  const padding = opts.padding ?? 0;
  let pads: [number, number, number, number];
  if (padding === 'same') {
    // stride and dilation checked on an input large enough for any window: 'same' pads it to fit
    const window = spatialWindow(where, [1, 1, 1 << 20, 1 << 20], [kh, kw], { stride: opts.stride, dilation: opts.dilation });
    if (window.strideH !== 1 || window.strideW !== 1) {
      throw new RangeError(`${where}: padding 'same' needs stride 1 (got stride [${window.strideH}, ${window.strideW}])`);
    }
    const th = window.dilationH * (kh - 1), tw = window.dilationW * (kw - 1);
    pads = [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
  } else if (padding === 'valid') {
    pads = [0, 0, 0, 0];
  } else {
    const [ph, pw] = typeof padding === 'number' ? [padding, padding] : Array.isArray(padding) && padding.length === 2 ? padding : [NaN, NaN];
    if (!(Number.isInteger(ph) && ph >= 0 && Number.isInteger(pw) && pw >= 0)) {
      throw new RangeError(`${where}: padding must be a non-negative integer, [ph, pw], 'same' or 'valid' (got ${JSON.stringify(padding)})`);
    }
    pads = [ph, ph, pw, pw];
  }
  const window = spatialWindow(where, x.shape, [kh, kw], { stride: opts.stride, dilation: opts.dilation, padding: pads });
  return { window, pads, groups, outChannels: F, dtype: x.dtype as FloatDType };
}

/**
 * Convolution built from core ops; the tape derives its gradient. Same signature and results as
 * {@link conv2dFused}.
 *
 * `x` is zero-padded (`pad`), its windows unfolded into columns (`unfold`, `[N, C·kh·kw, L]`),
 * moved to one `[C·kh·kw, N·L]` matrix, multiplied by the weight as `[F, C·kh·kw]` (with groups, a
 * block-diagonal weight made by masking: G times the work, as a reference should not mind), and the
 * `[F, N, OH, OW]` result permuted to `[N, F, OH, OW]`, plus the bias:
 * `y[n, f, oh, ow] = bias[f] + Σ_{c, i, j} weight[f, c, i, j] · xpad[n, g·C/G + c, oh·sh + i·dh, ow·sw + j·dw]`.
 *
 * @param x - input `[N, C, H, W]`, float32 or float64.
 * @param weight - `[F, C/groups, kh, kw]` (PyTorch's layout), x's dtype.
 * @param bias - `[F]`; omitted or null for none.
 * @param opts - `stride` (1), `padding` (0; `[ph, pw]`, `'same'`, `'valid'`), `dilation` (1), `groups` (1); see {@link Conv2dOptions}.
 * @returns `[N, F, OH, OW]` with `OH = ⌊(H + top + bottom − dilationH·(kh − 1) − 1)/strideH⌋ + 1`, likewise OW.
 * @throws {@link @tapegrad/core!ShapeError | ShapeError} for an input or weight that is not 4-D, channels that do not match
 *   the weight and groups, groups that do not divide the output channels, a bias that is not [F],
 *   or a kernel larger than the padded input.
 * @throws RangeError for a stride, dilation or groups that is not a positive integer, a negative
 *   padding, or `'same'` with a stride other than 1 (as PyTorch).
 * @throws {@link @tapegrad/core!DtypeError | DtypeError} when weight or bias has another dtype than x.
 * @example
 * ```ts
 * import { ones, tensor } from '@tapegrad/core';
 * import { conv2dComposed } from '@tapegrad/nn';
 * const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
 * const y = conv2dComposed(x, ones([1, 1, 2, 2]), tensor([0.5]));
 * console.log(y.toArray()); // [[[[12.5, 16.5], [24.5, 28.5]]]]
 * ```
 * @category Functional
 */
export function conv2dComposed(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  const r = resolveConv2d('conv2dComposed', x, weight, bias, opts);
  const { n, c, kh, kw, outH, outW } = r.window;
  const F = r.outChannels, G = r.groups, K = c * kh * kw, L = outH * outW;
  const padded = r.pads.some((p) => p > 0) ? pad(x, r.pads) : x;
  const stride: [number, number] = [r.window.strideH, r.window.strideW];
  const cols = unfold(padded, [kh, kw], { stride, dilation: [r.window.dilationH, r.window.dilationW] });
  const matrix = cols.permute([1, 0, 2]).reshape([K, n * L]);
  let w = weight.reshape([F, K / G]);
  if (G > 1) {
    // block g of rows (outputs F/G·g..) reads only block g of columns (inputs K/G·g..)
    const mask = eye(G, { dtype: r.dtype }).reshape([G, 1, G, 1]);
    w = weight.reshape([G, F / G, 1, K / G]).mul(mask).reshape([F, K]);
  }
  const y = w.matmul(matrix).reshape([F, n, outH, outW]).permute([1, 0, 2, 3]);
  return bias ? y.add(bias.reshape([1, F, 1, 1])) : y;
}

/** What the fused forward saves: the input and the weight (contiguous), and the holder of its cols. */
type Saved = readonly [x: NdArray, weight: NdArray, holder: object];

/** The fused op's attributes: where the window reads, the channel groups, and whether a bias is the third input. */
interface Conv2dAttrs extends ConvShape {
  readonly hasBias: boolean;
}

/**
 * The one-node convolution; inputs `[x, weight, bias?]`: im2col and GEMMs over the whole batch
 * (`convKernels.ts`), the cols kept for the backward when no other convolution ran in between.
 */
const conv2dOp = defineOpWithAttrs<Conv2dAttrs, Saved>({
  name: 'conv2d',
  forward(ctx, x, w, b) {
    const g = ctx.attrs.window;
    const dtype = ctx.inputDtypes[0] as FloatDType;
    const F = w.shape[0]!;
    const y = createNdArray(dtype, [g.n, F, g.outH, g.outW], false); // convForward writes every element
    const holder = {};
    ctx.save(x, w, holder);
    convForward(ctx.attrs, dtype, x, w, ctx.attrs.hasBias ? perChannel(b!, F, 0) : null, y.data as FloatArray, 0, holder);
    return y;
  },
  backward(ctx, dy) {
    const [x, w, holder] = ctx.saved;
    const dtype = ctx.inputDtypes[0] as FloatDType;
    const F = w.shape[0]!;
    const wantBias = ctx.attrs.hasBias && ctx.needsGrad[2] === true;
    const dx = ctx.needsGrad[0] ? createNdArray(dtype, x.shape) : null;
    const dw = ctx.needsGrad[1] ? createNdArray(dtype, w.shape) : null;
    const sums = wantBias ? new Float64Array(F) : null;
    convBackward(ctx.attrs, dtype, x, w, dy.data as FloatArray, dy.offset, holder, dx && (dx.data as FloatArray), dw && (dw.data as FloatArray), sums);
    const grads: (NdArray | null)[] = [dx, dw];
    if (ctx.attrs.hasBias) grads.push(sums === null ? null : ndFrom(sums, dtype, [F]));
    return grads;
  },
});

function conv2dWith(where: string, x: Tensor, weight: Tensor, bias: Tensor | null | undefined, opts: Conv2dOptions): Tensor {
  const r = resolveConv2d(where, x, weight, bias, opts);
  const hasBias = bias !== null && bias !== undefined;
  return conv2dOp(hasBias ? [x, weight, bias] : [x, weight], { window: r.window, groups: r.groups, hasBias });
}

/**
 * Convolution as one tape node with a handwritten backward: im2col and one GEMM per group over the
 * whole batch, on core's active kernels (see {@link @tapegrad/core!setKernels | setKernels}; the
 * `[C·kh·kw, N·OH·OW]` column matrix and the GEMM's output live in kernel memory and are reused
 * from call to call). Same signature and results as {@link conv2dComposed}.
 *
 * Forward: `cols = im2col(x)`, `Y = W·cols` (`[F, N·L]`), `y = Y` as `[N, F, OH, OW]` `+ bias`.
 * Backward: `dY = dy` as `[F, N·L]`, `dbias = Σ dY`, `dW = dY·colsᵀ` (the forward's cols, still in
 * their buffer unless another convolution ran in between; else im2col again),
 * `dx = col2im(Wᵀ·dY)`; with groups, per group of F/G outputs and C/G inputs.
 *
 * @param x - input `[N, C, H, W]`, float32 or float64.
 * @param weight - `[F, C/groups, kh, kw]` (PyTorch's layout), x's dtype.
 * @param bias - `[F]`; omitted or null for none.
 * @param opts - `stride` (1), `padding` (0; `[ph, pw]`, `'same'`, `'valid'`), `dilation` (1), `groups` (1); see {@link Conv2dOptions}.
 * @returns `[N, F, OH, OW]`, recorded as one node named `conv2d`.
 * @throws {@link @tapegrad/core!ShapeError | ShapeError} for an input or weight that is not 4-D, channels that do not match
 *   the weight and groups, groups that do not divide the output channels, a bias that is not [F],
 *   or a kernel larger than the padded input.
 * @throws RangeError for a stride, dilation or groups that is not a positive integer, a negative
 *   padding, or `'same'` with a stride other than 1 (as PyTorch).
 * @throws {@link @tapegrad/core!DtypeError | DtypeError} when weight or bias has another dtype than x.
 * @example
 * ```ts
 * import { ones, tensor } from '@tapegrad/core';
 * import { conv2dFused } from '@tapegrad/nn';
 * const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
 * const w = ones([1, 1, 2, 2], { requiresGrad: true });
 * const y = conv2dFused(x, w, null, { padding: 'same' });
 * console.log(y.shape, y.gradFn?.toString()); // [1, 1, 3, 3] '<Conv2dBackward>'
 * y.sum().backward();
 * console.log(w.grad?.toArray()); // [[[[45, 33], [39, 28]]]]
 * ```
 * @category Functional
 */
export function conv2dFused(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  return conv2dWith('conv2dFused', x, weight, bias, opts);
}

/**
 * 2-D convolution (PyTorch's `F.conv2d`): the fused form, {@link conv2dFused}, under this name.
 *
 * @param x - input `[N, C, H, W]`, float32 or float64.
 * @param weight - `[F, C/groups, kh, kw]`, x's dtype.
 * @param bias - `[F]`; omitted or null for none.
 * @param opts - `stride` (1), `padding` (0; `[ph, pw]`, `'same'`, `'valid'`), `dilation` (1), `groups` (1); see {@link Conv2dOptions}.
 * @returns `[N, F, OH, OW]`.
 * @throws {@link @tapegrad/core!ShapeError | ShapeError}, RangeError, {@link @tapegrad/core!DtypeError | DtypeError} as {@link conv2dFused}.
 * @example
 * ```ts
 * import { randn } from '@tapegrad/core';
 * import { conv2d } from '@tapegrad/nn';
 * const x = randn([2, 3, 8, 8]);
 * const w = randn([4, 3, 3, 3]);
 * console.log(conv2d(x, w, null, { stride: 2, padding: 1 }).shape); // [2, 4, 4, 4]
 * ```
 * @category Functional
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  return conv2dWith('conv2d', x, weight, bias, opts);
}
