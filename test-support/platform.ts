/**
 * Running code as it runs off Node: in a browser (or Node before 20.16) there is no
 * `process.getBuiltinModule`, which the packages' file I/O looks up instead of importing Node's modules.
 * @module
 */

/** Runs `fn` with `owner[key]` undefined, as in a runtime without it, and puts it back afterwards. */
export async function withoutProperty<O extends object, T>(owner: O, key: keyof O, fn: () => Promise<T>): Promise<T> {
  const saved = owner[key];
  (owner as Record<keyof O, unknown>)[key] = undefined;
  try {
    return await fn();
  } finally {
    owner[key] = saved;
  }
}

/** Runs `fn` with `process.getBuiltinModule` gone, as in a browser, and puts it back afterwards. */
export function withoutBuiltins<T>(fn: () => Promise<T>): Promise<T> {
  return withoutProperty(process, 'getBuiltinModule', fn);
}
