/**
 * What the normalisation ops (batch norm, layer norm) and their layers share: the checks of eps,
 * dtype and the optional per-feature tensors, and the fused forms' handling of the optional
 * weight γ and bias β, passed as inputs `[x, weight?, bias?]` with attributes saying which are there.
 * @module
 * @internal
 */
import {
  DtypeError, ShapeError, Tensor, checkFloatDtype, createNdArray, formatShape, getDefaultDtype, inputList, sameShape,
  type FloatArray, type FloatDType, type NdArray, type OpContext,
} from '@tapegrad/core';

/** Checks that eps is a number >= 0 (not NaN) and returns it. @internal */
export function checkEps(where: string, eps: number): number {
  if (!(eps >= 0)) throw new RangeError(`${where}: eps must be >= 0 (got ${eps})`);
  return eps;
}

/** A normalisation layer's eps (default 1e-5) and dtype (default: core's default dtype), checked. @internal */
export function normLayerOptions(where: string, opts: { eps?: number; dtype?: FloatDType }): { eps: number; dtype: FloatDType } {
  return { eps: checkEps(where, opts.eps ?? 1e-5), dtype: checkFloatDtype(where, opts.dtype ?? getDefaultDtype()) };
}

/** A number as the layers' `toString` shows it, PyTorch-like: `1e-5`, `0.1`. @internal */
export function formatNumber(v: number): string {
  return v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential() : String(v);
}

/**
 * Checks that `t` is null or a tensor of `shape` and `dtype`; `name` is the argument's name.
 * @internal
 */
export function checkOptionalTensor(where: string, name: string, t: Tensor | null, shape: readonly number[], dtype: FloatDType): void {
  if (t === null) return;
  if (!(t instanceof Tensor)) throw new TypeError(`${where}: ${name} must be a Tensor or null (got ${typeof t})`);
  if (!sameShape(t.shape, shape)) throw new ShapeError(`${where}: expected ${name} ${formatShape(shape)} (got ${formatShape(t.shape)})`);
  if (t.dtype !== dtype) throw new DtypeError(`${where}: expected ${name} of the input's dtype ${dtype} (got ${t.dtype})`);
}

/**
 * Checks that `t` is null or a 1-D tensor of `length` elements and `dtype` (as
 * {@link checkOptionalTensor} with shape `[length]`, without making the shape array per call).
 * @internal
 */
export function checkOptionalVector(where: string, name: string, t: Tensor | null, length: number, dtype: FloatDType): void {
  if (t === null) return;
  if (!(t instanceof Tensor) || t.ndim !== 1 || t.shape[0] !== length || t.dtype !== dtype) checkOptionalTensor(where, name, t, [length], dtype);
}

/**
 * Checks that a normalisation layer's input has the layer's dtype, the dtype of `held` (a
 * parameter or buffer; null when the layer holds none, and then any float dtype goes).
 * @internal
 */
export function checkLayerDtype(where: string, x: Tensor, held: Tensor | null): void {
  if (held !== null && x.dtype !== held.dtype) throw new DtypeError(`${where}: expected input of the layer's dtype ${held.dtype} (got ${x.dtype})`);
}

/** The attributes that say which of the optional weight and bias a fused call passes. @internal */
export interface AffineFlags {
  /** Whether the inputs hold a weight γ (after x). */
  readonly hasWeight: boolean;
  /** Whether the inputs hold a bias β (after x and the weight, if any). */
  readonly hasBias: boolean;
}

/** The inputs `[x, weight?, bias?]` of a fused call: only the tensors given. @internal */
export function affineInputs(x: Tensor, weight: Tensor | null, bias: Tensor | null): readonly Tensor[] {
  // core's inputList: no array per call (the tape copies it)
  if (weight !== null) return bias !== null ? inputList(x, weight, bias) : inputList(x, weight);
  return bias !== null ? inputList(x, bias) : inputList(x);
}

/** The values of a [c] ndarray as float64, or `fill` repeated when there is none. @internal */
export function perChannel(nd: NdArray | null | undefined, c: number, fill: number): Float64Array {
  const out = new Float64Array(c);
  if (nd === null || nd === undefined) return out.fill(fill);
  for (let j = 0; j < c; j++) out[j] = nd.data[nd.offset + j]!;
  return out;
}

/**
 * γ and β as float64 (1 and 0 where absent) from the ndarrays after x, `params` = `[weight?, bias?]`.
 * @internal
 */
export function scaleAndShift(flags: AffineFlags, params: readonly NdArray[], c: number): [scale: Float64Array, shift: Float64Array] {
  const weight = flags.hasWeight ? params[0] : null;
  const bias = flags.hasBias ? params[flags.hasWeight ? 1 : 0] : null;
  return [perChannel(weight, c, 1), perChannel(bias, c, 0)];
}

/**
 * An ndarray of `dtype` and `shape` holding `values` (as many as the shape has), in an array that is
 * not zeroed first, since every element is written: a block copy for float64, and element by element
 * for float32 (`set` converting between types, into or out of the kernels' shared memory, is slower
 * than the loop; both round each value alike).
 * @internal
 */
export function ndFrom(values: Float64Array, dtype: FloatDType, shape: readonly number[]): NdArray {
  const nd = createNdArray(dtype, shape, false);
  const out = nd.data as FloatArray;
  if (out instanceof Float64Array) out.set(values);
  else for (let j = 0; j < out.length; j++) out[j] = values[j]!;
  return nd;
}

/**
 * The gradients a fused normalisation returns: dx, then dγ and dβ for the weight and bias it was
 * given (null for those that need none), each in the input's dtype and its parameter's shape.
 * @internal
 */
export function affineGrads(
  ctx: OpContext<AffineFlags, readonly unknown[]>, dx: NdArray | null, dScale: Float64Array, dShift: Float64Array,
): (NdArray | null)[] {
  const dtype = ctx.inputDtypes[0] as FloatDType;
  const grads: (NdArray | null)[] = [dx];
  if (ctx.attrs.hasWeight) grads.push(ctx.needsGrad[1] ? ndFrom(dScale, dtype, ctx.inputShapes[1]!) : null);
  if (ctx.attrs.hasBias) {
    const i = grads.length;
    grads.push(ctx.needsGrad[i] ? ndFrom(dShift, dtype, ctx.inputShapes[i]!) : null);
  }
  return grads;
}
