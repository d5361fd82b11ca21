/**
 * The Tensor: an ndarray view with a dtype, and, when it requires grad, a place on the tape.
 * Methods are thin: each calls the free function of the same name in `ops/`.
 * @module
 */
import { DtypeError, GraphError, ShapeError } from './errors.js';
import { formatShape } from './text.js';
import { isFloatDType, type DType, type NdArray } from './dtype.js';
import { isGradEnabled } from './gradMode.js';
import { castNd, dtypeOf, isContiguous, toContiguous, toFloat64, wrapNd } from './kernels/layout.js';
import { unaryInto } from './kernels/elementwise.js';
import { sizeOf } from './shape.js';
import { runBackward } from './backward.js';
import type { TapeNode } from './tape.js';
import { formatTensor } from './format.js';
import { add } from './ops/add.js';
import { sub } from './ops/sub.js';
import { mul } from './ops/mul.js';
import { div } from './ops/div.js';
import { maximum } from './ops/maximum.js';
import { minimum } from './ops/minimum.js';
import { pow } from './ops/pow.js';
import { neg } from './ops/neg.js';
import { sqrt } from './ops/sqrt.js';
import { exp } from './ops/exp.js';
import { log } from './ops/log.js';
import { abs } from './ops/abs.js';
import { relu } from './ops/relu.js';
import { matmul } from './ops/matmul.js';
import { transpose, permute } from './ops/transpose.js';
import { reshape, flatten, squeeze, unsqueeze } from './ops/reshape.js';
import { sum } from './ops/sum.js';
import { mean } from './ops/mean.js';
import { variance, std, type VarianceOptions } from './ops/var.js';
import { max, min } from './ops/max.js';
import { argmax, argmin } from './ops/argmax.js';
import { softmax } from './ops/softmax.js';
import { logSoftmax } from './ops/logSoftmax.js';
import { indexRows, type RowIndex } from './ops/indexRows.js';
import { cast } from './ops/cast.js';
import { clone } from './ops/clone.js';

/** A number or a tensor: binary ops accept plain numbers on either side. @category Tensors */
export type TensorLike = Tensor | number;
/** Nested arrays of numbers, as `toArray` returns and `tensor` accepts. @category Tensors */
export type NestedArray = number | NestedArray[];

/**
 * An n-dimensional array of float32 or float64 (or int32 / uint8 for labels and pixels) that
 * records, when it requires grad, the ops applied to it so that `backward()` can compute gradients.
 *
 * Create tensors with {@link tensor}, {@link zeros}, {@link randn} and friends; `new Tensor(nd)`
 * wraps an existing ndarray without copying.
 *
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const loss = x.mul(x).sum();
 * loss.backward();
 * console.log(x.grad?.toArray()); // [[2, 4], [6, 8]]
 * ```
 * @category Tensors
 */
export class Tensor {
  /**
   * The ndarray view holding the values (shape, strides, offset into a typed array).
   *
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * const x = tensor([[1, 2], [3, 4]]);
   * console.log(x.data.data instanceof Float32Array, x.data.stride, x.T.data.stride); // true [2, 1] [1, 2]
   * ```
   */
  readonly data: NdArray;
  /**
   * The element type.
   *
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * console.log(tensor([1, 2]).dtype, tensor([1, 2], { dtype: 'int32' }).dtype); // 'float32' 'int32'
   * ```
   */
  readonly dtype: DType;
  /**
   * The gradient accumulated by `backward()` (leaves, and tensors that called `retainGrad`).
   * Null until a backward reaches the tensor; each backward adds into it (this tensor's shape and
   * dtype), so clear it between steps (`grad = null`, or an optimizer's `zeroGrad()`).
   *
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * const w = tensor([1, 2, 3], { requiresGrad: true });
   * console.log(w.grad); // null
   * w.mul(w).sum().backward(); // d(Σ w²)/dw = 2w
   * console.log(w.grad?.toArray()); // [2, 4, 6]
   * ```
   */
  grad: Tensor | null = null;
  private gradFlag = false;
  private node: TapeNode | null = null;

  /**
   * Wraps an ndarray (no copy).
   * @param data - an ndarray over a Float32Array, Float64Array, Int32Array or Uint8Array.
   * @param opts - `requiresGrad` (default false; floating dtypes only).
   * @throws TypeError when the ndarray's data is not one of those typed arrays; {@link DtypeError}
   *   when `requiresGrad` is asked of an int32 or uint8 ndarray.
   * @example
   * ```ts
   * import { Tensor, tensor } from '@tapegrad/core';
   * const x = tensor([1, 2, 3]);
   * const leaf = new Tensor(x.data, { requiresGrad: true }); // the same values, not copied
   * console.log(leaf.requiresGrad, leaf.data.data === x.data.data); // true true
   * ```
   */
  constructor(data: NdArray, opts: { requiresGrad?: boolean } = {}) {
    this.data = data;
    this.dtype = dtypeOf(data);
    if (opts.requiresGrad) this.requiresGrad = true;
  }

  /** A tensor that an op produced, recorded as `node` on the tape. @internal */
  static fromNode(data: NdArray, node: TapeNode): Tensor {
    const t = new Tensor(data);
    t.node = node;
    t.gradFlag = true;
    return t;
  }

  /**
   * The size of each dimension (`[]` for a 0-d tensor).
   *
   * @example
   * ```ts
   * import { tensor, zeros } from '@tapegrad/core';
   * console.log(zeros([2, 3]).shape, tensor(5).shape); // [2, 3] []
   * ```
   */
  get shape(): readonly number[] {
    return this.data.shape;
  }
  /**
   * The number of dimensions, `shape.length`.
   *
   * @example
   * ```ts
   * import { tensor, zeros } from '@tapegrad/core';
   * console.log(zeros([2, 3]).ndim, tensor(5).ndim); // 2 0
   * ```
   */
  get ndim(): number {
    return this.data.shape.length;
  }
  /**
   * The number of elements, the product of `shape` (1 for a 0-d tensor).
   *
   * @example
   * ```ts
   * import { tensor, zeros } from '@tapegrad/core';
   * console.log(zeros([2, 3]).size, tensor(5).size); // 6 1
   * ```
   */
  get size(): number {
    return sizeOf(this.data.shape);
  }
  /**
   * The number of elements (PyTorch's `numel()`).
   * @returns the product of `shape`, as {@link Tensor.size}.
   * @example
   * ```ts
   * import { zeros } from '@tapegrad/core';
   * console.log(zeros([2, 3, 4]).numel()); // 24
   * ```
   */
  numel(): number {
    return this.size;
  }

  /**
   * Whether backward computes a gradient for this tensor. Settable on leaves only. An op's output
   * requires grad when one of its inputs does (while grad mode is on).
   *
   * @throws {@link GraphError} when set on the output of a recorded op; {@link DtypeError} when set
   *   to true on an int32 or uint8 tensor.
   * @example
   * ```ts
   * import { zeros } from '@tapegrad/core';
   * const w = zeros([3]);
   * w.requiresGrad = true;
   * console.log(w.requiresGrad, w.mul(2).requiresGrad, w.detach().requiresGrad); // true true false
   * ```
   */
  get requiresGrad(): boolean {
    return this.gradFlag;
  }
  set requiresGrad(value: boolean) {
    if (this.node !== null) {
      throw new GraphError(`requiresGrad: can only be set on a leaf tensor (got the output of ${this.node.name})`);
    }
    if (value && !isFloatDType(this.dtype)) {
      throw new DtypeError(`requiresGrad: only floating tensors can require grad (got ${this.dtype})`);
    }
    this.gradFlag = value;
  }
  /**
   * The tape node that produced this tensor, or null for a leaf (PyTorch's `grad_fn`).
   *
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * const x = tensor([1, 2], { requiresGrad: true });
   * console.log(x.gradFn, x.mul(2).gradFn?.name); // null 'mul'
   * ```
   */
  get gradFn(): TapeNode | null {
    return this.node;
  }
  /**
   * Whether this tensor was created by the user rather than by a recorded op. Ops are recorded only
   * when an input requires grad, so the output of an op on plain tensors is a leaf too (as in PyTorch).
   *
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * const x = tensor([1, 2], { requiresGrad: true });
   * console.log(x.isLeaf, x.mul(2).isLeaf, tensor([1, 2]).mul(2).isLeaf); // true false true
   * ```
   */
  get isLeaf(): boolean {
    return this.node === null;
  }

  /**
   * Computes the gradient of this tensor with respect to every leaf that requires grad, and adds it
   * into their `.grad`. Frees the graph unless `retainGraph`.
   *
   * For each such leaf x: `x.grad += Σᵢ grad[i] · ∂this[i]/∂x` (a vector-Jacobian product; `grad`
   * is 1 for a one-element tensor).
   * @param grad - the upstream gradient, this tensor's shape and dtype; optional for one element.
   * @param opts - `retainGraph` (default false): keep the saved values for another backward.
   * @throws {@link GraphError} for a non-scalar without `grad`, a tensor that does not require grad,
   *   or a graph already freed by an earlier backward.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * const x = tensor([1, 2, 3], { requiresGrad: true });
   * const y = x.mul(x); // not one element: backward needs the upstream gradient
   * y.backward(tensor([1, 0, 2]));
   * console.log(x.grad?.toArray()); // [2, 0, 12]
   * ```
   */
  backward(grad?: Tensor, opts: { retainGraph?: boolean } = {}): void {
    runBackward(this, grad, opts.retainGraph ?? false);
  }

  /**
   * Asks backward to fill `.grad` of this non-leaf tensor too (leaves always get it).
   * @throws {@link GraphError} when the tensor does not require grad.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * const w = tensor([1, 2], { requiresGrad: true });
   * const h = w.mul(w);
   * h.retainGrad();
   * h.sum().backward();
   * console.log(h.grad?.toArray(), w.grad?.toArray()); // [1, 1] [2, 4]
   * ```
   */
  retainGrad(): void {
    if (!this.requiresGrad) throw new GraphError(`retainGrad: the tensor does not require grad`);
    if (this.node !== null) this.node.retained = this;
  }

  /**
   * The same values, cut from the graph: shares the data and does not require grad.
   * @returns a leaf over the same ndarray: an in-place change of one shows in the other.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * const w = tensor([1, 2], { requiresGrad: true });
   * const d = w.detach();
   * console.log(d.requiresGrad, d.isLeaf, d.data === w.data); // false true true
   * ```
   */
  detach(): Tensor {
    return new Tensor(this.data);
  }
  /**
   * A copy with its own data; recorded on the tape (the gradient flows back to this tensor).
   * @returns a contiguous tensor of the same shape and dtype.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * const x = tensor([1, 2], { requiresGrad: true });
   * const c = x.clone();
   * c.mul(3).sum().backward();
   * console.log(c.data.data === x.data.data, x.grad?.toArray()); // false [3, 3]
   * ```
   */
  clone(): Tensor {
    return clone(this);
  }
  /**
   * This tensor converted to `dtype` (itself when it already has it); recorded on the tape.
   * Floats become integers as typed arrays store them: truncated toward zero (and wrapped for uint8).
   * @param dtype - 'float32', 'float64', 'int32' or 'uint8'.
   * @throws {@link DtypeError} when `dtype` is none of those.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * const x = tensor([1.5, 2.7, -1.5]);
   * console.log(x.to('float64').dtype, x.to('int32').toArray(), x.to('float32') === x); // 'float64' [1, 2, -1] true
   * ```
   */
  to(dtype: DType): Tensor {
    return cast(this, dtype);
  }
  /**
   * Whether the data is laid out row-major without gaps.
   *
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * const x = tensor([[1, 2], [3, 4]]);
   * console.log(x.isContiguous(), x.T.isContiguous()); // true false
   * ```
   */
  isContiguous(): boolean {
    return isContiguous(this.data);
  }
  /**
   * Itself when contiguous, else a contiguous copy (recorded on the tape).
   *
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * const x = tensor([[1, 2], [3, 4]]);
   * const t = x.T.contiguous();
   * console.log(t.isContiguous(), t.toArray(), x.contiguous() === x); // true [[1, 3], [2, 4]] true
   * ```
   */
  contiguous(): Tensor {
    return this.isContiguous() ? this : clone(this);
  }

  /**
   * The value of a one-element tensor (of any shape: `[]`, `[1]`, `[1, 1]`, ...).
   * @throws {@link ShapeError} when it has more than one element.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * console.log(tensor([[7]]).item(), tensor([1, 2, 3]).sum().item()); // 7 6
   * ```
   */
  item(): number {
    if (this.size !== 1) throw new ShapeError(`item: expected a one-element tensor (got shape ${formatShape(this.shape)})`);
    const c = toContiguous(this.data);
    return c.data[c.offset]!;
  }
  /**
   * The values as nested arrays (a number for a 0-d tensor).
   *
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * console.log(tensor([[1, 2], [3, 4]]).toArray(), tensor(5).toArray()); // [[1, 2], [3, 4]] 5
   * ```
   */
  toArray(): NestedArray {
    const flat = toFloat64(this.data);
    const shape = this.shape;
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === shape.length) return flat[offset]!;
      const stride = sizeOf(shape.slice(dim + 1));
      return Array.from({ length: shape[dim]! }, (_, i) => build(dim + 1, offset + i * stride));
    };
    return build(0, 0);
  }
  /**
   * The values as a new flat, row-major Float64Array (handy for tests and plotting).
   *
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * console.log(tensor([[1, 2], [3, 4]]).T.toFloat64Array()); // [1, 3, 2, 4]
   * ```
   */
  toFloat64Array(): Float64Array {
    return toFloat64(this.data);
  }
  /**
   * numpy/PyTorch-like printing: `tensor([[1.0000, 2.5000]], dtype=float64)` (whole numbers as
   * `1.`; the dtype when it is not the default; `gradFn=<MulBackward>` for an op's output).
   *
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * console.log(tensor([[1, 2.5]], { dtype: 'float64' }).toString()); // 'tensor([[1.0000, 2.5000]], dtype=float64)'
   * console.log(String(tensor([1, 2], { requiresGrad: true }).mul(2))); // 'tensor([2., 4.], gradFn=<MulBackward>)'
   * ```
   */
  toString(): string {
    return formatTensor(this);
  }

  /**
   * Sets every element to `value` in place.
   * @param value - the value, converted to this dtype (truncated for int32 and uint8).
   * @returns this tensor.
   * @throws {@link GraphError} on a leaf that requires grad while grad mode is on, and on the output
   *   of a recorded op.
   * @example
   * ```ts
   * import { noGrad, zeros } from '@tapegrad/core';
   * console.log(zeros([2, 2]).fill_(3).toArray()); // [[3, 3], [3, 3]]
   * const w = zeros([2], { requiresGrad: true });
   * noGrad(() => w.fill_(0.5)); // a leaf that requires grad: only under noGrad
   * console.log(w.toArray()); // [0.5, 0.5]
   * ```
   */
  fill_(value: number): this {
    this.checkInPlace('fill_');
    unaryInto('copy', this.data, wrapNd(new Float64Array([value]), []));
    return this;
  }
  /**
   * Sets every element to zero in place.
   * @returns this tensor.
   * @throws {@link GraphError} as {@link Tensor.fill_} does.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * console.log(tensor([1, 2, 3]).zero_().toArray()); // [0, 0, 0]
   * ```
   */
  zero_(): this {
    return this.fill_(0);
  }
  /**
   * Copies `src` (broadcast to this shape, converted to this dtype) into this tensor in place.
   * @param src - a tensor whose shape broadcasts to this one's (the copy is not recorded on the tape).
   * @returns this tensor.
   * @throws {@link ShapeError} when `src` does not broadcast to this shape; {@link GraphError} as
   *   {@link Tensor.fill_} does.
   * @example
   * ```ts
   * import { tensor, zeros } from '@tapegrad/core';
   * const x = zeros([2, 3]);
   * x.copy_(tensor([1, 2, 3])); // broadcast over the rows
   * console.log(x.toArray()); // [[1, 2, 3], [1, 2, 3]]
   * ```
   */
  copy_(src: Tensor): this {
    this.checkInPlace('copy_');
    const srcData = src.dtype === this.dtype ? src.data : castNd(src.data, this.dtype);
    checkBroadcastsTo('copy_', src.shape, this.shape);
    unaryInto('copy', this.data, srcData);
    return this;
  }
  private checkInPlace(op: string): void {
    if (this.node !== null) throw new GraphError(`${op}: in-place ops on a recorded op's output are not supported (got the output of ${this.node.name})`);
    if (this.gradFlag && isGradEnabled()) {
      throw new GraphError(`${op}: a leaf that requires grad cannot be modified in place while grad mode is on (wrap it in noGrad)`);
    }
  }

  /**
   * `this + other` with numpy broadcasting.
   * @param other - a tensor or a number, broadcastable with this tensor, of the same (floating) dtype.
   * @returns a tensor of the broadcast shape.
   * @throws {@link ShapeError} when the shapes do not broadcast; {@link DtypeError} when the dtypes
   *   differ or are not float32/float64.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * console.log(tensor([1, 2]).add(tensor([[10], [20]])).toArray()); // [[11, 12], [21, 22]]
   * console.log(tensor([1, 2]).add(0.5).toArray()); // [1.5, 2.5]
   * ```
   */
  add(other: TensorLike): Tensor { return add(this, other); }
  /**
   * `this - other` with numpy broadcasting.
   * @param other - a tensor or a number, broadcastable with this tensor, of the same (floating) dtype.
   * @returns a tensor of the broadcast shape.
   * @throws {@link ShapeError} when the shapes do not broadcast; {@link DtypeError} when the dtypes
   *   differ or are not float32/float64.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * console.log(tensor([[5, 7], [9, 11]]).sub(tensor([1, 2])).toArray()); // [[4, 5], [8, 9]]
   * ```
   */
  sub(other: TensorLike): Tensor { return sub(this, other); }
  /**
   * `this * other` with numpy broadcasting.
   * @param other - a tensor or a number, broadcastable with this tensor, of the same (floating) dtype.
   * @returns a tensor of the broadcast shape.
   * @throws {@link ShapeError} when the shapes do not broadcast; {@link DtypeError} when the dtypes
   *   differ or are not float32/float64.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * console.log(tensor([[1, 2], [3, 4]]).mul(tensor([10, 100])).toArray()); // [[10, 200], [30, 400]]
   * ```
   */
  mul(other: TensorLike): Tensor { return mul(this, other); }
  /**
   * `this / other` with numpy broadcasting.
   * Division by zero gives ±Infinity, or NaN for 0 / 0 (IEEE).
   * @param other - a tensor or a number, broadcastable with this tensor, of the same (floating) dtype.
   * @returns a tensor of the broadcast shape.
   * @throws {@link ShapeError} when the shapes do not broadcast; {@link DtypeError} when the dtypes
   *   differ or are not float32/float64.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * console.log(tensor([1, 2, 3]).div(2).toArray()); // [0.5, 1, 1.5]
   * console.log(tensor([1, -1, 0]).div(0).toArray()); // [Infinity, -Infinity, NaN]
   * ```
   */
  div(other: TensorLike): Tensor { return div(this, other); }
  /**
   * Elementwise maximum with numpy broadcasting; a tie splits the gradient in half.
   * @param other - a tensor or a number, broadcastable with this tensor, of the same (floating) dtype.
   * @returns a tensor of the broadcast shape (NaN where either operand is NaN).
   * @throws {@link ShapeError} when the shapes do not broadcast; {@link DtypeError} when the dtypes
   *   differ or are not float32/float64.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * const a = tensor([1, 2], { requiresGrad: true });
   * const m = a.maximum(tensor([2, 2]));
   * m.sum().backward();
   * console.log(m.toArray(), a.grad?.toArray()); // [2, 2] [0, 0.5]
   * ```
   */
  maximum(other: TensorLike): Tensor { return maximum(this, other); }
  /**
   * Elementwise minimum with numpy broadcasting; a tie splits the gradient in half.
   * @param other - a tensor or a number, broadcastable with this tensor, of the same (floating) dtype.
   * @returns a tensor of the broadcast shape (NaN where either operand is NaN).
   * @throws {@link ShapeError} when the shapes do not broadcast; {@link DtypeError} when the dtypes
   *   differ or are not float32/float64.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * console.log(tensor([1, 5, 3]).minimum(3).toArray()); // [1, 3, 3]
   * ```
   */
  minimum(other: TensorLike): Tensor { return minimum(this, other); }
  /**
   * `this ** exponent` elementwise.
   * The gradient is `exponent · this ** (exponent - 1)` (and `log(this) · this ** exponent` for a
   * tensor exponent).
   * @param exponent - a number, or a tensor broadcastable with this tensor, of the same dtype.
   * @returns a tensor of the broadcast shape.
   * @throws {@link ShapeError} when the shapes do not broadcast; {@link DtypeError} when the dtypes
   *   differ or are not float32/float64.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * console.log(tensor([1, 2, 3]).pow(2).toArray(), tensor([4, 9]).pow(0.5).toArray()); // [1, 4, 9] [2, 3]
   * ```
   */
  pow(exponent: TensorLike): Tensor { return pow(this, exponent); }
  /**
   * `-this`.
   * @throws {@link DtypeError} when this tensor is not float32 or float64.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * console.log(tensor([1, -2]).neg().toArray()); // [-1, 2]
   * ```
   */
  neg(): Tensor { return neg(this); }
  /**
   * Elementwise square root (NaN for negative values).
   * @throws {@link DtypeError} when this tensor is not float32 or float64.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * console.log(tensor([1, 4, 9, -1]).sqrt().toArray()); // [1, 2, 3, NaN]
   * ```
   */
  sqrt(): Tensor { return sqrt(this); }
  /**
   * Elementwise `e ** x`.
   * @throws {@link DtypeError} when this tensor is not float32 or float64.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * console.log(tensor([0, 1], { dtype: 'float64' }).exp().toArray()); // [1, 2.718281828459045]
   * ```
   */
  exp(): Tensor { return exp(this); }
  /**
   * Elementwise natural logarithm (-Infinity at 0, NaN below).
   * @throws {@link DtypeError} when this tensor is not float32 or float64.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * console.log(tensor([1, Math.E, 0], { dtype: 'float64' }).log().toArray()); // [0, 1, -Infinity]
   * ```
   */
  log(): Tensor { return log(this); }
  /**
   * Elementwise absolute value (its gradient at 0 is 0, as in PyTorch).
   * @throws {@link DtypeError} when this tensor is not float32 or float64.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * console.log(tensor([-1.5, 0, 2]).abs().toArray()); // [1.5, 0, 2]
   * ```
   */
  abs(): Tensor { return abs(this); }
  /**
   * Elementwise `max(x, 0)` (its gradient at 0 is 0, as in PyTorch).
   * @throws {@link DtypeError} when this tensor is not float32 or float64.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * console.log(tensor([-1, 0, 2]).relu().toArray()); // [0, 0, 2]
   * ```
   */
  relu(): Tensor { return relu(this); }
  /**
   * Matrix product (1-D or 2-D operands).
   * `out[i, j] = Σₖ this[i, k] · other[k, j]`; a 1-D left operand is a row and a 1-D right operand a
   * column, and their dim is left out of the result.
   * @param other - `[k, n]` or `[k]`, this tensor's dtype.
   * @returns `[m, n]` for a `[m, k]` tensor (`[n]`, `[m]` or `[]` with 1-D operands).
   * @throws {@link ShapeError} when the inner dims differ or an operand is not 1-D or 2-D;
   *   {@link DtypeError} when the dtypes differ or are not float32/float64.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * console.log(tensor([[1, 2], [3, 4]]).matmul(tensor([[1], [1]])).toArray()); // [[3], [7]]
   * console.log(tensor([1, 2]).matmul(tensor([3, 4])).item()); // 11
   * ```
   */
  matmul(other: Tensor): Tensor { return matmul(this, other); }
  /**
   * Swaps two dims (default: the two dims of a 2-D tensor); a view, no copy.
   * Without dims, a 0-d or 1-d tensor comes back as it is (PyTorch's `t()`).
   * @param dim0 - the first dim to swap (negative counts from the end); give both or neither.
   * @param dim1 - the second dim to swap.
   * @throws {@link ShapeError} when a dim is out of range, only one dim is given, or no dims are given
   *   for a tensor of more than 2 dims.
   * @example
   * ```ts
   * import { tensor, zeros } from '@tapegrad/core';
   * console.log(tensor([[1, 2, 3]]).transpose().toArray()); // [[1], [2], [3]]
   * console.log(zeros([2, 3, 4]).transpose(0, 2).shape); // [4, 3, 2]
   * ```
   */
  transpose(dim0?: number, dim1?: number): Tensor { return transpose(this, dim0, dim1); }
  /**
   * All dims reversed (numpy's `.T`); a view, no copy.
   *
   * @example
   * ```ts
   * import { tensor, zeros } from '@tapegrad/core';
   * console.log(tensor([[1, 2]]).T.toArray(), zeros([2, 3, 4]).T.shape); // [[1], [2]] [4, 3, 2]
   * ```
   */
  get T(): Tensor { return permute(this, this.shape.map((_, i) => this.ndim - 1 - i)); }
  /**
   * Dims reordered (`dims[i]` is the input dim that becomes output dim i); a view.
   * @param dims - a permutation of `0..ndim-1`.
   * @throws {@link ShapeError} when `dims` is not a permutation of `0..ndim-1`.
   * @example
   * ```ts
   * import { zeros } from '@tapegrad/core';
   * console.log(zeros([2, 3, 4]).permute([2, 0, 1]).shape); // [4, 2, 3]
   * ```
   */
  permute(dims: readonly number[]): Tensor { return permute(this, dims); }
  /**
   * The same values in a new shape (one entry may be -1); a view when the data is contiguous.
   * @param shape - the new dims, as numbers or as one array; a -1 entry is inferred from the others.
   * @throws {@link ShapeError} when the new shape holds a different number of elements.
   * @example
   * ```ts
   * import { arange } from '@tapegrad/core';
   * const x = arange(6);
   * console.log(x.reshape(2, 3).toArray(), x.reshape([3, -1]).shape); // [[0, 1, 2], [3, 4, 5]] [3, 2]
   * ```
   */
  reshape(...shape: (number | readonly number[])[]): Tensor { return reshape(this, shape.flat()); }
  /**
   * Dims `startDim..endDim` merged into one.
   * @param startDim - the first dim merged (default 0).
   * @param endDim - the last dim merged, inclusive (default -1, the last dim).
   * @throws {@link ShapeError} when a dim is out of range.
   * @example
   * ```ts
   * import { zeros } from '@tapegrad/core';
   * console.log(zeros([2, 3, 4]).flatten(1).shape, zeros([2, 3, 4]).flatten().shape); // [2, 12] [24]
   * ```
   */
  flatten(startDim = 0, endDim = -1): Tensor { return flatten(this, startDim, endDim); }
  /**
   * Removes a dim of size 1 (all of them when `dim` is omitted).
   * @param dim - the dim to remove; a dim whose size is not 1 is left as it is (as in PyTorch).
   * @throws {@link ShapeError} when `dim` is out of range.
   * @example
   * ```ts
   * import { zeros } from '@tapegrad/core';
   * const x = zeros([2, 1, 3, 1]);
   * console.log(x.squeeze().shape, x.squeeze(1).shape, x.squeeze(0).shape); // [2, 3] [2, 3, 1] [2, 1, 3, 1]
   * ```
   */
  squeeze(dim?: number): Tensor { return squeeze(this, dim); }
  /**
   * Inserts a dim of size 1 at `dim`.
   * @param dim - its position in the result, in `[-ndim - 1, ndim]` (negative counts from the end).
   * @throws {@link ShapeError} when `dim` is out of range.
   * @example
   * ```ts
   * import { zeros } from '@tapegrad/core';
   * console.log(zeros([3]).unsqueeze(0).shape, zeros([3]).unsqueeze(-1).shape); // [1, 3] [3, 1]
   * ```
   */
  unsqueeze(dim: number): Tensor { return unsqueeze(this, dim); }
  /**
   * Sum over `dim` (all dims when omitted).
   * `Σᵢ xᵢ` over the reduced dims, accumulated in float64 whatever the dtype.
   * @param dim - a dim or a list of dims (negative counts from the end). Default: all.
   * @param keepdim - keep the reduced dims as size 1 (default false).
   * @throws {@link ShapeError} when a dim is out of range; {@link DtypeError} for an integer tensor.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * const x = tensor([[1, 2], [3, 4]]);
   * console.log(x.sum().item(), x.sum(0).toArray(), x.sum(1, true).toArray()); // 10 [4, 6] [[3], [7]]
   * ```
   */
  sum(dim?: number | readonly number[], keepdim = false): Tensor { return sum(this, dim, keepdim); }
  /**
   * Mean over `dim` (all dims when omitted).
   * `(1/n) Σᵢ xᵢ` over the n elements of the reduced dims (NaN over an empty dim).
   * @param dim - a dim or a list of dims (negative counts from the end). Default: all.
   * @param keepdim - keep the reduced dims as size 1 (default false).
   * @throws {@link ShapeError} when a dim is out of range; {@link DtypeError} for an integer tensor.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * const x = tensor([[1, 2], [3, 4]]);
   * console.log(x.mean().item(), x.mean(1).toArray()); // 2.5 [1.5, 3.5]
   * ```
   */
  mean(dim?: number | readonly number[], keepdim = false): Tensor { return mean(this, dim, keepdim); }
  /**
   * Variance over `dim`; `unbiased` (default true) divides by n - 1.
   * `Σ(x - mean)² / (n - correction)`, the correction 1 by default and 0 with `unbiased: false`
   * (numpy's default).
   * @param dim - a dim or a list of dims (negative counts from the end). Default: all.
   * @param opts - `unbiased` (default true), `correction` (overrides `unbiased`), `keepdim` (default false).
   * @throws {@link ShapeError} when a dim is out of range; {@link DtypeError} for an integer tensor.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * const x = tensor([1, 2, 3, 4], { dtype: 'float64' });
   * console.log(x.var().item(), x.var(0, { unbiased: false }).item()); // 1.6666666666666667 1.25
   * ```
   */
  var(dim?: number | readonly number[], opts: VarianceOptions = {}): Tensor { return variance(this, dim, opts); }
  /**
   * Standard deviation over `dim`; `unbiased` (default true) divides by n - 1.
   * `sqrt(Σ(x - mean)² / (n - correction))`, the square root of {@link Tensor.var} with the same options.
   * @param dim - a dim or a list of dims (negative counts from the end). Default: all.
   * @param opts - `unbiased` (default true), `correction` (overrides `unbiased`), `keepdim` (default false).
   * @throws {@link ShapeError} when a dim is out of range; {@link DtypeError} for an integer tensor.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * const x = tensor([2, 4, 4, 4, 5, 5, 7, 9], { dtype: 'float64' });
   * console.log(x.std(0, { unbiased: false }).item(), x.std().item()); // 2 2.138089935299395
   * ```
   */
  std(dim?: number | readonly number[], opts: VarianceOptions = {}): Tensor { return std(this, dim, opts); }
  /**
   * Largest value over `dim` (all elements when omitted); the gradient goes to the first arg-max.
   * NaN wins, as in PyTorch.
   * @param dim - the dim to reduce (negative counts from the end). Default: all elements.
   * @param keepdim - keep the reduced dim as size 1 (default false).
   * @throws {@link ShapeError} when the dim is out of range or empty; {@link DtypeError} for an
   *   integer tensor.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * const x = tensor([[1, 5], [7, 2]]);
   * console.log(x.max().item(), x.max(1).toArray(), x.max(0, true).toArray()); // 7 [5, 7] [[7, 5]]
   * const t = tensor([3, 1, 3], { requiresGrad: true });
   * t.max().backward();
   * console.log(t.grad?.toArray()); // [1, 0, 0]
   * ```
   */
  max(dim?: number, keepdim = false): Tensor { return max(this, dim, keepdim); }
  /**
   * Smallest value over `dim` (all elements when omitted); the gradient goes to the first arg-min.
   * NaN wins, as in PyTorch.
   * @param dim - the dim to reduce (negative counts from the end). Default: all elements.
   * @param keepdim - keep the reduced dim as size 1 (default false).
   * @throws {@link ShapeError} when the dim is out of range or empty; {@link DtypeError} for an
   *   integer tensor.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * const x = tensor([[1, 5], [7, 2]]);
   * console.log(x.min().item(), x.min(1).toArray()); // 1 [1, 2]
   * ```
   */
  min(dim?: number, keepdim = false): Tensor { return min(this, dim, keepdim); }
  /**
   * Index (int32) of the largest value over `dim` (of the flattened tensor when omitted).
   * The first one on a tie; not differentiable.
   * @param dim - the dim to reduce (negative counts from the end). Default: the flattened tensor.
   * @param keepdim - keep the reduced dim as size 1 (default false).
   * @throws {@link ShapeError} when the dim is out of range or empty; {@link DtypeError} for an
   *   integer tensor.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * const x = tensor([[1, 5], [7, 2]]);
   * console.log(x.argmax(1).toArray(), x.argmax(1).dtype, x.argmax().item()); // [1, 0] 'int32' 2
   * ```
   */
  argmax(dim?: number, keepdim = false): Tensor { return argmax(this, dim, keepdim); }
  /**
   * Index (int32) of the smallest value over `dim` (of the flattened tensor when omitted).
   * The first one on a tie; not differentiable.
   * @param dim - the dim to reduce (negative counts from the end). Default: the flattened tensor.
   * @param keepdim - keep the reduced dim as size 1 (default false).
   * @throws {@link ShapeError} when the dim is out of range or empty; {@link DtypeError} for an
   *   integer tensor.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * const x = tensor([[1, 5], [7, 2]]);
   * console.log(x.argmin(0).toArray(), x.argmin().item()); // [0, 1] 0
   * ```
   */
  argmin(dim?: number, keepdim = false): Tensor { return argmin(this, dim, keepdim); }
  /**
   * Softmax over `dim` (default the last).
   * `exp(xᵢ - max) / Σⱼ exp(xⱼ - max)` along `dim`, so large inputs do not overflow.
   * @param dim - the dim to normalize over (default -1).
   * @throws {@link ShapeError} when the dim is out of range; {@link DtypeError} for an integer tensor.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * const p = tensor([[1, 2, 3]], { dtype: 'float64' }).softmax();
   * console.log(p.toArray(), p.sum().item()); // [[0.09003057317038046, 0.24472847105479767, 0.6652409557748219]] 1
   * ```
   */
  softmax(dim = -1): Tensor { return softmax(this, dim); }
  /**
   * Log-softmax over `dim` (default the last), computed stably.
   * `xᵢ - max - log Σⱼ exp(xⱼ - max)` along `dim`.
   * @param dim - the dim to normalize over (default -1).
   * @throws {@link ShapeError} when the dim is out of range; {@link DtypeError} for an integer tensor.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * console.log(tensor([1000, 0], { dtype: 'float64' }).logSoftmax().toArray()); // [0, -1000]
   * console.log(tensor([0, 0]).logSoftmax().toArray()); // [-0.6931471805599453, -0.6931471805599453]
   * ```
   */
  logSoftmax(dim = -1): Tensor { return logSoftmax(this, dim); }
  /**
   * The rows `rows` along dim 0 (a copy; repeats allowed; the gradient is scattered back).
   * @param rows - row indices: a list of integers, an Int32Array, or a 1-D int32 (or uint8) tensor;
   *   negative counts from the end.
   * @returns `[rows.length, ...shape.slice(1)]`, this tensor's dtype.
   * @throws {@link ShapeError} when a row is out of range, the index tensor is not 1-D or this tensor
   *   is 0-d; {@link DtypeError} when the index tensor is not int32 or uint8.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
   * const rows = x.index([1, 1, 0]);
   * rows.sum().backward();
   * console.log(rows.toArray(), x.grad?.toArray()); // [[3, 4], [3, 4], [1, 2]] [[1, 1], [2, 2]]
   * ```
   */
  index(rows: RowIndex): Tensor { return indexRows(this, rows); }
}

function checkBroadcastsTo(op: string, from: readonly number[], to: readonly number[]): void {
  const lead = to.length - from.length;
  const ok = lead >= 0 && from.every((d, i) => d === 1 || d === to[lead + i]);
  if (!ok) throw new ShapeError(`${op}: source must broadcast to ${formatShape(to)} (got ${formatShape(from)})`);
}
