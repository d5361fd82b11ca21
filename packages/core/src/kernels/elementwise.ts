/**
 * Elementwise kernels on strided ndarrays: binary ops with numpy broadcasting (by zero strides) and
 * unary maps. Each op has its own inner loop, so the loops stay simple for the JIT.
 * @module
 * @internal
 */
import { dtypeOf, broadcastView, createNd, isContiguous } from './layout.js';
import { coalesce, forEachRow } from './strided.js';
import type { NdArray, TypedArray } from '../dtype.js';
import { sameShape, sizeOf } from '../shape.js';

/**
 * Whether `x` lies in its array as `out` does in its own: same shape, both row-major without gaps.
 * Then element i of one is element i of the other from their offsets, and an elementwise op is one
 * flat loop, without the broadcast views and iteration plan (arrays and closures) of the general path.
 */
function sameLayout(out: NdArray, x: NdArray): boolean {
  return sameShape(x.shape, out.shape) && isContiguous(x) && isContiguous(out);
}

/** Binary elementwise operations. */
export type BinaryCode =
  | 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum' | 'pow'
  /** dy * (x > 0): ReLU's backward, with dy first. */
  | 'reluGrad'
  /** dy * sign(x): abs's backward. */
  | 'signGrad'
  /** the share of the gradient that maximum(a, b) sends to a: 1 where a > b, 0.5 where a == b, else 0. */
  | 'maxShare';

/** Unary elementwise operations; `scale`, `addScalar` and `powScalar` use the scalar argument. */
export type UnaryCode = 'copy' | 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'relu' | 'scale' | 'addScalar' | 'powScalar';

type Loop = (o: TypedArray, oi: number, so: number, a: TypedArray, ai: number, sa: number, b: TypedArray, bi: number, sb: number, n: number) => void;

const binaryLoops: Record<BinaryCode, Loop> = {
  add(o, oi, so, a, ai, sa, b, bi, sb, n) { for (let i = 0; i < n; i++, oi += so, ai += sa, bi += sb) o[oi] = a[ai]! + b[bi]!; },
  sub(o, oi, so, a, ai, sa, b, bi, sb, n) { for (let i = 0; i < n; i++, oi += so, ai += sa, bi += sb) o[oi] = a[ai]! - b[bi]!; },
  mul(o, oi, so, a, ai, sa, b, bi, sb, n) { for (let i = 0; i < n; i++, oi += so, ai += sa, bi += sb) o[oi] = a[ai]! * b[bi]!; },
  div(o, oi, so, a, ai, sa, b, bi, sb, n) { for (let i = 0; i < n; i++, oi += so, ai += sa, bi += sb) o[oi] = a[ai]! / b[bi]!; },
  maximum(o, oi, so, a, ai, sa, b, bi, sb, n) {
    for (let i = 0; i < n; i++, oi += so, ai += sa, bi += sb) { const x = a[ai]!, y = b[bi]!; o[oi] = x > y || x !== x ? x : y; }
  },
  minimum(o, oi, so, a, ai, sa, b, bi, sb, n) {
    for (let i = 0; i < n; i++, oi += so, ai += sa, bi += sb) { const x = a[ai]!, y = b[bi]!; o[oi] = x < y || x !== x ? x : y; }
  },
  pow(o, oi, so, a, ai, sa, b, bi, sb, n) { for (let i = 0; i < n; i++, oi += so, ai += sa, bi += sb) o[oi] = Math.pow(a[ai]!, b[bi]!); },
  reluGrad(o, oi, so, a, ai, sa, b, bi, sb, n) { for (let i = 0; i < n; i++, oi += so, ai += sa, bi += sb) o[oi] = b[bi]! > 0 ? a[ai]! : 0; },
  signGrad(o, oi, so, a, ai, sa, b, bi, sb, n) { for (let i = 0; i < n; i++, oi += so, ai += sa, bi += sb) o[oi] = a[ai]! * Math.sign(b[bi]!); },
  maxShare(o, oi, so, a, ai, sa, b, bi, sb, n) {
    for (let i = 0; i < n; i++, oi += so, ai += sa, bi += sb) { const x = a[ai]!, y = b[bi]!; o[oi] = x > y ? 1 : x === y ? 0.5 : 0; }
  },
};

/** `a <code> b` broadcast to `shape` (already checked), into a new contiguous array of a's dtype. */
export function binary(code: BinaryCode, a: NdArray, b: NdArray, shape: readonly number[]): NdArray {
  const out = createNd(dtypeOf(a), shape, false); // binaryInto writes every element
  binaryInto(code, out, a, b);
  return out;
}

/** Writes `a <code> b` into `out`; `a` and `b` broadcast to out's shape. */
export function binaryInto(code: BinaryCode, out: NdArray, a: NdArray, b: NdArray): void {
  if (sameLayout(out, a) && sameLayout(out, b)) {
    binaryLoops[code](out.data, out.offset, 1, a.data, a.offset, 1, b.data, b.offset, 1, sizeOf(out.shape));
    return;
  }
  binaryIntoStrided(code, out, a, b);
}

/**
 * {@link binaryInto} for operands of other layouts, row by row. (A function of its own: its closure
 * would make V8 allocate the caller's context at every call, the contiguous ones too.)
 */
function binaryIntoStrided(code: BinaryCode, out: NdArray, a: NdArray, b: NdArray): void {
  const av = broadcastView(a, out.shape);
  const bv = broadcastView(b, out.shape);
  const plan = coalesce(out.shape, [out.stride, av.stride, bv.stride]);
  const loop = binaryLoops[code];
  const o = out.data, x = av.data, y = bv.data;
  forEachRow(plan, [out.offset, av.offset, bv.offset], (off, n, s) => loop(o, off[0]!, s[0]!, x, off[1]!, s[1]!, y, off[2]!, s[2]!, n));
}

type UnaryLoop = (o: TypedArray, oi: number, so: number, x: TypedArray, xi: number, sx: number, n: number, c: number) => void;

const unaryLoops: Record<UnaryCode, UnaryLoop> = {
  copy(o, oi, so, x, xi, sx, n) { for (let i = 0; i < n; i++, oi += so, xi += sx) o[oi] = x[xi]!; },
  neg(o, oi, so, x, xi, sx, n) { for (let i = 0; i < n; i++, oi += so, xi += sx) o[oi] = -x[xi]!; },
  exp(o, oi, so, x, xi, sx, n) { for (let i = 0; i < n; i++, oi += so, xi += sx) o[oi] = Math.exp(x[xi]!); },
  log(o, oi, so, x, xi, sx, n) { for (let i = 0; i < n; i++, oi += so, xi += sx) o[oi] = Math.log(x[xi]!); },
  sqrt(o, oi, so, x, xi, sx, n) { for (let i = 0; i < n; i++, oi += so, xi += sx) o[oi] = Math.sqrt(x[xi]!); },
  abs(o, oi, so, x, xi, sx, n) { for (let i = 0; i < n; i++, oi += so, xi += sx) o[oi] = Math.abs(x[xi]!); },
  relu(o, oi, so, x, xi, sx, n) { for (let i = 0; i < n; i++, oi += so, xi += sx) { const v = x[xi]!; o[oi] = v > 0 || v !== v ? v : 0; } },
  scale(o, oi, so, x, xi, sx, n, c) { for (let i = 0; i < n; i++, oi += so, xi += sx) o[oi] = x[xi]! * c; },
  addScalar(o, oi, so, x, xi, sx, n, c) { for (let i = 0; i < n; i++, oi += so, xi += sx) o[oi] = x[xi]! + c; },
  powScalar(o, oi, so, x, xi, sx, n, c) {
    if (c === 2) for (let i = 0; i < n; i++, oi += so, xi += sx) { const v = x[xi]!; o[oi] = v * v; }
    else for (let i = 0; i < n; i++, oi += so, xi += sx) o[oi] = Math.pow(x[xi]!, c);
  },
};

/** `code(x)` into a new contiguous array of x's dtype; `scalar` is the argument of scale/addScalar/powScalar. */
export function unary(code: UnaryCode, x: NdArray, scalar = 0): NdArray {
  const out = createNd(dtypeOf(x), x.shape, false); // unaryInto writes every element
  unaryInto(code, out, x, scalar);
  return out;
}

/** Writes `code(x)` into `out` (same shape; x may be strided or broadcast). */
export function unaryInto(code: UnaryCode, out: NdArray, x: NdArray, scalar = 0): void {
  if (sameLayout(out, x)) {
    unaryLoops[code](out.data, out.offset, 1, x.data, x.offset, 1, sizeOf(out.shape), scalar);
    return;
  }
  unaryIntoStrided(code, out, x, scalar);
}

/** {@link unaryInto} for an `x` of another layout, row by row (a function of its own, as binaryIntoStrided). */
function unaryIntoStrided(code: UnaryCode, out: NdArray, x: NdArray, scalar: number): void {
  const xv = broadcastView(x, out.shape);
  const plan = coalesce(out.shape, [out.stride, xv.stride]);
  const loop = unaryLoops[code];
  const o = out.data, v = xv.data;
  forEachRow(plan, [out.offset, xv.offset], (off, n, s) => loop(o, off[0]!, s[0]!, v, off[1]!, s[1]!, n, scalar));
}
