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

const cache = new Map<boolean, CompiledKernels | Error>();

/** `compile()`, with a failure (a CompileError, a Content-Security-Policy without `wasm-unsafe-eval`) named. */
function compileOrExplain(compile: () => WebAssembly.Module): WebAssembly.Module {
  try {
    return compileOptimized(compile);
  } catch (e) {
    throw new Error(`compiling the WebAssembly module failed (${String(e)})`, { cause: e });
  }
}

/**
 * The kernel module: with `relaxed` true, the FMA build when this runtime can run it (else the
 * plain one); with false, the plain build.
 * @throws Error saying why when the runtime has no WebAssembly, no WebAssembly SIMD, or will not
 * compile the module (the same Error on every later call).
 */
export function compileKernels(relaxed: boolean): CompiledKernels {
  let result = cache.get(relaxed);
  if (result === undefined) {
    try {
      result = compileNow(relaxed);
    } catch (e) {
      result = e instanceof Error ? e : new Error(String(e));
    }
    cache.set(relaxed, result);
  }
  if (result instanceof Error) throw result;
  return result;
}

function compileNow(relaxed: boolean): CompiledKernels {
  if (typeof WebAssembly !== 'object' || WebAssembly === null) throw new Error('this runtime has no WebAssembly');
  if (relaxed) {
    const bytes = decode(relaxedSimdBinary);
    if (WebAssembly.validate(bytes) || (enableRelaxedSimdFlag() && WebAssembly.validate(bytes))) {
      return { module: compileOrExplain(() => new WebAssembly.Module(bytes)), relaxed: true };
    }
  }
  const bytes = decode(simdBinary);
  if (!WebAssembly.validate(bytes)) throw new Error('this runtime\'s WebAssembly has no SIMD (or no threads: atomics and shared memory)');
  return { module: compileOrExplain(() => new WebAssembly.Module(bytes)), relaxed: false };
}
