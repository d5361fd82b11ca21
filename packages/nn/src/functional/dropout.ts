/**
 * Inverted dropout, as PyTorch's `F.dropout`.
 * @module
 */
import { Tensor, checkFloatTensor, createNdArray, defaultGenerator, type Generator } from '@tapegrad/core';

/** Checks a dropout probability, naming `where`. @internal */
export function checkDropoutP(where: string, p: unknown): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`${where}: p must be a probability in [0, 1] (got ${String(p)})`);
  return p;
}

/**
 * Inverted dropout (PyTorch's `F.dropout`): in training, zeroes each element with probability `p`
 * and scales the rest by 1/(1 − p), so the expected value is unchanged and eval needs no rescaling.
 * Out of training, or with p = 0, it returns `x` itself and draws nothing; p = 1 gives zeros.
 *
 * y = x · m / (1 − p),  mᵢ = [uᵢ < 1 − p],  uᵢ ~ U[0, 1) drawn in float64
 *
 * The mask is numpy's `rand(*x.shape) < 1 - p` on the stream, i.e. cs231n's
 * `(np.random.rand(*x.shape) < keep)` with keep = 1 − p; the gradient is dy · m / (1 − p).
 *
 * @param x - any shape, float32 or float64.
 * @param p - the probability of zeroing an element (default 0.5), in [0, 1].
 * @param training - apply dropout (default true); false returns `x`.
 * @param generator - the stream for the mask (default: the global one).
 * @returns x's shape and dtype.
 * @throws RangeError when p is not in [0, 1]; {@link @tapegrad/core!DtypeError | DtypeError} for an integer tensor.
 * @example
 * ```ts
 * import { ones, Generator } from '@tapegrad/core';
 * import { dropout } from '@tapegrad/nn';
 * const y = dropout(ones([8]), 0.5, true, new Generator(0));
 * console.log(y.toArray()); // each element 0 or 2: [0, 0, 0, 0, 2, 0, 2, 0]
 * ```
 * @category Functional
 */
export function dropout(x: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  checkFloatTensor('dropout', x);
  checkDropoutP('dropout', p);
  if (!training || p === 0 || x.size === 0) return x;
  if (p === 1) return x.mul(0);
  const keep = 1 - p;
  const scale = 1 / keep;
  const u = generator.rand(x.shape, { dtype: 'float64' }).data.data;
  const mask = createNdArray(x.dtype, x.shape);
  for (let i = 0; i < u.length; i++) mask.data[i] = u[i]! < keep ? scale : 0;
  return x.mul(new Tensor(mask));
}
