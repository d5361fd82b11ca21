/**
 * Cross-entropy of logits against class indices, through a stable log-softmax, in its two forms:
 * composed from core ops (the tape derives the gradient) and fused (one tape node with a
 * handwritten backward that computes what the composed form's nodes compute, bit for bit).
 * @module
 */
import {
  DtypeError, ShapeError, Tensor, checkFloatTensor, createNdArray, defineOpWithAttrs, fdlibmExp, formatShape, inputList, logSoftmaxShift,
  releaseWithGraph, type NdArray,
} from '@tapegrad/core';
import { CallRing, CallState } from './callState.js';

/** Options of {@link crossEntropy} and {@link CrossEntropyLoss}. @category Losses */
export interface CrossEntropyOptions {
  /** `'mean'` over the batch (default), `'sum'`, or `'none'` for the `[N]` per-sample losses. */
  reduction?: 'mean' | 'sum' | 'none';
}


/**
 * The flat indices, refilled by each call: `index` copies them (it keeps its own), so one array
 * serves every call with the same batch size instead of a new one each.
 */
let scratch = new Int32Array(0);

/**
 * Checks the labels against logits `[n, c]` and returns the flat indices `i·c + target[i]`, in an
 * array the next call refills (pass it on at once).
 */
function flatTargetIndices(op: string, target: Tensor | readonly number[], n: number, c: number): Int32Array {
  let labels: ArrayLike<number>, from = 0, step = 1;
  if (target instanceof Tensor) {
    if (target.dtype !== 'int32' && target.dtype !== 'uint8') {
      throw new DtypeError(`${op}: target must be an int32 tensor of class indices (got ${target.dtype})`);
    }
    if (target.ndim !== 1 || target.shape[0] !== n) throw new ShapeError(`${op}: expected target [${n}] (got ${formatShape(target.shape)})`);
    // read in place, through its stride
    const nd = target.data;
    labels = nd.data;
    from = nd.offset;
    step = nd.stride[0]!;
  } else if (Array.isArray(target)) {
    if (target.length !== n) throw new ShapeError(`${op}: expected target [${n}] (got ${target.length} labels)`);
    labels = target;
  } else {
    throw new TypeError(`${op}: target must be an int32 tensor or an array of class indices (got ${target === null ? 'null' : typeof target})`);
  }
  if (scratch.length !== n) scratch = new Int32Array(n);
  const flat = scratch;
  for (let i = 0; i < n; i++) {
    const label = labels[from + i * step]!;
    if (!Number.isInteger(label) || label < 0 || label >= c) {
      throw new RangeError(`${op}: target[${i}] must be a class index in [0, ${c}) (got ${label})`);
    }
    flat[i] = i * c + label;
  }
  return flat;
}

/** The options of a call that gives none: one object for every such call (a `{}` default is a new object per call). */
const NO_OPTIONS: CrossEntropyOptions = Object.freeze({});

/** The reduction of `opts`, after the checks both forms make of their arguments (the labels are checked apart); errors name `op`. */
function checkArguments(op: string, logits: Tensor, opts: CrossEntropyOptions): 'mean' | 'sum' | 'none' {
  const reduction = opts.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new TypeError(`${op}: reduction must be 'mean', 'sum' or 'none' (got ${String(reduction)})`);
  }
  checkFloatTensor(op, logits, 'logits');
  if (logits.ndim !== 2) throw new ShapeError(`${op}: expected logits [N, C] (got ${formatShape(logits.shape)})`);
  if (logits.shape[0] === 0 && reduction === 'mean') {
    throw new ShapeError(`${op}: expected logits [N, C] with N >= 1 for the mean over the batch (got ${formatShape(logits.shape)})`);
  }
  return reduction;
}

/**
 * Cross-entropy composed from core ops: `logSoftmax`, a gather of each row's target by `index`,
 * `neg`, then `mean` or `sum`; the tape derives the gradient. Same signature and result as
 * {@link crossEntropyFused} (and {@link crossEntropy}, which is the fused form).
 *
 * @param logits - `[N, C]`, float32 or float64.
 * @param target - `[N]` class indices in [0, C): an int32 tensor or a number[].
 * @param opts - `reduction`: `'mean'` (default), `'sum'` or `'none'` (`[N]`).
 * @returns a scalar (`'mean'`, `'sum'`) or `[N]` (`'none'`), in logits' dtype.
 * @throws as {@link crossEntropy}.
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { crossEntropyComposed } from '@tapegrad/nn';
 * const loss = crossEntropyComposed(tensor([[2, 0, 0], [0, 0, 0]], { dtype: 'float64', requiresGrad: true }), [0, 2]);
 * console.log(String(loss.gradFn)); // '<MeanBackward>'
 * ```
 * @category Functional
 */
export function crossEntropyComposed(logits: Tensor, target: Tensor | readonly number[], opts: CrossEntropyOptions = NO_OPTIONS): Tensor {
  const reduction = checkArguments('crossEntropy', logits, opts);
  const [n, c] = logits.shape as [number, number];
  const flat = flatTargetIndices('crossEntropy', target, n, c);
  // the steps between the logits and the result are held by the graph alone: their arrays go back
  // to core's pool once backward frees it (the reshape is a view of the log-softmax's array)
  const logp = releaseWithGraph(logits.logSoftmax(1));
  const picked = releaseWithGraph(releaseWithGraph(logp.reshape([n * c])).index(flat));
  const losses = picked.neg();
  if (reduction === 'none') return losses;
  releaseWithGraph(losses);
  return reduction === 'sum' ? losses.sum() : losses.mean();
}

/**
 * What a fused call keeps for its backward, its attributes: the reduction, and per row of the logits
 * the log-softmax's shift m + log Σ exp(x − m) (the first N values) and the target class (the next
 * N). Reused from call to call (see {@link CallRing}): a new typed array per call cost more than the
 * rest of the call's JavaScript.
 */
class CrossEntropyCall extends CallState {
  reduction: 'mean' | 'sum' | 'none' = 'mean';
  rows = new Float64Array(0);

  /** Takes this state for a call on `n` rows. */
  claim(n: number, reduction: 'mean' | 'sum' | 'none'): this {
    this.lend();
    if (this.rows.length < 2 * n) this.rows = new Float64Array(2 * n);
    this.reduction = reduction;
    return this;
  }
}

/** The calls' states (8: past that, the oldest is dropped from the ring; its node, if any, keeps it). */
const calls = new CallRing(8, () => new CrossEntropyCall());

/** The shapes of the fused form's output: a scalar, or `[N]` (the view copies it). */
const SCALAR: readonly number[] = [];
const perRowShape = [0];

/**
 * Cross-entropy as one node. Forward: per row, the log-softmax's shift, and the target's
 * log-probability x_t − shift in the logits' dtype; the loss is the negated ones, summed in float64
 * and rounded, then scaled by 1/N (mean), as core's `sum` and `mean` do. Backward: with a = −(the
 * row's upstream gradient, divided by N for the mean, in the dtype), dx_ij = [j = t]·a − exp(lp_ij)·a,
 * lp_ij = x_ij − shift rounded to the dtype: the composed form's log-softmax backward of the
 * gradient its index and neg nodes pass it, so the two forms give the same bits.
 */
const crossEntropyOp = defineOpWithAttrs<CrossEntropyCall>({
  name: 'crossEntropyFused',
  forward(ctx, x) {
    const { reduction, rows } = ctx.attrs;
    const n = x.shape[0]!, c = x.shape[1]!;
    const f32 = x.dtype === 'float32';
    const src = x.data, base = x.offset;
    let shape = SCALAR;
    if (reduction === 'none') {
      perRowShape[0] = n;
      shape = perRowShape;
    }
    const out = createNdArray(x.dtype as 'float32' | 'float64', shape, false); // every element written below
    let total = 0;
    for (let i = 0; i < n; i++) {
      const s = base + i * c;
      const shift = logSoftmaxShift(src, s, 1, c); // core's log-softmax's, so x − shift is its output bit for bit
      rows[i] = shift;
      let lp = src[s + rows[n + i]!]! - shift;
      if (f32) lp = Math.fround(lp);
      if (reduction === 'none') out.data[i] = -lp;
      else total += -lp;
    }
    if (reduction !== 'none') {
      if (f32) total = Math.fround(total);
      out.data[0] = reduction === 'mean' ? total * (1 / n) : total;
    }
    ctx.attrs.saved = x; // (for backward, as ctx.save would: see CallState.saved)
    return out;
  },
  backward(ctx, dy) {
    const x = ctx.attrs.saved!;
    const { reduction, rows } = ctx.attrs;
    ctx.attrs.heldUntilFreed(ctx);
    const n = x.shape[0]!, c = x.shape[1]!;
    const f32 = x.dtype === 'float32';
    const dx = createNdArray(x.dtype as 'float32' | 'float64', x.shape, false); // every element written below
    const src = x.data, base = x.offset, out = dx.data, g = dy.data;
    let a = 0;
    if (reduction === 'mean') a = -(f32 ? Math.fround(g[dy.offset]! * (1 / n)) : g[dy.offset]! * (1 / n));
    else if (reduction === 'sum') a = -g[dy.offset]!;
    for (let i = 0; i < n; i++) {
      if (reduction === 'none') a = -g[dy.offset + i]!;
      // the gradient the composed form's index node scatters (0 + a) is also its row's sum
      const at = 0 + a, shift = rows[i]!, t = rows[n + i]!, s = base + i * c, d = i * c;
      for (let j = 0; j < c; j++) {
        let lp = src[s + j]! - shift;
        if (f32) lp = Math.fround(lp);
        out[d + j] = (j === t ? at : 0) - fdlibmExp(lp) * at;
      }
    }
    crossEntropyGrads[0] = dx;
    return crossEntropyGrads;
  },
});

/** The list crossEntropyOp's backward returns, refilled per call: the tape reads one before any other backward runs and keeps none. */
const crossEntropyGrads: (NdArray | null)[] = [null];

/**
 * Cross-entropy as one tape node with a handwritten backward; the same signature and the same
 * values (output and gradient, bit for bit) as {@link crossEntropyComposed}, which records five.
 * {@link crossEntropy} is this form.
 *
 * @param logits - `[N, C]`, float32 or float64.
 * @param target - `[N]` class indices in [0, C): an int32 tensor or a number[].
 * @param opts - `reduction`: `'mean'` (default), `'sum'` or `'none'` (`[N]`).
 * @returns a scalar (`'mean'`, `'sum'`) or `[N]` (`'none'`), in logits' dtype, recorded as one node
 *   named `crossEntropyFused`.
 * @throws as {@link crossEntropy}.
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { crossEntropyFused } from '@tapegrad/nn';
 * const logits = tensor([[2, 0, 0], [0, 0, 0]], { dtype: 'float64', requiresGrad: true });
 * const loss = crossEntropyFused(logits, [0, 2]);
 * console.log(String(loss.gradFn)); // '<CrossEntropyFusedBackward>'
 * loss.backward();
 * console.log(logits.grad!.toFloat64Array()[0]! < 0); // true: softmax − onehot at the target
 * ```
 * @category Functional
 */
export function crossEntropyFused(logits: Tensor, target: Tensor | readonly number[], opts: CrossEntropyOptions = NO_OPTIONS): Tensor {
  const reduction = checkArguments('crossEntropy', logits, opts);
  const n = logits.shape[0]!, c = logits.shape[1]!;
  const flat = flatTargetIndices('crossEntropy', target, n, c);
  const call = calls.take().claim(n, reduction);
  const rows = call.rows;
  for (let i = 0; i < n; i++) rows[n + i] = flat[i]! - i * c;
  let loss: Tensor | null = null;
  try {
    loss = crossEntropyOp(inputList(logits), call);
    return loss;
  } finally {
    call.settle(loss);
  }
}

/**
 * Cross-entropy between logits and class indices (PyTorch's `F.cross_entropy`), through a stable
 * log-softmax (core's exp and log), so logits near 1e4 or spread over 1e3 give exact results. One
 * tape node ({@link crossEntropyFused}); its gradient is dlogits = (softmax(logits) − onehot(target)) / N
 * for the mean, computed as {@link crossEntropyComposed}'s tape derives it.
 *
 * lossᵢ = logΣⱼ exp(logitsᵢⱼ) − logitsᵢ,targetᵢ;  loss = (1/N) Σᵢ lossᵢ ('mean')
 *
 * @param logits - `[N, C]`, float32 or float64.
 * @param target - `[N]` class indices in [0, C): an int32 tensor or a number[].
 * @param opts - `reduction`: `'mean'` (default), `'sum'` or `'none'` (`[N]`).
 * @returns a scalar (`'mean'`, `'sum'`) or `[N]` (`'none'`), in logits' dtype.
 * @throws {@link @tapegrad/core!ShapeError | ShapeError} when logits are not 2-D, target's length is not N, or the batch is
 *   empty (N = 0) with the `'mean'` reduction, whose value would be 0/0;
 *   {@link @tapegrad/core!DtypeError | DtypeError} for a floating target tensor; RangeError for a label that is not an integer
 *   in [0, C) (`crossEntropy: target[3] must be a class index in [0, 10) (got 12)`).
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { crossEntropy } from '@tapegrad/nn';
 * const logits = tensor([[2, 0, 0], [0, 0, 0]], { dtype: 'float64', requiresGrad: true });
 * const loss = crossEntropy(logits, [0, 2]);
 * console.log(loss.item()); // ≈ 0.6691 = (0.2395 + 1.0986) / 2
 * loss.backward();
 * console.log(logits.grad?.shape); // [2, 3]
 * ```
 * @category Losses
 */
export function crossEntropy(logits: Tensor, target: Tensor | readonly number[], opts: CrossEntropyOptions = NO_OPTIONS): Tensor {
  return crossEntropyFused(logits, target, opts);
}
