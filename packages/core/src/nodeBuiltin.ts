/**
 * The one place tapegrad reaches Node's built-in modules: through `process.getBuiltinModule`
 * (Node 20.16+), looked up when a Node-only function runs, never imported. A module that uses them
 * therefore loads and bundles for a browser as is (esbuild, Vite: no `node:` import to resolve, no
 * plugin, stub or alias), and there its Node-only functions can say what to use instead.
 * @module
 */

/**
 * Node's built-in module `id` through `process.getBuiltinModule` (Node 20.16 or later), or undefined
 * in a runtime without it (a browser, an older Node). tapegrad's file and thread code looks Node's
 * modules up with it when it runs instead of importing them, so every package still loads and
 * bundles in a browser with zero configuration; do the same in code that must run in both.
 *
 * @typeParam T - the module's type, e.g. `typeof import('node:path')` (not checked: it is what you say).
 * @param id - the module's id with its `node:` prefix, e.g. `'node:fs/promises'`.
 * @returns the module, or undefined off Node.
 * @example
 * ```ts
 * import { nodeBuiltin } from '@tapegrad/core';
 * const path = nodeBuiltin<typeof import('node:path')>('node:path');
 * console.log(path?.basename('/tmp/model.safetensors')); // 'model.safetensors'
 * ```
 * @category Utilities
 */
export function nodeBuiltin<T = unknown>(id: `node:${string}`): T | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.(id) as T | undefined;
}
