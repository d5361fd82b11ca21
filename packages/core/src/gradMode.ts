/**
 * Whether ops are recorded on the tape: `noGrad` turns recording off for a block, as PyTorch's
 * `torch.no_grad()` does.
 * @module
 */

let gradEnabled = true;

/**
 * Runs `fn` with gradient recording off: ops inside it build no graph and their results do not
 * require grad. Restores the previous mode afterwards, also when `fn` throws. `fn` must be
 * synchronous (the mode is global, so it would leak into an awaited continuation).
 *
 * @param fn - the block to run.
 * @returns what `fn` returns.
 * @example
 * ```ts
 * import { ones, noGrad } from '@tapegrad/core';
 * const w = ones([3], { requiresGrad: true });
 * const y = noGrad(() => w.mul(2));
 * console.log(y.requiresGrad); // false
 * ```
 * @category Autograd
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/**
 * Runs `fn` with gradient recording on, inside a `noGrad` block (PyTorch's `torch.enable_grad()`).
 *
 * @example
 * ```ts
 * import { ones, noGrad, enableGrad } from '@tapegrad/core';
 * const w = ones([3], { requiresGrad: true });
 * const y = noGrad(() => enableGrad(() => w.mul(2)));
 * console.log(y.requiresGrad); // true
 * ```
 * @category Autograd
 */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

/**
 * Whether ops are being recorded (false inside `noGrad`).
 *
 * @example
 * ```ts
 * import { noGrad, isGradEnabled } from '@tapegrad/core';
 * console.log(isGradEnabled(), noGrad(() => isGradEnabled())); // true false
 * ```
 * @category Autograd
 */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

function withGradMode<T>(mode: boolean, fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = mode;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}
