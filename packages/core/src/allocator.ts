/**
 * The allocator every op's arrays come from. `allocate` reuses arrays given back to its pool (by the
 * tape, when it frees a graph, and by {@link recyclingArrays} scopes); the pool keeps float arrays
 * of 1024 elements or more in the active kernels' memory when they have one (the WebAssembly heap),
 * so kernels use reused arrays in place. It
 * records what it makes for the two that ask: the tape (which arrays an op's backward made, its own
 * to keep) and {@link recyclingArrays} scopes (which arrays to give back). Allocating a typed array
 * costs microseconds (a zeroed backing store outside the JavaScript heap, and the garbage collections
 * that external memory triggers), which a small training step pays dozens of times; code that knows
 * its temporaries are dead hands their arrays back, and `allocate` reuses them.
 * @module
 * @internal
 */
import type { DType, FloatArray, TypedArray, TypedArrayOf } from './dtype.js';

const constructors = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint8: Uint8Array,
} as const;

/** The pool holds at most this many bytes; arrays given back beyond it are left to the collector. */
const POOL_LIMIT_BYTES = 64 * 1024 * 1024;

/** Free arrays by dtype, then by length. */
const free: Record<DType, Map<number, TypedArray[]>> = {
  float32: new Map(), float64: new Map(), int32: new Map(), uint8: new Map(),
};
let pooledBytes = 0;
/**
 * Whether an array is in the pool now (true) or was and has been taken again (false): giving one
 * back twice must not let two callers take it. A value set for each array the pool has held, not an
 * entry added and deleted each time (a WeakSet of the pooled arrays made its table anew again and
 * again: a hundred of each a step) nor a scan of its length's free list (quadratic when a caller
 * gives back many arrays of one length): after warm-up a step only rewrites values.
 */
const poolState = new WeakMap<TypedArray, boolean>();

/**
 * Arrays that a view or `detach` made a second tensor share: the tape never gives them back. The
 * mark lasts while the array is in use: it ends when the array goes back to the pool (whoever gives
 * it back says that nothing reads it, the sharers included), so the array's next use starts unmarked.
 */
const sharedArrays = new WeakSet<object>();

/** Notes that a second tensor shares `array` (a view, `detach`). @internal */
export function noteShared(array: object): void {
  sharedArrays.add(array);
}

/** Whether a second tensor may share `array` (see {@link noteShared}). @internal */
export function isShared(array: object): boolean {
  return sharedArrays.has(array);
}

/**
 * Where new float arrays come from while the active kernels have a memory of their own (the
 * WebAssembly kernels' `allocate`: views of their heap, which they read and write in place, without
 * copies in and out), else null (plain typed arrays). Set by the kernel registry.
 */
let kernelArrays: ((dtype: 'float32' | 'float64', length: number) => FloatArray) | null = null;
/** Float arrays shorter than this stay plain typed arrays: copying them costs less than a heap block. */
const KERNEL_MEMORY_MIN_LENGTH = 1024;
/**
 * Bytes of kernel-memory arrays that the pool made and that are not yet collected, and their limit.
 * One that is taken from the pool and dropped returns its block only when the collector finds it
 * and the event loop turns, which a synchronous loop may not let happen, so past the limit the pool
 * keeps plain typed arrays.
 */
let kernelBytes = 0;
const KERNEL_MEMORY_LIMIT_BYTES = 128 * 1024 * 1024;
const kernelCollected = new FinalizationRegistry<number>((bytes) => {
  kernelBytes -= bytes;
});

/** Where `allocate` records the arrays it makes, while the tape runs an op's backward (else null). */
let tracked: AllocationLog | null = null;

/** Where `allocate` also records the arrays it makes, inside `recyclingArrays` (else null). */
let scoped: ArrayRecord | null = null;

/** What records arrays: a Set, or an {@link AllocationLog}. @internal */
export interface ArrayRecord {
  add(array: TypedArray): void;
}

/**
 * Allocates a zero-filled typed array of `dtype` with `length` elements (one given back to the pool,
 * when it has one of that length). `zeroed` false leaves a reused array's old values, for a caller
 * that writes every element (a product's output). @internal
 */
export function allocate<D extends DType>(dtype: D, length: number, zeroed = true): TypedArrayOf[D] {
  return record(takePooled(dtype, length, zeroed) ?? new constructors[dtype](length)) as TypedArrayOf[D];
}

/**
 * Like {@link allocate}, for the arrays of tensors that user code makes and keeps (`tensor`,
 * `zeros`, `randn`, …: data, parameters, targets): a new float array of 1024 elements or more is
 * made in the kernels' memory when they have one (within its limit), so the kernels read it in
 * place on every call instead of copying it in. @internal
 */
export function allocateLasting<D extends DType>(dtype: D, length: number): TypedArrayOf[D] {
  if (kernelArrays === null || (dtype !== 'float32' && dtype !== 'float64') || length < KERNEL_MEMORY_MIN_LENGTH) return allocate(dtype, length);
  const pooledArray = takePooled(dtype, length, true);
  if (pooledArray !== undefined) return record(pooledArray) as TypedArrayOf[D];
  const bytes = length * (dtype === 'float32' ? 4 : 8);
  if (kernelBytes + bytes > KERNEL_MEMORY_LIMIT_BYTES) return allocate(dtype, length);
  return record(kernelArray(dtype, length)) as TypedArrayOf[D];
}

/** Records `array` for the tape and recycling scopes, as `allocate` does. */
function record(array: TypedArray): TypedArray {
  if (tracked !== null) tracked.add(array);
  if (scoped !== null) scoped.add(array);
  return array;
}

/** A new zero-filled array in the kernels' memory, counted against its limit until collected. */
function kernelArray(dtype: 'float32' | 'float64', length: number): FloatArray {
  const array = kernelArrays!(dtype, length);
  inKernelMemory.add(array);
  kernelBytes += array.byteLength;
  kernelCollected.register(array, array.byteLength);
  return array;
}

/**
 * Makes new float arrays come from `source` (the active kernels' `allocate`), or plain typed arrays
 * when null. The kernel registry calls it whenever the active set changes. @internal
 */
export function useKernelMemory(source: ((dtype: 'float32' | 'float64', length: number) => FloatArray) | null): void {
  kernelArrays = source;
}

/** The arrays the pool made in the kernels' memory. */
const inKernelMemory = new WeakSet<TypedArray>();

/** Whether the pool made `array` in the kernels' memory. @internal */
export function isKernelArray(array: TypedArray): boolean {
  return inKernelMemory.has(array);
}

/** Bytes of kernel-memory arrays the pool made that are not yet collected (for tests). @internal */
export function kernelArrayBytes(): number {
  return kernelBytes;
}

/**
 * Makes `allocate` also add every array it makes to `into` (null stops); returns the set it
 * replaces. For {@link recyclingArrays}. @internal
 */
export function scopeAllocations(into: ArrayRecord | null): ArrayRecord | null {
  const previous = scoped;
  scoped = into;
  return previous;
}

/**
 * The arrays `allocate` made while it recorded into this log (see {@link trackAllocations}), in the
 * order it made them. The tape empties and refills one log for every op's backward: a list that
 * keeps its storage, where a Set would make a new table on every `clear` (and on a `delete` that
 * empties it). Its lookups scan the list, which holds the few arrays one backward makes. @internal
 */
export class AllocationLog {
  private readonly arrays: (TypedArray | undefined)[] = [];
  /** How many arrays are recorded. */
  size = 0;
  /** Records `array`. */
  add(array: TypedArray): void {
    this.arrays[this.size++] = array;
  }
  /** Whether `array` is recorded. */
  has(array: TypedArray): boolean {
    for (let i = 0; i < this.size; i++) if (this.arrays[i] === array) return true;
    return false;
  }
  /** The `i`-th array recorded (0 ≤ i < size). */
  get(i: number): TypedArray {
    return this.arrays[i]!;
  }
  /** Forgets every array (keeping the storage). */
  clear(): void {
    this.arrays.fill(undefined, 0, this.size);
    this.size = 0;
  }
}

/**
 * Makes `allocate` add every array it makes to `into` (null stops); returns the log it replaces.
 * The tape uses it to tell arrays an op's backward made (its own to keep) from arrays the op passed
 * through or saved. @internal
 */
export function trackAllocations(into: AllocationLog | null): AllocationLog | null {
  const previous = tracked;
  tracked = into;
  return previous;
}

/** Whether `array` has been in the pool (it was given back once, at least). @internal */
export function wasPooled(array: TypedArray): boolean {
  return poolState.has(array);
}

/** A pooled array of `dtype` and `length`, zero-filled (or as it was, when `zeroed` is false), or undefined. */
function takePooled(dtype: DType, length: number, zeroed: boolean): TypedArray | undefined {
  const list = free[dtype].get(length);
  const array = list?.pop();
  if (array === undefined) return undefined;
  poolState.set(array, false);
  pooledBytes -= array.byteLength;
  return zeroed ? array.fill(0) : array;
}

/**
 * Whether `array` views shared memory (a `SharedArrayBuffer`): the WebAssembly kernels' heap, of
 * this kernel set or an earlier one, or memory that another thread may write.
 */
function viewsSharedMemory(array: TypedArray): boolean {
  return typeof SharedArrayBuffer === 'function' && array.buffer instanceof SharedArrayBuffer;
}

/**
 * Gives `array` to the pool (it must be dead: nothing may read or write it afterwards). A plain float
 * array of 1024 elements or more is replaced there by one of its length in the kernels' memory, when
 * they have one (within its limit): arrays that come back are the ones a loop reuses, so after a
 * step or two of warm-up a training step's arrays all live where the kernels use them in place. New
 * arrays (a pool miss) are plain ones: memory that user code drops is left to the collector, and a
 * loop that never gives anything back does not fill the kernels' memory. Of shared memory the pool
 * keeps only the blocks it made: a caller's view of kernel memory (an `allocate` buffer, a view of
 * part of one) belongs to a block whose owner frees it (when another view is collected, or at the
 * end of a kernel call), so it is neither kept nor swapped (that would hold its bytes twice) but
 * left to the collector. The array's shared mark ends here. @internal
 */
export function givePooled(dtype: DType, array: TypedArray): void {
  // an array in the pool already is not added twice (two callers would take it)
  if (poolState.get(array) === true || pooledBytes + array.byteLength > POOL_LIMIT_BYTES || array.length === 0) return;
  if (!inKernelMemory.has(array)) {
    if (viewsSharedMemory(array)) return;
    if (kernelArrays !== null && (dtype === 'float32' || dtype === 'float64') && array.length >= KERNEL_MEMORY_MIN_LENGTH
      && kernelBytes + array.byteLength <= KERNEL_MEMORY_LIMIT_BYTES) {
      array = kernelArray(dtype, array.length);
    }
  }
  sharedArrays.delete(array);
  let list = free[dtype].get(array.length);
  if (list === undefined) free[dtype].set(array.length, (list = []));
  list.push(array);
  poolState.set(array, true);
  pooledBytes += array.byteLength;
}

/** Bytes the pool holds (for tests). @internal */
export function pooledArrayBytes(): number {
  return pooledBytes;
}
