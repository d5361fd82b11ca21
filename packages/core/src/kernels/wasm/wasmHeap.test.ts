import { describe, expect, test } from 'vitest';
import { WasmHeap } from './wasmHeap.js';

/** `view` with its `buffer` and `byteOffset` getters made to throw (own properties shadow the prototype's). */
function withoutGetters<T extends ArrayBufferView>(view: T): T {
  for (const name of ['buffer', 'byteOffset']) {
    Object.defineProperty(view, name, { get: () => { throw new Error(`${name} was read`); } });
  }
  return view;
}

describe('WasmHeap.addressOf: where a kernel finds an operand in place', () => {
  test("a view allocateView made is found by its block's address without reading its buffer or byteOffset", () => {
    const heap = new WasmHeap(1024);
    heap.allocateView(8, 3); // so that the next block does not start at the reserved bytes' end
    const view = heap.allocateView(8, 5);
    const ptr = view.byteOffset;
    expect(ptr).toBeGreaterThan(1024);
    expect(heap.addressOf(withoutGetters(view))).toBe(ptr);
    expect(heap.owns(view)).toBe(true);
  });

  test('any other view of the heap by its own byteOffset; arrays elsewhere, and views of another heap, are not its', () => {
    const heap = new WasmHeap(0);
    const block = heap.allocateView(4, 64);
    const part = block.subarray(16, 32);
    expect(heap.addressOf(part)).toBe(block.byteOffset + 16 * 4);
    const ptr = heap.alloc(256);
    expect(heap.addressOf(heap.view(8, ptr, 32))).toBe(ptr);
    expect(heap.addressOf(new Float64Array(8))).toBe(-1);
    expect(heap.addressOf(new WasmHeap(0).allocateView(8, 8))).toBe(-1);
    expect(heap.owns(new Float32Array(4))).toBe(false);
  });

  test('views made before the memory grew keep their addresses', () => {
    const heap = new WasmHeap(0, 1);
    const early = heap.allocateView(8, 16);
    const ptr = early.byteOffset;
    const late = heap.allocateView(8, 65536); // more than the first page: the memory grows
    expect(heap.memory.buffer.byteLength).toBeGreaterThan(65536);
    expect(heap.addressOf(early)).toBe(ptr);
    expect(heap.addressOf(early.subarray(2))).toBe(ptr + 16);
    expect(heap.addressOf(late)).toBe(late.byteOffset);
  });
});
