/**
 * The browser side of the GEMM threads, in Node: the decision whether Web Workers may run, and what
 * happens when they fail to start (a fake `Worker`; real ones run in `browser.test.ts`). Node's
 * worker threads are hidden from the kernels here, so they take the browser's path.
 */
import { afterEach, beforeEach, describe, expect, test, vi, type MockInstance } from 'vitest';
import { startWebWorker, webThreadEnvironment, webThreadsUnavailable } from './webPlatform.js';
import { createWasmKernels } from './wasmKernels.js';

vi.mock('./nodePlatform.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('./nodePlatform.js')>()),
  hasWorkerThreads: () => false,
  runsOnNode: () => false,
}));

describe('whether GEMM may start Web Workers', () => {
  const ok = { crossOriginIsolated: true, workers: true, canBlock: true } as const;

  test('only a thread that may block, on a cross-origin isolated page, with Web Workers', () => {
    expect(webThreadsUnavailable(ok)).toBeNull();
    expect(webThreadsUnavailable({ ...ok, canBlock: false })).toBe("the calling thread may not block (Atomics.wait), as on a page's main thread: run tapegrad in a dedicated Worker to use threads");
    expect(webThreadsUnavailable({ ...ok, crossOriginIsolated: false })).toBe('the page is not cross-origin isolated: serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp');
    expect(webThreadsUnavailable({ ...ok, crossOriginIsolated: undefined })).toMatch(/^the page is not cross-origin isolated/);
    expect(webThreadsUnavailable({ ...ok, workers: false })).toBe('this runtime has no Web Workers (Worker, Blob and URL.createObjectURL)');
    // the main thread is named first: isolating the page would not help it
    expect(webThreadsUnavailable({ crossOriginIsolated: false, workers: true, canBlock: false })).toMatch(/may not block/);
  });

  test("Node's threads may block, and Node has no crossOriginIsolated or Worker global", () => {
    const env = webThreadEnvironment(new Int32Array(new SharedArrayBuffer(4)));
    expect(env).toEqual({ crossOriginIsolated: undefined, workers: false, canBlock: true });
  });
});

/** A stand-in for the browser's Worker: answers its first message with `answer`, or fails with `error`. */
class FakeWorker {
  static made: FakeWorker[] = [];
  static behaviour: { answer?: unknown; error?: string } = {};
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: { message?: string; preventDefault?(): void }) => void) | null = null;
  terminated = false;
  received: unknown[] = [];
  constructor(readonly url: string, readonly opts: { name?: string }) {
    FakeWorker.made.push(this);
  }
  postMessage(message: unknown): void {
    this.received.push(message);
    const { answer, error } = FakeWorker.behaviour;
    setTimeout(() => (error === undefined ? this.onmessage?.({ data: answer }) : this.onerror?.({ message: error })), 1);
  }
  terminate(): void {
    this.terminated = true;
  }
}

describe('Web Workers for GEMM', () => {
  const global = globalThis as { Worker?: unknown; crossOriginIsolated?: boolean };
  let warn: MockInstance<typeof console.warn>;
  beforeEach(() => {
    global.Worker = FakeWorker;
    global.crossOriginIsolated = true;
    FakeWorker.made = [];
    warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterEach(() => {
    delete global.Worker;
    delete global.crossOriginIsolated;
    warn.mockRestore();
  });

  test("a worker is made from a Blob URL of its script, is posted its data, and is ready when it says 'ready'", async () => {
    FakeWorker.behaviour = { answer: 'ready' };
    const started = startWebWorker('self.onmessage = () => {};', { slot: 64 }, 'tapegrad gemm 1');
    const worker = FakeWorker.made[0]!;
    expect(worker.url).toMatch(/^blob:/);
    expect(worker.opts).toEqual({ name: 'tapegrad gemm 1' });
    expect(worker.received).toEqual([{ slot: 64 }]);
    await expect(started.ready).resolves.toBeUndefined();
  });

  test('a worker that fails rejects its ready with why', async () => {
    FakeWorker.behaviour = { error: 'Refused to create a worker from blob: (simulated)' };
    await expect(startWebWorker('', {}, 'w').ready).rejects.toThrow('Refused to create a worker from blob: (simulated)');
    FakeWorker.behaviour = { answer: { error: 'CompileError: (simulated)' } };
    await expect(startWebWorker('', {}, 'w').ready).rejects.toThrow('CompileError: (simulated)');
  });

  test('kernels whose workers fail to start run without threads once ready, and say why once', async () => {
    FakeWorker.behaviour = { error: 'Refused to create a worker from blob: (simulated)' };
    const k = createWasmKernels({ threads: 1 });
    try {
      // started at once, asynchronously: the set counts the thread it is starting
      expect(FakeWorker.made).toHaveLength(1);
      expect(k.threads).toBe(1);
      await k.ready;
      expect(k.threads).toBe(0);
      expect(FakeWorker.made[0]!.terminated).toBe(true);
      const why = 'GEMM runs without worker threads: the Web Workers failed to start (Refused to create a worker from blob: (simulated))';
      expect(k.reason).toBe(`WebAssembly SIMD runs here (the relaxed-SIMD FMA build); ${why}`);
      expect(warn.mock.calls).toEqual([[`tapegrad: ${why}`]]);
      // products run on the calling thread
      const c = new Float64Array(1);
      k.gemm(false, false, 1, 1, 2, new Float64Array([1, 2]), 0, 2, new Float64Array([3, 4]), 0, 1, c, 0, 1, false);
      expect(c[0]).toBe(11);
    } finally {
      k.dispose();
    }
  });

  test('without cross-origin isolation no worker is made, and a message says why', async () => {
    global.crossOriginIsolated = false;
    const k = createWasmKernels({ threads: 2 });
    await k.ready;
    expect(FakeWorker.made).toHaveLength(0);
    expect(k.threads).toBe(0);
    expect(k.reason).toMatch(/; GEMM runs without worker threads: the page is not cross-origin isolated/);
    expect(warn).toHaveBeenCalledTimes(1);
    k.dispose();
  });
});
