import { afterEach, beforeEach, describe, expect, test, vi, type MockInstance } from 'vitest';
import type * as Registry from './registry.js';

/** A fresh registry (and kernel modules, compile cache and one-time messages with it). */
async function freshRegistry(): Promise<typeof Registry> {
  vi.resetModules();
  return import('./registry.js');
}

/** Replaces `WebAssembly[key]` for the duration of `body`. */
async function withWebAssembly(key: 'Memory' | 'Module' | 'Instance' | 'validate', value: unknown, body: () => Promise<void> | void): Promise<void> {
  const wasm = WebAssembly as unknown as Record<string, unknown>;
  const original = wasm[key];
  wasm[key] = value;
  try {
    await body();
  } finally {
    wasm[key] = original;
  }
}

const Memory = WebAssembly.Memory;
/** A `WebAssembly.Memory` that refuses `shared: true`, as most browsers do without cross-origin isolation. */
function RefusingMemory(descriptor: { initial: number; maximum?: number; shared?: boolean }): WebAssembly.Memory {
  if (descriptor.shared) throw new TypeError('shared memory refused (simulated)');
  return new Memory(descriptor);
}

describe('choosing the kernels', () => {
  let warn: MockInstance<typeof console.warn>;
  const env = process.env['TAPEGRAD_KERNELS'];
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    delete process.env['TAPEGRAD_KERNELS'];
  });
  afterEach(() => {
    warn.mockRestore();
    if (env === undefined) delete process.env['TAPEGRAD_KERNELS'];
    else process.env['TAPEGRAD_KERNELS'] = env;
  });

  test("where WebAssembly runs, 'auto' is 'wasm' and nothing is printed", async () => {
    const { getKernels, setKernels } = await freshRegistry();
    const k = getKernels();
    expect(k.name).toBe('wasm');
    expect(k.reason).toMatch(/^WebAssembly SIMD runs here \(the relaxed-SIMD FMA build\)$/);
    expect(setKernels('auto')).toBe(k);
    expect(setKernels('wasm', { relaxedSimd: false }).reason).toBe('WebAssembly SIMD runs here (the multiply-and-add build)');
    expect(warn).not.toHaveBeenCalled();
  });

  test("'js' asked for says so, and prints nothing", async () => {
    process.env['TAPEGRAD_KERNELS'] = 'js';
    const { getKernels } = await freshRegistry();
    expect(getKernels()).toMatchObject({ name: 'js', threads: 0, reason: "asked for (setKernels('js') or TAPEGRAD_KERNELS=js)" });
    expect(warn).not.toHaveBeenCalled();
  });

  test("a refused shared memory: 'auto' (and the first use) falls back to 'js' with one message naming why; 'wasm' throws naming why", async () => {
    const { getKernels, setKernels, kernelsReady } = await freshRegistry();
    await withWebAssembly('Memory', RefusingMemory, async () => {
      const k = getKernels();
      expect(k.name).toBe('js');
      expect(k.reason).toBe("'auto' chose them: the WebAssembly kernels cannot run here: a shared WebAssembly.Memory was refused (TypeError: shared memory refused (simulated)); most browsers allow one only on cross-origin isolated pages (served with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)");
      expect(setKernels('auto', { threads: 1 })).toBe(k);
      expect(await kernelsReady()).toBe(k);
      expect(() => setKernels('wasm')).toThrow(new Error(`setKernels: the WebAssembly kernels cannot run here: ${k.reason.slice("'auto' chose them: the WebAssembly kernels cannot run here: ".length)} (got 'wasm'); use 'js' or 'auto'`));
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0]![0]).toMatch(/^tapegrad: using the TypeScript kernels \('js'\), slower: the WebAssembly kernels cannot run here: a shared WebAssembly.Memory was refused \(TypeError: shared memory refused \(simulated\)\)/);
      // the fallback computes
      const y = new Float64Array([-1, 2]);
      k.relu(2, y, 0, y, 0);
      expect(Array.from(y)).toEqual([0, 2]);
    });
    // once shared memory is allowed again, 'auto' gives WebAssembly back, silently
    expect(setKernels('auto').name).toBe('wasm');
    expect(warn).toHaveBeenCalledTimes(1);
  });

  test.each([
    ['validate', (): boolean => false, "this runtime's WebAssembly has no SIMD (or no threads: atomics and shared memory)"],
    ['Module', function (): never { throw new TypeError('refused by the Content-Security-Policy (simulated)'); }, 'compiling the WebAssembly module failed (TypeError: refused by the Content-Security-Policy (simulated))'],
    ['Instance', function (): never { throw new TypeError('bad import (simulated)'); }, 'instantiating the WebAssembly module failed (TypeError: bad import (simulated))'],
  ] as const)('WebAssembly.%s failing: the reason, the one message and the error of \'wasm\' name it', async (key, value, why) => {
    const { setKernels } = await freshRegistry();
    await withWebAssembly(key, value, () => {
      expect(setKernels('auto').reason).toBe(`'auto' chose them: the WebAssembly kernels cannot run here: ${why}`);
      expect(() => setKernels('wasm')).toThrow(`setKernels: the WebAssembly kernels cannot run here: ${why} (got 'wasm')`);
      setKernels('auto');
    });
    expect(warn.mock.calls).toEqual([[`tapegrad: using the TypeScript kernels ('js'), slower: the WebAssembly kernels cannot run here: ${why}`]]);
  });

  test('a runtime without WebAssembly: the TypeScript kernels, saying so', async () => {
    const { getKernels } = await freshRegistry();
    const global = globalThis as { WebAssembly?: unknown };
    const saved = global.WebAssembly;
    delete global.WebAssembly;
    try {
      expect(getKernels()).toMatchObject({ name: 'js', reason: "'auto' chose them: the WebAssembly kernels cannot run here: this runtime has no WebAssembly" });
    } finally {
      global.WebAssembly = saved;
    }
    expect(warn).toHaveBeenCalledTimes(1);
  });

  test('bad threads are a RangeError on every path, before any fallback', async () => {
    const { setKernels } = await freshRegistry();
    await withWebAssembly('Memory', RefusingMemory, () => {
      expect(() => setKernels('auto', { threads: -1 })).toThrow(new RangeError('setKernels: threads must be a non-negative integer (got -1)'));
    });
    expect(() => setKernels('wasm', { threads: 1.5 })).toThrow(RangeError);
    expect(warn).not.toHaveBeenCalled();
  });

  test("Node's threads take work at once: kernelsReady resolves, and a split product has the single-threaded bits", async () => {
    const { setKernels, kernelsReady } = await freshRegistry();
    const { availableParallelism } = await import('node:os');
    const single = setKernels('wasm', { threads: 0 });
    const m = 64, k = 512, n = 256;
    const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i));
    const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i));
    const alone = new Float32Array(m * n);
    single.gemm(false, false, m, n, k, a, 0, k, b, 0, n, alone, 0, n, false);
    const threaded = setKernels('wasm', { threads: 3 });
    expect(threaded.threads).toBe(Math.min(3, availableParallelism() - 1));
    expect(await kernelsReady()).toBe(threaded);
    const split = new Float32Array(m * n);
    threaded.gemm(false, false, m, n, k, a, 0, k, b, 0, n, split, 0, n, false);
    expect((threaded as unknown as { splitProducts: number }).splitProducts).toBe(threaded.threads > 0 ? 1 : 0);
    expect(split).toEqual(alone);
    expect(warn).not.toHaveBeenCalled();
    setKernels('wasm', { threads: 0 });
  });
});
