/**
 * The public way to add an op with a handwritten backward (PyTorch's `autograd.Function`, JAX's
 * `custom_vjp`); nn's fused layers are built on it.
 * @module
 */
import type { NdArray } from './dtype.js';
import { applyOp, type OpSpec } from './tape.js';
import type { Tensor } from './tensor.js';

/** What both forms take: an {@link OpSpec} and whether its inputs must arrive contiguous. */
type Definition<Attrs, Saved extends readonly unknown[]> = OpSpec<Attrs, Saved> & { contiguous?: boolean };

function checkDefinition(where: string, spec: unknown): void {
  const s = spec as Partial<OpSpec<unknown, readonly unknown[]>> | null;
  if (!s || typeof s.name !== 'string' || typeof s.forward !== 'function' || typeof s.backward !== 'function') {
    throw new TypeError(`${where}: expected { name: string, forward: function, backward: function } (got ${spec === null ? 'null' : typeof spec})`);
  }
}

/**
 * The spec the tape runs: an object whose prototype is `spec` (so forward and backward run as
 * methods reading `spec`'s properties, and nothing wraps them), with `contiguousInputs` telling the
 * tape to make inputs and `dy` contiguous first unless `contiguous: false`. Built once per defined op.
 */
function toOpSpec<Attrs, Saved extends readonly unknown[]>(spec: Definition<Attrs, Saved>): OpSpec<Attrs, Saved> {
  const op = Object.create(spec) as OpSpec<Attrs, Saved>;
  Object.defineProperty(op, 'contiguousInputs', { value: spec.contiguous !== false });
  return op;
}

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
 * For an op with non-tensor arguments (an eps, a flag, which optional inputs are present), use
 * {@link defineOpWithAttrs}: the op is still defined once and gets them per call as `ctx.attrs`.
 *
 * @typeParam Saved - the tuple `ctx.save` takes (default: ndarrays).
 * @param spec - `{ name, forward, backward, contiguous? }` (`contiguous` defaults to true).
 * @returns `(...inputs: Tensor[]) => Tensor`.
 * @throws TypeError when `spec` lacks a name, a forward or a backward.
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
export function defineOp<Saved extends readonly unknown[] = readonly NdArray[]>(
  spec: OpSpec<undefined, Saved> & { contiguous?: boolean },
): (...inputs: Tensor[]) => Tensor {
  checkDefinition('defineOp', spec);
  const op = toOpSpec(spec);
  const apply = (...inputs: Tensor[]): Tensor => applyOp(op, inputs, undefined);
  Object.defineProperty(apply, 'name', { value: spec.name });
  return apply;
}

/**
 * Defines an op whose forward and backward also take attributes: non-tensor arguments given per
 * call (an eps, a momentum, a training flag, which optional inputs are present, the dims to
 * normalise over). The op is defined once, at module scope; each call passes its attributes,
 * and forward and backward read them, typed, as `ctx.attrs` (the same object in both). Nothing is
 * allocated per call beyond what {@link defineOp} allocates.
 *
 * Everything else is as in {@link defineOp}: inputs and `dy` arrive contiguous unless
 * `contiguous: false`, backward returns one gradient (or null) per input, and the tape checks them.
 *
 * - `inputs` is the op's tensor inputs in order; the tape keeps this array as the node's inputs,
 *   so pass one you will not change afterwards.
 * - `attrs` is kept with the node until backward has run: do not change it in between. Forward
 *   may write results into it for the caller (arrays it holds), as nn's batch norm does with the
 *   batch statistics.
 *
 * @typeParam Attrs - the attributes' type, `ctx.attrs` in forward and backward.
 * @typeParam Saved - the tuple `ctx.save` takes (default: ndarrays).
 * @param spec - `{ name, forward, backward, contiguous? }` (`contiguous` defaults to true).
 * @returns `(inputs: readonly Tensor[], attrs: Attrs) => Tensor`.
 * @throws TypeError when `spec` lacks a name, a forward or a backward; the returned function
 *   throws TypeError when `inputs` is not an array of tensors.
 * @throws {@link ShapeError} / {@link DtypeError} (when the op runs backward) for a gradient of the
 *   wrong shape or dtype; {@link GraphError} for the wrong number of gradients.
 * @example
 * ```ts
 * import { defineOpWithAttrs, tensor, createNdArray } from '@tapegrad/core';
 * // leaky ReLU, y = x for x > 0 and slope·x otherwise; the slope is given per call
 * const leakyRelu = defineOpWithAttrs<{ slope: number }>({
 *   name: 'leakyRelu',
 *   forward(ctx, x) {
 *     const { slope } = ctx.attrs;
 *     ctx.save(x);
 *     const y = createNdArray(x.dtype, x.shape);
 *     for (let i = 0; i < x.size; i++) {
 *       const v = x.data[x.offset + i]!;
 *       y.data[i] = v > 0 ? v : slope * v;
 *     }
 *     return y;
 *   },
 *   backward(ctx, dy) {
 *     const [x] = ctx.saved;
 *     const dx = createNdArray(x!.dtype, x!.shape);
 *     for (let i = 0; i < x!.size; i++) dx.data[i] = x!.data[x!.offset + i]! > 0 ? dy.data[dy.offset + i]! : ctx.attrs.slope * dy.data[dy.offset + i]!;
 *     return [dx];
 *   },
 * });
 * const x = tensor([-2, 3], { requiresGrad: true });
 * const y = leakyRelu([x], { slope: 0.5 });
 * console.log(y.toArray(), leakyRelu([x], { slope: 0.25 }).toArray()); // [-1, 3] [-0.5, 3]
 * y.sum().backward();
 * console.log(x.grad?.toArray()); // [0.5, 1]
 * ```
 * @category Autograd
 */
export function defineOpWithAttrs<Attrs, Saved extends readonly unknown[] = readonly NdArray[]>(
  spec: OpSpec<Attrs, Saved> & { contiguous?: boolean },
): (inputs: readonly Tensor[], attrs: Attrs) => Tensor {
  checkDefinition('defineOpWithAttrs', spec);
  const op = toOpSpec(spec);
  const name = spec.name;
  const apply = (inputs: readonly Tensor[], attrs: Attrs): Tensor => {
    if (!Array.isArray(inputs)) throw new TypeError(`${name}: inputs must be an array of Tensors (got ${inputs === null ? 'null' : typeof inputs})`);
    return applyOp(op, inputs, attrs);
  };
  Object.defineProperty(apply, 'name', { value: name });
  return apply;
}
