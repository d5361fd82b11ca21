/**
 * Cross-entropy of logits against class indices, through a stable log-softmax.
 * @module
 */
import { DtypeError, ShapeError, Tensor, checkFloatTensor, formatShape, releaseWithGraph } from '@tapegrad/core';

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

/**
 * Cross-entropy between logits and class indices (PyTorch's `F.cross_entropy`), through core's
 * stable `logSoftmax`, so logits near 1e4 or spread over 1e3 give exact results. The gradient is
 * derived by the tape: dlogits = (softmax(logits) − onehot(target)) / N for the mean.
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
export function crossEntropy(logits: Tensor, target: Tensor | readonly number[], opts: CrossEntropyOptions = {}): Tensor {
  const reduction = opts.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new TypeError(`crossEntropy: reduction must be 'mean', 'sum' or 'none' (got ${String(reduction)})`);
  }
  checkFloatTensor('crossEntropy', logits, 'logits');
  if (logits.ndim !== 2) throw new ShapeError(`crossEntropy: expected logits [N, C] (got ${formatShape(logits.shape)})`);
  const [n, c] = logits.shape as [number, number];
  if (n === 0 && reduction === 'mean') {
    throw new ShapeError(`crossEntropy: expected logits [N, C] with N >= 1 for the mean over the batch (got ${formatShape(logits.shape)})`);
  }
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
