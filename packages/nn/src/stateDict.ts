/**
 * Loading a state dict into a module's named parameters and buffers: the checks (every missing and
 * unexpected key, every shape mismatch, in one error) and the copy, as PyTorch's
 * `Module.load_state_dict` does them. {@link Module.loadStateDict} is the public face.
 * @module
 */
import { ShapeError, formatShape, noGrad, sameShape, type Tensor } from '@tapegrad/core';

/** Options of {@link Module.loadStateDict}. @category Modules */
export interface LoadStateDictOptions {
  /** Require the keys to match exactly (default true). */
  strict?: boolean;
}

/** What {@link Module.loadStateDict} did not match (only when `strict` is false). @category Modules */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/**
 * Copies the values of `stateDict` into `own` (a module's parameters and persistent buffers by name),
 * converting dtype, without recording on the tape. Shapes must match; with `strict` (the default)
 * the keys must match exactly.
 * @param where - the caller, for the error (`Linear.loadStateDict`).
 * @throws ShapeError listing every missing and unexpected key (strict) and every shape mismatch.
 */
export function loadNamedState(where: string, own: ReadonlyMap<string, Tensor>, stateDict: Record<string, Tensor>, opts: LoadStateDictOptions = {}): LoadStateDictResult {
  const strict = opts.strict ?? true;
  const given = Object.keys(stateDict);
  const missingKeys = [...own.keys()].filter((k) => !Object.hasOwn(stateDict, k));
  const unexpectedKeys = given.filter((k) => !own.has(k));
  const mismatches = given
    .filter((k) => own.has(k))
    .filter((k) => !sameShape(own.get(k)!.shape, stateDict[k]!.shape))
    .map((k) => `${k}: expected ${formatShape(own.get(k)!.shape)} (got ${formatShape(stateDict[k]!.shape)})`);
  const problems: string[] = [];
  if (strict && missingKeys.length) problems.push(`missing keys: ${missingKeys.join(', ')}`);
  if (strict && unexpectedKeys.length) problems.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
  if (mismatches.length) problems.push(`shape mismatches: ${mismatches.join('; ')}`);
  if (problems.length) throw new ShapeError(`${where}: ${problems.join('; ')}`);
  noGrad(() => {
    for (const k of given) if (own.has(k)) own.get(k)!.copy_(stateDict[k]!);
  });
  return { missingKeys, unexpectedKeys };
}
