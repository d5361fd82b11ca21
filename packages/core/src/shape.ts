/**
 * Shape arithmetic shared by the ops: sizes, broadcasting, dimension normalisation.
 * @module
 * @internal
 */
import { ShapeError } from './errors.js';
import { formatShape } from './text.js';

/** The number of elements of `shape` (1 for a scalar). */
export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/**
 * Row-major (C-order) strides of a contiguous array of `shape`, written into `strides` (its first
 * `shape.length` entries; a new array by default).
 */
export function contiguousStrides(shape: readonly number[], strides = new Array<number>(shape.length)): number[] {
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i]!;
  }
  return strides;
}

/**
 * Whether two shapes are equal, dim by dim.
 *
 * @example
 * ```ts
 * import { sameShape } from '@tapegrad/core';
 * console.log(sameShape([2, 3], [2, 3]), sameShape([2, 3], [3, 2]), sameShape([], [])); // true false true
 * ```
 * @category Utilities
 */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The numpy broadcast of two shapes; throws a ShapeError naming `op` when they do not broadcast. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: shapes must broadcast (got a${formatShape(a)} and b${formatShape(b)})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Resolves a possibly negative dimension against `rank`; throws a ShapeError naming `op` when out of range. */
export function normalizeDim(op: string, dim: number, rank: number): number {
  if (!Number.isInteger(dim) || dim < -Math.max(rank, 1) || dim >= Math.max(rank, 1)) {
    throw new ShapeError(`${op}: dim must be an integer in [${-Math.max(rank, 1)}, ${Math.max(rank, 1) - 1}] (got ${dim})`);
  }
  return dim < 0 ? dim + Math.max(rank, 1) : dim;
}

/**
 * Resolves the `dim` argument of a reduction to sorted, distinct, non-negative dims
 * (all dims when `dim` is undefined or null).
 */
export function normalizeDims(op: string, dim: number | readonly number[] | undefined | null, rank: number): number[] {
  if (dim === undefined || dim === null) {
    const all = new Array<number>(rank);
    for (let i = 0; i < rank; i++) all[i] = i;
    return all;
  }
  const list = typeof dim === 'number' ? [dim] : dim;
  const dims = list.map((d) => normalizeDim(op, d, rank));
  const sorted = [...new Set(dims)].sort((x, y) => x - y);
  if (sorted.length !== dims.length) throw new ShapeError(`${op}: dims must be distinct (got [${list.join(', ')}])`);
  return rank === 0 ? [] : sorted;
}

/**
 * A table of number arrays, one of each length, each made at its first use: for the shapes and
 * strides an op fills and hands to a view, which copies them. (Resizing one array per call would
 * allocate: setting an array's length to 0 drops its storage.) Each user keeps its own table.
 * @example
 * ```ts
 * import { shapeTable } from './shape.js';
 * const shapes = shapeTable();
 * const s = shapes(2);
 * console.log([...s]); // [0, 0]
 * s[0] = 3; s[1] = 4;
 * console.log(shapes(2) === s, shapes(2)); // true [3, 4]
 * ```
 */
export function shapeTable(): (length: number) => number[] {
  const byLength: number[][] = [];
  return (length) => (byLength[length] ??= new Array<number>(length).fill(0));
}

/**
 * `shape` with the reduced `dims` (distinct, in range) set to 1 (keepdim) or removed: a new array,
 * or the array of that length from `table`.
 */
export function reducedShape(shape: readonly number[], dims: readonly number[], keepdim: boolean, table?: (length: number) => number[]): number[] {
  const n = keepdim ? shape.length : shape.length - dims.length;
  const out = table === undefined ? new Array<number>(n) : table(n);
  let k = 0;
  for (let i = 0; i < shape.length; i++) {
    if (dims.includes(i)) {
      if (keepdim) out[k++] = 1;
    } else out[k++] = shape[i]!;
  }
  return out;
}

/** Checks that `shape` is a list of non-negative integers; throws a ShapeError naming `op`. */
export function checkShape(op: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(`${op}: shape must be an array of non-negative integers (got ${JSON.stringify(shape)})`);
  }
  return shape as number[];
}

/** `{ dim }` attributes, one frozen object per dim, shared by the ops that take one dim. */
const dimAttrs: (Readonly<{ dim: number }> | undefined)[] = [];

/**
 * The attributes `{ dim }` of an op along one (resolved, non-negative) dim: one frozen object per
 * dim, as a node keeps its attributes and a new object per call would be one per step.
 */
export function alongDim(dim: number): Readonly<{ dim: number }> {
  return (dimAttrs[dim] ??= Object.freeze({ dim }));
}
