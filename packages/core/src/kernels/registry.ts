/**
 * Which kernel set runs: {@link setKernels} and {@link getKernels}, and the `TAPEGRAD_KERNELS`
 * environment variable that chooses at start-up.
 * @module
 */
import type { KernelName, KernelSet } from './kernelSet.js';
import { jsKernels } from './jsKernels.js';
import { createWasmKernels, type WasmKernelSet } from './wasm/wasmKernels.js';
import { availableParallelism, environmentVariable } from './wasm/nodePlatform.js';

/**
 * Options of {@link setKernels}.
 * @category Kernels
 */
export interface KernelOptions {
  /**
   * Worker threads the WebAssembly GEMM may use besides the calling thread, for products of at
   * least ~4 MFLOP (smaller ones lose more to waking a thread than they gain). Default: none; the
   * environment variable `TAPEGRAD_THREADS` sets the default. Ignored by the `'js'` kernels.
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

/** The WebAssembly kernels with `opts`, reusing the current instance when it already fits. */
function wasmKernels(opts: KernelOptions): WasmKernelSet | null {
  const threads = opts.threads ?? Number(environmentVariable('TAPEGRAD_THREADS') ?? 0);
  const relaxed = opts.relaxedSimd ?? true;
  if (!(Number.isInteger(threads) && threads >= 0)) {
    throw new RangeError(`setKernels: threads must be a non-negative integer (got ${threads})`);
  }
  const key = `${threads} ${relaxed}`;
  if (wasmSet !== null && key === wasmOptions) return wasmSet;
  wasmSet?.dispose();
  wasmSet = createWasmKernels({ relaxed, threads: Math.min(threads, Math.max(0, availableParallelism() - 1)) });
  wasmOptions = key;
  return wasmSet;
}

/**
 * Chooses the kernels that GEMM, the fused layers and the optimizers run on:
 * - `'wasm'`: WebAssembly SIMD, compiled at build time from `packages/core/assembly/` (the default
 *   wherever WebAssembly SIMD runs: Node 20, current browsers). Operands are copied into the
 *   kernels' memory for each call unless they live there already (see {@link KernelSet.allocate}).
 * - `'js'`: pure TypeScript, runs anywhere; float32 products accumulate in float64.
 * - `'auto'`: `'wasm'` where it runs, else `'js'`.
 *
 * At start-up the environment variable `TAPEGRAD_KERNELS` (`js`, `wasm` or `auto`) chooses; unset
 * means `'auto'`. The two sets agree to rounding: results can differ in the last bits of float32.
 *
 * @param name - `'js'`, `'wasm'` or `'auto'`.
 * @param opts - `threads` (default 0, or `TAPEGRAD_THREADS`) and `relaxedSimd` (default true); see {@link KernelOptions}.
 * @returns the kernel set now active.
 * @throws Error when `'wasm'` is asked for and the runtime has no WebAssembly SIMD.
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
    const set = wasmKernels(opts);
    if (set === null && name === 'wasm') throw new Error('setKernels: this runtime has no WebAssembly SIMD (got \'wasm\'); use \'js\' or \'auto\'');
    active = set ?? jsKernels;
  } else {
    throw new TypeError(`setKernels: expected 'js', 'wasm' or 'auto' (got ${JSON.stringify(name)})`);
  }
  return active;
}

/**
 * The active kernel set (see {@link setKernels}); the first call chooses it from the environment
 * variable `TAPEGRAD_KERNELS` (`js`, `wasm`, or `auto`, the default).
 *
 * @throws TypeError when `TAPEGRAD_KERNELS` holds another value.
 * @example
 * ```ts
 * import { getKernels } from '@tapegrad/core';
 * const k = getKernels();
 * const y = new Float64Array([-1, 2]);
 * k.relu(2, y, 0, y, 0);
 * console.log(k.name === 'js' || k.name === 'wasm', y); // true Float64Array(2) [ 0, 2 ]
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
 * Makes `set` the active kernel set and returns the one it replaces (tests run one suite on
 * several sets with it).
 * @internal
 */
export function swapKernels(set: KernelSet): KernelSet {
  const previous = getKernels();
  active = set;
  return previous;
}
