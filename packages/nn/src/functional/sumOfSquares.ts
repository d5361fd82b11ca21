/**
 * Σ w² in its two forms, for L2 penalties: `w.mul(w).sum()` on the tape, and one fused node whose
 * backward is 2·w·dy (no full-size intermediate forward, one pass backward instead of two products
 * and a sum of gradients).
 * @module
 * @internal
 */
import { checkFloatTensor, createNdArray, defineOp, type Tensor } from '@tapegrad/core';

/** Σ w² through core's ops: the tape derives the gradient. @internal */
export function sumOfSquaresComposed(w: Tensor): Tensor {
  checkFloatTensor('sumOfSquaresComposed', w);
  return w.mul(w).sum();
}

/** s = Σ w² (accumulated in float64) as one node; dw = 2·w·ds. */
const sumOfSquaresOp = defineOp({
  name: 'sumOfSquaresFused',
  forward(ctx, w) {
    const x = w.data, o = w.offset, n = w.size;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const v = x[o + i]!;
      s += v * v;
    }
    const out = createNdArray(w.dtype as 'float32' | 'float64', []);
    out.data[0] = s;
    ctx.save(w);
    return out;
  },
  backward(ctx, ds) {
    const [w] = ctx.saved;
    const x = w!.data, o = w!.offset, n = w!.size;
    const scale = 2 * ds.data[ds.offset]!;
    const dw = createNdArray(w!.dtype as 'float32' | 'float64', w!.shape);
    const d = dw.data;
    for (let i = 0; i < n; i++) d[i] = scale * x[o + i]!;
    return [dw];
  },
});

/** Σ w² as one tape node with a handwritten backward; same result as {@link sumOfSquaresComposed}. @internal */
export function sumOfSquaresFused(w: Tensor): Tensor {
  checkFloatTensor('sumOfSquaresFused', w);
  return sumOfSquaresOp(w);
}
