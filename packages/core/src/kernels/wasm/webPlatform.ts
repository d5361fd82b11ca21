/**
 * The only place the kernels touch browser APIs: the CPU count (`navigator.hardwareConcurrency`),
 * whether GEMM may start Web Workers here, and starting one from an inline script (a Blob URL, so
 * that a user's bundler has no worker file to find). Everything is reached through `globalThis`, so
 * this file loads in Node too, where each function reports that it cannot help.
 * @module
 * @internal
 */

/** The browser globals this file reads, all optional (Node has none of them, or only some). */
interface WebGlobals {
  navigator?: { hardwareConcurrency?: number };
  crossOriginIsolated?: boolean;
  Worker?: new (url: string, opts?: { name?: string }) => WebWorker;
  Blob?: new (parts: string[], opts: { type: string }) => object;
  URL?: { createObjectURL?(blob: object): string; revokeObjectURL?(url: string): void };
}

/** The part of a Web Worker the kernels use. */
interface WebWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: { message?: string; preventDefault?(): void }) => void) | null;
}

const web = globalThis as WebGlobals;

/** `navigator.hardwareConcurrency` where there is one, else undefined. */
export function hardwareConcurrency(): number | undefined {
  const n = web.navigator?.hardwareConcurrency;
  return typeof n === 'number' && n >= 1 ? Math.floor(n) : undefined;
}

/** What decides whether GEMM may run slices on Web Workers here. */
export interface WebThreadEnvironment {
  /** `crossOriginIsolated` (undefined where the global does not exist). */
  readonly crossOriginIsolated: boolean | undefined;
  /** Whether `Worker`, `Blob` and `URL.createObjectURL` exist. */
  readonly workers: boolean;
  /** Whether `Atomics.wait` may block the calling thread (false on a page's main thread). */
  readonly canBlock: boolean;
}

/** This realm's {@link WebThreadEnvironment}; `probe` is an Int32Array on shared memory whose element 0 is not 1. */
export function webThreadEnvironment(probe: Int32Array): WebThreadEnvironment {
  let canBlock = true;
  try {
    // returns 'not-equal' at once where waiting is allowed, throws where it is not
    Atomics.wait(probe, 0, 1, 0);
  } catch {
    canBlock = false;
  }
  return {
    crossOriginIsolated: web.crossOriginIsolated,
    workers: typeof web.Worker === 'function' && typeof web.Blob === 'function' && typeof web.URL?.createObjectURL === 'function',
    canBlock,
  };
}

/**
 * Why GEMM may not start Web Workers in `env`, or null when it may. Threads need all three: a
 * thread that may block while the workers compute (a dedicated Worker, not a page's main thread,
 * where `Atomics.wait` throws), cross-origin isolation (to post the shared memory to a worker), and
 * Web Workers made from a Blob URL.
 */
export function webThreadsUnavailable(env: WebThreadEnvironment): string | null {
  if (!env.canBlock) {
    return "the calling thread may not block (Atomics.wait), as on a page's main thread: run tapegrad in a dedicated Worker to use threads";
  }
  if (env.crossOriginIsolated !== true) {
    return 'the page is not cross-origin isolated: serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp';
  }
  if (!env.workers) return 'this runtime has no Web Workers (Worker, Blob and URL.createObjectURL)';
  return null;
}

/** A started Web Worker and when it is ready. */
export interface StartedWebWorker {
  /** Resolves when the worker posts `'ready'`; rejects with why when it fails to start. */
  readonly ready: Promise<void>;
  terminate(): void;
}

/**
 * Starts a classic Web Worker running `source` from a Blob URL and posts it `message`. The worker
 * posts `'ready'` when it has started, or `{ error }` when it could not. Throws where workers
 * cannot be made (no Worker, a Content-Security-Policy without `worker-src blob:`).
 */
export function startWebWorker(source: string, message: unknown, name: string): StartedWebWorker {
  const { Worker, Blob, URL } = web;
  if (Worker === undefined || Blob === undefined || URL?.createObjectURL === undefined) {
    throw new Error('this runtime has no Web Workers (Worker, Blob and URL.createObjectURL)');
  }
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  let worker: WebWorker;
  try {
    worker = new Worker(url, { name });
  } catch (e) {
    URL.revokeObjectURL?.(url);
    throw e;
  }
  const ready = new Promise<void>((resolve, reject) => {
    worker.onmessage = (event) => {
      const data = event.data as 'ready' | { error?: string };
      if (data === 'ready') resolve();
      else reject(new Error(data.error ?? 'the worker failed to start'));
    };
    worker.onerror = (event) => {
      event.preventDefault?.();
      reject(new Error(event.message || 'the worker failed to start (a script error, or a Content-Security-Policy that forbids blob: workers)'));
    };
  });
  // the worker has fetched its script once it answers, either way
  const revoke = (): void => URL.revokeObjectURL?.(url);
  ready.then(revoke, revoke);
  worker.postMessage(message);
  return { ready, terminate: () => worker.terminate() };
}
