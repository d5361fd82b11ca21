/**
 * The tape's recording: ops on tensors that require grad record a node (the op, its inputs, what
 * its forward saved). `backward.ts` walks the nodes back.
 * @module
 */
import { DtypeError, GraphError } from './errors.js';
import { isGradEnabled } from './gradMode.js';
import { creationSite, isAnomalyDetectionEnabled } from './anomaly.js';
import { describeValue } from './checks.js';
import { dtypeOfArray, isFloatDType, type DType, type NdArray } from './dtype.js';
import { linkView, type ViewLinks } from './release.js';
import { closePlainContext, dtypesOf, isInputList, needsGradFlags, openPlainContext, shapesOf, type PlainContext } from './opContext.js';
import { Tensor } from './tensor.js';
import { NO_VIEW, callForward, checkOutput, noteAliases } from './opCall.js';
import { claimTensorSlot, fillTensorSlot, releasedTensorAt } from './tensorReuse.js';

/**
 * What an op's forward and backward share: the op's attributes, which inputs need a gradient, and
 * the values forward saved for backward (PyTorch's `ctx`). For a recorded op it is the op's
 * {@link TapeNode} and lives with the graph; for an op that records nothing (no input requires grad,
 * or under `noGrad`) it is valid during the forward call only, and the next such op reuses it: do
 * not keep it.
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
  /**
   * Whether a backward without `retainGraph` went through the op's node, freeing what forward saved
   * (no backward can run through it again). An op that lends per-call state to its node (as nn's
   * batch norm lends its per-channel vectors) may take it back once this is true.
   */
  readonly freed: boolean;
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

/** The error for a backward through a node whose saved values an earlier backward freed. @internal */
export function freedError(op: string): GraphError {
  return new GraphError(
    `${op}.backward: the graph was freed by an earlier backward() (got a second backward through it; pass { retainGraph: true } to the first)`,
  );
}

/**
 * The spec the tape runs for an op made by `defineOp`: `contiguousInputs` asks the tape to make the
 * inputs and `dy` contiguous before calling forward and backward. @internal
 */
export type TapeSpec = OpSpec<unknown, readonly unknown[]> & { readonly contiguousInputs?: boolean };

let nextSeq = 0;

/**
 * A recorded op application: what `Tensor.gradFn` points to. It is also the `ctx` that the op's
 * forward and backward get (one object per recorded op, not two).
 *
 * @example
 * ```ts
 * import { ones } from '@tapegrad/core';
 * const y = ones([2], { requiresGrad: true }).exp();
 * console.log(y.gradFn?.name, y.gradFn?.inputs.length, String(y.gradFn)); // 'exp' 1 '<ExpBackward>'
 * ```
 * @category Autograd
 */
export class TapeNode implements OpContext<unknown, readonly unknown[]> {
  // A node is made per recorded op and lives as long as its graph: each field is 8 bytes of every
  // one, so flags share a field, and the marked and the retained output share one.
  /** Creation order; backward visits nodes from the highest down. */
  readonly seq = nextSeq++;
  /** SHARED, FREED, PENDING_OWNED, MARKED, RETAINED, SAVED, OWNS_INPUTS. */
  private flags = 0;
  /** The output tensor, when marked or retained (see `output` and `retained`). */
  private outputTensor: Tensor | null = null;
  /** Recorded ops that took the output and have not been through a backward that freed them. @internal */
  uses = 0;
  /** How this node relates to recorded views of its output, or to the node whose array its output views (`release.ts`). @internal */
  links: ViewLinks | null = null;
  /** The backward walk that found this node and has not ended (see `walk.ts`), or 0. @internal */
  walkId = 0;
  /** The gradient of the output summed so far by that walk, or null. @internal */
  pendingGrad: NdArray | null = null;
  /** What forward saved for backward (when SAVED): the array stays with the node, emptied once freed, for its next life (see {@link reuse}). */
  private values: readonly unknown[] | null = null;
  private outShape: readonly number[] = noShape;
  private outDtype: DType = 'float32';
  /** @internal */
  constructor(
    /** @internal */ readonly spec: TapeSpec,
    /** The op's attributes (see {@link OpContext}). @internal */ readonly attrs: unknown,
    /** Per input, whether backward computes its gradient (see {@link OpContext}). @internal */ readonly needsGrad: readonly boolean[],
    /** The op's inputs. */ readonly inputs: readonly Tensor[],
  ) {
    // an inputList is refilled by the next op: the node keeps a copy, its own (see reuse)
    if (isInputList(inputs)) {
      this.inputs = inputs.slice();
      this.flags = OWNS_INPUTS;
    }
  }
  /**
   * Makes this node, freed and no longer anyone's (its output tensor was released), the node of a
   * new op application: what the constructor would make, in this object (see `tensorReuse.ts`). @internal
   */
  reuse(spec: TapeSpec, attrs: unknown, needsGrad: readonly boolean[], inputs: readonly Tensor[]): this {
    const self = this as { -readonly [K in 'seq' | 'spec' | 'attrs' | 'needsGrad' | 'inputs']: TapeNode[K] };
    self.seq = nextSeq++;
    self.spec = spec;
    self.attrs = attrs;
    self.needsGrad = needsGrad;
    // an inputList is copied into the array the node's last life copied one into, when it has one of its length
    const own = (this.flags & OWNS_INPUTS) !== 0 && this.inputs.length === inputs.length ? this.inputs as Tensor[] : null;
    this.flags = 0;
    if (!isInputList(inputs)) self.inputs = inputs;
    else {
      if (own !== null) for (let i = 0; i < own.length; i++) own[i] = inputs[i]!;
      self.inputs = own ?? inputs.slice();
      this.flags = OWNS_INPUTS;
    }
    this.outputTensor = null;
    this.uses = 0;
    this.links = null;
    this.walkId = 0;
    this.pendingGrad = null;
    this.outShape = noShape;
    this.outDtype = 'float32';
    sites.delete(this);
    return this;
  }
  /** Whether {@link reuse} may take this node: freed by a backward that has ended, and not linked to views. @internal */
  get reusable(): boolean {
    return (this.flags & FREED) !== 0 && this.walkId === 0 && this.links === null;
  }
  /** Records the output's shape and dtype and the creation site, once forward has run. @internal */
  setOutput(shape: readonly number[], dtype: DType, site: string | undefined): void {
    this.outShape = shape;
    this.outDtype = dtype;
    if (site !== undefined) sites.set(this, site);
  }
  /** The output's shape. */
  get shape(): readonly number[] {
    return this.outShape;
  }
  /** The output's dtype. */
  get dtype(): DType {
    return this.outDtype;
  }
  /** Where the op was called (recorded in anomaly mode only). */
  get createdAt(): string | undefined {
    return sites.get(this);
  }
  /** The op's name. */
  get name(): string {
    return this.spec.name;
  }
  /** Whether a backward without retainGraph already went through this node. */
  get freed(): boolean {
    return (this.flags & FREED) !== 0;
  }
  /** Whether something else shares the output's array (`detach`, an unmarked or unrecorded view): it never goes back. @internal */
  get shared(): boolean {
    return (this.flags & SHARED) !== 0;
  }
  set shared(value: boolean) {
    this.setFlag(SHARED, value);
  }
  /** Whether the tape owns `pendingGrad`'s array (may add into it in place). @internal */
  get pendingOwned(): boolean {
    return (this.flags & PENDING_OWNED) !== 0;
  }
  set pendingOwned(value: boolean) {
    this.setFlag(PENDING_OWNED, value);
  }
  /**
   * The output, when {@link releaseWithGraph} marked it: its array goes back to the allocator once
   * this node and every recorded op that took it (`uses` of them not yet through backward) are freed,
   * and the recorded views of it are through (`release.ts`). Null when unmarked, once released, or
   * once something else came to share its array (`detach`, an unmarked view). @internal
   */
  get output(): Tensor | null {
    return (this.flags & MARKED) !== 0 ? this.outputTensor : null;
  }
  set output(t: Tensor | null) {
    this.setOutputTensor(MARKED, t);
  }
  /** The output, when it asked (by `retainGrad`) to keep its gradient. @internal */
  get retained(): Tensor | null {
    return (this.flags & RETAINED) !== 0 ? this.outputTensor : null;
  }
  set retained(t: Tensor | null) {
    this.setOutputTensor(RETAINED, t);
  }
  private setOutputTensor(flag: number, t: Tensor | null): void {
    this.setFlag(flag, t !== null);
    if (t !== null) this.outputTensor = t; // (a node has one output tensor: marked and retained are the same)
    else if ((this.flags & (MARKED | RETAINED)) === 0) this.outputTensor = null;
  }
  private setFlag(flag: number, value: boolean): void {
    this.flags = value ? this.flags | flag : this.flags & ~flag;
  }
  /** Keeps values for backward (see {@link OpContext}). @internal */
  save(...values: readonly unknown[]): void {
    // copied into the node's own array, which a reused node keeps from its last life (`values`
    // itself never escapes: optimized code reads the arguments in place, making no array for them)
    const n = values.length;
    let own = this.values as unknown[] | null;
    if (own === null || own.length !== n) own = this.values = new Array<unknown>(n);
    for (let i = 0; i < n; i++) own[i] = values[i];
    this.flags |= SAVED;
  }
  /** What forward saved (see {@link OpContext}). @internal */
  get saved(): readonly unknown[] {
    if (this.freed) throw freedError(this.name);
    if ((this.flags & SAVED) === 0) throw new GraphError(`${this.name}.backward: forward saved nothing (call ctx.save in forward)`);
    return this.values!;
  }
  /** Per input, its shape (see {@link OpContext}); shared with other nodes of the op whose inputs have the same shapes. @internal */
  get inputShapes(): readonly (readonly number[])[] {
    if (this.freed) throw freedError(this.name);
    return shapesOf(this.spec, this.inputs);
  }
  /** Per input, its dtype (see {@link OpContext}). @internal */
  get inputDtypes(): readonly DType[] {
    if (this.freed) throw freedError(this.name);
    return dtypesOf(this.inputs);
  }
  /** Drops what forward saved: a backward has been through (without retainGraph). @internal */
  free(): void {
    // the array stays, emptied (what forward saved may be collected), for `save` to fill again once the node is reused
    (this.values as unknown[] | null)?.fill(undefined);
    this.flags |= FREED;
  }
  /** Notes that something else shares the output's array: it never goes back (nor, for a view, its base's). @internal */
  share(): void {
    this.shared = true;
    this.output = null;
    this.links?.base?.share();
  }
  /** `<MulBackward>`-style label, as PyTorch prints grad_fn. */
  toString(): string {
    return `<${this.name.charAt(0).toUpperCase()}${this.name.slice(1)}Backward>`;
  }
}

const noShape: readonly number[] = Object.freeze([]);
/** `TapeNode.flags`. */
const SHARED = 1, FREED = 2, PENDING_OWNED = 4, MARKED = 8, RETAINED = 16, SAVED = 32, OWNS_INPUTS = 64;
/** Where each node's op was called, in anomaly mode (a field would cost every node 8 bytes). */
const sites = new WeakMap<TapeNode, string>();

/**
 * Applies `spec` to `inputs`: runs forward on their ndarrays and, when grad mode is on and an input
 * requires grad, records a node so that backward can reach the inputs. The node is forward's `ctx`;
 * an op that records nothing gets a {@link PlainContext} that the next such op reuses.
 * @internal
 */
export function applyOp<Attrs, Saved extends readonly unknown[]>(
  spec: OpSpec<Attrs, Saved>,
  inputs: readonly Tensor[],
  attrs: Attrs,
): Tensor {
  const n = inputs.length;
  const gradEnabled = isGradEnabled();
  let recording = false;
  for (let i = 0; i < n; i++) {
    const t = inputs[i];
    if (!(t instanceof Tensor)) throw new TypeError(`${spec.name}: input ${i} must be a Tensor (got ${describeValue(t)})`);
    if (gradEnabled && t.requiresGrad) recording = true;
  }
  const tapeSpec = spec as unknown as TapeSpec;
  if (!recording) {
    if (isInputList(inputs)) inputs = inputs.slice(); // (refilled by the next op, which this one's forward may call)
    const slot = claimTensorSlot();
    const ctx = openPlainContext(spec, attrs, inputs);
    try {
      const out = callForward(tapeSpec, ctx, inputs);
      checkForwardResult(spec.name, out);
      noteAliases(inputs, out, false);
      if (isAnomalyDetectionEnabled()) checkOutput(spec.name, out, inputs, ctx.inputShapes, creationSite());
      const reused = releasedTensorAt(slot);
      return fillTensorSlot(slot, reused !== null ? reused.reuse(out, null) : new Tensor(out));
    } finally {
      closePlainContext(ctx);
    }
  }
  // inside a recyclingArrays scope, this position's tensor and node of the last call, when released
  const slot = claimTensorSlot();
  const reused = releasedTensorAt(slot);
  const old = reused?.gradFn ?? null;
  const needsGrad = needsGradFlags(inputs);
  const node = old !== null && old.reusable ? old.reuse(tapeSpec, attrs, needsGrad, inputs) : new TapeNode(tapeSpec, attrs, needsGrad, inputs);
  inputs = node.inputs; // (an inputList's copy)
  const out = callForward(tapeSpec, node, inputs);
  const dtype = checkForwardResult(spec.name, out);
  const float = isFloatDType(dtype);
  const viewed = noteAliases(inputs, out, float);
  const site = isAnomalyDetectionEnabled() ? creationSite() : undefined;
  if (site !== undefined) checkOutput(spec.name, out, inputs, node.inputShapes, site);
  if (!float) return fillTensorSlot(slot, reused !== null ? reused.reuse(out, null) : new Tensor(out));
  node.setOutput(out.shape, dtype, site);
  if (viewed !== NO_VIEW) {
    // a view of a recorded op's output pins its array until it is through; any other view, for good
    const producer = viewed >= 0 ? inputs[viewed]!.gradFn : null;
    if (producer === null || !linkView(node, viewed, producer)) node.shared = true;
  }
  return fillTensorSlot(slot, reused !== null ? reused.reuse(out, node) : Tensor.fromNode(out, node));
}

// the marks of arrays that a second tensor shares live with the pool, which ends them (see allocator.ts)
export { noteShared, isShared } from './allocator.js';

/**
 * Marks `t`, the output of an op on the tape, as an intermediate that nothing outside the graph
 * holds: once backward frees the graph, and every recorded op that took `t` has been through that
 * backward, its array goes back to the allocator, and later ops reuse it. For library code that
 * makes a tensor, hands it only to further ops and drops it (a `Sequential` between two of nn's
 * layers, a loss's inner steps), so that a training step of any model allocates nothing anew. Reading `t`
 * afterwards throws a GraphError (it stays reachable through `gradFn.inputs`). Nothing happens to a
 * leaf, or to a tensor made without recording (under `noGrad`). A recorded view of `t` (a reshape, a
 * transpose, a flatten) shares its array: the array goes back when `t` and the view are both marked
 * and through, and both are released then; when the view is not marked, or for `t.detach()` or a view
 * taken under `noGrad`, it stays (and the collector frees it as usual). Returns `t`.
 *
 * @example
 * ```ts
 * import { randn, releaseWithGraph } from '@tapegrad/core';
 * const w = randn([4, 3], { requiresGrad: true });
 * const h = releaseWithGraph(randn([2, 4]).matmul(w)); // only the graph holds h
 * const loss = h.relu().sum();
 * loss.backward();
 * console.log(h.isReleased, w.grad?.shape); // true [4, 3]
 * ```
 * @category Autograd
 */
export function releaseWithGraph(t: Tensor): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`releaseWithGraph: expected a Tensor (got ${describeValue(t)})`);
  const node = t.gradFn;
  if (node !== null && !node.freed && !node.shared) node.output = t;
  return t;
}

function checkForwardResult(op: string, out: unknown): DType {
  const nd = out as Partial<NdArray> | null;
  const dtype = nd && typeof nd === 'object' && Array.isArray(nd.shape) ? dtypeOfArray(nd.data) : undefined;
  if (dtype === undefined) {
    throw new DtypeError(`${op}.forward: must return an ndarray over a Float32Array, Float64Array, Int32Array or Uint8Array (got ${describeValue(out)})`);
  }
  return dtype;
}
