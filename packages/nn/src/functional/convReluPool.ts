/**
 * cs231n's conv - relu - max pool "sandwich" (`conv_relu_pool_forward` in its `layer_utils.py`, the
 * first stage of its ThreeLayerConvNet) in the two forms of the fused-op table:
 * {@link convReluPoolComposed} (conv2dComposed, relu and maxPool2d, each a node on the tape) and
 * {@link convReluPoolFused} (one node: the convolution's output and its gradient never leave the
 * kernels' memory, and no ReLU output is stored).
 * @module
 */
import {
  createNdArray, defineOpWithAttrs, getKernels,
  type FloatArray, type FloatDType, type NdArray, type SpatialWindow, type Tensor,
} from '@tapegrad/core';
import { conv2dComposed, resolveConv2d, type Conv2dOptions } from './conv2d.js';
import { convBackward, convForward, type ConvShape } from './convKernels.js';
import { kernelScratch } from './kernelScratch.js';
import { maxPool2d, poolWindowOf } from './maxPool2d.js';
import { ndFrom, perChannel } from './normalization.js';

/**
 * Options of {@link convReluPoolFused} and {@link convReluPoolComposed}: the convolution's (as
 * {@link conv2d}'s) and the max pool's (as {@link maxPool2d}'s, with its kernel size).
 * @category Functional
 */
export interface ConvReluPoolOptions {
  /** `stride`, `padding`, `dilation`, `groups` of the convolution; see {@link Conv2dOptions}. Default: all defaults. */
  conv?: Conv2dOptions;
  /** The max pool: `kernelSize` (default 2), `stride` (default the kernel size), `padding` (default 0). */
  pool?: {
    kernelSize?: number | readonly [number, number];
    stride?: number | readonly [number, number];
    padding?: number | readonly [number, number];
  };
}

/** The pool's arguments with their defaults. */
function poolArgs(opts: ConvReluPoolOptions) {
  const kernelSize = opts.pool?.kernelSize ?? 2;
  return { kernelSize, opts: { stride: opts.pool?.stride ?? kernelSize, padding: opts.pool?.padding ?? 0 } };
}

/**
 * cs231n's conv - relu - max pool sandwich built from nn's ops, each a node on the tape (the
 * convolution composed from core ops, so the tape derives its gradient; core's relu; the max pool's
 * handwritten backward). Same signature and results as {@link convReluPoolFused}.
 *
 * `y = maxPool2d(relu(conv2d(x, weight, bias, opts.conv)), opts.pool)`.
 *
 * @param x - input `[N, C, H, W]`, float32 or float64.
 * @param weight - `[F, C/groups, kh, kw]`, x's dtype.
 * @param bias - `[F]`; omitted or null for none.
 * @param opts - `conv` (conv2d's options) and `pool` (`kernelSize` 2, `stride` the kernel size, `padding` 0); see {@link ConvReluPoolOptions}.
 * @returns `[N, F, PH, PW]`, the pooled maps.
 * @throws {@link @tapegrad/core!ShapeError | ShapeError}, RangeError, {@link @tapegrad/core!DtypeError | DtypeError} as
 *   {@link conv2d} and {@link maxPool2d} throw them.
 * @example
 * ```ts
 * import { ones, tensor } from '@tapegrad/core';
 * import { convReluPoolComposed } from '@tapegrad/nn';
 * const x = tensor([[[[1, -2, 3, -4], [-5, 6, -7, 8]]]]);
 * console.log(convReluPoolComposed(x, ones([1, 1, 1, 1]), tensor([-2])).toArray()); // [[[[4, 6]]]]
 * ```
 * @category Functional
 */
export function convReluPoolComposed(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvReluPoolOptions = {}): Tensor {
  const pool = poolArgs(opts);
  return maxPool2d(conv2dComposed(x, weight, bias, opts.conv ?? {}).relu(), pool.kernelSize, pool.opts);
}

/** The fused op's attributes: the convolution's geometry, the pool's window, and whether there is a bias. */
interface ConvReluPoolAttrs extends ConvShape {
  readonly pool: SpatialWindow;
  readonly hasBias: boolean;
}

/** What the fused forward saves: x, the weight, the holder of its cols, the pool's winners and its (ReLU'd) output. */
type Saved = readonly [x: NdArray, weight: NdArray, holder: object, indices: Int32Array, out: NdArray];

/**
 * The one-node sandwich; inputs `[x, weight, bias?]`. Forward: the convolution into a kernel-memory
 * buffer, the max pool over it (max and relu commute), relu of the pooled values. Backward: the
 * upstream gradient masked where the output is 0 (the ReLU), spread to the winners into a
 * kernel-memory buffer, then the convolution's backward from there.
 */
const convReluPoolOp = defineOpWithAttrs<ConvReluPoolAttrs, Saved>({
  name: 'convReluPool',
  forward(ctx, x, w, b) {
    const { window: g, pool } = ctx.attrs;
    const dtype = ctx.inputDtypes[0] as FloatDType;
    const F = w.shape[0]!;
    const kernels = getKernels();
    const y = kernelScratch('convReluPool.y', dtype, g.n * F * g.outH * g.outW);
    const holder = {};
    convForward(ctx.attrs, dtype, x, w, ctx.attrs.hasBias ? perChannel(b!, F, 0) : null, y, 0, holder);
    const out = createNdArray(dtype, [pool.n, pool.c, pool.outH, pool.outW], false); // every output written
    const indices = new Int32Array(out.size);
    if (out.size > 0) {
      kernels.maxPool2dForward(pool, y, 0, out.data as FloatArray, indices);
      kernels.relu(out.size, out.data as FloatArray, 0, out.data as FloatArray, 0);
    }
    ctx.save(x, w, holder, indices, out);
    return out;
  },
  backward(ctx, dOut) {
    const [x, w, holder, indices, out] = ctx.saved;
    const { window: g, pool } = ctx.attrs;
    const dtype = ctx.inputDtypes[0] as FloatDType;
    const F = w.shape[0]!;
    const kernels = getKernels();
    const dy = kernelScratch('convReluPool.y', dtype, g.n * F * g.outH * g.outW);
    if (out.size > 0) {
      const masked = kernelScratch('convReluPool.dOut', dtype, out.size);
      kernels.reluBackward(out.size, out.data as FloatArray, 0, dOut.data as FloatArray, dOut.offset, masked, 0);
      kernels.maxPool2dBackward(pool, masked, 0, indices, dy);
    } else {
      dy.fill(0, 0, g.n * F * g.outH * g.outW);
    }
    const wantBias = ctx.attrs.hasBias && ctx.needsGrad[2] === true;
    const dx = ctx.needsGrad[0] ? createNdArray(dtype, x.shape) : null;
    const dw = ctx.needsGrad[1] ? createNdArray(dtype, w.shape) : null;
    const sums = wantBias ? new Float64Array(F) : null;
    convBackward(ctx.attrs, dtype, x, w, dy, 0, holder, dx && (dx.data as FloatArray), dw && (dw.data as FloatArray), sums);
    const grads: (NdArray | null)[] = [dx, dw];
    if (ctx.attrs.hasBias) grads.push(sums === null ? null : ndFrom(sums, dtype, [F]));
    return grads;
  },
});

/**
 * cs231n's conv - relu - max pool sandwich as one tape node with a handwritten backward, on core's
 * active kernels. Same signature and results as {@link convReluPoolComposed}.
 *
 * Forward: `y = conv2d(x, weight, bias)` (im2col and GEMMs, as {@link conv2dFused}) into a buffer
 * of the kernels' memory, `out = relu(maxPool(y))` (the max of a window commutes with the ReLU).
 * Backward: `dOut·[out > 0]` (the ReLU's mask, read from the output) goes to each window's winner,
 * `dy`, still in the kernels' memory; then the convolution's backward: `dbias = Σ dy`,
 * `dW = dy·colsᵀ` (the forward's cols, when no other convolution ran in between),
 * `dx = col2im(Wᵀ·dy)`. Nothing of the size of y leaves the kernels' memory, in either pass.
 *
 * @param x - input `[N, C, H, W]`, float32 or float64.
 * @param weight - `[F, C/groups, kh, kw]`, x's dtype.
 * @param bias - `[F]`; omitted or null for none.
 * @param opts - `conv` (conv2d's options) and `pool` (`kernelSize` 2, `stride` the kernel size, `padding` 0); see {@link ConvReluPoolOptions}.
 * @returns `[N, F, PH, PW]`, recorded as one node named `convReluPool`.
 * @throws {@link @tapegrad/core!ShapeError | ShapeError}, RangeError, {@link @tapegrad/core!DtypeError | DtypeError} as
 *   {@link conv2d} and {@link maxPool2d} throw them.
 * @example
 * ```ts
 * import { ones, tensor } from '@tapegrad/core';
 * import { convReluPoolFused } from '@tapegrad/nn';
 * const x = tensor([[[[1, -2, 3, -4], [-5, 6, -7, 8]]]]);
 * const w = ones([1, 1, 1, 1], { requiresGrad: true });
 * const y = convReluPoolFused(x, w, tensor([-2]));
 * console.log(y.toArray(), String(y.gradFn)); // [[[[4, 6]]]] '<ConvReluPoolBackward>'
 * y.sum().backward();
 * console.log(w.grad?.toArray()); // [[[[14]]]]
 * ```
 * @category Functional
 */
export function convReluPoolFused(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvReluPoolOptions = {}): Tensor {
  const r = resolveConv2d('convReluPoolFused', x, weight, bias, opts.conv ?? {});
  const g = r.window;
  const p = poolArgs(opts);
  const pool = poolWindowOf('convReluPoolFused', [g.n, r.outChannels, g.outH, g.outW], p.kernelSize, p.opts);
  const hasBias = bias !== null && bias !== undefined;
  return convReluPoolOp(hasBias ? [x, weight, bias] : [x, weight], { window: g, groups: r.groups, pool, hasBias });
}
