/**
 * How a kernel call is cut into parts for the calling thread and the {@link KernelThreads} workers,
 * and run: a GEMM by columns (or rows) of C, an elementwise kernel by runs of elements, a row-wise
 * one by rows. Every part computes exactly what the whole call computes for its elements, in the
 * same order, so a split call's results equal the one-thread call's bit for bit.
 * @module
 * @internal
 */
import type { KernelThreads } from './kernelThreads.js';

/** A kernel export: numbers in (addresses, counts, scalars), nothing out. */
export type Kernel = (...args: number[]) => void;

/**
 * Runs `parts[0]` on the calling thread with `run` and each further part on a worker as job `op`
 * (the same export), then waits for the workers, also when the calling thread's part throws.
 */
export function runParts(workers: KernelThreads, op: number, run: Kernel, parts: readonly number[][]): void {
  for (let i = 1; i < parts.length; i++) workers.post(i - 1, op, parts[i]!);
  try {
    run(...parts[0]!);
  } finally {
    for (let i = 1; i < parts.length; i++) workers.wait(i - 1);
  }
}

/**
 * Cuts `extent` items into at most `ways` runs of about equal size, each starting on a multiple of
 * `align`, and returns `part(start, size)` for each (none when `extent` is 0).
 */
export function cut(extent: number, ways: number, align: number, part: (start: number, size: number) => number[]): number[][] {
  const step = Math.max(align, Math.ceil(extent / ways / align) * align);
  const parts: number[][] = [];
  for (let start = 0; start < extent; start += step) parts.push(part(start, Math.min(step, extent - start)));
  return parts;
}

/** Products of at least this many floating-point operations (2·m·n·k) are split: smaller ones lose more to handing out and waiting for the parts than they gain (bench/README, h-gsplit). */
export const GEMM_MIN_FLOPS = 4e6;
/** Columns of C per B panel (f32: 8, f64: 4): a product's parts start on a multiple of 8 columns (or rows). */
export const GEMM_SPLIT_ALIGN = 8;

/**
 * A product at most this deep is split by rows of C whenever it has rows enough for two parts: with
 * a few multiply-adds per element, writing C is most of its work, and a part of C's rows is one
 * stretch of memory where a part of its columns is a piece of every row, sharing a cache line with
 * the other part's piece at each row's cut.
 */
export const THIN_DEPTH = 32;

/**
 * Whether a product is split by columns of C (else by rows). Each thread packs all of op(A) and
 * its share of op(B) for a column split, its share of op(A) and all of op(B) for a row split, so
 * the wider of C's two sides is split; on a tie, the rows when A is stored transposed (an Aᵀ
 * panel gathers a few values from each of kc stored rows, which costs more per value than packing
 * B), else the columns; and a thin product ({@link THIN_DEPTH}) by rows when it has `2·align` rows.
 */
export function gemmByColumns(m: number, n: number, k: number, transA: number, align: number): boolean {
  if (k <= THIN_DEPTH && m >= 2 * align) return false;
  return n > m || (n === m && transA === 0);
}

/**
 * A product's parts (`gemmF32`/`gemmF64` arguments, `[tA, tB, m, n, k, pa, lda, pb, ldb, pc, ldc,
 * accumulate]` with byte addresses): slices of C's columns or of its rows ({@link gemmByColumns}),
 * each starting on a multiple of `align`; part i packs into `workspace(i)`.
 */
export function gemmParts(ways: number, align: number, bytes: number, args: readonly number[], workspace: (i: number) => number): number[][] {
  const [tA = 0, tB = 0, m = 0, n = 0, k = 0, pa = 0, lda = 0, pb = 0, ldb = 0, pc = 0, ldc = 0, acc = 0] = args;
  const byColumns = gemmByColumns(m, n, k, tA, align);
  let i = 0;
  return cut(byColumns ? n : m, ways, align, (start, size) => (byColumns
    ? [tA, tB, m, size, k, pa, lda, pb + start * (tB ? ldb : 1) * bytes, ldb, pc + start * bytes, ldc, acc, workspace(i++)]
    : [tA, tB, size, n, k, pa + start * (tA ? 1 : lda) * bytes, lda, pb, ldb, pc + start * ldc * bytes, ldc, acc, workspace(i++)]));
}

/** Elements per run boundary of an elementwise split: 64 bytes of float32, so two threads never write one cache line. */
export const ELEMENT_ALIGN = 16;

/**
 * An elementwise kernel's parts over `n` elements of `bytes` each: `[size, ...addresses moved to the
 * run's start (an address 0, "none", stays 0), ...scalars]`, for the calling thread and the workers.
 */
export function elementParts(n: number, ways: number, bytes: number, addresses: readonly number[], scalars: readonly number[] = []): number[][] {
  return cut(n, ways, ELEMENT_ALIGN, (start, size) => [size, ...addresses.map((a) => (a === 0 ? 0 : a + start * bytes)), ...scalars]);
}

/**
 * `addRowVector`'s parts by runs of rows: `[rows, cols, y, bias]` each. A function of its own so that the
 * kernel entry that calls it holds no closure (V8 would allocate its context on every call, split or not).
 */
export function rowRangeParts(ways: number, rows: number, cols: number, bytes: number, y: number, bias: number): number[][] {
  return cut(rows, ways, 1, (start, size) => [size, cols, y + start * cols * bytes, bias]);
}

/** `sumRows`' parts by strips of columns: `[rows, cols, rowStride, x, out]` each, the float64 sums moved with the strip. */
export function columnRangeParts(ways: number, rows: number, cols: number, bytes: number, x: number, out: number): number[][] {
  return cut(cols, ways, ELEMENT_ALIGN, (start, size) => [rows, size, cols, x + start * bytes, out + start * 8]);
}
