/**
 * Σ w² in its two forms, for L2 penalties: `w.mul(w).sum()` on the tape, and one fused node whose
 * backward is 2·w·dy (no full-size intermediate forward, one pass backward instead of two products
 * and a sum of gradients).
 * @module
 */
import { checkFloatTensor, createNdArray, defineOp, type Tensor } from '@tapegrad/core';

/**
 * Σ w² built from core ops, `w.mul(w).sum()`; the tape derives its gradient. Same signature and
 * result as {@link sumOfSquaresFused}.
 *
 * s = Σᵢ wᵢ²;  dw = 2·w·ds
 *
 * @param w - any shape, float32 or float64.
 * @returns a scalar of w's dtype.
 * @throws {@link @tapegrad/core!DtypeError | DtypeError} for an integer tensor.
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { sumOfSquaresComposed } from '@tapegrad/nn';
 * console.log(sumOfSquaresComposed(tensor([[1, 2], [-2, 0]])).item()); // 9
 * ```
 * @category Functional
 */
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

/**
 * Σ w² as one tape node with a handwritten backward, for L2 penalties (FullyConnectedNet's
 * `0.5·reg·Σ‖W‖²`). Same signature and result as {@link sumOfSquaresComposed}; the sum is
 * accumulated in float64.
 *
 * s = Σᵢ wᵢ²;  dw = 2·w·ds
 *
 * @param w - any shape, float32 or float64.
 * @returns a scalar of w's dtype, recorded as one node named `sumOfSquaresFused`.
 * @throws {@link @tapegrad/core!DtypeError | DtypeError} for an integer tensor.
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { sumOfSquaresFused } from '@tapegrad/nn';
 * const w = tensor([[1, 2], [-2, 0]], { requiresGrad: true });
 * sumOfSquaresFused(w).backward();
 * console.log(w.grad?.toArray()); // [[2, 4], [-4, 0]]
 * ```
 * @category Functional
 */
export function sumOfSquaresFused(w: Tensor): Tensor {
  checkFloatTensor('sumOfSquaresFused', w);
  return sumOfSquaresOp(w);
}
