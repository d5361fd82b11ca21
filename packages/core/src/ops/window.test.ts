/**
 * pad, unfold and spatialWindow: values written out by hand or from the definitions, what their
 * gradients are on small cases, and the errors bad arguments get.
 */
import { describe, expect, test } from 'vitest';
import { Generator, ShapeError, DtypeError, arange, pad, spatialWindow, unfold, zeros } from '@tapegrad/core';

describe('pad', () => {
  test('puts [top, bottom, left, right] zero rows and columns around every plane', () => {
    const x = arange(1, 7, 1, { dtype: 'float64' }).reshape([2, 1, 3]);
    expect(pad(x, [1, 0, 2, 1]).toArray()).toEqual([
      [[0, 0, 0, 0, 0, 0], [0, 0, 1, 2, 3, 0]],
      [[0, 0, 0, 0, 0, 0], [0, 0, 4, 5, 6, 0]],
    ]);
    expect(pad(x, [0, 0, 0, 0]).toArray()).toEqual(x.toArray());
  });

  test('its gradient is the upstream gradient without the padding', () => {
    const x = zeros([1, 2, 2], { dtype: 'float64', requiresGrad: true });
    const G = arange(0, 12, 1, { dtype: 'float64' }).reshape([1, 3, 4]);
    pad(x, [1, 0, 1, 1]).backward(G);
    expect(x.grad?.toArray()).toEqual([[[5, 6], [9, 10]]]);
  });

  test('refuses a 1-D input, bad pads and an integer tensor', () => {
    expect(() => pad(zeros([3]), [0, 0, 1, 1])).toThrow(new ShapeError('pad: expected an input of at least 2 dims [..., H, W] (got [3])'));
    expect(() => pad(zeros([2, 2]), [1, -1, 0, 0])).toThrow(RangeError);
    expect(() => pad(zeros([2, 2]), [1, 1] as never)).toThrow(/pad: pads must be \[top, bottom, left, right\], non-negative integers \(got \[1,1\]\)/);
    expect(() => pad(zeros([2, 2], { dtype: 'int32' }), [0, 0, 0, 0])).toThrow(DtypeError);
  });
});

describe('unfold', () => {
  test('matches the definition on strided, padded, dilated windows', () => {
    const g = new Generator(3);
    const x = g.randn([2, 3, 6, 5], { dtype: 'float64' });
    const [kh, kw, sh, sw, ph, pw, dh, dw] = [3, 2, 2, 1, 1, 2, 1, 2];
    const out = unfold(x, [kh, kw], { stride: [sh, sw], padding: [ph, pw], dilation: [dh, dw] });
    const outH = Math.floor((6 + 2 * ph - dh * (kh - 1) - 1) / sh) + 1, outW = Math.floor((5 + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
    expect(out.shape).toEqual([2, 3 * kh * kw, outH * outW]);
    const xs = x.toArray() as number[][][][], got = out.toArray() as number[][][];
    for (let b = 0; b < 2; b++) for (let c = 0; c < 3; c++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
      for (let oh = 0; oh < outH; oh++) for (let ow = 0; ow < outW; ow++) {
        const ih = oh * sh - ph + i * dh, iw = ow * sw - pw + j * dw;
        const want = ih >= 0 && ih < 6 && iw >= 0 && iw < 5 ? xs[b]![c]![ih]![iw]! : 0;
        expect(got[b]![(c * kh + i) * kw + j]![oh * outW + ow]).toBe(want);
      }
    }
  });

  test('its gradient counts how many windows read each cell (fold of ones)', () => {
    const x = zeros([1, 1, 3, 3], { dtype: 'float64', requiresGrad: true });
    unfold(x, 2).sum().backward();
    expect(x.grad?.toArray()).toEqual([[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]]);
  });

  test('refuses a 3-D input, a window larger than the padded input, bad strides and a 4-sided padding', () => {
    expect(() => unfold(zeros([3, 4, 4]), 2)).toThrow(new ShapeError('unfold: expected input [N, C, H, W] (got [3, 4, 4])'));
    expect(() => unfold(zeros([1, 1, 2, 2]), 3)).toThrow(
      new ShapeError('unfold: the window 3×3 must fit in the padded input 2×2 (got input [1, 1, 2, 2] with padding [0, 0, 0, 0])'),
    );
    expect(() => unfold(zeros([1, 1, 2, 2]), 2, { dilation: 2 })).toThrow(/unfold: the window 2×2 \(dilated 3×3\) must fit in the padded input 2×2/);
    expect(() => unfold(zeros([1, 1, 4, 4]), 2, { stride: 0 })).toThrow(new RangeError('unfold: stride must be a positive integer or a pair of them (got 0)'));
    expect(() => unfold(zeros([1, 1, 4, 4]), 2, { padding: [1, 1, 1, 1] as never })).toThrow(RangeError);
  });
});

describe('spatialWindow', () => {
  test('gives PyTorch\'s floor-mode output size for asymmetric padding, stride and dilation', () => {
    const g = spatialWindow('op', [2, 3, 4, 5], [2, 3], { padding: [0, 1, 1, 1], stride: [1, 2], dilation: [1, 2] });
    expect([g.outH, g.outW, g.padTop, g.padLeft]).toEqual([4, 2, 0, 1]);
    expect(spatialWindow('op', [1, 1, 7, 7], 3, { stride: 2, padding: 1 })).toMatchObject({ outH: 4, outW: 4, kh: 3, kw: 3 });
  });

  test('names the op in its errors', () => {
    expect(() => spatialWindow('maxPool2d', [1, 1, 4, 4], [2, 0])).toThrow(new RangeError('maxPool2d: kernelSize must be a positive integer or a pair of them (got [2,0])'));
    expect(() => spatialWindow('conv2d', [1, 1, 4, 4], 2, { padding: -1 })).toThrow(/^conv2d: padding must be a non-negative integer/);
  });
});
