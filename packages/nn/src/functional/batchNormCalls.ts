/**
 * The per-call state of the fused batch norms ({@link batchNormFused}, {@link batchNorm2dFused}):
 * their attributes and seven float64 vectors of C (the statistics, 1/σ, γ and β as float64, the
 * backward's Σdy and Σdy·x̂), reused from call to call instead of allocated for each.
 *
 * A call's state is lent to its tape node: backward reads the mean, 1/σ and γ that forward left in
 * it. It comes back when that node's graph is freed (a backward without `retainGraph` went through
 * it), or at once when the call recorded nothing (no input requires grad, or under `noGrad`). A graph
 * that is kept alive, or backward twice with `retainGraph`, keeps its call's state; the next call
 * takes another. So each channel count has a ring of states, and a call takes the first free one:
 * in a training loop, the states of the layers of one step. A state that is lent to a graph which is
 * then dropped without backward is never seen free again; when the ring is full, a new state takes
 * the place of the oldest one (which its holder, if any, keeps), so a ring never holds more than
 * {@link RING} states and never keeps a dropped graph's state alive on its own.
 *
 * The vectors of a ring's states live in the active kernels' memory when they have one (the
 * WebAssembly kernels then use them in place instead of copying them in and out for each call);
 * those of a state made when its ring was full, in a plain array.
 * @module
 * @internal
 */
import { getKernels, type FloatDType, type NdArray, type Tensor } from '@tapegrad/core';
import { CallState } from './callState.js';
import { ndFrom, type AffineFlags } from './normalization.js';

/** States per channel count. */
const RING = 16;
/** Channel counts whose rings are kept (the oldest is dropped past this). */
const SIZES = 32;

/** One fused batch-norm call's attributes and per-channel vectors (length C, float64). @internal */
export class BatchNormCall extends CallState implements AffineFlags {
  /** Normalise with the batch's statistics (true) or with `mean` and `variance` as constants (false). */
  training = true;
  eps = 1e-5;
  hasWeight = false;
  hasBias = false;
  /** Training: where forward writes the batch mean; evaluation: the running mean it uses. */
  readonly mean: Float64Array;
  /** Training: where forward writes the biased batch variance; evaluation: the running variance. */
  readonly variance: Float64Array;
  /** 1/√(variance + eps), from forward. */
  readonly invStd: Float64Array;
  /** γ as float64 (1 without a weight), from forward: backward uses the values forward did. */
  readonly scale: Float64Array;
  /** β as float64 (0 without a bias), forward's. */
  readonly shift: Float64Array;
  /** Σdy, backward's. */
  readonly sumDy: Float64Array;
  /** Σdy·x̂, backward's. */
  readonly sumDyXHat: Float64Array;
  /** The shape of γ, β and their gradients: [C]. */
  readonly vectorShape: readonly number[];
  /** The gradients backward returns, refilled by each backward through this call (one per input). */
  private grads: (NdArray | null)[] = [];

  /**
   * @param channels - C.
   * @param inKernelMemory - whether the vectors go in the active kernels' memory (else plain arrays).
   */
  constructor(readonly channels: number, inKernelMemory: boolean) {
    super();
    const c = channels;
    this.vectorShape = [c];
    // one block of the kernels' memory each, as `allocate` makes it: the kernel calls find such a
    // view in place at once (a part of a larger block they recognise only by its buffer, more slowly);
    // each block is freed once its view (held here) is collected
    const vector = inKernelMemory ? () => getKernels().allocate('float64', c) as Float64Array : () => new Float64Array(c);
    [this.mean, this.variance, this.invStd, this.scale, this.shift, this.sumDy, this.sumDyXHat] = [
      vector(), vector(), vector(), vector(), vector(), vector(), vector(),
    ];
  }

  /** Takes this state for a call. */
  claim(training: boolean, eps: number, hasWeight: boolean, hasBias: boolean): this {
    this.lend();
    this.training = training;
    this.eps = eps;
    this.hasWeight = hasWeight;
    this.hasBias = hasBias;
    return this;
  }

  /**
   * Fills `scale` and `shift` from the (up to two) ndarrays after x (weight then bias, each only
   * when the flags say it was given), 1 and 0 where absent. (Two arguments, not a list: forward
   * would make one per call.)
   */
  fillScaleAndShift(first: NdArray | undefined, second: NdArray | undefined): void {
    const c = this.channels;
    const weight = this.hasWeight ? first! : null, bias = this.hasBias ? (this.hasWeight ? second : first)! : null;
    if (weight === null) this.scale.fill(1);
    else copyValues(weight, c, this.scale);
    if (bias === null) this.shift.fill(0);
    else copyValues(bias, c, this.shift);
  }

  /**
   * The gradients backward returns: `dx`, then dγ = Σdy·x̂ and dβ = Σdy (from `sumDyXHat` and
   * `sumDy`, in `dtype`) for the weight and bias the call was given, null for those that need none
   * (`needsGrad`, per input). In one list, refilled by each backward through this call.
   */
  gradients(needsGrad: readonly boolean[], dtype: FloatDType, dx: NdArray | null): (NdArray | null)[] {
    const inputs = 1 + (this.hasWeight ? 1 : 0) + (this.hasBias ? 1 : 0);
    // a list of that length, kept (emptying one with `length = 0` would drop its storage)
    if (this.grads.length !== inputs) this.grads = new Array<NdArray | null>(inputs).fill(null);
    const grads = this.grads;
    grads[0] = dx;
    if (this.hasWeight) grads[1] = needsGrad[1] ? ndFrom(this.sumDyXHat, dtype, this.vectorShape) : null;
    if (this.hasBias) grads[inputs - 1] = needsGrad[inputs - 1] ? ndFrom(this.sumDy, dtype, this.vectorShape) : null;
    return grads;
  }

  /** Copies the running statistics in (evaluation: forward normalises with them). */
  useRunningStats(runningMean: Tensor, runningVar: Tensor): void {
    copyVector(runningMean, this.mean);
    copyVector(runningVar, this.variance);
  }
}

/**
 * The `c` contiguous values of `nd` from its offset into `into`, as float64: one `set` (a block
 * copy) when they are a whole float64 array, as a float64 parameter's are, else element by element
 * (`set` converting from float32 into the kernels' shared memory is slower than the loop). Nothing
 * is allocated either way.
 */
function copyValues(nd: NdArray, c: number, into: Float64Array): void {
  const data = nd.data, offset = nd.offset;
  if (offset === 0 && data.length === c && data instanceof Float64Array) into.set(data);
  else for (let j = 0; j < c; j++) into[j] = data[offset + j]!;
}

/** A [C] tensor's values into `into`, as float64. */
function copyVector(t: Tensor, into: Float64Array): void {
  if (!t.isContiguous()) {
    into.set(t.toFloat64Array());
    return;
  }
  const nd = t.data;
  for (let j = 0; j < into.length; j++) into[j] = nd.data[nd.offset + j]!;
}

/** Each channel count's states, and where the next new one goes when the ring is full. */
const rings = new Map<number, { states: BatchNormCall[]; next: number }>();

/**
 * A free state for a call on `c` channels, taken: the first free one of the ring for `c`, or a new
 * one (which takes the oldest one's place when the ring is full). @internal
 */
export function takeBatchNormCall(c: number, training: boolean, eps: number, hasWeight: boolean, hasBias: boolean): BatchNormCall {
  let ring = rings.get(c);
  if (ring === undefined) {
    if (rings.size >= SIZES) rings.delete(rings.keys().next().value!);
    rings.set(c, (ring = { states: [], next: 0 }));
  }
  const states = ring.states;
  for (let i = 0; i < states.length; i++) {
    const state = states[i]!;
    if (state.free) return state.claim(training, eps, hasWeight, hasBias);
  }
  // the ring's first states live in the kernels' memory; one made when the ring is full does not: the
  // state it replaces may be held by a dropped graph, and a block of the kernels' memory comes back
  // only once the collector found its view and the event loop turned, which a loop that keeps making
  // such graphs may not let happen (its plain arrays are collected as any garbage is)
  const state = new BatchNormCall(c, states.length < RING);
  if (states.length < RING) states.push(state);
  else {
    states[ring.next] = state;
    ring.next = (ring.next + 1) % RING;
  }
  return state.claim(training, eps, hasWeight, hasBias);
}

/** How many states the ring for `c` channels holds (for tests). @internal */
export function batchNormCallCount(c: number): number {
  return rings.get(c)?.states.length ?? 0;
}
