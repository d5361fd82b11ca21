/**
 * Axis reductions. A contiguous array reduced over a run of adjacent dims is seen as
 * [outer, reduced, inner]; inner loops then run over contiguous memory whichever axis is reduced
 * (axis 0 of [N, D] for BatchNorm, the last axis for LayerNorm and softmax).
 * @module
 * @internal
 */
import { copyNd, createNd, dtypeOf, toContiguous, wrapNd } from './layout.js';
import { allocate } from '../allocator.js';
import type { NdArray } from '../dtype.js';
import { shapeTable } from '../shape.js';

const split: [number, number, number] = [1, 1, 1];

/**
 * [outer, reduced, inner] sizes of reducing dims [first..last] of `shape`, in one array that the
 * next call overwrites (read it at once, by index: a reduction called once a step runs
 * unoptimized, where destructuring makes an iterator).
 */
export function splitAround(shape: readonly number[], first: number, last: number): readonly [number, number, number] {
  let outer = 1, reduced = 1, inner = 1;
  for (let i = 0; i < shape.length; i++) {
    if (i < first) outer *= shape[i]!;
    else if (i <= last) reduced *= shape[i]!;
    else inner *= shape[i]!;
  }
  split[0] = outer;
  split[1] = reduced;
  split[2] = inner;
  return split;
}

/** The float64 accumulator of the reductions of at most this many sums is reused from call to call. */
const REUSED_ACCUMULATOR = 4096;
const accumulator = new Float64Array(REUSED_ACCUMULATOR);
/** x's shape with the runs reduced so far set to 1 (a view copies the shape it is given). */
const reducedShapes = shapeTable();

/** Sum over sorted `dims`, as a contiguous array of x's shape with those dims set to 1; accumulates in float64. */
export function sumAxes(x: NdArray, dims: readonly number[]): NdArray {
  if (dims.length === 0) return copyNd(x);
  let current = toContiguous(x);
  const shape = reducedShapes(x.shape.length);
  for (let d = 0; d < x.shape.length; d++) shape[d] = x.shape[d]!;
  // runs of adjacent dims, the last run first (without a list of them)
  for (let end = dims.length - 1; end >= 0;) {
    let start = end;
    while (start > 0 && dims[start - 1] === dims[start]! - 1) start--;
    const first = dims[start]!, last = dims[end]!;
    end = start - 1;
    const parts = splitAround(shape, first, last);
    const outer = parts[0], reduced = parts[1], inner = parts[2], length = outer * inner;
    const acc = length <= REUSED_ACCUMULATOR ? accumulator : new Float64Array(length);
    if (inner !== 1) acc.fill(0, 0, length);
    const src = current.data;
    const base = current.offset;
    if (inner === 1) {
      for (let o = 0; o < outer; o++) {
        let s = 0;
        const from = base + o * reduced;
        for (let r = 0; r < reduced; r++) s += src[from + r]!;
        acc[o] = s;
      }
    } else {
      for (let o = 0; o < outer; o++) {
        const row = o * inner;
        for (let r = 0; r < reduced; r++) {
          const from = base + (o * reduced + r) * inner;
          for (let i = 0; i < inner; i++) acc[row + i]! += src[from + i]!;
        }
      }
    }
    for (let d = first; d <= last; d++) shape[d] = 1;
    const out = allocate(dtypeOf(x), length);
    for (let i = 0; i < length; i++) out[i] = acc[i]!;
    current = wrapNd(out, shape);
  }
  return current;
}

/** The extreme value along one dim and where it is (first occurrence; NaN wins as in PyTorch). */
export function extremeAlong(x: NdArray, dim: number, kind: 'max' | 'min'): { values: NdArray; indices: Int32Array } {
  const c = toContiguous(x);
  const parts = splitAround(x.shape, dim, dim);
  const outer = parts[0], reduced = parts[1], inner = parts[2];
  const shape = x.shape.map((d, i) => (i === dim ? 1 : d));
  const values = createNd(dtypeOf(x), shape);
  const indices = new Int32Array(outer * inner);
  const src = c.data;
  const sign = kind === 'max' ? 1 : -1;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const start = c.offset + o * reduced * inner + i;
      let best = src[start]!;
      let at = 0;
      for (let r = 1; r < reduced; r++) {
        if (best !== best) break;
        const v = src[start + r * inner]!;
        if (sign * v > sign * best || v !== v) { best = v; at = r; }
      }
      values.data[o * inner + i] = best;
      indices[o * inner + i] = at;
    }
  }
  return { values, indices };
}

/** Scatters `dy` (x's shape with `dim` set to 1) to the positions `indices` along `dim`, zeros elsewhere. */
export function scatterAlong(dy: NdArray, indices: Int32Array, shape: readonly number[], dim: number): NdArray {
  const g = toContiguous(dy);
  const parts = splitAround(shape, dim, dim);
  const outer = parts[0], reduced = parts[1], inner = parts[2];
  const out = createNd(dtypeOf(dy), shape);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const k = o * inner + i;
      out.data[(o * reduced + indices[k]!) * inner + i] = g.data[g.offset + k]!;
    }
  }
  return out;
}
