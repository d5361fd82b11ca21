/**
 * The GEMM-level paired tools' builds: a checkout's relaxed-SIMD WebAssembly kernels instantiated on a
 * shared memory of their own (so two builds never share caches of operands they place themselves),
 * and page-aligned regions of that memory for the operands.
 * @module
 */
/// <reference path="../../packages/core/src/kernels/wasm/webassembly.d.ts" />
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Where a built checkout keeps its kernels' binaries. */
const GENERATED = 'packages/core/dist/kernels/wasm/binaries.generated.js';

/** The GEMM exports the tools call. */
export interface GemmKernels {
  gemmWorkspaceBytes(elementBytes: number): number;
  gemmF32(...args: number[]): void;
  gemmF64(...args: number[]): void;
}

/** The relaxed-SIMD build of `checkout`'s kernels on a memory of its own; `script` names the tool in an abort's error. */
export async function loadGemmKernels(checkout: string, script: string): Promise<{ kernels: GemmKernels; memory: WebAssembly.Memory }> {
  const generated = (await import(pathToFileURL(path.resolve(checkout, GENERATED)).href)) as { relaxedSimdBinary: string };
  const memory = new WebAssembly.Memory({ initial: 4096, maximum: 32768, shared: true });
  const module = new WebAssembly.Module(Buffer.from(generated.relaxedSimdBinary, 'base64'));
  const instance = new WebAssembly.Instance(module, { env: { memory, abort: () => { throw new Error(`${script}: a kernel aborted`); } } });
  return { kernels: instance.exports as unknown as GemmKernels, memory };
}

/**
 * Hands out regions of `memory` from byte `start` on, each followed by at least a page's gap and
 * rounded to 4 KiB, growing the memory as needed; returns each region's byte address.
 */
export function regionsFrom(memory: WebAssembly.Memory, start: number): (bytes: number) => number {
  let end = start;
  return (bytes) => {
    const at = end;
    end += Math.ceil((bytes + 4096) / 4096) * 4096;
    const pages = Math.ceil((end - memory.buffer.byteLength) / 65536);
    if (pages > 0) memory.grow(pages);
    return at;
  };
}
