/**
 * Compiles the kernels' WebAssembly (built from `packages/core/assembly/` by
 * `scripts/buildWasm.mjs`): the relaxed-SIMD build where the runtime accepts it (in Node 20 after
 * setting V8's flag), else the plain SIMD one.
 * @module
 * @internal
 */
import { relaxedSimdBinary, simdBinary } from './binaries.generated.js';
import { compileOptimized, enableRelaxedSimdFlag } from './nodePlatform.js';

/** A compiled kernel module and which build it is. */
export interface CompiledKernels {
  readonly module: WebAssembly.Module;
  /** Whether it is the relaxed-SIMD (fused multiply-add) build. */
  readonly relaxed: boolean;
}

function decode(base64: string): Uint8Array {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

const cache = new Map<boolean, CompiledKernels | null>();

/**
 * The kernel module: with `relaxed` true, the FMA build when this runtime can run it (else the
 * plain one); with false, the plain build. Null when the runtime has no WebAssembly SIMD.
 */
export function compileKernels(relaxed: boolean): CompiledKernels | null {
  const cached = cache.get(relaxed);
  if (cached !== undefined) return cached;
  let result: CompiledKernels | null = null;
  if (typeof WebAssembly === 'object') {
    if (relaxed) {
      const bytes = decode(relaxedSimdBinary);
      if (WebAssembly.validate(bytes) || (enableRelaxedSimdFlag() && WebAssembly.validate(bytes))) {
        result = { module: compileOptimized(() => new WebAssembly.Module(bytes)), relaxed: true };
      }
    }
    if (result === null) {
      const bytes = decode(simdBinary);
      if (WebAssembly.validate(bytes)) result = { module: compileOptimized(() => new WebAssembly.Module(bytes)), relaxed: false };
    }
  }
  cache.set(relaxed, result);
  return result;
}
