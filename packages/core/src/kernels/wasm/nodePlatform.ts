/**
 * The only place the kernels touch Node: the V8 flag that turns relaxed SIMD on in Node 20, the CPU
 * count, and worker threads (`webPlatform.ts` is its browser twin). All are reached through core's
 * {@link nodeBuiltin} (`process.getBuiltinModule`), not imported, so this file loads in a browser
 * too, where each function reports that it cannot help.
 * @module
 * @internal
 */
import { nodeBuiltin } from '../../nodeBuiltin.js';

/** Sets V8's `--experimental-wasm-relaxed-simd` (it must run before the module compiles); false off Node. */
export function enableRelaxedSimdFlag(): boolean {
  const v8 = nodeBuiltin<{ setFlagsFromString(flags: string): void }>('node:v8');
  if (v8 === undefined) return false;
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return true;
}

/**
 * Runs `compile` with V8 compiling WebAssembly eagerly with TurboFan (`--no-liftoff
 * --no-wasm-lazy-compilation`), then restores the defaults (unless the process was started with
 * those flags). By default Node 20 compiles each function with the baseline compiler on its first
 * call and optimizes it only after it ran hot, and a function never switches code while it runs:
 * the GEMM driver, called once per product, then packed and looped at baseline speed. Off Node,
 * `compile` just runs.
 */
export function compileOptimized<T>(compile: () => T): T {
  const v8 = nodeBuiltin<{ setFlagsFromString(flags: string): void }>('node:v8');
  if (v8 === undefined) return compile();
  const proc = (globalThis as { process?: { execArgv?: string[] } }).process;
  const given = new Set(proc?.execArgv ?? []);
  v8.setFlagsFromString('--no-liftoff');
  v8.setFlagsFromString('--no-wasm-lazy-compilation');
  try {
    return compile();
  } finally {
    if (!given.has('--no-liftoff')) v8.setFlagsFromString('--liftoff');
    if (!given.has('--no-wasm-lazy-compilation')) v8.setFlagsFromString('--wasm-lazy-compilation');
  }
}

/** The number of CPUs the process may use; undefined off Node. */
export function availableParallelism(): number | undefined {
  const os = nodeBuiltin<{ availableParallelism?: () => number; cpus(): unknown[] }>('node:os');
  if (os === undefined) return undefined;
  return os.availableParallelism?.() ?? os.cpus().length;
}

/** Whether this is Node (or a runtime that says it is one). */
export function runsOnNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof proc?.versions?.node === 'string';
}

/** Whether Node's worker threads are here (so {@link startWorker} starts one). */
export function hasWorkerThreads(): boolean {
  return nodeBuiltin('node:worker_threads') !== undefined;
}

/** A started worker: it runs until `terminate`, and does not keep the process alive. */
export interface KernelWorker {
  terminate(): void;
}

/**
 * Starts a worker thread running `source` (a CommonJS script; it reads `workerData` from
 * `require('node:worker_threads')`); undefined off Node.
 */
export function startWorker(source: string, workerData: unknown): KernelWorker | undefined {
  type WorkerCtor = new (code: string, opts: { eval: true; workerData: unknown }) => { unref(): void; terminate(): Promise<number> };
  const threads = nodeBuiltin<{ Worker: WorkerCtor }>('node:worker_threads');
  if (threads === undefined) return undefined;
  const worker = new threads.Worker(source, { eval: true, workerData });
  worker.unref();
  return { terminate: () => void worker.terminate() };
}

/** An environment variable under Node (undefined in a browser). */
export function environmentVariable(name: string): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env?.[name];
}
