import { describe, expect, test } from 'vitest';
import { checkFloatDtype, checkFloatTensor } from './checks.js';
import { tensor } from './creation.js';
import { DtypeError } from './errors.js';

describe('argument checks', () => {
  test('checkFloatTensor passes float tensors and names the op and argument otherwise', () => {
    expect(() => checkFloatTensor('op', tensor([1], { dtype: 'float32' }))).not.toThrow();
    expect(() => checkFloatTensor('op', tensor([1], { dtype: 'float64' }))).not.toThrow();
    expect(() => checkFloatTensor('op', tensor([1], { dtype: 'int32' }), 'x')).toThrow(new DtypeError('op: x must be float32 or float64 (got int32)'));
    expect(() => checkFloatTensor('op', [1, 2])).toThrow(new TypeError('op: input must be a Tensor (got an array)'));
    expect(() => checkFloatTensor('op', null, 'w')).toThrow(new TypeError('op: w must be a Tensor (got null)'));
  });
  test('checkFloatDtype returns a float dtype and refuses others', () => {
    expect(checkFloatDtype('Linear', 'float32')).toBe('float32');
    expect(() => checkFloatDtype('Linear', 'uint8')).toThrow(new DtypeError('Linear: dtype must be float32 or float64 (got uint8)'));
    expect(() => checkFloatDtype('Linear', undefined)).toThrow(DtypeError);
  });
});
