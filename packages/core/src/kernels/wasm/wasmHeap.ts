/**
 * The WebAssembly kernels' memory: one shared `WebAssembly.Memory` (worker threads see the same
 * bytes) and a first-fit allocator over it, run from JavaScript. Kernel calls take blocks for the
 * operands they copy in and give them back before returning; long-lived buffers (optimizer state)
 * take blocks that are released when their typed-array view is garbage-collected.
 * @module
 * @internal
 */

/** Bytes in a WebAssembly page. */
const PAGE = 65536;
/** Every block starts on a multiple of this (a cache line; SIMD loads want 16). */
const ALIGN = 64;

/** A free range of the heap. */
interface Span {
  start: number;
  size: number;
}

/**
 * A first-fit allocator over a shared WebAssembly memory. Addresses are byte offsets; the first
 * `reserved` bytes are left alone (the kernels' control block lives there).
 * @internal
 */
export class WasmHeap {
  /** The memory the kernels import. */
  readonly memory: WebAssembly.Memory;
  /** Every `SharedArrayBuffer` this memory has shown (growing gives a new one each time). */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  /**
   * The byte address of each view {@link allocateView} made: {@link addressOf} finds them without
   * reading their `buffer` and `byteOffset` (getters that cost several times the lookup, for every
   * operand of every kernel call).
   */
  private readonly views = new WeakMap<ArrayBufferView, number>();
  /** Free spans, sorted by address, coalesced. */
  private readonly freeSpans: Span[] = [];
  /** Size of each allocated block, by address. */
  private readonly sizes = new Map<number, number>();
  /** End of the highest block ever handed out (everything above is free). */
  private top: number;
  /** Releases a long-lived block when its view is collected. */
  private readonly registry = new FinalizationRegistry<number>((ptr) => this.release(ptr));
  /** Views of the whole memory by element size, for copies in and out (made anew when it grows). */
  private whole32: Float32Array;
  private whole64: Float64Array;

  constructor(reserved: number, initialPages = 64, maximumPages = 32768) {
    this.memory = new WebAssembly.Memory({ initial: initialPages, maximum: maximumPages, shared: true });
    this.buffers.add(this.memory.buffer);
    this.top = roundUp(reserved, ALIGN);
    this.whole32 = new Float32Array(this.memory.buffer);
    this.whole64 = new Float64Array(this.memory.buffer);
  }

  /**
   * The whole memory as Float32Array (4) or Float64Array (8) elements: element `ptr / bytesPerElement`
   * is at byte `ptr`. One view per size, for the copies of every kernel call (a view per copy was
   * garbage at once).
   */
  whole(bytesPerElement: 4 | 8): Float32Array | Float64Array {
    return bytesPerElement === 4 ? this.whole32 : this.whole64;
  }

  /** The memory's current buffer (it changes when the memory grows; older views stay valid). */
  get buffer(): ArrayBufferLike {
    return this.memory.buffer;
  }

  /** Whether `array` is a view of this heap, so kernels can read it in place. */
  owns(array: ArrayBufferView): boolean {
    return this.addressOf(array) >= 0;
  }

  /** The byte address of `array`'s first element when it is a view of this heap, else -1. */
  addressOf(array: ArrayBufferView): number {
    const ptr = this.views.get(array);
    if (ptr !== undefined) return ptr;
    return this.buffers.has(array.buffer) ? array.byteOffset : -1;
  }

  /** A block of at least `bytes` bytes, 64-byte aligned; its contents are undefined. */
  alloc(bytes: number): number {
    const size = roundUp(Math.max(bytes, 1), ALIGN);
    const spans = this.freeSpans;
    for (let i = 0; i < spans.length; i++) {
      const span = spans[i]!;
      if (span.size < size) continue;
      const ptr = span.start;
      if (span.size === size) spans.splice(i, 1);
      else {
        span.start += size;
        span.size -= size;
      }
      this.sizes.set(ptr, size);
      return ptr;
    }
    const ptr = this.top;
    this.ensure(ptr + size);
    this.top = ptr + size;
    this.sizes.set(ptr, size);
    return ptr;
  }

  /** Gives a block back. */
  release(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) throw new Error(`WasmHeap: release of an address that was not allocated (got ${ptr})`);
    this.sizes.delete(ptr);
    const spans = this.freeSpans;
    let i = 0;
    while (i < spans.length && spans[i]!.start < ptr) i++;
    const before = spans[i - 1];
    const after = spans[i];
    let span: Span;
    if (before !== undefined && before.start + before.size === ptr) {
      before.size += size;
      span = before;
      i--;
    } else {
      span = { start: ptr, size };
      spans.splice(i, 0, span);
    }
    if (after !== undefined && span.start + span.size === after.start) {
      span.size += after.size;
      spans.splice(i + 1, 1);
    }
    if (span.start + span.size === this.top) {
      this.top = span.start;
      spans.splice(i, 1);
    }
  }

  /** Grows the memory so that bytes below `end` exist. */
  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE);
    try {
      // grow by at least an eighth, so that a growing workload does not grow a page at a time
      this.memory.grow(Math.max(pages, Math.ceil(have / PAGE / 8)));
    } catch {
      this.memory.grow(pages);
    }
    this.buffers.add(this.memory.buffer);
    this.whole32 = new Float32Array(this.memory.buffer);
    this.whole64 = new Float64Array(this.memory.buffer);
  }

  /** A Float32Array or Float64Array view of `length` elements at `ptr`. */
  view(bytesPerElement: 4 | 8, ptr: number, length: number): Float32Array | Float64Array {
    return bytesPerElement === 4 ? new Float32Array(this.memory.buffer, ptr, length) : new Float64Array(this.memory.buffer, ptr, length);
  }

  /** A zero-filled view that owns its block: the block is released when the view is collected. */
  allocateView(bytesPerElement: 4 | 8, length: number): Float32Array | Float64Array {
    const ptr = this.alloc(length * bytesPerElement);
    const view = this.view(bytesPerElement, ptr, length);
    view.fill(0);
    this.registry.register(view, ptr);
    this.views.set(view, ptr);
    return view;
  }

  /** Bytes handed out and not released (for tests). */
  get allocatedBytes(): number {
    let total = 0;
    for (const size of this.sizes.values()) total += size;
    return total;
  }
}

function roundUp(x: number, multiple: number): number {
  return Math.ceil(x / multiple) * multiple;
}
