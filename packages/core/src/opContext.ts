/**
 * What an op's forward gets as `ctx` when nothing is recorded ({@link PlainContext}, reused), and
 * the pieces of a context both kinds share: `needsGrad` flags and input dtypes from shared tables,
 * input shapes read from the input tensors when an op asks. A recorded op's context is its
 * `TapeNode` (`tape.ts`), which lives as long as the graph.
 * @module
 * @internal
 */
import { GraphError } from './errors.js';
import type { DType } from './dtype.js';
import type { OpContext } from './tape.js';
import type { Tensor } from './tensor.js';

/** Up to this many inputs, `needsGrad` arrays come from a table; an op with more gets its own. */
const TABLE_INPUTS = 6;
/** `needsGrad` arrays by number of inputs, then by the bit mask of the inputs that require grad. */
const needsGradTable: (readonly boolean[])[][] = [];

/**
 * Per input of a recorded op, whether it requires grad: a shared frozen array (for up to six inputs)
 * that nothing may change. @internal
 */
export function needsGradFlags(inputs: readonly Tensor[]): readonly boolean[] {
  const n = inputs.length;
  if (n > TABLE_INPUTS) {
    const flags = new Array<boolean>(n);
    for (let i = 0; i < n; i++) flags[i] = inputs[i]!.requiresGrad;
    return flags;
  }
  let mask = 0;
  for (let i = 0; i < n; i++) if (inputs[i]!.requiresGrad) mask |= 1 << i;
  const byMask = (needsGradTable[n] ??= []);
  return (byMask[mask] ??= Object.freeze(Array.from({ length: n }, (_, i) => (mask & (1 << i)) !== 0)));
}

/** `needsGrad` of an op that records nothing, per number of inputs: all false, shared. */
const noGradFlags: (readonly boolean[])[] = [];

/** All false, for `n` inputs (shared, frozen). @internal */
export function noGradFlagsOf(n: number): readonly boolean[] {
  return (noGradFlags[n] ??= Object.freeze(new Array<boolean>(n).fill(false)));
}

/** Arrays of one dtype repeated, by dtype then length: the `inputDtypes` of most ops. */
const sameDtypes: Partial<Record<DType, (readonly DType[])[]>> = {};

/** The inputs' dtypes; a shared frozen array when they all have one dtype (most ops), else a new one. @internal */
export function dtypesOf(inputs: readonly Tensor[]): readonly DType[] {
  const n = inputs.length;
  if (n === 0) return noDtypes;
  const first = inputs[0]!.dtype;
  let same = true;
  for (let i = 1; i < n; i++) if (inputs[i]!.dtype !== first) same = false;
  if (!same) {
    const dtypes = new Array<DType>(n);
    for (let i = 0; i < n; i++) dtypes[i] = inputs[i]!.dtype;
    return dtypes;
  }
  const byLength = (sameDtypes[first] ??= []);
  return (byLength[n] ??= Object.freeze(new Array<DType>(n).fill(first)));
}
const noDtypes: readonly DType[] = Object.freeze([]);

/** The last `inputShapes` array made for each op (by its spec): a training step asks for the same ones every time. */
const lastShapes = new WeakMap<object, readonly (readonly number[])[]>();

/**
 * The inputs' shapes, for an op's `ctx.inputShapes`: the array made last for `op` when the shapes are
 * the same (it is frozen, and shapes never change), else a new one. @internal
 */
export function shapesOf(op: object, inputs: readonly Tensor[]): readonly (readonly number[])[] {
  const last = lastShapes.get(op);
  if (last !== undefined && sameShapes(last, inputs)) return last;
  const shapes = new Array<readonly number[]>(inputs.length);
  for (let i = 0; i < inputs.length; i++) shapes[i] = inputs[i]!.shape;
  Object.freeze(shapes);
  lastShapes.set(op, shapes);
  return shapes;
}

/** Whether `shapes` are the shapes of `inputs`, dim by dim. */
function sameShapes(shapes: readonly (readonly number[])[], inputs: readonly Tensor[]): boolean {
  if (shapes.length !== inputs.length) return false;
  for (let i = 0; i < inputs.length; i++) {
    const a = shapes[i]!, b = inputs[i]!.shape;
    if (a === b) continue;
    if (a.length !== b.length) return false;
    for (let d = 0; d < a.length; d++) if (a[d] !== b[d]) return false;
  }
  return true;
}

/**
 * The context of an op that records nothing: valid for the forward call it is given to, then
 * cleared and handed to the next such op (they nest: an op's forward may apply ops of its own, each
 * taking the next context). Saves nothing. @internal
 */
export class PlainContext implements OpContext<unknown, readonly unknown[]> {
  attrs: unknown = undefined;
  needsGrad: readonly boolean[] = noGradFlagsOf(0);
  private op = '';
  private spec: object = noSpec;
  private inputs: readonly Tensor[] | null = null;
  /** Fills this context for one forward call of the op `spec`. */
  open(spec: { readonly name: string }, attrs: unknown, inputs: readonly Tensor[]): void {
    this.op = spec.name;
    this.spec = spec;
    this.attrs = attrs;
    this.inputs = inputs;
    this.needsGrad = noGradFlagsOf(inputs.length);
  }
  /** Drops what the call held, so that nothing stays reachable from here. */
  close(): void {
    this.attrs = undefined;
    this.spec = noSpec;
    this.inputs = null;
  }
  save(): void {}
  /** Nothing is recorded, so no backward will read what the call lends: it may be taken back at once. */
  readonly freed = true;
  get saved(): readonly unknown[] {
    throw new GraphError(`${this.op}: ctx.saved is read in backward, and nothing is recorded here (got a read in a forward that records no node)`);
  }
  get inputShapes(): readonly (readonly number[])[] {
    return shapesOf(this.spec, this.inputList());
  }
  get inputDtypes(): readonly DType[] {
    return dtypesOf(this.inputList());
  }
  private inputList(): readonly Tensor[] {
    if (this.inputs === null) throw new GraphError(`${this.op}: the context of an op that records nothing is valid during its forward call only (got a read after it)`);
    return this.inputs;
  }
}

const noSpec = {};

/** The contexts by nesting depth. */
const plainContexts: PlainContext[] = [];
let plainDepth = 0;

/** The next free {@link PlainContext}, opened for one forward call; give it back with {@link closePlainContext}. @internal */
export function openPlainContext(spec: { readonly name: string }, attrs: unknown, inputs: readonly Tensor[]): PlainContext {
  const ctx = (plainContexts[plainDepth] ??= new PlainContext());
  plainDepth++;
  ctx.open(spec, attrs, inputs);
  return ctx;
}

/** Closes `ctx`, the innermost context open. @internal */
export function closePlainContext(ctx: PlainContext): void {
  ctx.close();
  plainDepth--;
}

/** Per number of inputs (1 to 4), the list {@link inputList} refills. */
const inputLists: Tensor[][] = [];

/**
 * The tensors `a` to `d` (up to the first one left out) as an op's inputs, without a new array per
 * call: one list per length, refilled by each call. `applyOp` copies it before it runs the op (a
 * node into its own array, which a reused node refills), so it is free again once the op is
 * called. For an op's function that hands its tensors straight to the op (`op(inputList(x, w),
 * attrs)`). @internal
 */
export function inputList(a: Tensor, b?: Tensor, c?: Tensor, d?: Tensor): readonly Tensor[] {
  return inputListOf(d !== undefined ? 4 : c !== undefined ? 3 : b !== undefined ? 2 : 1, a, b, c, d);
}

/**
 * The first `n` (1 to 4) of `a` to `d` as {@link inputList}'s list of length `n`, undefined ones
 * included (the op then says which input is missing). @internal
 */
export function inputListOf(n: number, a: unknown, b: unknown, c: unknown, d: unknown): readonly Tensor[] {
  const list = (inputLists[n] ??= new Array<Tensor>(n));
  list[0] = a as Tensor;
  if (n > 1) list[1] = b as Tensor;
  if (n > 2) list[2] = c as Tensor;
  if (n > 3) list[3] = d as Tensor;
  return list;
}

/** Whether `inputs` is one of {@link inputList}'s lists (to be copied, not kept). @internal */
export function isInputList(inputs: readonly Tensor[]): boolean {
  return inputs === inputLists[inputs.length];
}

