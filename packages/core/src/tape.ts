/**
 * The tape's recording: ops on tensors that require grad record a node (the op, its inputs, what
 * its forward saved). `backward.ts` walks the nodes back.
 * @module
 */
import { DtypeError, GraphError } from './errors.js';
import { isGradEnabled } from './gradMode.js';
import { checkFinite, creationSite, describeInputs, isAnomalyDetectionEnabled } from './anomaly.js';
import { describeValue } from './checks.js';
import { dtypeOfArray, isFloatDType, type DType, type NdArray } from './dtype.js';
import { Tensor } from './tensor.js';

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
  // the inputs' shapes and dtypes are read from their ndarrays when an op first asks (most never do)
  private shapes: (readonly number[])[] | null = null;
  private dtypes: DType[] | null = null;
  freed = false;
  constructor(
    readonly op: string,
    readonly attrs: Attrs,
    readonly needsGrad: readonly boolean[],
    private inputData: readonly NdArray[] | null,
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
  get inputShapes(): readonly (readonly number[])[] {
    return (this.shapes ??= this.inputs().map((x) => x.shape));
  }
  get inputDtypes(): readonly DType[] {
    return (this.dtypes ??= this.inputs().map((x) => dtypeOfArray(x.data)!));
  }
  private inputs(): readonly NdArray[] {
    if (this.inputData === null) throw freedError(this.op);
    return this.inputData;
  }
  free(): void {
    this.values = null;
    this.inputData = null; // what backward did not read is not kept for it
    this.freed = true;
  }
}

/** `needsGrad` of an op that records nothing, per number of inputs: all false, shared. */
const noGradFlags: (readonly boolean[])[] = [];

/** The error for a backward through a node whose saved values an earlier backward freed. @internal */
export function freedError(op: string): GraphError {
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
  /**
   * The output, when {@link releaseWithGraph} marked it: its array goes back to the allocator once
   * this node and every recorded op that took it (`uses` of them not yet through backward) are freed.
   * Null when unmarked, or once something else came to share its array (a view, `detach`). @internal
   */
  output: Tensor | null = null;
  /** Recorded ops that took the output and have not been through a backward that freed them. @internal */
  uses = 0;
  /** Whether something else shares the output's array (a view, `detach`): it never goes back. @internal */
  shared = false;
  /** The backward walk that found this node and has not ended (see `walk.ts`), or 0. @internal */
  walkId = 0;
  /** The gradient of the output summed so far by that walk, or null. @internal */
  pendingGrad: NdArray | null = null;
  /** Whether the tape owns `pendingGrad`'s array (may add into it in place). @internal */
  pendingOwned = false;
  /** Notes that something else shares the output's array. @internal */
  share(): void {
    this.shared = true;
    this.output = null;
  }
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
  const n = inputs.length;
  const gradEnabled = isGradEnabled();
  let recording = false;
  for (let i = 0; i < n; i++) {
    const t = inputs[i];
    if (!(t instanceof Tensor)) throw new TypeError(`${spec.name}: input ${i} must be a Tensor (got ${describeValue(t)})`);
    if (gradEnabled && t.requiresGrad) recording = true;
  }
  let needsGrad: readonly boolean[];
  if (recording) {
    const flags = new Array<boolean>(n);
    for (let i = 0; i < n; i++) flags[i] = inputs[i]!.requiresGrad;
    needsGrad = flags;
  } else {
    needsGrad = (noGradFlags[n] ??= Object.freeze(new Array<boolean>(n).fill(false)));
  }
  const inputData = new Array<NdArray>(n);
  for (let i = 0; i < n; i++) inputData[i] = inputs[i]!.data;
  const ctx = new Context<Attrs, Saved>(spec.name, attrs, needsGrad, inputData, recording);
  const out = spec.forward(ctx, ...inputData);
  const dtype = checkForwardResult(spec.name, out);
  let aliases = false;
  for (let i = 0; i < inputs.length; i++) {
    const view = out.data === inputData[i]!.data;
    if (view) {
      aliases = true;
      noteShared(out.data);
    }
    const producer = inputs[i]!.gradFn;
    if (producer === null) continue;
    // an output that shares an input's array (a view) keeps that array from ever going back
    if (view) producer.share();
    // counted only where a node will take it (a non-float output makes none, and would never give it back)
    else if (recording && isFloatDType(dtype)) producer.uses++;
  }
  const site = isAnomalyDetectionEnabled() ? creationSite() : undefined;
  if (site !== undefined) checkFinite(`${spec.name}.forward`, out, inputData, describeInputs(ctx.inputShapes), site);
  if (!recording || !isFloatDType(dtype)) return new Tensor(out);
  const node = new TapeNode(
    spec as unknown as OpSpec<unknown, readonly unknown[]>,
    ctx as unknown as Context<unknown, readonly unknown[]>,
    inputs,
    out.shape,
    dtype,
    site,
  );
  if (aliases) node.shared = true;
  return Tensor.fromNode(out, node);
}

/** Arrays that a view or `detach` made a second tensor share: none of them is ever given back. */
const sharedArrays = new WeakSet<object>();

/** Notes that a second tensor shares `array` (a view, `detach`). @internal */
export function noteShared(array: object): void {
  sharedArrays.add(array);
}

/** Whether a second tensor may share `array` (see {@link noteShared}). @internal */
export function isShared(array: object): boolean {
  return sharedArrays.has(array);
}

/**
 * Marks `t`, the output of an op on the tape, as an intermediate that nothing outside the graph
 * holds: once backward frees the graph, and every recorded op that took `t` has been through that
 * backward, its array goes back to the allocator, and later ops reuse it. For library code that
 * makes a tensor, hands it only to further ops and drops it (a `Sequential` between two of nn's
 * layers, a loss's inner steps), so that a training step of any model allocates nothing anew. Reading `t`
 * afterwards throws a GraphError (it stays reachable through `gradFn.inputs`). Nothing happens to a
 * leaf, to a tensor made without recording (under `noGrad`), or when a view of `t` or `t.detach()`
 * shares its array (then it stays, and the collector frees it as usual). Returns `t`.
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
