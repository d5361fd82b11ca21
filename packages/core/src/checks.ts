/**
 * The argument checks every package makes, with the message format of tapegrad's errors:
 * `<op or module>: <what was expected> (got <what came>)`.
 * @module
 */
import { DtypeError } from './errors.js';
import type { FloatDType } from './dtype.js';
import { Tensor } from './tensor.js';

/**
 * How a value that should have been something else is named in a message: `null`, `an array`,
 * `a float32 tensor`, another object by its class (`Float64Array`, `Object`), anything else by its
 * type (`number`, `undefined`). @internal
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Tensor) return `a ${value.dtype} tensor`;
  if (typeof value === 'object') return (value.constructor as { name?: string } | undefined)?.name ?? 'an object';
  return typeof value;
}

/**
 * Checks that `value` is a float32 or float64 tensor.
 *
 * @param where - the op or module, first word of the message.
 * @param value - what was passed.
 * @param name - the argument's name in the message (default `'input'`).
 * @throws TypeError when `value` is not a Tensor; {@link DtypeError} when its dtype is not floating.
 * @example
 * ```ts
 * import { checkFloatTensor, tensor } from '@tapegrad/core';
 * checkFloatTensor('myOp', tensor([1.5]));                           // passes
 * try { checkFloatTensor('myOp', tensor([1], { dtype: 'int32' }), 'x'); }
 * catch (e) { console.log(String(e)); } // 'DtypeError: myOp: x must be float32 or float64 (got int32)'
 * ```
 * @category Utilities
 */
export function checkFloatTensor(where: string, value: unknown, name = 'input'): asserts value is Tensor {
  if (!(value instanceof Tensor)) throw new TypeError(`${where}: ${name} must be a Tensor (got ${describeValue(value)})`);
  if (value.dtype !== 'float32' && value.dtype !== 'float64') {
    throw new DtypeError(`${where}: ${name} must be float32 or float64 (got ${value.dtype})`);
  }
}

/**
 * Checks a dtype option that must be floating and returns it.
 *
 * @param where - the op or module, first word of the message.
 * @param dtype - what was passed.
 * @param name - the option's name in the message (default `'dtype'`).
 * @throws {@link DtypeError} when `dtype` is not `'float32'` or `'float64'`.
 * @example
 * ```ts
 * import { checkFloatDtype } from '@tapegrad/core';
 * console.log(checkFloatDtype('Linear', 'float64')); // 'float64'
 * try { checkFloatDtype('Linear', 'int32'); } catch (e) { console.log(String(e)); } // 'DtypeError: Linear: dtype must be float32 or float64 (got int32)'
 * ```
 * @category Utilities
 */
export function checkFloatDtype(where: string, dtype: unknown, name = 'dtype'): FloatDType {
  if (dtype !== 'float32' && dtype !== 'float64') throw new DtypeError(`${where}: ${name} must be float32 or float64 (got ${String(dtype)})`);
  return dtype;
}
