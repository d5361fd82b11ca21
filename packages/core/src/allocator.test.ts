import { describe, expect, test } from 'vitest';
import { fromArray, giveBackArrays, releaseGrad, tensor, zeros } from '@tapegrad/core';
import { kernelArrayBytes, pooledArrayBytes } from './allocator.js';
import { swapKernels } from './kernels/registry.js';
import { createWasmKernels } from './kernels/wasm/wasmKernels.js';

const f64 = { dtype: 'float64' as const };
const eight = [1, 2, 3, 4, 5, 6, 7, 8];

describe('the pool takes only arrays it may own', () => {
  test("a caller's view of kernel memory that the pool did not make is never taken: its block is its owner's to free and hand out again", () => {
    const { heap } = createWasmKernels();
    const ptr = heap.alloc(8 * 8);
    const borrowed = heap.view(8, ptr, 8) as Float64Array; // a view of a block that someone else manages
    giveBackArrays([fromArray(borrowed)]);
    // the block's owner frees it, and the heap hands the same bytes to another owner
    heap.release(ptr);
    const otherPtr = heap.alloc(8 * 8);
    expect(otherPtr).toBe(ptr);
    const other = heap.view(8, otherPtr, 8);
    other.fill(5);
    const y = tensor(eight, f64).mul(2); // takes an array of 8 float64 from the pool, when it has one
    expect(y.data.data).not.toBe(borrowed);
    expect(y.toArray()).toEqual(eight.map((v) => 2 * v));
    expect(Array.from(other)).toEqual(new Array(8).fill(5));
  });

  test('a large one is not swapped for a block of the pool either: giving it back leaves the pool and the kernel memory as they were', () => {
    const wasm = createWasmKernels();
    const previous = swapKernels(wasm);
    try {
      const own = wasm.allocate('float32', 4096); // the caller's, released when it is collected
      const pooled = pooledArrayBytes(), inKernels = kernelArrayBytes();
      giveBackArrays([fromArray(own)]);
      expect([pooledArrayBytes(), kernelArrayBytes()]).toEqual([pooled, inKernels]);
      // a plain array of that size still comes back as a block of the pool
      giveBackArrays([fromArray(new Float32Array(4096))]);
      expect([pooledArrayBytes(), kernelArrayBytes()]).toEqual([pooled + 4096 * 4, inKernels + 4096 * 4]);
      expect(wasm.heap.owns(zeros([4096], { dtype: 'float32' }).data.data)).toBe(true);
    } finally {
      swapKernels(previous);
    }
  });
});

describe('arrays already in the pool', () => {
  test('among 20,000 of its length, an array given back again is not taken twice, nor after it was taken and given back again', () => {
    const length = 13; // a length no other test pools
    const arrays = Array.from({ length: 20_000 }, () => new Float64Array(length));
    for (const array of arrays) giveBackArrays([fromArray(array)]);
    const pooled = pooledArrayBytes();
    giveBackArrays([fromArray(arrays[0]!), fromArray(arrays[9_999]!), fromArray(arrays[19_999]!)]); // in the pool already
    expect(pooledArrayBytes()).toBe(pooled);
    const taken = Array.from({ length: 20_000 }, () => zeros([length], f64).data.data);
    expect(new Set(taken).size).toBe(20_000);
    expect(new Set([...taken, ...arrays]).size).toBe(20_000); // the same arrays
    expect(zeros([length], f64).data.data).not.toBe(arrays[0]); // the pool had that length's arrays once each
    // taken out, an array may come back (once)
    giveBackArrays([fromArray(arrays[5]!)]);
    giveBackArrays([fromArray(arrays[5]!)]);
    expect(zeros([length], f64).data.data).toBe(arrays[5]);
    expect(zeros([length], f64).data.data).not.toBe(arrays[5]);
  });
});

describe('shared marks', () => {
  test("an array's shared mark ends when it goes back to the pool: as a later gradient, releaseGrad gives it back", () => {
    const x = tensor(eight, f64), w = tensor(eight, { ...f64, requiresGrad: true });
    const t = x.mul(2);
    const array = t.data.data;
    t.detach(); // a second tensor shares the array: the tape must never give it back
    giveBackArrays([t]); // both are dead: the caller gives the array back
    w.sum().backward();
    expect(w.grad!.data.data).toBe(array); // sum's backward took it from the pool for the gradient
    expect(w.grad!.toArray()).toEqual(new Array(8).fill(1));
    releaseGrad(w); // nothing shares the gradient's array: it goes back
    expect(zeros([8], f64).data.data).toBe(array);
  });
});
