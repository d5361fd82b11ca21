/**
 * Running code as it runs off Node: in a browser (or Node before 20.16) there is no
 * `process.getBuiltinModule`, which the packages' file I/O looks up instead of importing Node's modules.
 * @module
 */

/** Runs `fn` with `process.getBuiltinModule` gone, as in a browser, and puts it back afterwards. */
export async function withoutBuiltins<T>(fn: () => Promise<T>): Promise<T> {
  const saved = process.getBuiltinModule;
  (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
  try {
    return await fn();
  } finally {
    process.getBuiltinModule = saved;
  }
}
