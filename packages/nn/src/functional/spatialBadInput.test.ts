/**
 * Bad input to the convolution, pooling and norm functions: each refusal's class and its message,
 * `<op>: <what was expected> (got <what came>)`, for both forms of every pair.
 */
import { describe, expect, test } from 'vitest';
import { DtypeError, ShapeError, zeros, type Tensor } from '@tapegrad/core';
import {
  avgPool2d, batchNorm2dComposed, batchNorm2dFused, conv2d, conv2dComposed, conv2dFused, groupNormComposed, groupNormFused,
  maxPool2d, rmsNormComposed, rmsNormFused,
} from '@tapegrad/nn';

type ErrorClass = abstract new (...args: never[]) => Error;

/** Runs `run` and checks the error's class, that the message starts with `name: ` and holds `expected` and `(got ...`. */
function expectRefusal(run: () => unknown, error: ErrorClass, name: string, expected: string, got: string): void {
  let thrown: unknown;
  try {
    run();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `${name} accepted it`).toBeInstanceOf(error);
  const message = (thrown as Error).message;
  expect(message.startsWith(`${name}: `), message).toBe(true);
  expect(message).toContain(expected);
  expect(message).toContain(`(got ${got}`);
}

const f32 = (shape: number[]): Tensor => zeros(shape);

describe.each([['conv2d', conv2d], ['conv2dFused', conv2dFused], ['conv2dComposed', conv2dComposed]] as const)('%s refuses', (name, conv) => {
  test('an input or weight of the wrong rank', () => {
    expectRefusal(() => conv(f32([3, 5, 5]), f32([4, 3, 3, 3])), ShapeError, name, 'expected input [N, C, H, W]', '[3, 5, 5]');
    expectRefusal(() => conv(f32([1, 3, 5, 5]), f32([4, 27])), ShapeError, name, 'expected weight [outChannels, inChannels/groups, kh, kw]', '[4, 27]');
  });

  test('an input whose channels do not match the weight and groups', () => {
    expectRefusal(() => conv(f32([1, 3, 5, 5]), f32([4, 2, 3, 3])), ShapeError, name, 'expected input [N, 2, H, W] for weight [4, 2, 3, 3] and groups 1', '[1, 3, 5, 5]');
    expectRefusal(() => conv(f32([1, 3, 5, 5]), f32([4, 1, 3, 3]), null, { groups: 2 }), ShapeError, name, 'expected input [N, 2, H, W] for weight [4, 1, 3, 3] and groups 2', '[1, 3, 5, 5]');
  });

  test('groups that do not divide the output channels, or are not a positive integer', () => {
    expectRefusal(() => conv(f32([1, 4, 5, 5]), f32([3, 2, 3, 3]), null, { groups: 2 }), ShapeError, name, "groups 2 must divide the weight's 3 output channels", 'weight [3, 2, 3, 3]');
    expectRefusal(() => conv(f32([1, 4, 5, 5]), f32([4, 4, 3, 3]), null, { groups: 0 }), RangeError, name, 'groups must be a positive integer', '0');
  });

  test('a kernel larger than the padded input', () => {
    expectRefusal(() => conv(f32([1, 1, 2, 2]), f32([1, 1, 3, 3])), ShapeError, name, 'the window 3×3 must fit in the padded input 2×2', 'input [1, 1, 2, 2] with padding [0, 0, 0, 0]');
    expectRefusal(() => conv(f32([1, 1, 4, 4]), f32([1, 1, 3, 3]), null, { dilation: 2 }), ShapeError, name, 'the window 3×3 (dilated 5×5) must fit in the padded input 4×4', 'input [1, 1, 4, 4]');
  });

  test("'same' with a stride, bad strides and paddings", () => {
    expectRefusal(() => conv(f32([1, 1, 6, 6]), f32([1, 1, 3, 3]), null, { padding: 'same', stride: 2 }), RangeError, name, "padding 'same' needs stride 1", 'stride [2, 2]');
    expectRefusal(() => conv(f32([1, 1, 6, 6]), f32([1, 1, 3, 3]), null, { stride: [1, 0] }), RangeError, name, 'stride must be a positive integer or a pair of them', '[1,0]');
    expectRefusal(() => conv(f32([1, 1, 6, 6]), f32([1, 1, 3, 3]), null, { padding: -1 }), RangeError, name, 'padding must be a non-negative integer', '-1');
    expectRefusal(() => conv(f32([1, 1, 6, 6]), f32([1, 1, 3, 3]), null, { padding: 'full' as never }), RangeError, name, "padding must be a non-negative integer, [ph, pw], 'same' or 'valid'", '"full"');
  });

  test('a bias that is not [F] and operands of another dtype', () => {
    expectRefusal(() => conv(f32([1, 1, 4, 4]), f32([2, 1, 3, 3]), f32([3])), ShapeError, name, 'expected bias [2]', '[3]');
    expectRefusal(() => conv(f32([1, 1, 4, 4]), zeros([2, 1, 3, 3], { dtype: 'float64' })), DtypeError, name, "expected weight of the input's dtype float32", 'float64');
  });
});

describe.each([['maxPool2d', maxPool2d], ['avgPool2d', avgPool2d]] as const)('%s refuses', (name, pool) => {
  test('an input that is not 4-D, a window larger than the input, a padding over half the window', () => {
    expectRefusal(() => pool(f32([3, 4, 4]), 2), ShapeError, name, 'expected input [N, C, H, W]', '[3, 4, 4]');
    expectRefusal(() => pool(f32([1, 1, 2, 2]), 3), ShapeError, name, 'the window 3×3 must fit in the padded input 2×2', 'input [1, 1, 2, 2]');
    expectRefusal(() => pool(f32([1, 1, 6, 6]), 3, { padding: 2 }), RangeError, name, 'padding must be at most half the window 3×3', 'padding [2, 2]');
    expectRefusal(() => pool(f32([1, 1, 6, 6]), 0), RangeError, name, 'kernelSize must be a positive integer or a pair of them', '0');
  });
});

describe.each([['batchNorm2dFused', batchNorm2dFused], ['batchNorm2dComposed', batchNorm2dComposed]] as const)('%s refuses', (name, bn) => {
  test('an input that is not 4-D, per-channel tensors that are not [C], one value per channel in training', () => {
    expectRefusal(() => bn(f32([4, 3, 5])), ShapeError, name, 'expected input [N, C, H, W]', '[4, 3, 5]');
    expectRefusal(() => bn(f32([4, 3, 2, 2]), f32([4])), ShapeError, name, 'expected weight [3]', '[4]');
    expectRefusal(() => bn(f32([1, 3, 1, 1])), ShapeError, name, 'expected more than 1 value per channel when training', 'input [1, 3, 1, 1]');
    expectRefusal(() => bn(f32([2, 3, 2, 2]), null, null, { training: false }), TypeError, name, 'runningMean and runningVar are needed when training is false', 'null');
  });
});

describe.each([['groupNormFused', groupNormFused], ['groupNormComposed', groupNormComposed]] as const)('%s refuses', (name, gn) => {
  test('numGroups that do not divide the channels or are not positive, a 1-D input, a wrong weight', () => {
    expectRefusal(() => gn(f32([2, 6, 3, 3]), 4), ShapeError, name, 'expected input channels divisible by numGroups 4', 'input [2, 6, 3, 3]');
    expectRefusal(() => gn(f32([2, 6, 3, 3]), 0), RangeError, name, 'numGroups must be a positive integer', '0');
    expectRefusal(() => gn(f32([6]), 2), ShapeError, name, 'expected input [N, C, *]', '[6]');
    expectRefusal(() => gn(f32([2, 6, 3]), 2, f32([3])), ShapeError, name, 'expected weight [6]', '[3]');
  });
});

describe.each([['rmsNormFused', rmsNormFused], ['rmsNormComposed', rmsNormComposed]] as const)('%s refuses', (name, rms) => {
  test('trailing dims other than normalizedShape, a wrong weight, a negative eps', () => {
    expectRefusal(() => rms(f32([4, 5]), [6]), ShapeError, name, 'expected input [*, 6]', '[4, 5]');
    expectRefusal(() => rms(f32([4, 5]), 5, f32([4])), ShapeError, name, 'expected weight [5]', '[4]');
    expectRefusal(() => rms(f32([4, 5]), 5, null, -1), RangeError, name, 'eps must be >= 0 or null', '-1');
  });
});
