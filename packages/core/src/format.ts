/**
 * Printing tensors the way PyTorch does: `tensor([[ 1.0000, -2.5000], ...], dtype=float64)`,
 * 4 decimals, scientific notation when magnitudes span too much, `...` past 1000 elements; and
 * reading them out as nested arrays.
 * @module
 * @internal
 */
import { getDefaultDtype, isFloatDType } from './dtype.js';
import { toFloat64 } from './kernels/layout.js';
import { sizeOf } from './shape.js';
import type { NestedArray, Tensor } from './tensor.js';

const THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const PRECISION = 4;

/** How every element of one tensor is written, so that columns line up. */
function makeFormatter(values: Float64Array, isFloat: boolean): (v: number) => string {
  const finite = Array.from(values).filter(Number.isFinite);
  if (!isFloat) return (v) => String(v);
  const allIntegers = finite.every((v) => Number.isInteger(v));
  const magnitudes = finite.map(Math.abs).filter((v) => v > 0);
  const maxAbs = magnitudes.length ? Math.max(...magnitudes) : 0;
  const minAbs = magnitudes.length ? Math.min(...magnitudes) : 0;
  let write: (v: number) => string;
  if (allIntegers && maxAbs < 1e8) write = (v) => `${v.toFixed(0)}.`;
  else if (maxAbs > 1e8 || (minAbs > 0 && minAbs < 1e-4) || (minAbs > 0 && maxAbs / minAbs > 1000)) {
    write = (v) => v.toExponential(PRECISION).replace(/e([+-])(\d)$/, 'e$10$2');
  } else write = (v) => v.toFixed(PRECISION);
  const text = (v: number) => (Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : write(v));
  const width = Math.max(1, ...Array.from(values, (v) => text(v).length));
  return (v) => text(v).padStart(width);
}

/** The values shown: all of them, or the edge items of each dim when the tensor is large. */
function shownValues(values: Float64Array, shape: readonly number[], summarize: boolean): Float64Array {
  if (!summarize) return values;
  const kept: number[] = [];
  const walk = (dim: number, offset: number, stride: number): void => {
    if (dim === shape.length) {
      kept.push(values[offset]!);
      return;
    }
    const n = shape[dim]!;
    const inner = stride / n;
    const indices = n > 2 * EDGE_ITEMS ? [...range(0, EDGE_ITEMS), ...range(n - EDGE_ITEMS, n)] : range(0, n);
    for (const i of indices) walk(dim + 1, offset + i * inner, inner);
  };
  walk(0, 0, values.length);
  return Float64Array.from(kept);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

function formatBlock(values: Float64Array, shape: readonly number[], dim: number, offset: number, indent: number, fmt: (v: number) => string, summarize: boolean): string {
  if (shape.length === 0) return fmt(values[0]!);
  const n = shape[dim]!;
  const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  const elide = summarize && n > 2 * EDGE_ITEMS;
  const indices = elide ? [...range(0, EDGE_ITEMS), -1, ...range(n - EDGE_ITEMS, n)] : range(0, n);
  if (dim === shape.length - 1) {
    return `[${indices.map((i) => (i < 0 ? '...' : fmt(values[offset + i]!))).join(', ')}]`;
  }
  const separator = `,${'\n'.repeat(shape.length - dim - 1)}${' '.repeat(indent + 1)}`;
  const parts = indices.map((i) => (i < 0 ? '...' : formatBlock(values, shape, dim + 1, offset + i * stride, indent + 1, fmt, summarize)));
  return `[${parts.join(separator)}]`;
}

/** `tensor(...)` text of a tensor, with its dtype when not the default and its grad status. */
export function formatTensor(t: Tensor): string {
  const values = toFloat64(t.data);
  const summarize = values.length > THRESHOLD;
  const fmt = makeFormatter(shownValues(values, t.shape, summarize), isFloatDType(t.dtype));
  const body = values.length === 0 ? '[]' : formatBlock(values, t.shape, 0, 0, 'tensor('.length, fmt, summarize);
  const extras: string[] = [];
  if (values.length === 0 && t.ndim > 1) extras.push(`size=[${t.shape.join(', ')}]`);
  if (t.dtype !== getDefaultDtype()) extras.push(`dtype=${t.dtype}`);
  if (t.gradFn) extras.push(`gradFn=${t.gradFn.toString()}`);
  else if (t.requiresGrad) extras.push('requiresGrad=true');
  return `tensor(${[body, ...extras].join(', ')})`;
}

/** The values of `t` as nested arrays, row-major (a number for a 0-d tensor). */
export function toNestedArray(t: Tensor): NestedArray {
  const flat = toFloat64(t.data);
  const shape = t.shape;
  const build = (dim: number, offset: number): NestedArray => {
    if (dim === shape.length) return flat[offset]!;
    const stride = sizeOf(shape.slice(dim + 1));
    return Array.from({ length: shape[dim]! }, (_, i) => build(dim + 1, offset + i * stride));
  };
  return build(0, 0);
}
