import { describe, expect, test } from 'vitest';
import { Generator, noGrad, releaseGrad, tensor, type Tensor } from '@tapegrad/core';
import {
  AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, CrossEntropyLoss, Dropout, Flatten, FullyConnectedNet, GroupNorm, LayerNorm, Linear,
  MaxPool2d, Module, ReLU, RMSNorm, Sequential, ThreeLayerConvNet, crossEntropy, setBackwardMode,
} from '@tapegrad/nn';
import { isGraphOnly } from './graphOnly.js';

const mlp = (seed: number) => {
  const g = new Generator(seed);
  return new Sequential(new Linear(4, 8, { dtype: 'float64', generator: g }), new ReLU(), new Linear(8, 3, { dtype: 'float64', generator: g }));
};

describe('Sequential', () => {
  test('names its children 0, 1, ... so state-dict keys are PyTorch\'s', () => {
    const model = mlp(0);
    expect(model.namedChildren().map(([n]) => n)).toEqual(['0', '1', '2']);
    expect(Object.keys(model.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(model.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(model.stateDict()['2.weight']!.shape).toEqual([3, 8]);
  });

  test('orders more than ten children numerically (10 after 9)', () => {
    const model = new Sequential(...Array.from({ length: 12 }, () => new Linear(2, 2)));
    expect(model.namedChildren().map(([n]) => n)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11']);
    expect(Object.keys(model.stateDict()).slice(18)).toEqual(['9.weight', '9.bias', '10.weight', '10.bias', '11.weight', '11.bias']);
  });

  test('forward applies the children in order', () => {
    const model = mlp(1);
    const x = new Generator(2).randn([5, 4], { dtype: 'float64' });
    const want = model.at(2).forward(model.at(1).forward(model.at(0).forward(x)));
    expect(model.forward(x).toArray()).toEqual(want.toArray());
    expect(new Sequential().forward(x)).toBe(x);
  });

  test('forward runs every child, also with a Sequential run inside a child, one nested as a child, and after a child threw', () => {
    /** Adds `k` to its input. */
    class Add extends Module {
      constructor(readonly k: number) { super(); }
      forward(x: Tensor): Tensor { return x.add(this.k); }
    }
    /** Runs a Sequential that is not its field (the walk inside a walk), then adds 1000. */
    class RunsOther extends Module {
      constructor(private readonly other: () => Sequential) { super(); }
      forward(x: Tensor): Tensor { return this.other().forward(x).add(1000); }
    }
    /** Throws while `fail` is set. */
    class Fails extends Module {
      fail = true;
      forward(x: Tensor): Tensor { if (this.fail) throw new Error('Fails: asked to'); return x; }
    }
    const inner = new Sequential(new Add(10), new Add(20), new Add(30));
    const outer = new Sequential(new Add(1), new RunsOther(() => inner), new Add(2), new Sequential(new Add(100), new Add(200)), new Add(3));
    const x = tensor([0], { dtype: 'float64' });
    for (let round = 0; round < 2; round++) expect(outer.forward(x).toArray()).toEqual([1366]);
    const fails = new Fails();
    const throwing = new Sequential(new Add(1), new Sequential(new Add(2), fails), new Add(4));
    expect(() => throwing.forward(x)).toThrow('Fails: asked to');
    fails.fail = false;
    expect(throwing.forward(x).toArray()).toEqual([7]);
    expect(outer.forward(x).toArray()).toEqual([1366]);
    (outer as unknown as { extra: Module }).extra = new Add(5000); // a named child runs last, as children() lists it
    expect(outer.forward(x).toArray()).toEqual([6366]);
  });

  test('a state dict loads into a fresh model and gives the same outputs', () => {
    const a = mlp(3), b = mlp(4);
    const x = new Generator(5).randn([2, 4], { dtype: 'float64' });
    expect(b.forward(x).toArray()).not.toEqual(a.forward(x).toArray());
    b.loadStateDict(a.stateDict());
    expect(b.forward(x).toArray()).toEqual(a.forward(x).toArray());
    expect(() => b.loadStateDict({ ...a.stateDict(), '3.weight': tensor([1]) })).toThrow(/unexpected keys: 3\.weight/);
  });

  test('indexing, at, length, iteration and append', () => {
    const model = mlp(6);
    expect(model.length).toBe(3);
    expect(model[1]).toBeInstanceOf(ReLU);
    expect(model.at(-1)).toBe(model[2]);
    expect([...model].map((m) => m.constructor.name)).toEqual(['Linear', 'ReLU', 'Linear']);
    model.append(new Dropout(0.2));
    expect(model.length).toBe(4);
    expect(Object.keys(model.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(model.namedChildren().map(([n]) => n)).toEqual(['0', '1', '2', '3']);
    expect(() => model.at(4)).toThrow('Sequential: index must be an integer in [-4, 4) (got 4)');
    expect(() => new Sequential(new ReLU(), 3 as unknown as ReLU)).toThrow('Sequential: module 1 must be a Module (got number)');
  });

  test('train, eval and setBackwardMode reach every child', () => {
    const model = mlp(7).eval();
    expect([...model].every((m) => !m.training)).toBe(true);
    setBackwardMode(model, 'tape');
    expect([...model].map((m) => (m as Linear | ReLU).backward)).toEqual(['tape', 'tape', 'tape']);
    const x = new Generator(8).randn([3, 4], { dtype: 'float64', requiresGrad: true });
    expect(model.forward(x).gradFn?.name).toBe('add');
    setBackwardMode(model, 'fused');
    expect(model.forward(x).gradFn?.name).toBe('linearFused');
  });

  test('toString prints PyTorch\'s tree', () => {
    const model = new Sequential(new Flatten(), new Linear(5, 4), new ReLU(), new Dropout(0.5), new Sequential(new Linear(4, 2, { bias: false })));
    expect(model.toString()).toBe([
      'Sequential(',
      '  (0): Flatten(startDim=1, endDim=-1)',
      '  (1): Linear(inFeatures=5, outFeatures=4, bias=true)',
      '  (2): ReLU()',
      '  (3): Dropout(p=0.5)',
      '  (4): Sequential(',
      '    (0): Linear(inFeatures=4, outFeatures=2, bias=false)',
      '  )',
      ')',
    ].join('\n'));
    expect(Object.keys(model.stateDict())).toEqual(['1.weight', '1.bias', '4.0.weight']);
  });

  test('training steps reuse the arrays of the tensors passed between its layers, and never one a user can still read', () => {
    // the quickstart's loop (an optimizer's zeroGrad is releaseGrad, its step an update in place);
    // everything a user holds afterwards (the scores, the losses, the
    // parameters, the running statistics, the input, a gradient cloned before zeroGrad) must keep its
    // values through later steps, and what the graph alone held is released, not silently reused
    const g = new Generator(3);
    const model = new Sequential(
      new Linear(64, 48, { dtype: 'float64', generator: g }), new BatchNorm1d(48, { dtype: 'float64' }), new ReLU(),
      new Linear(48, 32, { dtype: 'float64', generator: g }), new ReLU(), new Linear(32, 5, { dtype: 'float64', generator: g }),
    );
    const held: { t: Tensor; values: number[] }[] = [];
    const hold = (t: Tensor) => held.push({ t, values: Array.from(t.toFloat64Array()) });
    const intermediates: Tensor[] = [];
    for (let step = 0; step < 6; step++) {
      const X = g.randn([40, 64], { dtype: 'float64' }), y = g.randint(0, 5, [40]);
      for (const p of model.parameters()) releaseGrad(p);
      const scores = model.forward(X);
      const loss = crossEntropy(scores, y);
      loss.backward();
      hold(X);
      hold(scores);
      hold(loss);
      hold((model[0] as Linear).weight.grad!.clone());
      // what only the graph holds: reachable through gradFn.inputs
      for (let t: Tensor | undefined = scores; t?.gradFn; t = t.gradFn.inputs[0]) intermediates.push(t);
      noGrad(() => { for (const p of model.parameters()) p.copy_(p.sub(p.grad!.mul(1e-2))); });
      for (const t of [...model.parameters(), ...model.buffers()]) hold(t.clone());
    }
    for (const { t, values } of held) expect(Array.from(t.toFloat64Array())).toEqual(values);
    const released = intermediates.filter((t) => t.isReleased);
    expect(released.length).toBeGreaterThan(0); // the outputs between nn's layers went back
    for (const t of released) expect(() => t.toArray()).toThrow(/given back for reuse/);
  });

  test('a conv net trains as its layers called one by one do, and the arrays between its layers go back, Flatten\'s view with its input', () => {
    // the same layers twice (same draws): once in a Sequential, once called by hand, which marks nothing
    const layers = () => {
      const g = new Generator(11);
      return [
        new Conv2d(3, 4, 3, { padding: 1, dtype: 'float64', generator: g }), new BatchNorm2d(4, { dtype: 'float64' }), new ReLU(),
        new MaxPool2d(2), new Flatten(), new Linear(4 * 4 * 4, 5, { dtype: 'float64', generator: g }),
      ];
    };
    const byHand = layers();
    const model = new Sequential(...layers());
    const params = (ms: Module[]) => ms.flatMap((m) => m.parameters());
    const g = new Generator(12);
    const trace: boolean[][] = [];
    for (let step = 0; step < 4; step++) {
      const X = g.randn([6, 3, 8, 8], { dtype: 'float64' }), y = g.randint(0, 5, [6]);
      for (const p of [...params([model]), ...params(byHand)]) releaseGrad(p);
      const scores = model.forward(X);
      // what Linear took, back to the conv's output: Flatten's view, the pool's output, ReLU's, the norm's, the conv's
      const chain: Tensor[] = [];
      for (let t = scores.gradFn!.inputs[0]; t !== undefined && t !== X; t = t.gradFn?.inputs[0]) chain.push(t);
      const loss = crossEntropy(scores, y);
      loss.backward();
      trace.push(chain.map((t) => t.isReleased));
      const lossByHand = crossEntropy(byHand.reduce((h, m) => m.forward(h), X), y);
      lossByHand.backward();
      expect(loss.item()).toBe(lossByHand.item());
      for (const ms of [[model], byHand]) noGrad(() => { for (const p of params(ms)) p.copy_(p.sub(p.grad!.mul(0.1))); });
    }
    // every one goes back: Flatten's view and the pool's output (whose array the view shares) together
    for (const released of trace) expect(released).toEqual([true, true, true, true, true]);
    const [a, b] = [params([model]), params(byHand)];
    a.forEach((p, i) => expect(Array.from(p.toFloat64Array())).toEqual(Array.from(b[i]!.toFloat64Array())));
    for (const [m, h] of [...model].map((m, i) => [m, byHand[i]!] as const)) {
      for (const [k, t] of Object.entries(m.stateDict())) expect(t.toArray()).toEqual(h.stateDict()[k]!.toArray());
    }
  });

  test('a tensor a layer passes on unchanged (Dropout in eval mode) is not given back while someone holds it', () => {
    const g = new Generator(13);
    const lin = (i: number, o: number) => new Linear(i, o, { dtype: 'float64', generator: g });
    const x = g.randn([3, 4], { dtype: 'float64', requiresGrad: true });
    // the result, passed on by the last layer
    const out = new Sequential(lin(4, 4), new Dropout(0.5)).eval().forward(x);
    out.sum().backward();
    expect(out.isReleased).toBe(false);
    // the input, passed on by the first layer (a tensor the caller made, not a leaf)
    const h = x.mul(2);
    new Sequential(new Dropout(0.5), lin(4, 2)).eval().forward(h).sum().backward();
    expect(h.isReleased).toBe(false);
    // passed on, then taken by a layer that keeps nothing: given back
    const scores = new Sequential(lin(4, 4), new Dropout(0.5), new ReLU()).eval().forward(x);
    const between = scores.gradFn!.inputs[0]!;
    scores.sum().backward();
    expect(between.gradFn?.name).toBe('linearFused');
    expect(between.isReleased).toBe(true);
    // passed on by a module of the user's, which keeps it: not given back
    class Keep extends Module {
      seen: Tensor | null = null;
      forward(t: Tensor): Tensor { return (this.seen = t); }
    }
    const keep = new Keep();
    new Sequential(lin(4, 4), keep, new ReLU()).forward(x).sum().backward();
    expect(keep.seen!.isReleased).toBe(false);
  });

  test('nn\'s layers are marked as keeping nothing; a subclass of one, a module of the user\'s and the models are not', () => {
    const marked = [
      new Linear(2, 2), new ReLU(), new Dropout(), new Flatten(), new BatchNorm1d(2), new BatchNorm2d(2), new LayerNorm(2),
      new Conv2d(1, 1, 1), new MaxPool2d(2), new AvgPool2d(2), new GroupNorm(1, 2), new RMSNorm(2),
    ];
    expect(marked.filter((m) => !isGraphOnly(m)).map((m) => m.constructor.name)).toEqual([]);
    class Keeper extends Linear {
      last: Tensor | null = null;
      override forward(t: Tensor): Tensor { return (this.last = super.forward(t)); }
    }
    class Scale extends Module {
      forward(t: Tensor): Tensor { return t.mul(2); }
    }
    const unmarked = [
      new Keeper(2, 2), new Scale(), new Sequential(new ReLU()), new CrossEntropyLoss(),
      new FullyConnectedNet([3], { inputDim: 2, numClasses: 2 }), new ThreeLayerConvNet({ inputDim: [1, 4, 4], numFilters: 1, hiddenDim: 2, numClasses: 2 }),
    ];
    expect(unmarked.filter(isGraphOnly).map((m) => m.constructor.name)).toEqual([]);
    // a subclass that keeps its output: it stays readable after backward
    const g = new Generator(14);
    const keeper = new Keeper(4, 4, { dtype: 'float64', generator: g });
    new Sequential(keeper, new ReLU(), new Linear(4, 2, { dtype: 'float64', generator: g })).forward(g.randn([3, 4], { dtype: 'float64' })).sum().backward();
    expect(keeper.last!.isReleased).toBe(false);
    expect(() => keeper.last!.toArray()).not.toThrow();
  });
});

