/**
 * The public way to add an op with a handwritten backward (PyTorch's `autograd.Function`, JAX's
 * `custom_vjp`); nn's fused layers are built on it.
 * @module
 */
import { toContiguous } from './kernels/layout.js';
import type { NdArray } from './dtype.js';
import { applyOp, type OpContext, type OpSpec } from './tape.js';
import type { Tensor } from './tensor.js';

/**
 * Defines an op from a forward and a backward on ndarrays. The result is a function on tensors
 * that the tape records like a built-in op: one node, whose backward is yours.
 *
 * - Inputs and `dy` arrive contiguous (row-major; read element i at `x.data[x.offset + i]`), unless
 *   `contiguous: false`: then they arrive as they are, strided views included (for an op that reads
 *   through strides itself, as a GEMM reads a transposed weight without copying it).
 * - `forward(ctx, ...inputs)` returns the output ndarray; call `ctx.save(...)` for what backward needs.
 * - `backward(ctx, dy)` returns one gradient per input, each with that input's shape and dtype, or
 *   `null` for an input that needs none (`ctx.needsGrad[i]` tells which do). The tape checks every
 *   gradient and names the op when one is wrong. An array that backward allocated becomes the
 *   tape's (a leaf's `.grad` may be it, later gradients are added into it): do not keep it.
 *
 * @typeParam Saved - the tuple `ctx.save` takes (default: ndarrays).
 * @param spec - `{ name, forward, backward, contiguous? }` (`contiguous` defaults to true).
 * @returns `(...inputs: Tensor[]) => Tensor`.
 * @throws {@link ShapeError} / {@link DtypeError} (when the op runs backward) for a gradient of the
 *   wrong shape or dtype; {@link GraphError} for the wrong number of gradients.
 * @example
 * ```ts
 * import { defineOp, tensor, createNdArray } from '@tapegrad/core';
 * // y = x³ with a handwritten dy/dx = 3x²
 * const cube = defineOp({
 *   name: 'cube',
 *   forward(ctx, x) {
 *     ctx.save(x);
 *     const y = createNdArray(x.dtype, x.shape);
 *     for (let i = 0; i < x.size; i++) y.data[i] = x.data[x.offset + i]! ** 3;
 *     return y;
 *   },
 *   backward(ctx, dy) {
 *     const [x] = ctx.saved;
 *     const dx = createNdArray(x!.dtype, x!.shape);
 *     for (let i = 0; i < x!.size; i++) dx.data[i] = 3 * x!.data[x!.offset + i]! ** 2 * dy.data[dy.offset + i]!;
 *     return [dx];
 *   },
 * });
 * const x = tensor([1, 2], { requiresGrad: true });
 * cube(x).sum().backward();
 * console.log(x.grad?.toArray()); // [3, 12]
 * ```
 * @category Autograd
 */
export function defineOp<Saved extends readonly unknown[] = readonly NdArray[]>(spec: {
  name: string;
  forward(ctx: OpContext<undefined, Saved>, ...inputs: NdArray[]): NdArray;
  backward(ctx: OpContext<undefined, Saved>, dy: NdArray): readonly (NdArray | null)[];
  contiguous?: boolean;
}): (...inputs: Tensor[]) => Tensor {
  if (!spec || typeof spec.name !== 'string' || typeof spec.forward !== 'function' || typeof spec.backward !== 'function') {
    throw new TypeError(`defineOp: expected { name: string, forward: function, backward: function } (got ${spec === null ? 'null' : typeof spec})`);
  }
  const op: OpSpec<undefined, Saved> = spec.contiguous === false
    ? { name: spec.name, forward: (ctx, ...inputs) => spec.forward(ctx, ...inputs), backward: (ctx, dy) => spec.backward(ctx, dy) }
    : {
      name: spec.name,
      forward: (ctx, ...inputs) => spec.forward(ctx, ...inputs.map(toContiguous)),
      backward: (ctx, dy) => spec.backward(ctx, toContiguous(dy)),
    };
  const apply = (...inputs: Tensor[]): Tensor => applyOp(op, inputs, undefined);
  Object.defineProperty(apply, 'name', { value: spec.name });
  return apply;
}
