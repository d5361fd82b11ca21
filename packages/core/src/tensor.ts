/**
 * The Tensor: an ndarray view with a dtype, and, when it requires grad, a place on the tape.
 * Methods are thin: each calls the free function of the same name in `ops/`.
 * @module
 */
import { DtypeError, GraphError, ShapeError, formatShape } from './errors.js';
import { isFloatDType, type DType } from './dtype.js';
import { isGradEnabled } from './gradMode.js';
import { castNd, dtypeOf, isContiguous, toContiguous, toFloat64, wrapNd } from './kernels/layout.js';
import { unaryInto } from './kernels/elementwise.js';
import { sizeOf } from './shape.js';
import { runBackward, type NdArray, type TapeNode } from './tape.js';
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
  /** The ndarray view holding the values (shape, strides, offset into a typed array). */
  readonly data: NdArray;
  /** The element type. */
  readonly dtype: DType;
  /** The gradient accumulated by `backward()` (leaves, and tensors that called `retainGrad`). */
  grad: Tensor | null = null;
  private gradFlag = false;
  private node: TapeNode | null = null;

  /**
   * Wraps an ndarray (no copy).
   * @param data - an ndarray over a Float32Array, Float64Array, Int32Array or Uint8Array.
   * @param opts - `requiresGrad` (default false; floating dtypes only).
   * @throws {@link DtypeError} when the ndarray's data is not one of those typed arrays.
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

  /** The size of each dimension. */
  get shape(): readonly number[] {
    return this.data.shape;
  }
  /** The number of dimensions. */
  get ndim(): number {
    return this.data.shape.length;
  }
  /** The number of elements. */
  get size(): number {
    return sizeOf(this.data.shape);
  }
  /** The number of elements (PyTorch's `numel()`). */
  numel(): number {
    return this.size;
  }

  /** Whether backward computes a gradient for this tensor. Settable on leaves only. */
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
  /** The tape node that produced this tensor, or null for a leaf (PyTorch's `grad_fn`). */
  get gradFn(): TapeNode | null {
    return this.node;
  }
  /** Whether this tensor was created by the user rather than by a recorded op. */
  get isLeaf(): boolean {
    return this.node === null;
  }

  /**
   * Computes the gradient of this tensor with respect to every leaf that requires grad, and adds it
   * into their `.grad`. Frees the graph unless `retainGraph`.
   * @param grad - the upstream gradient, this tensor's shape and dtype; optional for one element.
   * @param opts - `retainGraph` (default false): keep the saved values for another backward.
   * @throws {@link GraphError} for a non-scalar without `grad`, a tensor that does not require grad,
   *   or a graph already freed by an earlier backward.
   */
  backward(grad?: Tensor, opts: { retainGraph?: boolean } = {}): void {
    runBackward(this, grad, opts.retainGraph ?? false);
  }

  /** Asks backward to fill `.grad` of this non-leaf tensor too (leaves always get it). */
  retainGrad(): void {
    if (!this.requiresGrad) throw new GraphError(`retainGrad: the tensor does not require grad`);
    if (this.node !== null) this.node.retained = this;
  }

  /** The same values, cut from the graph: shares the data and does not require grad. */
  detach(): Tensor {
    return new Tensor(this.data);
  }
  /** A copy with its own data; recorded on the tape (the gradient flows back to this tensor). */
  clone(): Tensor {
    return clone(this);
  }
  /** This tensor converted to `dtype` (itself when it already has it); recorded on the tape. */
  to(dtype: DType): Tensor {
    return cast(this, dtype);
  }
  /** Whether the data is laid out row-major without gaps. */
  isContiguous(): boolean {
    return isContiguous(this.data);
  }
  /** Itself when contiguous, else a contiguous copy (recorded on the tape). */
  contiguous(): Tensor {
    return this.isContiguous() ? this : clone(this);
  }

  /** The value of a one-element tensor. @throws {@link ShapeError} when it has more than one element. */
  item(): number {
    if (this.size !== 1) throw new ShapeError(`item: expected a one-element tensor (got shape ${formatShape(this.shape)})`);
    const c = toContiguous(this.data);
    return c.data[c.offset]!;
  }
  /** The values as nested arrays (a number for a 0-d tensor). */
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
  /** The values as a new flat, row-major Float64Array (handy for tests and plotting). */
  toFloat64Array(): Float64Array {
    return toFloat64(this.data);
  }
  /** numpy/PyTorch-like printing: `tensor([[1.0000, 2.0000]], dtype=float64)`. */
  toString(): string {
    return formatTensor(this);
  }

  /** Sets every element to `value` in place. @throws {@link GraphError} on a leaf that requires grad while grad mode is on. */
  fill_(value: number): this {
    this.checkInPlace('fill_');
    unaryInto('copy', this.data, wrapNd(new Float64Array([value]), []));
    return this;
  }
  /** Sets every element to zero in place. */
  zero_(): this {
    return this.fill_(0);
  }
  /** Copies `src` (broadcast to this shape, converted to this dtype) into this tensor in place. */
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

  /** `this + other` with numpy broadcasting. */
  add(other: TensorLike): Tensor { return add(this, other); }
  /** `this - other` with numpy broadcasting. */
  sub(other: TensorLike): Tensor { return sub(this, other); }
  /** `this * other` with numpy broadcasting. */
  mul(other: TensorLike): Tensor { return mul(this, other); }
  /** `this / other` with numpy broadcasting. */
  div(other: TensorLike): Tensor { return div(this, other); }
  /** Elementwise maximum with numpy broadcasting; a tie splits the gradient in half. */
  maximum(other: TensorLike): Tensor { return maximum(this, other); }
  /** Elementwise minimum with numpy broadcasting; a tie splits the gradient in half. */
  minimum(other: TensorLike): Tensor { return minimum(this, other); }
  /** `this ** exponent` elementwise. */
  pow(exponent: TensorLike): Tensor { return pow(this, exponent); }
  /** `-this`. */
  neg(): Tensor { return neg(this); }
  /** Elementwise square root. */
  sqrt(): Tensor { return sqrt(this); }
  /** Elementwise `e ** x`. */
  exp(): Tensor { return exp(this); }
  /** Elementwise natural logarithm. */
  log(): Tensor { return log(this); }
  /** Elementwise absolute value. */
  abs(): Tensor { return abs(this); }
  /** Elementwise `max(x, 0)`. */
  relu(): Tensor { return relu(this); }
  /** Matrix product (1-D or 2-D operands). */
  matmul(other: Tensor): Tensor { return matmul(this, other); }
  /** Swaps two dims (default: the two dims of a 2-D tensor); a view, no copy. */
  transpose(dim0?: number, dim1?: number): Tensor { return transpose(this, dim0, dim1); }
  /** All dims reversed (numpy's `.T`); a view, no copy. */
  get T(): Tensor { return permute(this, this.shape.map((_, i) => this.ndim - 1 - i)); }
  /** Dims reordered (`dims[i]` is the input dim that becomes output dim i); a view. */
  permute(dims: readonly number[]): Tensor { return permute(this, dims); }
  /** The same values in a new shape (one entry may be -1); a view when the data is contiguous. */
  reshape(...shape: (number | readonly number[])[]): Tensor { return reshape(this, shape.flat()); }
  /** Dims `startDim..endDim` merged into one. */
  flatten(startDim = 0, endDim = -1): Tensor { return flatten(this, startDim, endDim); }
  /** Removes a dim of size 1 (all of them when `dim` is omitted). */
  squeeze(dim?: number): Tensor { return squeeze(this, dim); }
  /** Inserts a dim of size 1 at `dim`. */
  unsqueeze(dim: number): Tensor { return unsqueeze(this, dim); }
  /** Sum over `dim` (all dims when omitted). */
  sum(dim?: number | readonly number[], keepdim = false): Tensor { return sum(this, dim, keepdim); }
  /** Mean over `dim` (all dims when omitted). */
  mean(dim?: number | readonly number[], keepdim = false): Tensor { return mean(this, dim, keepdim); }
  /** Variance over `dim`; `unbiased` (default true) divides by n - 1. */
  var(dim?: number | readonly number[], opts: VarianceOptions = {}): Tensor { return variance(this, dim, opts); }
  /** Standard deviation over `dim`; `unbiased` (default true) divides by n - 1. */
  std(dim?: number | readonly number[], opts: VarianceOptions = {}): Tensor { return std(this, dim, opts); }
  /** Largest value over `dim` (all elements when omitted); the gradient goes to the first arg-max. */
  max(dim?: number, keepdim = false): Tensor { return max(this, dim, keepdim); }
  /** Smallest value over `dim` (all elements when omitted); the gradient goes to the first arg-min. */
  min(dim?: number, keepdim = false): Tensor { return min(this, dim, keepdim); }
  /** Index (int32) of the largest value over `dim` (of the flattened tensor when omitted). */
  argmax(dim?: number, keepdim = false): Tensor { return argmax(this, dim, keepdim); }
  /** Index (int32) of the smallest value over `dim` (of the flattened tensor when omitted). */
  argmin(dim?: number, keepdim = false): Tensor { return argmin(this, dim, keepdim); }
  /** Softmax over `dim` (default the last). */
  softmax(dim = -1): Tensor { return softmax(this, dim); }
  /** Log-softmax over `dim` (default the last), computed stably. */
  logSoftmax(dim = -1): Tensor { return logSoftmax(this, dim); }
  /** The rows `rows` along dim 0 (a copy; repeats allowed; the gradient is scattered back). */
  index(rows: RowIndex): Tensor { return indexRows(this, rows); }
}

function checkBroadcastsTo(op: string, from: readonly number[], to: readonly number[]): void {
  const lead = to.length - from.length;
  const ok = lead >= 0 && from.every((d, i) => d === 1 || d === to[lead + i]);
  if (!ok) throw new ShapeError(`${op}: source must broadcast to ${formatShape(to)} (got ${formatShape(from)})`);
}
