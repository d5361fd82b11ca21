import { describe, expect, test } from 'vitest';
import {
  GraphError, createNdArray, defineOp, defineOpWithAttrs, inputList, noGrad, recyclingArrays, releaseWithGraph, tensor, type NdArray, type OpContext,
  type Tensor,
} from '@tapegrad/core';

const f64 = { dtype: 'float64' as const };

/** y = k·Σ inputs, elementwise, with attribute k; backward records what its ctx says. */
function sumOp(name: string, seen: { needsGrad: boolean[]; attrs: unknown; saved: unknown }[] = []) {
  return defineOpWithAttrs<{ k: number }>({
    name,
    forward(ctx, ...xs: NdArray[]) {
      ctx.save(...xs);
      const y = createNdArray(xs[0]!.dtype, xs[0]!.shape);
      for (const x of xs) for (let i = 0; i < y.size; i++) y.data[i]! += ctx.attrs.k * x.data[x.offset + i]!;
      return y;
    },
    backward(ctx, dy) {
      seen.push({ needsGrad: [...ctx.needsGrad], attrs: ctx.attrs, saved: ctx.saved.length });
      return ctx.needsGrad.map((need) => {
        if (!need) return null;
        const dx = createNdArray(dy.dtype, dy.shape);
        for (let i = 0; i < dy.size; i++) dx.data[i] = ctx.attrs.k * dy.data[dy.offset + i]!;
        return dx;
      });
    },
  });
}

describe('op contexts', () => {
  test("an op that records nothing has a context for its forward call, which the ops it runs inside do not disturb", () => {
    const inner = sumOp('inner');
    let kept: OpContext<{ k: number }> | null = null;
    const reads: unknown[] = [];
    const outer = defineOpWithAttrs<{ k: number }>({
      name: 'outer',
      forward(ctx, x) {
        kept = ctx;
        const before = [ctx.attrs.k, ctx.inputShapes[0], ctx.inputDtypes[0]];
        // ops run inside take contexts of their own (with other attributes and inputs)
        const y = inner([tensor([1, 2, 3]), tensor([4, 5, 6])], { k: 10 });
        reads.push(before, [ctx.attrs.k, ctx.inputShapes[0], ctx.inputDtypes[0], ctx.needsGrad]);
        return y.data;
      },
      backward: () => [null],
    });
    expect(outer([tensor([[1, 2]], f64)], { k: 7 }).toArray()).toEqual([50, 70, 90]);
    expect(reads).toEqual([[7, [1, 2], 'float64'], [7, [1, 2], 'float64', [false]]]);
    // once the forward returned, the context belongs to the next op: reading it is an error
    expect(() => kept!.inputShapes).toThrow(GraphError);
    expect(() => kept!.inputShapes).toThrow(/valid during its forward call only/);
  });

  test("a recorded op's context is its node: one per op, never a context that unrecorded ops reuse", () => {
    const seen: { needsGrad: boolean[]; attrs: unknown; saved: unknown }[] = [];
    const op = sumOp('scaled', seen);
    let ctxOfForward: unknown = null;
    const probe = defineOp({
      name: 'probe',
      forward(ctx, x) {
        ctxOfForward = ctx;
        const y = createNdArray(x.dtype, x.shape);
        y.data.set(x.data.subarray(x.offset, x.offset + x.size));
        return y;
      },
      backward: (_ctx, dy) => [dy],
    });
    const w = tensor([1, 2], { ...f64, requiresGrad: true });
    const a = op([w, tensor([1, 1], f64)], { k: 2 });
    const b = op([tensor([1, 1], f64), w], { k: 3 });
    // many unrecorded applications of the same op in between
    for (let k = 0; k < 5; k++) op([tensor([k, k], f64)], { k: 100 + k });
    noGrad(() => op([w], { k: 1000 }));
    a.add(b).sum().backward();
    expect(seen).toEqual([
      { needsGrad: [false, true], attrs: { k: 3 }, saved: 2 },
      { needsGrad: [true, false], attrs: { k: 2 }, saved: 2 },
    ]);
    expect(w.grad!.toArray()).toEqual([5, 5]);
    expect(a.gradFn).not.toBe(b.gradFn);
    const p = probe(w);
    expect(ctxOfForward).toBe(p.gradFn);
  });

  test('needsGrad is right for each arrangement of inputs, frozen, and past six inputs too', () => {
    const seen: { needsGrad: boolean[]; attrs: unknown; saved: unknown }[] = [];
    const op = sumOp('many', seen);
    const arrangements = [[true, false, true], [false, true, false], [true, true, true], [false, false, false, false, false, false, true, true]];
    for (const arrangement of arrangements) {
      const xs = arrangement.map((requiresGrad) => tensor([1], { ...f64, requiresGrad }));
      op(xs, { k: 1 }).sum().backward();
    }
    expect(seen.map((s) => s.needsGrad)).toEqual(arrangements);
    let flags: readonly boolean[] = [];
    const peek = defineOp({ name: 'peek', forward: (ctx, x) => ((flags = ctx.needsGrad), createNdArray(x.dtype, x.shape)), backward: () => [null, null] });
    peek(tensor([1], { requiresGrad: true }), tensor([1]));
    expect(Object.isFrozen(flags)).toBe(true);
    expect(() => ((flags as boolean[])[1] = true)).toThrow(TypeError);
  });

  test('inputDtypes, inputShapes, many inputs and `this` as defineOp promises', () => {
    const dtypes: unknown[] = [];
    const spec = {
      name: 'mixed',
      factor: 4,
      forward(this: { factor: number }, ctx: OpContext, ...xs: NdArray[]) {
        dtypes.push([...ctx.inputDtypes], ctx.inputShapes.length);
        const y = createNdArray('float64', xs[0]!.shape);
        for (let i = 0; i < y.size; i++) y.data[i] = this.factor * xs.length;
        return y;
      },
      backward: (_ctx: OpContext, dy: NdArray) => [dy, null, null, null, null],
    };
    const mixed = defineOp(spec);
    const ins: Tensor[] = [tensor([1], f64), tensor([1]), tensor([1], f64), tensor([1], { dtype: 'int32' }), tensor([1], f64)];
    expect(mixed(...ins).toArray()).toEqual([20]);
    expect(dtypes).toEqual([['float64', 'float32', 'float64', 'int32', 'float64'], 5]);
  });

  test("inputShapes may be the array another node of the op had, and is always the node's own inputs' shapes", () => {
    const seen: (readonly (readonly number[])[])[] = [];
    const op = defineOp({
      name: 'shapes',
      forward: (ctx, x) => ((seen.push(ctx.inputShapes)), createNdArray(x.dtype, x.shape)),
      backward: (ctx, dy) => ((seen.push(ctx.inputShapes)), [createNdArray(dy.dtype, ctx.inputShapes[0]!)]),
    });
    const a = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const b = tensor([1, 2, 3, 4], { requiresGrad: true });
    const ya = op(a), yb = op(b), ya2 = op(a.mul(1));
    ya.sum().backward();
    yb.sum().backward();
    ya2.sum().backward();
    expect(seen.map((s) => s.map((shape) => [...shape]))).toEqual([[[2, 3]], [[4]], [[2, 3]], [[2, 3]], [[4]], [[2, 3]]]);
    expect(seen[3]).toBe(seen[2]); // the same shapes as the op last saw: that array, frozen
    expect(Object.isFrozen(seen[0])).toBe(true);
  });

  test('a marked output that also retains its gradient keeps it once released', () => {
    const w = tensor([[1, 2], [3, 4]], { ...f64, requiresGrad: true });
    const h = releaseWithGraph(w.mul(2));
    h.retainGrad();
    h.mul(h).sum().backward();
    expect(h.isReleased).toBe(true);
    expect(h.grad!.toArray()).toEqual([[4, 8], [12, 16]]); // d(h²)/dh = 2h
  });

  test('an inputList is refilled by the next call: a node keeps a copy, and a reused node refills the copy it made', () => {
    const op = sumOp('listed');
    const [a, b] = [tensor([1, 2], { ...f64, requiresGrad: true }), tensor([3, 4], f64)];
    const [c, d] = [tensor([5, 6], { ...f64, requiresGrad: true }), tensor([7, 8], f64)];
    const first = op(inputList(a, b), { k: 1 });
    const second = op(inputList(c, d), { k: 1 });
    expect(first.gradFn!.inputs).toEqual([a, b]);
    expect(second.gradFn!.inputs).toEqual([c, d]);
    expect(first.gradFn!.inputs).not.toBe(second.gradFn!.inputs);
    // not recorded: its forward reads the inputs the call gave
    const plain = noGrad(() => op(inputList(b, d), { k: 2 }));
    expect(plain.toArray()).toEqual([20, 24]);
    // in a recyclingArrays scope, the reused node's own list takes the new inputs
    const lists: (readonly Tensor[])[] = [];
    for (const [x, y] of [[a, b], [c, d], [a, d]] as const) {
      recyclingArrays(() => {
        const out = op(inputList(x, y), { k: 1 });
        out.sum().backward();
        lists.push(out.gradFn!.inputs);
        return 0;
      }, () => [a, c].flatMap((t) => (t.grad ? [t.grad] : [])));
    }
    expect(lists[2]).toBe(lists[1]);
    expect(lists[2]).toEqual([a, d]);
    expect(a.grad!.toArray()).toEqual([2, 2]); // the first and last calls' gradients
  });
});

