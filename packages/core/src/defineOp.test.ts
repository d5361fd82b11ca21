import { describe, expect, test } from 'vitest';
import {
  Generator, createNdArray, defineOp, defineOpWithAttrs, gradcheck, noGrad, tensor, type NdArray, type OpContext, type Tensor,
} from '@tapegrad/core';

/** y = scale·x + shift with attributes { scale, shift }; backward dx = scale·dy. */
const affine = defineOpWithAttrs<{ scale: number; shift: number }>({
  name: 'affine',
  forward(ctx, x) {
    const { scale, shift } = ctx.attrs;
    const y = createNdArray(x.dtype, x.shape);
    for (let i = 0; i < x.size; i++) y.data[i] = scale * x.data[x.offset + i]! + shift;
    return y;
  },
  backward(ctx, dy) {
    const dx = createNdArray(dy.dtype, dy.shape);
    for (let i = 0; i < dy.size; i++) dx.data[i] = ctx.attrs.scale * dy.data[dy.offset + i]!;
    return [dx];
  },
});

describe('defineOpWithAttrs', () => {
  test('each call passes its own attributes to forward and to backward, on one op defined once', () => {
    const x = tensor([1, -2, 3], { dtype: 'float64', requiresGrad: true });
    const a = affine([x], { scale: 2, shift: 1 });
    const b = affine([x], { scale: -3, shift: 0 });
    expect(a.toArray()).toEqual([3, -3, 7]);
    expect(b.toArray()).toEqual([-3, 6, -9]);
    // backward runs after both forwards: each node kept its own attributes
    a.add(b.mul(10)).sum().backward();
    expect(x.grad!.toArray()).toEqual([2 - 30, 2 - 30, 2 - 30]);
    expect(String(a.gradFn)).toBe('<AffineBackward>');
    expect(affine.name).toBe('affine');
  });

  test('forward and backward see the very object passed, and forward may write results into it', () => {
    const seen: unknown[] = [];
    const mean = defineOpWithAttrs<{ out: Float64Array }, [n: number]>({
      name: 'meanInto',
      forward(ctx, x) {
        seen.push(ctx.attrs);
        let s = 0;
        for (let i = 0; i < x.size; i++) s += x.data[x.offset + i]!;
        ctx.attrs.out[0] = s / x.size;
        ctx.save(x.size);
        const y = createNdArray(x.dtype, []);
        y.data[0] = s / x.size;
        return y;
      },
      backward(ctx, dy) {
        seen.push(ctx.attrs);
        const [n] = ctx.saved;
        const dx = createNdArray(dy.dtype, ctx.inputShapes[0]!);
        dx.data.fill(dy.data[dy.offset]! / n);
        return [dx];
      },
    });
    const attrs = { out: new Float64Array(1) };
    const x = tensor([1, 2, 6], { dtype: 'float64', requiresGrad: true });
    mean([x], attrs).backward();
    expect(attrs.out[0]).toBe(3);
    expect(seen).toEqual([attrs, attrs]);
    expect(seen[0]).toBe(attrs);
    expect(seen[1]).toBe(attrs);
    expect(x.grad!.toArray()).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  test('attributes can say which optional inputs are present; gradcheck passes for every arrangement', () => {
    // y = x·w + b, with w and b each optional
    const scaleShift = defineOpWithAttrs<{ hasW: boolean; hasB: boolean }, NdArray[]>({
      name: 'scaleShift',
      forward(ctx, x, ...rest) {
        const { hasW, hasB } = ctx.attrs;
        const w = hasW ? rest[0]! : null, b = hasB ? rest[hasW ? 1 : 0]! : null;
        const y = createNdArray(x.dtype, x.shape);
        for (let i = 0; i < x.size; i++) y.data[i] = x.data[x.offset + i]! * (w ? w.data[w.offset + i]! : 1) + (b ? b.data[b.offset + i]! : 0);
        ctx.save(x, ...rest);
        return y;
      },
      backward(ctx, dy) {
        const { hasW, hasB } = ctx.attrs;
        const [x, w] = ctx.saved as NdArray[];
        const dx = createNdArray(dy.dtype, dy.shape), dw = createNdArray(dy.dtype, dy.shape), db = createNdArray(dy.dtype, dy.shape);
        for (let i = 0; i < dy.size; i++) {
          const g = dy.data[dy.offset + i]!;
          dx.data[i] = g * (hasW ? w!.data[w!.offset + i]! : 1);
          dw.data[i] = g * x!.data[x!.offset + i]!;
          db.data[i] = g;
        }
        const grads: (NdArray | null)[] = [dx];
        if (hasW) grads.push(dw);
        if (hasB) grads.push(db);
        return grads;
      },
    });
    const g = new Generator(3);
    const [x, w, b] = [0, 1, 2].map(() => g.randn([2, 3], { dtype: 'float64', requiresGrad: true })) as [Tensor, Tensor, Tensor];
    for (const [hasW, hasB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const inputs = [x, ...(hasW ? [w] : []), ...(hasB ? [b] : [])];
      const report = gradcheck((...xs) => scaleShift(xs, { hasW, hasB }), inputs);
      expect(report.ok, `hasW ${hasW}, hasB ${hasB}`).toBe(true);
      expect(report.inputs).toHaveLength(inputs.length);
    }
  });

  test('inputs arrive contiguous by default, as they are with contiguous: false', () => {
    const strides: number[][] = [];
    const spec = {
      name: 'peek',
      forward(ctx: OpContext<{ k: number }>, x: NdArray) {
        strides.push([...x.stride, ctx.attrs.k]);
        ctx.save(x);
        const y = createNdArray(x.dtype, x.shape);
        for (let i = 0; i < x.shape[0]!; i++) for (let j = 0; j < x.shape[1]!; j++) y.set(i, j, x.get(i, j));
        return y;
      },
      backward(_ctx: OpContext<{ k: number }>, dy: NdArray) {
        return [dy];
      },
    };
    const t = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' }).T; // [3, 2], strides [1, 3]
    defineOpWithAttrs(spec)([t], { k: 1 });
    defineOpWithAttrs({ ...spec, contiguous: false })([t], { k: 2 });
    expect(strides).toEqual([[2, 1, 1], [1, 3, 2]]);
  });

  test('ctx.freed turns true once a backward without retainGraph went through the node', () => {
    const seen: boolean[] = [];
    let kept: OpContext<undefined> | null = null;
    const twice = defineOp({
      name: 'twice',
      forward(ctx, x) {
        kept = ctx;
        seen.push(ctx.freed);
        const y = createNdArray(x.dtype, x.shape);
        for (let i = 0; i < x.size; i++) y.data[i] = 2 * x.data[x.offset + i]!;
        return y;
      },
      backward(ctx, dy) {
        seen.push(ctx.freed);
        const dx = createNdArray(dy.dtype, dy.shape);
        for (let i = 0; i < dy.size; i++) dx.data[i] = 2 * dy.data[dy.offset + i]!;
        return [dx];
      },
    });
    const y = twice(tensor([1, 2], { dtype: 'float64', requiresGrad: true })).sum();
    y.backward(undefined, { retainGraph: true });
    seen.push(kept!.freed);
    y.backward();
    seen.push(kept!.freed);
    expect(seen).toEqual([false, false, false, false, true]);
    // an op that records nothing holds nothing for a backward: its ctx says freed at once
    seen.length = 0;
    noGrad(() => twice(tensor([1, 2], { dtype: 'float64', requiresGrad: true })));
    twice(tensor([1, 2], { dtype: 'float64' }));
    expect(seen).toEqual([true, true]);
  });

  test('nothing is saved, nor recorded, when no input needs a gradient', () => {
    const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const y = noGrad(() => affine([x], { scale: 2, shift: 0 }));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(y.toArray()).toEqual([2, 4]);
  });

  test('bad definitions and bad inputs are TypeErrors naming the function or the op', () => {
    expect(() => defineOpWithAttrs(null as never)).toThrow('defineOpWithAttrs: expected { name: string, forward: function, backward: function } (got null)');
    expect(() => defineOpWithAttrs({ name: 'x' } as never)).toThrow(TypeError);
    const x = tensor([1, 2]);
    expect(() => affine(x as never, { scale: 1, shift: 0 })).toThrow('affine: inputs must be an array of Tensors (got object)');
    expect(() => affine([[1, 2]] as never, { scale: 1, shift: 0 })).toThrow('affine: input 0 must be a Tensor (got an array)');
  });
});

describe('defineOp keeps its form', () => {
  test('(...inputs) => Tensor, with ctx.attrs undefined', () => {
    let attrs: unknown = 'unset';
    const double = defineOp({
      name: 'double',
      forward(ctx, x) {
        attrs = ctx.attrs;
        const y = createNdArray(x.dtype, x.shape);
        for (let i = 0; i < x.size; i++) y.data[i] = 2 * x.data[x.offset + i]!;
        return y;
      },
      backward(_ctx, dy) {
        return [dy];
      },
    });
    expect(double(tensor([1, 2])).toArray()).toEqual([2, 4]);
    expect(attrs).toBeUndefined();
    expect(double.name).toBe('double');
    expect(() => defineOp(null as never)).toThrow('defineOp: expected { name: string, forward: function, backward: function } (got null)');
  });
});
