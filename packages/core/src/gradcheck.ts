/**
 * Gradient checking: cs231n's numerical gradients and relative error, and PyTorch's `gradcheck`.
 * Use float64: float32 finite differences are too coarse to check anything.
 * @module
 */
import { ShapeError } from './errors.js';
import { formatShape } from './text.js';
import { noGrad } from './gradMode.js';
import { createNd } from './kernels/layout.js';
import type { NdArray } from './dtype.js';
import { sameShape, sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

/** Visits every element of `x` (any layout) by its flat data index, in row-major order. */
function forEachElement(x: NdArray, fn: (dataIndex: number, flatIndex: number) => void): void {
  const shape = x.shape;
  const counter = new Array<number>(shape.length).fill(0);
  const size = sizeOf(shape);
  for (let flat = 0; flat < size; flat++) {
    let at = x.offset;
    for (let d = 0; d < shape.length; d++) at += counter[d]! * x.stride[d]!;
    fn(at, flat);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++counter[d]! < shape[d]!) break;
      counter[d] = 0;
    }
  }
}

/** Runs `fn` with element `at` of `x.data` set to its value plus `delta`, then restores it exactly. */
function withNudge<T>(x: Tensor, at: number, delta: number, fn: () => T): T {
  const data = x.data.data;
  const old = data[at]!;
  data[at] = old + delta;
  try {
    return fn();
  } finally {
    data[at] = old;
  }
}

/**
 * The centred-difference gradient of a scalar function at `x`, element by element
 * (cs231n's `eval_numerical_gradient`): `(f(x + h) - f(x - h)) / 2h`. It perturbs `x` in place and
 * restores each element, so `x` can be a live parameter that `f` reads (a model's weight).
 *
 * @param f - the function; it may run forward and backward passes of its own.
 * @param x - the point; a float tensor (use float64).
 * @param opts - `h`, the step (default 1e-5).
 * @returns a tensor of x's shape and dtype.
 * @example
 * ```ts
 * import { tensor, numericalGradient } from '@tapegrad/core';
 * const x = tensor([1, 2], { dtype: 'float64' });
 * const g = numericalGradient((t) => t.mul(t).sum().item(), x);
 * console.log(g.toArray()); // ≈ [2, 4]
 * ```
 * @category Gradient checking
 */
export function numericalGradient(f: (x: Tensor) => number, x: Tensor, opts: { h?: number } = {}): Tensor {
  const h = opts.h ?? 1e-5;
  const grad = createNd(x.dtype, x.shape);
  forEachElement(x.data, (at, i) => {
    const plus = withNudge(x, at, h, () => f(x));
    const minus = withNudge(x, at, -h, () => f(x));
    grad.data[i] = (plus - minus) / (2 * h);
  });
  return new Tensor(grad);
}

/**
 * The centred-difference gradient of `sum(f(x) * dout)` with respect to `x`
 * (cs231n's `eval_numerical_gradient_array`): how a layer's input gradient is checked given an
 * upstream gradient `dout`. Perturbs `x` in place and restores it.
 *
 * @param f - the function; its output has dout's shape.
 * @param x - the point (use float64).
 * @param dout - the upstream gradient.
 * @param opts - `h`, the step (default 1e-5).
 * @throws {@link ShapeError} when f's output and dout differ in shape.
 * @example
 * ```ts
 * import { tensor, numericalGradientArray } from '@tapegrad/core';
 * const x = tensor([1, 2], { dtype: 'float64' });
 * const dout = tensor([1, -1], { dtype: 'float64' });
 * console.log(numericalGradientArray((t) => t.mul(3), x, dout).toArray()); // ≈ [3, -3]
 * ```
 * @category Gradient checking
 */
export function numericalGradientArray(f: (x: Tensor) => Tensor, x: Tensor, dout: Tensor, opts: { h?: number } = {}): Tensor {
  const h = opts.h ?? 1e-5;
  const weights = dout.toFloat64Array();
  const grad = createNd(x.dtype, x.shape);
  const evaluate = (): Float64Array => {
    const y = noGrad(() => f(x));
    if (!sameShape(y.shape, dout.shape)) {
      throw new ShapeError(`numericalGradientArray: f(x) must have dout's shape ${formatShape(dout.shape)} (got ${formatShape(y.shape)})`);
    }
    return y.toFloat64Array();
  };
  forEachElement(x.data, (at, i) => {
    const plus = withNudge(x, at, h, evaluate);
    const minus = withNudge(x, at, -h, evaluate);
    let s = 0;
    for (let k = 0; k < weights.length; k++) s += (plus[k]! - minus[k]!) * weights[k]!;
    grad.data[i] = s / (2 * h);
  });
  return new Tensor(grad);
}

function valuesOf(op: string, v: Tensor | readonly number[] | number, name: string): { values: Float64Array; shape: readonly number[] } {
  if (v instanceof Tensor) return { values: v.toFloat64Array(), shape: v.shape };
  if (typeof v === 'number') return { values: Float64Array.of(v), shape: [] };
  if (Array.isArray(v)) return { values: Float64Array.from(v as number[]), shape: [v.length] };
  throw new TypeError(`${op}: ${name} must be a Tensor, an array of numbers or a number (got ${typeof v})`);
}

/**
 * cs231n's relative error: `max |a - b| / max(1e-8, |a| + |b|)` over the elements. About 1e-7 or
 * less means two float64 gradients agree.
 *
 * @throws {@link ShapeError} when a and b differ in shape.
 * @example
 * ```ts
 * import { tensor, relError } from '@tapegrad/core';
 * console.log(relError(tensor([1, 2]), [1, 2.000002])); // ≈ 5e-7
 * ```
 * @category Gradient checking
 */
export function relError(a: Tensor | readonly number[] | number, b: Tensor | readonly number[] | number): number {
  const A = valuesOf('relError', a, 'a');
  const B = valuesOf('relError', b, 'b');
  if (A.values.length !== B.values.length || (a instanceof Tensor && b instanceof Tensor && !sameShape(A.shape, B.shape))) {
    throw new ShapeError(`relError: a and b must have the same shape (got ${formatShape(A.shape)} and ${formatShape(B.shape)})`);
  }
  let worst = 0;
  for (let i = 0; i < A.values.length; i++) {
    const x = A.values[i]!, y = B.values[i]!;
    const e = Math.abs(x - y) / Math.max(1e-8, Math.abs(x) + Math.abs(y));
    if (!(e <= worst)) worst = e;
  }
  return worst;
}

/**
 * Options of {@link gradcheck}; the defaults are PyTorch's.
 * @category Gradient checking
 */
export interface GradcheckOptions {
  /** The finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
}

/**
 * What {@link gradcheck} found, per input that requires grad.
 * @category Gradient checking
 */
export interface GradcheckReport {
  /** Whether every Jacobian entry passed `|analytical - numerical| <= atol + rtol·|numerical|`. */
  ok: boolean;
  /** One entry per input that requires grad: its position, and its worst absolute and relative (cs231n) errors. */
  inputs: { index: number; maxAbsError: number; maxRelError: number }[];
}

/**
 * PyTorch's `gradcheck`: compares the Jacobian that backward computes (one backward per output
 * element) with centred finite differences, for every input that requires grad. The inputs are not
 * modified (their data is perturbed and restored) and their `.grad` is left alone.
 *
 * @param fn - the function under test.
 * @param inputs - its inputs; those with `requiresGrad` are checked (use float64).
 * @param opts - `eps` (1e-6), `atol` (1e-5), `rtol` (1e-3).
 * @example
 * ```ts
 * import { gradcheck, randn } from '@tapegrad/core';
 * const x = randn([3, 4], { dtype: 'float64', requiresGrad: true });
 * console.log(gradcheck((t) => t.exp().sum(1), [x]).ok); // true
 * ```
 * @category Gradient checking
 */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): GradcheckReport {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  const leaves = inputs.map((x) => (x.requiresGrad ? new Tensor(x.data, { requiresGrad: true }) : x));
  const output = fn(...leaves);
  const outSize = output.size;
  const report: GradcheckReport = { ok: true, inputs: [] };
  const analytical = leaves.map((x) => (x.requiresGrad ? new Float64Array(outSize * x.size) : null));
  if (output.requiresGrad) {
    for (let j = 0; j < outSize; j++) {
      const seed = createNd(output.dtype, output.shape);
      seed.data[j] = 1;
      leaves.forEach((x) => (x.grad = null));
      output.backward(new Tensor(seed), { retainGraph: true });
      leaves.forEach((x, i) => {
        const row = analytical[i];
        if (row && x.grad) row.set(x.grad.toFloat64Array(), j * x.size);
      });
    }
  }
  const evaluate = (): Float64Array => noGrad(() => fn(...leaves)).toFloat64Array();
  leaves.forEach((x, i) => {
    const jac = analytical[i];
    if (!jac) return;
    let maxAbsError = 0;
    let maxRelError = 0;
    forEachElement(x.data, (at, k) => {
      const plus = withNudge(x, at, eps, evaluate);
      const minus = withNudge(x, at, -eps, evaluate);
      for (let j = 0; j < outSize; j++) {
        const numerical = (plus[j]! - minus[j]!) / (2 * eps);
        const exact = jac[j * x.size + k]!;
        const err = Math.abs(exact - numerical);
        if (!(err <= atol + rtol * Math.abs(numerical))) report.ok = false;
        maxAbsError = Math.max(maxAbsError, err);
        maxRelError = Math.max(maxRelError, err / Math.max(1e-8, Math.abs(exact) + Math.abs(numerical)));
      }
    });
    report.inputs.push({ index: i, maxAbsError, maxRelError });
  });
  return report;
}

