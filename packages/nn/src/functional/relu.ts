/**
 * The rectified linear unit in its two forms: core's `relu` op (the tape derives the gradient) and
 * one fused node with a handwritten backward.
 * @module
 */
import { checkFloatTensor, createNdArray, defineOpWithAttrs, getKernels, inputList, relu, type FloatArray, type NdArray, type Tensor } from '@tapegrad/core';
import { CallRing, CallState } from './callState.js';

/**
 * ReLU through core's `relu` op; the tape derives the gradient. Same signature and result as
 * {@link reluFused}.
 *
 * y = max(x, 0);  dx = dy · [x > 0]  (0 at x = 0, as PyTorch; NaN stays NaN)
 *
 * @param x - any shape, float32 or float64.
 * @returns x's shape.
 * @throws {@link @tapegrad/core!DtypeError | DtypeError} for an integer tensor.
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { reluComposed } from '@tapegrad/nn';
 * console.log(reluComposed(tensor([-1, 0, 2])).toArray()); // [0, 0, 2]
 * ```
 * @category Functional
 */
export function reluComposed(x: Tensor): Tensor {
  checkFloatTensor('reluComposed', x);
  return relu(x);
}

/** One ReLU call's attributes: its output (`saved`), which its backward reads, kept instead of by `ctx.save` (see CallState). */
class ReluCall extends CallState {
  /** Takes this state for a call. */
  claim(): this {
    this.lend();
    return this;
  }
}

/** The calls' states: a step's ReLUs each hold one until backward frees its node. @internal */
export const reluCalls = new CallRing(32, () => new ReluCall());

/** y = max(x, 0) as one node; dx = dy where y > 0, else 0. */
const reluOp = defineOpWithAttrs<ReluCall, readonly []>({
  name: 'reluFused',
  forward(ctx, x) {
    const y = createNdArray(x.dtype as 'float32' | 'float64', x.shape, false); // the kernels write every element
    getKernels().relu(y.data.length, x.data as FloatArray, x.offset, y.data as FloatArray, 0);
    ctx.attrs.saved = y;
    return y;
  },
  backward(ctx, dy) {
    ctx.attrs.heldUntilFreed(ctx);
    const y = ctx.attrs.saved!;
    const dx = createNdArray(dy.dtype as 'float32' | 'float64', dy.shape, false);
    getKernels().reluBackward(dx.data.length, y.data as FloatArray, 0, dy.data as FloatArray, dy.offset, dx.data as FloatArray, 0);
    reluGrads[0] = dx;
    return reluGrads;
  },
});

/** The list reluOp's backward returns, refilled per call: the tape reads one before any other backward runs and keeps none. */
const reluGrads: (NdArray | null)[] = [null];

/**
 * ReLU as one tape node with a handwritten backward (it saves the output: y > 0 exactly where
 * x > 0), both on core's active kernels. Same signature and result as {@link reluComposed}.
 *
 * y = max(x, 0);  dx = dy · [y > 0]
 *
 * @param x - any shape, float32 or float64.
 * @returns x's shape, recorded as one node named `reluFused`.
 * @throws {@link @tapegrad/core!DtypeError | DtypeError} for an integer tensor.
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { reluFused } from '@tapegrad/nn';
 * const x = tensor([-1, 0, 2], { requiresGrad: true });
 * reluFused(x).sum().backward();
 * console.log(x.grad?.toArray()); // [0, 0, 1]
 * ```
 * @category Functional
 */
export function reluFused(x: Tensor): Tensor {
  checkFloatTensor('reluFused', x);
  const call = reluCalls.take().claim();
  let y: Tensor | null = null;
  try {
    y = reluOp(inputList(x), call);
    return y;
  } finally {
    call.settle(y);
  }
}
