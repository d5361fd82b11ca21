/**
 * Which kernel set runs: {@link setKernels}, {@link getKernels} and {@link kernelsReady}, and the
 * `TAPEGRAD_KERNELS` environment variable that chooses at start-up.
 * @module
 */
import type { KernelName, KernelSet } from './kernelSet.js';
import { jsKernels } from './jsKernels.js';
import { createWasmKernels, type WasmKernelSet } from './wasm/wasmKernels.js';
import { cpuCount } from './wasm/kernelThreads.js';
import { environmentVariable } from './wasm/nodePlatform.js';
import { noticeOnce } from './wasm/notice.js';
import { useKernelMemory } from '../allocator.js';

/**
 * Options of {@link setKernels}.
 * @category Kernels
 */
export interface KernelOptions {
  /**
   * Worker threads the WebAssembly GEMM may use besides the calling thread, for products of at
   * least ~4 MFLOP (smaller ones lose more to the hand-off than they gain), the Adam update, ReLU,
   * its backward, the bias add and the row sums on arrays of at least 2^18 elements, and BatchNorm's
   * forward and backward from 2^16 (a waiting thread spins up to a millisecond before it sleeps, so
   * it takes the next job at once); capped at the CPUs minus one (Node's count,
   * `navigator.hardwareConcurrency` in a browser). Default: none; under Node the environment
   * variable `TAPEGRAD_THREADS` sets the default. Ignored by the `'js'` kernels. In a browser the threads are Web Workers, and only where the calling thread may block
   * (a dedicated Worker) on a cross-origin isolated page; elsewhere (a page's main thread) there are
   * none, and a one-time console message says why. See {@link kernelsReady}.
   */
  threads?: number;
  /**
   * Use the relaxed-SIMD build (fused multiply-add, +7% on large products) when the runtime has
   * it; false forces the multiply-and-add build. Default true.
   */
  relaxedSimd?: boolean;
}

let active: KernelSet | null = null;
let wasmSet: WasmKernelSet | null = null;
/** The options `wasmSet` was made with. */
let wasmOptions = '';

/** The TypeScript kernels that `'auto'` fell back to, one per reason. */
const fallbacks = new Map<string, KernelSet>();

/** The threads option, checked. */
function threadOption(opts: KernelOptions): number {
  const threads = opts.threads ?? Number(environmentVariable('TAPEGRAD_THREADS') ?? 0);
  if (!(Number.isInteger(threads) && threads >= 0)) {
    throw new RangeError(`setKernels: threads must be a non-negative integer (got ${threads})`);
  }
  return threads;
}

/**
 * The WebAssembly kernels with these options, reusing the current instance when it already fits.
 * @throws Error saying why where they cannot run.
 */
function wasmKernels(threads: number, relaxed: boolean): WasmKernelSet {
  const key = `${threads} ${relaxed}`;
  if (wasmSet !== null && key === wasmOptions) return wasmSet;
  wasmSet?.dispose();
  wasmSet = null;
  wasmSet = createWasmKernels({ relaxed, threads: Math.min(threads, Math.max(0, cpuCount() - 1)) });
  wasmOptions = key;
  return wasmSet;
}

/** The TypeScript kernels, for `'auto'` where WebAssembly cannot run (`why`); says so once. */
function fallback(why: string): KernelSet {
  let set = fallbacks.get(why);
  if (set === undefined) {
    set = Object.freeze({ ...jsKernels, reason: `'auto' chose them: the WebAssembly kernels cannot run here: ${why}` });
    fallbacks.set(why, set);
  }
  noticeOnce(`tapegrad: using the TypeScript kernels ('js'), slower: the WebAssembly kernels cannot run here: ${why}`);
  return set;
}

/** Makes `set` the active one; new float arrays live in its memory when it has one. */
function activate(set: KernelSet): KernelSet {
  active = set;
  useKernelMemory(set.name === 'wasm' ? (dtype, length) => set.allocate(dtype, length) : null);
  return set;
}

/**
 * Chooses the kernels that GEMM, the fused layers and the optimizers run on:
 * - `'wasm'`: WebAssembly SIMD, compiled at build time from `packages/core/assembly/` (the default
 *   wherever WebAssembly SIMD runs: Node 20, current browsers). Operands are copied into the
 *   kernels' memory for each call unless they live there already (see {@link KernelSet.allocate}).
 * - `'js'`: pure TypeScript, runs anywhere; float32 products accumulate in float64.
 * - `'auto'`: `'wasm'` where it runs, else `'js'`. WebAssembly cannot run without SIMD, where the
 *   module does not compile or instantiate (a Content-Security-Policy without `wasm-unsafe-eval`),
 *   or where a shared `WebAssembly.Memory` is refused (most browsers refuse one on a page that is
 *   not cross-origin isolated). `'auto'` then uses `'js'` and prints one console message naming
 *   why; the set's {@link KernelSet.reason} says it too. Nothing is printed when WebAssembly runs.
 *
 * At start-up the environment variable `TAPEGRAD_KERNELS` (`js`, `wasm` or `auto`) chooses; unset
 * means `'auto'`. The two sets agree to rounding: results can differ in the last bits of float32.
 *
 * `setKernels` returns at once. With threads in a browser, the Web Workers start in the background
 * and GEMM runs on the calling thread alone until they are ready: `await kernelsReady()` (see
 * {@link kernelsReady}) before timing or before the large products.
 *
 * @param name - `'js'`, `'wasm'` or `'auto'`.
 * @param opts - `threads` (default 0, or `TAPEGRAD_THREADS`) and `relaxedSimd` (default true); see {@link KernelOptions}.
 * @returns the kernel set now active.
 * @throws Error naming why when `'wasm'` is asked for and WebAssembly cannot run here.
 * @throws RangeError when `threads` is not a non-negative integer.
 * @throws TypeError for another name.
 * @example
 * ```ts
 * import { setKernels, getKernels, tensor } from '@tapegrad/core';
 * const before = getKernels().name;
 * setKernels('js');
 * console.log(getKernels().name); // 'js'
 * console.log(tensor([[1, 2]]).matmul(tensor([[3], [4]])).toArray()); // [[11]]
 * console.log(setKernels('auto').name); // 'wasm'
 * setKernels(before);
 * ```
 * @category Kernels
 */
export function setKernels(name: KernelName | 'auto', opts: KernelOptions = {}): KernelSet {
  if (name === 'js') {
    active = jsKernels;
  } else if (name === 'wasm' || name === 'auto') {
    const threads = threadOption(opts);
    let set: KernelSet;
    try {
      set = wasmKernels(threads, opts.relaxedSimd ?? true);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      if (name === 'wasm') throw new Error(`setKernels: the WebAssembly kernels cannot run here: ${why} (got 'wasm'); use 'js' or 'auto'`, { cause: e });
      set = fallback(why);
    }
    active = set;
  } else {
    throw new TypeError(`setKernels: expected 'js', 'wasm' or 'auto' (got ${JSON.stringify(name)})`);
  }
  return activate(active);
}

/**
 * The active kernel set (see {@link setKernels}); the first call chooses it from the environment
 * variable `TAPEGRAD_KERNELS` (`js`, `wasm`, or `auto`, the default). Its `name` says which set
 * runs and its `reason` why (for `'auto'` on `'js'`: why WebAssembly could not run). It never
 * throws for want of WebAssembly: `'auto'` falls back to `'js'`.
 *
 * @throws TypeError when `TAPEGRAD_KERNELS` holds another value.
 * @throws Error when `TAPEGRAD_KERNELS=wasm` and WebAssembly cannot run here.
 * @example
 * ```ts
 * import { getKernels } from '@tapegrad/core';
 * const k = getKernels();
 * const y = new Float64Array([-1, 2]);
 * k.relu(2, y, 0, y, 0);
 * console.log(k.name === 'js' || k.name === 'wasm', y); // true Float64Array(2) [ 0, 2 ]
 * console.log(typeof k.reason); // 'string'
 * ```
 * @category Kernels
 */
export function getKernels(): KernelSet {
  if (active !== null) return active;
  const env = environmentVariable('TAPEGRAD_KERNELS');
  if (env !== undefined && env !== '' && env !== 'js' && env !== 'wasm' && env !== 'auto') {
    throw new TypeError(`tapegrad: TAPEGRAD_KERNELS must be js, wasm or auto (got ${JSON.stringify(env)})`);
  }
  return setKernels(env === 'js' || env === 'wasm' ? env : 'auto');
}

/**
 * Resolves with the active kernel set once it runs at its full thread count. With threads in a
 * browser, {@link setKernels} starts the Web Workers and returns at once; until each has
 * instantiated the kernels, products run on the calling thread alone. Everywhere else (Node, whose
 * worker threads take work as soon as they are asked to, no threads, `'js'`) it resolves at once.
 * When the workers fail to start it still resolves: the set then has `threads` 0, and a one-time
 * console message says why. It never rejects.
 *
 * @returns the set that was active when it was called.
 * @example
 * ```ts
 * import { kernelsReady, setKernels, getKernels } from '@tapegrad/core';
 * const before = getKernels();
 * setKernels('wasm', { threads: 1 }); // in a browser: inside a dedicated Worker, cross-origin isolated
 * const k = await kernelsReady();
 * console.log(k === getKernels(), k.threads <= 1); // true true
 * setKernels(before.name, { threads: before.threads });
 * ```
 * @category Kernels
 */
export async function kernelsReady(): Promise<KernelSet> {
  const set = getKernels();
  await (set as Partial<WasmKernelSet>).ready;
  return set;
}

/**
 * Makes `set` the active kernel set and returns the one it replaces (tests run one suite on
 * several sets with it).
 * @internal
 */
export function swapKernels(set: KernelSet): KernelSet {
  const previous = getKernels();
  activate(set);
  return previous;
}
