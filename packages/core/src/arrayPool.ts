/**
 * Arrays given back for reuse. Allocating a typed array costs microseconds (a zeroed backing store
 * outside the JavaScript heap, and the garbage collections that external memory triggers), which a
 * small training step pays dozens of times; {@link recyclingArrays} lets code that knows its
 * temporaries are dead hand their arrays back, and `allocate` reuses them.
 * @module
 * @internal
 */
import type { DType, TypedArray } from './dtype.js';

/** The pool holds at most this many bytes; arrays given back beyond it are left to the collector. */
const POOL_LIMIT_BYTES = 64 * 1024 * 1024;

/** Free arrays by dtype, then by length. */
const free: Record<DType, Map<number, TypedArray[]>> = {
  float32: new Map(), float64: new Map(), int32: new Map(), uint8: new Map(),
};
let pooledBytes = 0;
/** The arrays in the pool now: giving one back twice must not let two callers take it. */
const pooled = new WeakSet<TypedArray>();

/**
 * A pooled array of `dtype` and `length`, zero-filled (or as it was, when `zeroed` is false), or
 * undefined when the pool has none. @internal
 */
export function takePooled(dtype: DType, length: number, zeroed = true): TypedArray | undefined {
  const list = free[dtype].get(length);
  const array = list?.pop();
  if (array === undefined) return undefined;
  pooled.delete(array);
  pooledBytes -= array.byteLength;
  return zeroed ? array.fill(0) : array;
}

/** Gives `array` to the pool (it must be dead: nothing may read or write it afterwards). @internal */
export function givePooled(dtype: DType, array: TypedArray): void {
  if (pooled.has(array) || pooledBytes + array.byteLength > POOL_LIMIT_BYTES || array.length === 0) return;
  pooled.add(array);
  let list = free[dtype].get(array.length);
  if (list === undefined) free[dtype].set(array.length, (list = []));
  list.push(array);
  pooledBytes += array.byteLength;
}

/** Bytes the pool holds (for tests). @internal */
export function pooledArrayBytes(): number {
  return pooledBytes;
}
