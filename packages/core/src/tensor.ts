/**
 * The Tensor: an ndarray view with a dtype, and, when it requires grad, a place on the tape.
 * Op methods are thin: each calls the op function of the same name in `ops/` and takes its docs.
 * @module
 */
import { DtypeError, GraphError, RELEASED_MESSAGE, ShapeError } from './errors.js';
import { formatShape } from './text.js';
import { isFloatDType, type DType, type NdArray } from './dtype.js';
import { dtypeOf, isContiguous, toContiguous, toFloat64 } from './kernels/layout.js';
import { sizeOf } from './shape.js';
import { runBackward } from './backward.js';
import { noteShared, type TapeNode } from './tape.js';
import { formatTensor, toNestedArray } from './format.js';
import { copyInPlace, fillInPlace } from './inPlace.js';
import {
  abs, add, argmax, argmin, cast, clone, div, exp, flatten, indexRows, log, logSoftmax, matmul, max, maximum, mean,
  min, minimum, mul, neg, permute, pow, relu, reshape, softmax, sqrt, squeeze, std, sub, sum, transpose, unsqueeze,
  variance, type RowIndex, type VarianceOptions,
} from './ops/functions.js';
import { reversedDims } from './ops/transpose.js';

/** A number or a tensor: binary ops accept plain numbers on either side. @category Tensors */
export type TensorLike = Tensor | number;
/** Nested arrays of numbers, as `toArray` returns and `tensor` accepts. @category Tensors */
export type NestedArray = number | NestedArray[];

/**
 * An n-dimensional array of float32 or float64 (or int32 / uint8 for labels and pixels) that
 * records, when it requires grad, the ops applied to it so that `backward()` can compute gradients.
 *
 * Create tensors with {@link tensor}, {@link zeros}, {@link randn} and friends; `new Tensor(nd)`
 * wraps an existing ndarray without copying. A method that applies an op is that op's function with
 * this tensor first: `x.add(y)` is {@link add}`(x, y)`, `x.sum(0)` is {@link sum}`(x, 0)`. Such a
 * method shows the op's docs, `this` standing for the op's first operand; the op's page has its
 * errors and examples.
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
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * const x = tensor([[1, 2], [3, 4]]);
   * console.log(x.data.data instanceof Float32Array, x.data.stride, x.T.data.stride); // true [2, 1] [1, 2]
   * console.log(x.dtype, tensor([1, 2], { dtype: 'int32' }).dtype); // 'float32' 'int32'
   * ```
   */
  get data(): NdArray {
    const nd = this.nd;
    if (nd === null) throw new GraphError(RELEASED_MESSAGE);
    return nd;
  }
  /** The values; null once released (see {@link releaseWithGraph}). */
  private nd: NdArray | null;
  /** The element type; see {@link Tensor.data}'s example. */
  readonly dtype: DType;
  /**
   * The gradient accumulated by `backward()` (leaves, and tensors that called `retainGrad`).
   * Null until a backward reaches the tensor; each backward adds into it (this tensor's shape and
   * dtype), so clear it between steps (`grad = null`, or an optimizer's `zeroGrad()`).
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
  constructor(data: NdArray, opts?: { requiresGrad?: boolean }) {
    this.nd = data;
    this.dtype = dtypeOf(data);
    if (opts?.requiresGrad) this.requiresGrad = true; // (no `opts = {}`: an object per op output)
  }
  /** A tensor that an op produced, recorded as `node` on the tape. @internal */
  static fromNode(data: NdArray, node: TapeNode): Tensor { return new Tensor(data).reuse(data, node); }
  /** This released tensor made what `new Tensor(data)` (node null) or `fromNode` makes (see `tensorReuse.ts`). @internal */
  reuse(data: NdArray, node: TapeNode | null): this {
    this.nd = data;
    (this as { dtype: DType }).dtype = dtypeOf(data);
    this.grad = null;
    this.node = node;
    this.gradFlag = node !== null;
    return this;
  }

  /**
   * The size of each dimension (`[]` for a 0-d tensor).
   * @example
   * ```ts
   * import { tensor, zeros } from '@tapegrad/core';
   * const x = zeros([2, 3]);
   * console.log(x.shape, x.ndim, x.size, x.numel(), tensor(5).shape, tensor(5).size); // [2, 3] 2 6 6 [] 1
   * ```
   */
  get shape(): readonly number[] { return this.data.shape; }
  /** The number of dimensions, `shape.length` (0 for a 0-d tensor); see {@link Tensor.shape}'s example. */
  get ndim(): number { return this.data.shape.length; }
  /** The number of elements, the product of `shape` (1 for a 0-d tensor); see {@link Tensor.shape}'s example. */
  get size(): number { return sizeOf(this.data.shape); }
  /** The number of elements (PyTorch's `numel()`), as {@link Tensor.size}. */
  numel(): number { return this.size; }

  /**
   * Whether backward computes a gradient for this tensor. Settable on leaves only. An op's output
   * requires grad when one of its inputs does (while grad mode is on).
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
  get requiresGrad(): boolean { return this.gradFlag; }
  set requiresGrad(value: boolean) {
    if (this.node !== null) throw new GraphError(`requiresGrad: can only be set on a leaf tensor (got the output of ${this.node.name})`);
    if (value && !isFloatDType(this.dtype)) throw new DtypeError(`requiresGrad: only floating tensors can require grad (got ${this.dtype})`);
    this.gradFlag = value;
  }
  /** The tape node that produced this tensor, or null for a leaf (PyTorch's `grad_fn`); see {@link Tensor.isLeaf}'s example. */
  get gradFn(): TapeNode | null { return this.node; }
  /**
   * Whether this tensor was created by the user rather than by a recorded op. Ops are recorded only
   * when an input requires grad, so the output of an op on plain tensors is a leaf too (as in PyTorch).
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * const x = tensor([1, 2], { requiresGrad: true });
   * console.log(x.isLeaf, x.mul(2).isLeaf, tensor([1, 2]).mul(2).isLeaf); // true false true
   * console.log(x.gradFn, x.mul(2).gradFn?.name); // null 'mul'
   * ```
   */
  get isLeaf(): boolean { return this.node === null; }

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
  backward(grad?: Tensor, opts?: { retainGraph?: boolean }): void {
    runBackward(this, grad, opts?.retainGraph ?? false);
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
    // the detached tensor shares the array: it can no longer go back when the graph is freed
    this.node?.share();
    noteShared(this.data.data);
    return new Tensor(this.data);
  }

  /** Drops the values (their array went back to the allocator): a later read throws a GraphError. @internal */
  release(): void { this.nd = null; }
  /** Whether the values were given back when the graph was freed (see {@link releaseWithGraph}). */
  get isReleased(): boolean { return this.nd === null; }

  /** Whether the data is laid out row-major without gaps; see {@link Tensor.contiguous}'s example. */
  isContiguous(): boolean { return isContiguous(this.data); }
  /**
   * Itself when contiguous, else a contiguous copy (recorded on the tape).
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * const x = tensor([[1, 2], [3, 4]]);
   * const t = x.T.contiguous();
   * console.log(x.T.isContiguous(), t.isContiguous(), t.toArray(), x.contiguous() === x); // false true [[1, 3], [2, 4]] true
   * ```
   */
  contiguous(): Tensor { return this.isContiguous() ? this : clone(this); }

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
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * console.log(tensor([[1, 2], [3, 4]]).toArray(), tensor(5).toArray()); // [[1, 2], [3, 4]] 5
   * console.log(tensor([[1, 2], [3, 4]]).T.toFloat64Array()); // [1, 3, 2, 4]
   * ```
   */
  toArray(): NestedArray { return toNestedArray(this); }
  /** The values as a new flat, row-major Float64Array (handy for tests and plotting); see {@link Tensor.toArray}'s example. */
  toFloat64Array(): Float64Array { return toFloat64(this.data); }
  /**
   * numpy/PyTorch-like printing: `tensor([[1.0000, 2.5000]], dtype=float64)` (whole numbers as
   * `1.`; the dtype when it is not the default; `gradFn=<MulBackward>` for an op's output).
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * console.log(tensor([[1, 2.5]], { dtype: 'float64' }).toString()); // 'tensor([[1.0000, 2.5000]], dtype=float64)'
   * console.log(String(tensor([1, 2], { requiresGrad: true }).mul(2))); // 'tensor([2., 4.], gradFn=<MulBackward>)'
   * ```
   */
  toString(): string { return formatTensor(this); }

  /**
   * Sets every element to `value` in place.
   * @param value - the value, converted to this dtype (truncated for int32 and uint8).
   * @returns this tensor.
   * @throws {@link GraphError} on a leaf that requires grad while grad mode is on, and on the output
   *   of a recorded op.
   * @example
   * ```ts
   * import { noGrad, zeros } from '@tapegrad/core';
   * console.log(zeros([2, 2]).fill_(3).toArray(), zeros([2]).fill_(3).zero_().toArray()); // [[3, 3], [3, 3]] [0, 0]
   * const w = zeros([2], { requiresGrad: true });
   * noGrad(() => w.fill_(0.5)); // a leaf that requires grad: only under noGrad
   * console.log(w.toArray()); // [0.5, 0.5]
   * ```
   */
  fill_(value: number): this { fillInPlace(this, value); return this; }
  /**
   * Sets every element to zero in place; see {@link Tensor.fill_}'s example.
   * @returns this tensor.
   * @throws {@link GraphError} as {@link Tensor.fill_} does.
   */
  zero_(): this { return this.fill_(0); }
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
    copyInPlace(this, src);
    return this;
  }

  // Ops as methods: each takes its op's docs, `this` standing for the op's first operand.
  /** {@inheritDoc @tapegrad/core!clone} */
  clone(this: Tensor): Tensor { return clone(this); }
  /** {@inheritDoc @tapegrad/core!cast} */
  to(this: Tensor, dtype: DType): Tensor { return cast(this, dtype); }
  /** {@inheritDoc @tapegrad/core!add} */
  add(this: Tensor, other: TensorLike): Tensor { return add(this, other); }
  /** {@inheritDoc @tapegrad/core!sub} */
  sub(this: Tensor, other: TensorLike): Tensor { return sub(this, other); }
  /** {@inheritDoc @tapegrad/core!mul} */
  mul(this: Tensor, other: TensorLike): Tensor { return mul(this, other); }
  /** {@inheritDoc @tapegrad/core!div} */
  div(this: Tensor, other: TensorLike): Tensor { return div(this, other); }
  /** {@inheritDoc @tapegrad/core!maximum} */
  maximum(this: Tensor, other: TensorLike): Tensor { return maximum(this, other); }
  /** {@inheritDoc @tapegrad/core!minimum} */
  minimum(this: Tensor, other: TensorLike): Tensor { return minimum(this, other); }
  /** {@inheritDoc @tapegrad/core!pow} */
  pow(this: Tensor, exponent: TensorLike): Tensor { return pow(this, exponent); }
  /** {@inheritDoc @tapegrad/core!neg} */
  neg(this: Tensor): Tensor { return neg(this); }
  /** {@inheritDoc @tapegrad/core!sqrt} */
  sqrt(this: Tensor): Tensor { return sqrt(this); }
  /** {@inheritDoc @tapegrad/core!exp} */
  exp(this: Tensor): Tensor { return exp(this); }
  /** {@inheritDoc @tapegrad/core!log} */
  log(this: Tensor): Tensor { return log(this); }
  /** {@inheritDoc @tapegrad/core!abs} */
  abs(this: Tensor): Tensor { return abs(this); }
  /** {@inheritDoc @tapegrad/core!relu} */
  relu(this: Tensor): Tensor { return relu(this); }
  /** {@inheritDoc @tapegrad/core!matmul} */
  matmul(this: Tensor, other: Tensor): Tensor { return matmul(this, other); }
  /** {@inheritDoc @tapegrad/core!transpose} */
  transpose(this: Tensor, dim0?: number, dim1?: number): Tensor { return transpose(this, dim0, dim1); }
  /**
   * All dims reversed (numpy's `.T`); a view, no copy.
   * @example
   * ```ts
   * import { tensor, zeros } from '@tapegrad/core';
   * console.log(tensor([[1, 2]]).T.toArray(), zeros([2, 3, 4]).T.shape); // [[1], [2]] [4, 3, 2]
   * ```
   */
  get T(): Tensor { return permute(this, reversedDims(this.ndim)); }
  /** {@inheritDoc @tapegrad/core!permute} */
  permute(this: Tensor, dims: readonly number[]): Tensor { return permute(this, dims); }
  /** {@inheritDoc @tapegrad/core!reshape} */
  reshape(this: Tensor, ...shape: (number | readonly number[])[]): Tensor {
    // reshape([n, m]) passes its array on as it is
    return reshape(this, shape.length === 1 && Array.isArray(shape[0]) ? shape[0] : shape.flat());
  }
  /** {@inheritDoc @tapegrad/core!flatten} */
  flatten(this: Tensor, startDim = 0, endDim = -1): Tensor { return flatten(this, startDim, endDim); }
  /** {@inheritDoc @tapegrad/core!squeeze} */
  squeeze(this: Tensor, dim?: number): Tensor { return squeeze(this, dim); }
  /** {@inheritDoc @tapegrad/core!unsqueeze} */
  unsqueeze(this: Tensor, dim: number): Tensor { return unsqueeze(this, dim); }
  /** {@inheritDoc @tapegrad/core!sum} */
  sum(this: Tensor, dim?: number | readonly number[], keepdim = false): Tensor { return sum(this, dim, keepdim); }
  /** {@inheritDoc @tapegrad/core!mean} */
  mean(this: Tensor, dim?: number | readonly number[], keepdim = false): Tensor { return mean(this, dim, keepdim); }
  /** {@inheritDoc @tapegrad/core!variance} */
  var(this: Tensor, dim?: number | readonly number[], opts: VarianceOptions = {}): Tensor { return variance(this, dim, opts); }
  /** {@inheritDoc @tapegrad/core!std} */
  std(this: Tensor, dim?: number | readonly number[], opts: VarianceOptions = {}): Tensor { return std(this, dim, opts); }
  /** {@inheritDoc @tapegrad/core!max} */
  max(this: Tensor, dim?: number, keepdim = false): Tensor { return max(this, dim, keepdim); }
  /** {@inheritDoc @tapegrad/core!min} */
  min(this: Tensor, dim?: number, keepdim = false): Tensor { return min(this, dim, keepdim); }
  /** {@inheritDoc @tapegrad/core!argmax} */
  argmax(this: Tensor, dim?: number, keepdim = false): Tensor { return argmax(this, dim, keepdim); }
  /** {@inheritDoc @tapegrad/core!argmin} */
  argmin(this: Tensor, dim?: number, keepdim = false): Tensor { return argmin(this, dim, keepdim); }
  /** {@inheritDoc @tapegrad/core!softmax} */
  softmax(this: Tensor, dim = -1): Tensor { return softmax(this, dim); }
  /** {@inheritDoc @tapegrad/core!logSoftmax} */
  logSoftmax(this: Tensor, dim = -1): Tensor { return logSoftmax(this, dim); }
  /** {@inheritDoc @tapegrad/core!indexRows} */
  index(this: Tensor, rows: RowIndex): Tensor { return indexRows(this, rows); }
}
