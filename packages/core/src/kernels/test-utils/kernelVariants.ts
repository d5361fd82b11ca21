/**
 * The kernel sets a kernel test runs on: the TypeScript kernels; the WebAssembly ones with FMA
 * (relaxed SIMD) and with multiply + add; and WebAssembly with a worker thread that takes a slice
 * of every GEMM, every elementwise kernel call and every BatchNorm call, however small.
 */
import { afterAll, beforeAll } from 'vitest';
import type { KernelSet } from '../kernelSet.js';
import { jsKernels } from '../jsKernels.js';
import { swapKernels } from '../registry.js';
import { createWasmKernels, type WasmKernelSet } from '../wasm/wasmKernels.js';

export interface KernelVariant {
  /** `js`, `wasm fma`, `wasm mul+add`, `wasm 2 threads`. */
  readonly label: string;
  readonly kernels: KernelSet;
  /** Whether float32 products accumulate in float32 (the WebAssembly kernels) rather than float64. */
  readonly float32Accumulation: boolean;
}

let cached: KernelVariant[] | null = null;

/** Every variant (created once per test file). */
export function kernelVariants(): KernelVariant[] {
  if (cached !== null) return cached;
  // where WebAssembly cannot run, createWasmKernels throws and the suites run on 'js' alone
  const wasm = (label: string, create: () => WasmKernelSet): KernelVariant[] => {
    try {
      return [{ label, kernels: create(), float32Accumulation: true }];
    } catch {
      return [];
    }
  };
  cached = [
    { label: 'js', kernels: jsKernels, float32Accumulation: false },
    ...wasm('wasm fma', () => createWasmKernels({ relaxed: true })),
    ...wasm('wasm mul+add', () => createWasmKernels({ relaxed: false })),
    ...wasm('wasm 2 threads', () => createWasmKernels({ relaxed: true, threads: 1, threadMinFlops: 0, threadMinElements: 0, threadMinNormElements: 0 })),
  ];
  afterAll(() => {
    for (const v of cached ?? []) (v.kernels as Partial<WasmKernelSet>).dispose?.();
  });
  return cached;
}

/** Makes `set` active for the tests of the enclosing describe block. */
export function useKernels(set: KernelSet): void {
  let previous: KernelSet | null = null;
  beforeAll(() => {
    previous = swapKernels(set);
  });
  afterAll(() => {
    if (previous !== null) swapKernels(previous);
  });
}
