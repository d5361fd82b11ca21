/**
 * The tape: ops on tensors that require grad record a node (the op, its inputs, what its forward
 * saved); `backward` visits the nodes reachable from the output in reverse order of creation and
 * hands each node's output gradient to its op's backward.
 * @module
 */
import { DtypeError, GraphError, ShapeError } from './errors.js';
import { formatShape } from './text.js';
import { isGradEnabled } from './gradMode.js';
import { checkFinite, creationSite, isAnomalyDetectionEnabled } from './anomaly.js';
import type ndarray from 'ndarray';
import { isFloatDType, trackAllocations, type DType, type TypedArray } from './dtype.js';
import { sameShape } from './shape.js';
import { binary, binaryInto } from './kernels/elementwise.js';
import { copyNd, dtypeOf, isContiguous, type Nd } from './kernels/layout.js';
import { Tensor } from './tensor.js';

/** The ndarray view a tensor holds: an `ndarray` over a Float32Array, Float64Array, Int32Array or Uint8Array. @category Tensors */
export type NdArray = ndarray.NdArray<TypedArray>;

/**
 * What an op's forward and backward share: the op's attributes, which inputs need a gradient, and
 * the values forward saved for backward (PyTorch's `ctx`).
 * @typeParam Attrs - the op's non-tensor arguments (a dim, a shape, an exponent), or undefined.
 * @typeParam Saved - the tuple of values forward saves.
 * @category Autograd
 */
export interface OpContext<Attrs = undefined, Saved extends readonly unknown[] = readonly NdArray[]> {
  /** The op's non-tensor arguments. */
  readonly attrs: Attrs;
  /** Per input: whether backward must compute its gradient (false: return null for it). */
  readonly needsGrad: readonly boolean[];
  /** Per input: its shape. */
  readonly inputShapes: readonly (readonly number[])[];
  /** Per input: its dtype. */
  readonly inputDtypes: readonly DType[];
  /** Keeps values for backward. Nothing is kept when no input needs a gradient. */
  save(...values: Saved): void;
  /** What forward saved; reading it after the graph was freed throws a GraphError. */
  readonly saved: Saved;
}

/**
 * An op: a forward on ndarrays and its backward side by side.
 * @category Autograd
 */
export interface OpSpec<Attrs = undefined, Saved extends readonly unknown[] = readonly NdArray[]> {
  /** The op's name, used in error messages and in `gradFn`. */
  readonly name: string;
  /** Computes the output from the inputs' ndarrays; may call `ctx.save`. Must not modify its inputs. */
  forward(ctx: OpContext<Attrs, Saved>, ...inputs: NdArray[]): NdArray;
  /** Returns one gradient per input (the input's shape and dtype), or null where none is needed. */
  backward(ctx: OpContext<Attrs, Saved>, dy: NdArray): readonly (NdArray | null)[];
}

class Context<Attrs, Saved extends readonly unknown[]> implements OpContext<Attrs, Saved> {
  private values: Saved | null = null;
  freed = false;
  constructor(
    readonly op: string,
    readonly attrs: Attrs,
    readonly needsGrad: readonly boolean[],
    readonly inputShapes: readonly (readonly number[])[],
    readonly inputDtypes: readonly DType[],
    private readonly recording: boolean,
  ) {}
  save(...values: Saved): void {
    if (this.recording) this.values = values;
  }
  get saved(): Saved {
    if (this.freed) throw freedError(this.op);
    if (this.values === null) throw new GraphError(`${this.op}.backward: forward saved nothing (call ctx.save in forward)`);
    return this.values;
  }
  free(): void {
    this.values = null;
    this.freed = true;
  }
}

function freedError(op: string): GraphError {
  return new GraphError(
    `${op}.backward: the graph was freed by an earlier backward() (got a second backward through it; pass { retainGraph: true } to the first)`,
  );
}

let nextSeq = 0;

/**
 * A recorded op application: what `Tensor.gradFn` points to.
 *
 * @example
 * ```ts
 * import { ones } from '@tapegrad/core';
 * const y = ones([2], { requiresGrad: true }).exp();
 * console.log(y.gradFn?.name, y.gradFn?.inputs.length, String(y.gradFn)); // 'exp' 1 '<ExpBackward>'
 * ```
 * @category Autograd
 */
export class TapeNode {
  /** Creation order; backward visits nodes from the highest down. */
  readonly seq = nextSeq++;
  /** A tensor that asked (by `retainGrad`) to keep its gradient. @internal */
  retained: Tensor | null = null;
  /** @internal */
  constructor(
    /** @internal */ readonly spec: OpSpec<unknown, readonly unknown[]>,
    /** @internal */ readonly ctx: Context<unknown, readonly unknown[]>,
    /** The op's inputs. */ readonly inputs: readonly Tensor[],
    /** The output's shape. */ readonly shape: readonly number[],
    /** The output's dtype. */ readonly dtype: DType,
    /** Where the op was called (recorded in anomaly mode only). */ readonly createdAt?: string,
  ) {}
  /** The op's name. */
  get name(): string {
    return this.spec.name;
  }
  /** Whether a backward without retainGraph already went through this node. */
  get freed(): boolean {
    return this.ctx.freed;
  }
  /** `<MulBackward>`-style label, as PyTorch prints grad_fn. */
  toString(): string {
    return `<${this.name.charAt(0).toUpperCase()}${this.name.slice(1)}Backward>`;
  }
}

/**
 * Applies `spec` to `inputs`: runs forward on their ndarrays and, when grad mode is on and an input
 * requires grad, records a node so that backward can reach the inputs.
 * @internal
 */
export function applyOp<Attrs, Saved extends readonly unknown[]>(
  spec: OpSpec<Attrs, Saved>,
  inputs: readonly Tensor[],
  attrs: Attrs,
): Tensor {
  inputs.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`${spec.name}: input ${i} must be a Tensor (got ${describe(t)})`);
  });
  const needsGrad = inputs.map((t) => isGradEnabled() && t.requiresGrad);
  const recording = needsGrad.some(Boolean);
  const ctx = new Context<Attrs, Saved>(spec.name, attrs, needsGrad, inputs.map((t) => t.shape), inputs.map((t) => t.dtype), recording);
  const inputData = inputs.map((t) => t.data);
  const out = spec.forward(ctx, ...inputData);
  const dtype = checkForwardResult(spec.name, out);
  const site = isAnomalyDetectionEnabled() ? creationSite() : undefined;
  if (site !== undefined) checkFinite(`${spec.name}.forward`, out, inputData, describeShapes(inputs), site);
  if (!recording || !isFloatDType(dtype)) return new Tensor(out);
  const node = new TapeNode(
    spec as unknown as OpSpec<unknown, readonly unknown[]>,
    ctx as unknown as Context<unknown, readonly unknown[]>,
    inputs,
    [...out.shape],
    dtype,
    site,
  );
  return Tensor.fromNode(out, node);
}

function describeShapes(inputs: readonly Tensor[]): string {
  return `inputs ${inputs.map((t) => formatShape(t.shape)).join(', ')}`;
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

function checkForwardResult(op: string, out: unknown): DType {
  const nd = out as Partial<Nd> | null;
  const dtype = nd && typeof nd === 'object' && Array.isArray(nd.shape) ? dtypeOfSafe(nd as Nd) : undefined;
  if (dtype === undefined) {
    throw new DtypeError(`${op}.forward: must return an ndarray over a Float32Array, Float64Array, Int32Array or Uint8Array (got ${describe(out)})`);
  }
  return dtype;
}

function dtypeOfSafe(nd: Nd): DType | undefined {
  try {
    return dtypeOf(nd);
  } catch {
    return undefined;
  }
}

/**
 * A gradient being summed for one node's output. `owned` when no one but the tape holds its array:
 * the tape allocated it, or an op's backward did during this run (see {@link ownsGradient}). An
 * owned gradient may be added into in place, or become a leaf's `.grad` without a copy.
 */
interface PendingGrad {
  grad: Nd;
  owned: boolean;
}

/**
 * Runs backward from `root` with upstream gradient `seed` (ones for a one-element root).
 * @internal
 */
export function runBackward(root: Tensor, seed: Tensor | undefined, retainGraph: boolean): void {
  if (!root.requiresGrad) {
    throw new GraphError(`backward: the tensor does not require grad (got a tensor with requiresGrad false and no gradFn)`);
  }
  const rootGrad = seedGradient(root, seed);
  const start = root.gradFn;
  if (start === null) {
    accumulateInto(root, rootGrad, seed === undefined);
    return;
  }
  const nodes = reachableNodes(start);
  const pending = new Map<TapeNode, PendingGrad>([[start, { grad: rootGrad, owned: seed === undefined }]]);
  /** The arrays the running op's backward allocated. */
  const fresh = new Set<TypedArray>();
  for (const node of nodes) {
    const entry = pending.get(node);
    if (entry === undefined) continue;
    pending.delete(node);
    let dyOwned = entry.owned;
    if (node.retained && accumulateInto(node.retained, entry.grad, entry.owned)) dyOwned = false;
    fresh.clear();
    const outer = trackAllocations(fresh);
    let grads: readonly (Nd | null)[];
    try {
      grads = node.spec.backward(node.ctx, entry.grad);
    } finally {
      trackAllocations(outer);
    }
    checkGradients(node, grads);
    if (isAnomalyDetectionEnabled()) {
      grads.forEach((g, i) => {
        if (g && node.ctx.needsGrad[i]) checkFinite(`${node.name}.backward`, g, [entry.grad], `gradient ${i} of ${describeShapes(node.inputs)}`, node.createdAt);
      });
    }
    const inputs = node.inputs;
    for (let i = 0; i < inputs.length; i++) {
      const g = grads[i];
      if (!g || !node.ctx.needsGrad[i]) continue;
      const owned = ownsGradient(g, i, grads, node.ctx.needsGrad, fresh, dyOwned ? entry.grad.data : null);
      const parent = inputs[i]!.gradFn;
      if (parent === null) {
        accumulateInto(inputs[i]!, g, owned);
        continue;
      }
      const prev = pending.get(parent);
      if (prev === undefined) pending.set(parent, { grad: g, owned });
      else if (prev.owned) addInPlace(prev.grad, g);
      else if (owned) {
        addInPlace(g, prev.grad); // g + prev is prev + g, bit for bit
        pending.set(parent, { grad: g, owned: true });
      } else pending.set(parent, { grad: binary('add', prev.grad, g, prev.grad.shape), owned: true });
    }
    if (!retainGraph) node.ctx.free();
  }
}

/**
 * Whether the tape may keep gradient `i` of an op's backward as its own (add into it, or make it a
 * leaf's `.grad` without a copy): its array was allocated by that backward (`fresh`), or is the
 * upstream gradient the tape owned (`dyData`, passed through as by clone or reshape); no other
 * gradient of the same call shares it; and it covers its whole array densely (no broadcast or
 * partial view), in any order of dims (a transposed view of a fresh product qualifies).
 */
function ownsGradient(
  g: Nd, i: number, grads: readonly (Nd | null)[], needsGrad: readonly boolean[], fresh: Set<TypedArray>, dyData: TypedArray | null,
): boolean {
  const data = g.data;
  if (!(fresh.has(data) || data === dyData)) return false;
  for (let j = 0; j < grads.length; j++) {
    if (j !== i && needsGrad[j] && grads[j]?.data === data) return false;
  }
  return coversDensely(g);
}

/** Whether `x` views every element of its array exactly once (offset 0, strides a permutation of a contiguous layout). */
function coversDensely(x: Nd): boolean {
  if (x.offset !== 0) return false;
  const dims: [number, number][] = [];
  let size = 1;
  for (let k = 0; k < x.shape.length; k++) {
    const d = x.shape[k]!;
    size *= d;
    if (d !== 1) dims.push([x.stride[k]!, d]);
  }
  if (size !== x.data.length) return false;
  dims.sort((a, b) => a[0] - b[0]);
  let expected = 1;
  for (const [stride, d] of dims) {
    if (stride !== expected) return false;
    expected *= d;
  }
  return true;
}

function seedGradient(root: Tensor, seed: Tensor | undefined): Nd {
  if (seed === undefined) {
    if (root.size !== 1) {
      throw new GraphError(`backward: a gradient can be created implicitly only for a one-element output (got shape ${formatShape(root.shape)}); pass backward(grad)`);
    }
    const ones = copyNd(root.data);
    ones.data[0] = 1;
    return ones;
  }
  if (!(seed instanceof Tensor)) throw new TypeError(`backward: grad must be a Tensor (got ${describe(seed)})`);
  if (!sameShape(seed.shape, root.shape)) {
    throw new ShapeError(`backward: grad must have the output's shape ${formatShape(root.shape)} (got ${formatShape(seed.shape)})`);
  }
  if (seed.dtype !== root.dtype) throw new DtypeError(`backward: grad must have the output's dtype ${root.dtype} (got ${seed.dtype})`);
  return seed.data;
}

/** Nodes reachable from `start`, highest creation order first; throws when one was freed. */
function reachableNodes(start: TapeNode): TapeNode[] {
  const seen = new Set<TapeNode>([start]);
  const stack = [start];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.freed) throw freedError(node.name);
    for (const input of node.inputs) {
      const parent = input.gradFn;
      if (parent !== null && input.requiresGrad && !seen.has(parent)) {
        seen.add(parent);
        stack.push(parent);
      }
    }
  }
  return [...seen].sort((a, b) => b.seq - a.seq);
}

function checkGradients(node: TapeNode, grads: readonly (Nd | null)[]): void {
  const op = node.name;
  if (!Array.isArray(grads) || grads.length !== node.inputs.length) {
    throw new GraphError(
      `${op}.backward: must return ${node.inputs.length} gradient(s), one per input (got ${Array.isArray(grads) ? grads.length : describe(grads)})`,
    );
  }
  grads.forEach((g, i) => {
    if (g === null || g === undefined || !node.ctx.needsGrad[i]) return;
    const input = node.inputs[i]!;
    const dtype = dtypeOfSafe(g);
    if (dtype === undefined) throw new DtypeError(`${op}.backward: gradient ${i} must be an ndarray (got ${describe(g)})`);
    if (!sameShape(g.shape, input.shape)) {
      throw new ShapeError(`${op}.backward: gradient ${i} must have input ${i}'s shape ${formatShape(input.shape)} (got ${formatShape(g.shape)})`);
    }
    if (dtype !== input.dtype) {
      throw new DtypeError(`${op}.backward: gradient ${i} must have input ${i}'s dtype ${input.dtype} (got ${dtype})`);
    }
  });
}

function addInPlace(target: Nd, g: Nd): void {
  binaryInto('add', target, target, g);
}

/**
 * Adds `g` into `t.grad` in place, as PyTorch does; when `t.grad` is null, `g` becomes it (a contiguous
 * gradient the tape owns, so nothing else can change it) or a copy of it. Returns whether `g` was taken.
 */
function accumulateInto(t: Tensor, g: Nd, owned: boolean): boolean {
  if (t.grad === null) {
    const take = owned && isContiguous(g);
    t.grad = new Tensor(take ? g : copyNd(g));
    return take;
  }
  addInPlace(t.grad.data, g);
  return false;
}
