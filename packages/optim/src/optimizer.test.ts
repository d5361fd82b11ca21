import { describe, expect, test } from 'vitest';
import { DtypeError, GraphError, ShapeError, Tensor, recyclingArrays, tensor, zeros, type FloatDType } from '@tapegrad/core';
import { Adam, AdamW, RMSprop, SGD, type Optimizer, type OptimizerStateDict } from '@tapegrad/optim';

const param = (values: number[], dtype: FloatDType = 'float64') => tensor(values, { dtype, requiresGrad: true });

/** A deterministic gradient for step `t` whose scale alternates, so that amsgrad's max matters. */
function gradAt(t: number, n: number, dtype: FloatDType = 'float64'): Tensor {
  const values = Float64Array.from({ length: n }, (_, i) => Math.sin(1 + 7 * t + 3 * i) * (t % 2 === 0 ? 0.1 : 3));
  return tensor(values, { dtype });
}

type Groups = { params: Tensor[]; lr?: number }[];
const makers: [string, (groups: Groups) => Optimizer][] = [
  ['SGD with Nesterov momentum and weight decay', (g) => new SGD(g, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
  ['SGD with dampened momentum', (g) => new SGD(g, { lr: 0.1, momentum: 0.9, dampening: 0.3 })],
  ['Adam with amsgrad and weight decay', (g) => new Adam(g, { lr: 0.01, amsgrad: true, weightDecay: 0.1 })],
  ['AdamW', (g) => new AdamW(g, { lr: 0.01 })],
  ['RMSprop, centered, with momentum', (g) => new RMSprop(g, { momentum: 0.5, centered: true, weightDecay: 0.01 })],
];

function runSteps(opt: Optimizer, params: Tensor[], from: number, to: number): void {
  for (let t = from; t < to; t++) {
    params.forEach((p, i) => (p.grad = gradAt(t + 10 * i, p.size, p.dtype as FloatDType)));
    opt.step();
  }
}

describe('Optimizer', () => {
  test('step updates the parameter in place and reuses the state buffers it allocated at the first step', () => {
    const w = param([1, 2, 3]);
    const values = w.data.data;
    const opt = new Adam([w], { amsgrad: true });
    runSteps(opt, [w], 0, 1);
    const first = opt.state.get(w)!;
    const buffers = [first.expAvg, first.expAvgSq, first.maxExpAvgSq!].map((b) => b.data.data);
    runSteps(opt, [w], 1, 4);
    const later = opt.state.get(w)!;
    expect(later).toBe(first);
    expect([later.expAvg, later.expAvgSq, later.maxExpAvgSq!].map((b) => b.data.data)).toEqual(buffers);
    buffers.forEach((b, i) => expect(later[(['expAvg', 'expAvgSq', 'maxExpAvgSq'] as const)[i]!]!.data.data).toBe(b));
    expect(w.data.data).toBe(values);
    expect(later.step).toBe(4);
    expect(Array.from(values)).not.toEqual([1, 2, 3]);
  });

  test('a parameter that is a view into a larger array is updated at its offset only', () => {
    const storage = new Float64Array([9, 1, 2, 9]);
    // ndarray's generated 1-d view constructor: (data, shape0, stride0, offset)
    const View = tensor([0, 0], { dtype: 'float64' }).data.constructor as new (...args: unknown[]) => Tensor['data'];
    const w = new Tensor(new View(storage, 2, 1, 1), { requiresGrad: true });
    expect(w.toArray()).toEqual([1, 2]);
    const opt = new SGD([w], { lr: 0.5 });
    w.grad = tensor([1, -2], { dtype: 'float64' });
    opt.step();
    expect(Array.from(storage)).toEqual([9, 0.5, 3, 9]);
  });

  test('parameters without a grad are skipped and get no state', () => {
    const a = param([1, 2]);
    const b = param([3, 4]);
    const opt = new SGD([a, b], { lr: 0.1, momentum: 0.9 });
    a.grad = tensor([1, 1], { dtype: 'float64' });
    opt.step();
    expect(b.toArray()).toEqual([3, 4]);
    expect(opt.state.has(b)).toBe(false);
    expect(opt.state.has(a)).toBe(true);
    expect(Object.keys(opt.stateDict().state)).toEqual(['0']);
  });

  test('zeroGrad sets every grad to null by default', () => {
    const a = param([1, 2]);
    const b = param([3]), c = param([4]);
    const opt = new SGD([{ params: [a] }, { params: [b, c] }], { lr: 0.1 });
    a.grad = tensor([1, 1], { dtype: 'float64' });
    b.grad = tensor([1], { dtype: 'float64' });
    c.grad = tensor([1], { dtype: 'float64' });
    opt.zeroGrad();
    expect(a.grad).toBeNull();
    expect(b.grad).toBeNull();
    expect(c.grad).toBeNull();
  });

  test('zeroGrad with setToNone false zeros each grad in place and leaves missing grads null', () => {
    const a = param([1, 2]);
    const b = param([3]);
    const opt = new SGD([a, b], { lr: 0.1 });
    const g = tensor([5, 6], { dtype: 'float64' });
    a.grad = g;
    opt.zeroGrad({ setToNone: false });
    expect(a.grad).toBe(g);
    expect(g.toArray()).toEqual([0, 0]);
    expect(b.grad).toBeNull();
  });

  test('param groups have their own options and take the defaults for the rest', () => {
    const a = param([1]);
    const b = param([1]);
    const opt = new SGD([{ params: [a] }, { params: [b], lr: 0.01 }], { lr: 0.1, momentum: 0.9 });
    expect(opt.paramGroups.map((g) => [g.lr, g.momentum])).toEqual([[0.1, 0.9], [0.01, 0.9]]);
    for (let t = 0; t < 2; t++) {
      a.grad = tensor([1], { dtype: 'float64' });
      b.grad = tensor([1], { dtype: 'float64' });
      opt.step();
    }
    // buf = 1, then 0.9·1 + 1 = 1.9: a = 1 − 0.1·(1 + 1.9), b = 1 − 0.01·(1 + 1.9)
    expect(a.item()).toBeCloseTo(0.71, 14);
    expect(b.item()).toBeCloseTo(0.971, 14);
  });

  test('changing a group option takes effect at the next step', () => {
    const a = param([1]);
    const opt = new SGD([a], { lr: 0.1 });
    opt.paramGroups[0]!.lr = 0.5;
    a.grad = tensor([1], { dtype: 'float64' });
    opt.step();
    expect(a.item()).toBe(0.5);
  });

  test('addParamGroup adds a group with the defaults and its own options', () => {
    const a = param([1]);
    const b = param([2]);
    const opt = new Adam([a], { lr: 0.1, betas: [0.8, 0.9] });
    opt.addParamGroup({ params: [b], eps: 1e-3 });
    expect(opt.paramGroups).toHaveLength(2);
    expect(opt.paramGroups[1]).toMatchObject({ lr: 0.1, betas: [0.8, 0.9], eps: 1e-3, params: [b] });
    expect(() => opt.addParamGroup({ params: [a] })).toThrow('Adam: parameter 0 of param group 2 appears more than once (got it already in param group 0)');
  });

  test('stateDict uses PyTorch layout: state by parameter index across groups, options under snake_case names', () => {
    const a = param([1, 2]);
    const b = param([3]);
    const c = param([4]);
    const opt = new Adam([{ params: [a, b] }, { params: [c], weightDecay: 0.1 }]);
    a.grad = tensor([1, 1], { dtype: 'float64' });
    c.grad = tensor([1], { dtype: 'float64' });
    opt.step();
    const dict = opt.stateDict();
    expect(dict.param_groups).toEqual([
      { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: false, params: [0, 1] },
      { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.1, amsgrad: false, params: [2] },
    ]);
    expect(Object.keys(dict.state)).toEqual(['0', '2']);
    expect(Object.keys(dict.state[2]!)).toEqual(['step', 'exp_avg', 'exp_avg_sq']);
    expect(dict.state[2]!.step).toBe(1);
  });

  test('stateDict is a snapshot: later steps do not change it', () => {
    const w = param([1, 2]);
    const opt = new SGD([w], { lr: 0.1, momentum: 0.9 });
    runSteps(opt, [w], 0, 1);
    const dict = opt.stateDict();
    const saved = (dict.state[0]!.momentum_buffer as Tensor).toArray();
    const savedBetas = opt.paramGroups[0]!.lr;
    runSteps(opt, [w], 1, 3);
    opt.paramGroups[0]!.lr = 7;
    expect((dict.state[0]!.momentum_buffer as Tensor).toArray()).toEqual(saved);
    expect(dict.param_groups[0]!.lr).toBe(savedBetas);
  });

  test.each(makers)('%s: a run saved and restored mid-way ends exactly as an uninterrupted one', (_name, make) => {
    const init = () => [param([0.5, -1, 2, 0.25]), param([1, -3], 'float32')];
    const whole = init();
    runSteps(make([{ params: [whole[0]!] }, { params: [whole[1]!], lr: 0.003 }]), whole, 0, 6);

    const first = init();
    const firstOpt = make([{ params: [first[0]!] }, { params: [first[1]!], lr: 0.003 }]);
    runSteps(firstOpt, first, 0, 3);
    const dict = firstOpt.stateDict();
    const saved = first.map((p) => tensor(p.toFloat64Array(), { dtype: p.dtype, requiresGrad: true }));
    runSteps(firstOpt, first, 3, 5); // the first run goes on: the dict must not follow it

    const resumedOpt = make([{ params: [saved[0]!] }, { params: [saved[1]!] }]);
    resumedOpt.loadStateDict(dict);
    expect(resumedOpt.paramGroups[1]!.lr).toBe(0.003);
    runSteps(resumedOpt, saved, 3, 6);
    saved.forEach((p, i) => expect(p.toFloat64Array()).toEqual(whole[i]!.toFloat64Array()));
    for (const [p, entry] of resumedOpt.state) {
      for (const value of Object.values(entry)) if (typeof value === 'object') expect((value as Tensor).dtype).toBe(p.dtype);
    }
  });

  test('step rejects a grad whose shape differs from its parameter', () => {
    const w = param([1, 2]);
    const opt = new SGD([w], { lr: 0.1 });
    w.grad = tensor([1, 2, 3], { dtype: 'float64' });
    expect(() => opt.step()).toThrow(ShapeError);
    expect(() => opt.step()).toThrow('SGD.step: the grad of parameter 0 of param group 0 must have its shape [2] (got [3])');
  });
  test("step checks each group's options at every step, naming the group (also one added after a step)", () => {
    const a = param([1]), b = param([2]), c = param([3]);
    const opt = new Adam([{ params: [a] }, { params: [b] }], { lr: 0.1 });
    for (const p of [a, b]) p.grad = tensor([1], { dtype: 'float64' });
    opt.step();
    opt.step();
    opt.paramGroups[1]!.lr = NaN;
    expect(() => opt.step()).toThrow(new RangeError('Adam.step: lr of param group 1 must be a finite number (got NaN)'));
    opt.paramGroups[1]!.lr = 0.1;
    opt.addParamGroup({ params: [c] });
    c.grad = tensor([1], { dtype: 'float64' });
    opt.step();
    opt.paramGroups[2]!.eps = -1;
    expect(() => opt.step()).toThrow(new RangeError('Adam.step: eps of param group 2 must be >= 0 (got -1)'));
    opt.paramGroups[2]!.eps = 1e-8;
    opt.paramGroups[0]!.betas = [0.9, 2];
    expect(() => opt.step()).toThrow(/^Adam\.step: betas\[1\] of param group 0 must be/);
  });

  test.each(makers)('%s: a step inside a recyclingArrays scope keeps its state (the scope gives back only what ops made)', (_, make) => {
    // the state is made inside the scope at the first step; if the scope gave it back, the next
    // step's temporaries (of the parameter's length) would take its arrays from the pool
    const run = (scoped: boolean): number[] => {
      const w = tensor(Float32Array.from({ length: 1500 }, (_, i) => Math.cos(i)), { requiresGrad: true });
      const opt = make([{ params: [w] }]);
      for (let t = 0; t < 4; t++) {
        const step = (): number => {
          opt.zeroGrad();
          w.mul(w).mul(gradAt(t, w.size, 'float32')).sum().backward();
          opt.step();
          return t;
        };
        if (scoped) recyclingArrays(step, () => []);
        else step();
      }
      return Array.from(w.data.data);
    };
    expect(run(true)).toEqual(run(false));
  });
});

describe('Optimizer: what the constructor rejects', () => {
  test('an empty parameter list, though a param group may be empty', () => {
    expect(() => new Adam([])).toThrow(new RangeError('Adam: expected at least one parameter (got an empty list)'));
    const opt = new Adam([{ params: [] }, { params: [param([1])] }]);
    expect(opt.paramGroups[0]!.params).toEqual([]);
    opt.step();
  });
  test('something that is not a tensor', () => {
    expect(() => new Adam([param([1]), [1, 2] as unknown as Tensor])).toThrow(TypeError);
    expect(() => new Adam([{ params: [param([1]), 3 as unknown as Tensor] }])).toThrow('Adam: parameter 1 of param group 0 must be a Tensor (got 3)');
  });
  test('an integer parameter', () => {
    expect(() => new SGD([tensor([1, 2], { dtype: 'int32' })], { lr: 0.1 })).toThrow(new DtypeError('SGD: parameter 0 must be float32 or float64 (got int32)'));
  });
  test('a parameter that is not a leaf', () => {
    expect(() => new SGD([param([1, 2]).mul(2)], { lr: 0.1 })).toThrow(GraphError);
  });
  test('a parameter that is not contiguous', () => {
    const w = tensor([[1, 2], [3, 4]], { dtype: 'float64' }).transpose();
    expect(() => new SGD([w], { lr: 0.1 })).toThrow(new ShapeError('SGD: parameter 0 must be contiguous (got strides [1, 2] for shape [2, 2])'));
  });
  test('a parameter listed twice', () => {
    const w = param([1]);
    expect(() => new SGD([w, w], { lr: 0.1 })).toThrow(new RangeError('SGD: parameter 1 appears more than once (got it twice in its group)'));
    expect(() => new SGD([{ params: [w] }, { params: [w] }], { lr: 0.1 })).toThrow(RangeError);
  });
  test('an unknown option, such as a PyTorch keyword', () => {
    expect(() => new Adam([param([1])], { weight_decay: 0.1 } as never)).toThrow(
      new TypeError("Adam: unknown option 'weight_decay' (expected one of lr, betas, eps, weightDecay, amsgrad)"),
    );
    expect(() => new Adam([{ params: [param([1])], momentum: 0.9 } as never])).toThrow("Adam: unknown option 'momentum' in param group 0 (expected one of lr, betas, eps, weightDecay, amsgrad)");
  });
  test('an invalid option of one param group, naming the group', () => {
    expect(() => new Adam([{ params: [param([1])] }, { params: [param([2])], lr: -1 }])).toThrow(
      new RangeError('Adam: lr of param group 1 must be >= 0 (got -1)'),
    );
  });
  test('a mix of tensors and param groups', () => {
    expect(() => new SGD([param([1]), { params: [param([2])] }] as never, { lr: 0.1 })).toThrow(TypeError);
  });
});

describe('Optimizer.loadStateDict: what it rejects, changing nothing', () => {
  function trained(): { opt: Adam; dict: OptimizerStateDict; w: Tensor } {
    const w = param([1, 2, 3]);
    const opt = new Adam([w], { lr: 0.1 });
    runSteps(opt, [w], 0, 2);
    return { opt, dict: opt.stateDict(), w };
  }
  function expectUnchanged(opt: Adam, w: Tensor, run: () => void, error: unknown): void {
    const before = opt.stateDict();
    expect(run).toThrow(error as Error);
    const after = opt.stateDict();
    expect(after.param_groups).toEqual(before.param_groups);
    expect(after.state[0]!.step).toBe(before.state[0]!.step);
    expect((after.state[0]!.exp_avg as Tensor).toArray()).toEqual((before.state[0]!.exp_avg as Tensor).toArray());
    expect(opt.state.get(w)!.step).toBe(2);
  }
  test('a different number of param groups', () => {
    const { opt, dict, w } = trained();
    const other = new Adam([{ params: [param([1, 2, 3])] }, { params: [param([1])] }]);
    expect(() => other.loadStateDict(dict)).toThrow(new ShapeError('Adam.loadStateDict: expected 2 param group(s) (got 1)'));
    const two = { ...dict, param_groups: [dict.param_groups[0]!, { ...dict.param_groups[0]!, params: [1] }] };
    expectUnchanged(opt, w, () => opt.loadStateDict(two), new ShapeError('Adam.loadStateDict: expected 1 param group(s) (got 2)'));
  });
  test('a different number of parameters in a group', () => {
    const { opt, dict, w } = trained();
    const extra = { ...dict, param_groups: [{ ...dict.param_groups[0]!, params: [0, 1] }] };
    expectUnchanged(opt, w, () => opt.loadStateDict(extra), new ShapeError('Adam.loadStateDict: expected 1 parameter(s) in param group 0 (got 2)'));
  });
  test('a buffer whose shape differs from its parameter', () => {
    const { opt, dict, w } = trained();
    const bad = { ...dict, state: { 0: { ...dict.state[0]!, exp_avg: zeros([3, 1], { dtype: 'float64' }) } } };
    expectUnchanged(
      opt, w, () => opt.loadStateDict(bad),
      new ShapeError("Adam.loadStateDict: exp_avg of parameter 0 of param group 0 (index 0) must have the parameter's shape [3] (got [3, 1])"),
    );
  });
  test('state of another optimizer: unexpected and missing keys', () => {
    const { opt, w } = trained();
    const sgd = new SGD([param([1, 2, 3])], { lr: 0.1, momentum: 0.9 });
    runSteps(sgd, sgd.paramGroups[0]!.params, 0, 1);
    expectUnchanged(opt, w, () => opt.loadStateDict(sgd.stateDict()), ShapeError);
    const { dict } = trained();
    expect(() => sgd.loadStateDict(dict)).toThrow("SGD.loadStateDict: the state of parameter 0 of param group 0 (index 0) has an unexpected key 'step' (expected momentum_buffer)");
    const partial = { ...dict, state: { 0: { step: 2, exp_avg: dict.state[0]!.exp_avg! } } };
    expect(() => opt.loadStateDict(partial)).toThrow("Adam.loadStateDict: the state of parameter 0 of param group 0 (index 0) is missing 'exp_avg_sq'");
  });
  test('state for a parameter index no group lists', () => {
    const { opt, dict, w } = trained();
    const bad = { ...dict, state: { 5: dict.state[0]! } };
    expectUnchanged(opt, w, () => opt.loadStateDict(bad), new ShapeError('Adam.loadStateDict: state is given for parameter index 5, which no param group lists'));
  });
  test('an invalid option value', () => {
    const { opt, dict, w } = trained();
    const bad = { ...dict, param_groups: [{ ...dict.param_groups[0]!, betas: [0.9, 1] }] };
    expectUnchanged(opt, w, () => opt.loadStateDict(bad), new RangeError('Adam.loadStateDict: betas[1] of param group 0 must be in [0, 1) (got 1)'));
  });
  test("PyTorch's extra group keys are ignored and float64 buffers are converted to a float32 parameter's dtype", () => {
    const { dict } = trained();
    const torchLike = { ...dict, param_groups: [{ ...dict.param_groups[0]!, maximize: false, foreach: null, capturable: false }] };
    const w32 = param([1, 2, 3], 'float32');
    const opt = new Adam([w32]);
    opt.loadStateDict(torchLike);
    expect(opt.paramGroups[0]).not.toHaveProperty('maximize');
    expect(opt.paramGroups[0]!.lr).toBe(0.1);
    expect(opt.state.get(w32)!.expAvg.dtype).toBe('float32');
  });
});
