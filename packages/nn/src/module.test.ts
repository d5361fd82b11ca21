import { describe, expect, test } from 'vitest';
import { ShapeError, tensor, zeros, ones, type Tensor } from '@tapegrad/core';
import { Module, Parameter, Buffer } from '@tapegrad/nn';

class Affine extends Module {
  weight = new Parameter(ones([2, 3]));
  bias: Parameter | null = new Parameter(zeros([2]));
  runningMean = new Buffer(zeros([2]));
  scratch = new Buffer(zeros([1]), { persistent: false });
  forward(x: Tensor): Tensor {
    return x.matmul(this.weight.T).add(this.bias ?? 0);
  }
  override extraRepr(): string {
    return 'in=3, out=2';
  }
}

class Net extends Module {
  first = new Affine();
  second = new Affine();
  shared: Parameter;
  constructor() {
    super();
    this.shared = this.first.weight;
  }
  forward(x: Tensor): Tensor {
    return this.second.forward(this.first.forward(x).matmul(ones([2, 3], { dtype: x.dtype })));
  }
}

describe('Module', () => {
  test('finds parameters, then buffers, then submodules from fields, with snake_case dotted names', () => {
    const net = new Net();
    // as in PyTorch, the state dict names a shared parameter under each of its names
    expect(Object.keys(net.stateDict())).toEqual([
      'shared', 'first.weight', 'first.bias', 'first.running_mean', 'second.weight', 'second.bias', 'second.running_mean',
    ]);
    expect(net.namedParameters().map(([n]) => n)).toEqual(['shared', 'first.bias', 'second.weight', 'second.bias']);
    expect(net.parameters()).toHaveLength(4);
    expect(net.namedBuffers().map(([n]) => n)).toEqual(['first.running_mean', 'first.scratch', 'second.running_mean', 'second.scratch']);
    expect(net.namedModules().map(([n]) => n)).toEqual(['', 'first', 'second']);
  });

  test('the walks list own fields only, in Object.keys order: indices first, then names as assigned; not inherited ones', () => {
    class WithInherited extends Affine {}
    // an enumerable field on the prototype (as a plain-object mixin would put there) is not the module's own
    (WithInherited.prototype as unknown as Record<string, unknown>).inherited = new Parameter(ones([4]));
    const m = new WithInherited();
    const named = m as unknown as Record<string | number, unknown>;
    named.later = new Parameter(ones([1]));
    named[1] = new Affine();
    named[0] = new Affine();
    named.child = new Affine();
    expect(m.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias', 'later', '0.weight', '0.bias', '1.weight', '1.bias', 'child.weight', 'child.bias']);
    expect(m.children()).toEqual([named[0], named[1], named.child]);
    expect(m.buffers()).toEqual([m.runningMean, m.scratch, ...[named[0], named[1], named.child].flatMap((c) => (c as Module).buffers())]);
  });

  test('a null parameter field is not registered', () => {
    const a = new Affine();
    a.bias = null;
    expect(Object.keys(a.stateDict())).toEqual(['weight', 'running_mean']);
  });

  test('train and eval reach every submodule', () => {
    const net = new Net().eval();
    expect(net.modules().map((m) => m.training)).toEqual([false, false, false]);
    net.train();
    expect(net.modules().every((m) => m.training)).toBe(true);
  });

  test("train and eval call each child's train, as PyTorch's do: a submodule's override decides for its subtree", () => {
    class Frozen extends Module {
      inner = new Affine();
      override train(): this {
        return super.train(false); // stays in eval mode, whatever its parent asks
      }
      forward(x: Tensor): Tensor {
        return this.inner.forward(x);
      }
    }
    class Outer extends Module {
      frozen = new Frozen();
      free = new Affine();
      nested = new Net();
      forward(x: Tensor): Tensor {
        return this.free.forward(this.frozen.forward(x));
      }
    }
    const outer = new Outer();
    outer.train();
    expect(outer.namedModules().map(([n, m]) => [n, m.training])).toEqual([
      ['', true], ['frozen', false], ['frozen.inner', false], ['free', true], ['nested', true], ['nested.first', true], ['nested.second', true],
    ]);
    outer.eval().train(); // twice, with the walk's reused lists
    expect(outer.frozen.training || outer.frozen.inner.training).toBe(false);
    expect(outer.nested.second.training).toBe(true);
  });

  test('train and eval follow an override of children()', () => {
    class Hidden extends Module {
      visible = new Affine();
      kept = new Affine();
      override children(): Module[] {
        return [this.visible]; // `kept` is left out of the mode switches
      }
      forward(x: Tensor): Tensor {
        return this.visible.forward(x);
      }
    }
    const m = new Hidden().eval();
    expect([m.training, m.visible.training, m.kept.training]).toEqual([false, false, true]);
  });

  test('loadStateDict copies values and, when strict, lists missing and unexpected keys', () => {
    const a = new Affine();
    const sd = { weight: tensor([[1, 2, 3], [4, 5, 6]]), bias: tensor([7, 8]), running_mean: tensor([9, 10]) };
    a.loadStateDict(sd);
    expect(a.weight.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(a.runningMean.toArray()).toEqual([9, 10]);
    const { weight: _w, ...withoutWeight } = sd;
    expect(() => a.loadStateDict({ ...withoutWeight, extra: zeros([1]) })).toThrow(/missing keys: weight; unexpected keys: extra/);
    expect(() => a.loadStateDict({ ...sd, bias: zeros([3]) })).toThrow(ShapeError);
    expect(() => a.loadStateDict({ ...sd, bias: zeros([3]) })).toThrow(/bias: expected \[2\] \(got \[3\]\)/);
    expect(a.loadStateDict(withoutWeight, { strict: false })).toEqual({ missingKeys: ['weight'], unexpectedKeys: [] });
  });

  test('zeroGrad clears every gradient', () => {
    const net = new Net();
    net.forward(ones([4, 3])).sum().backward();
    expect(net.parameters().every((p) => p.grad !== null)).toBe(true);
    net.zeroGrad({ setToNone: false });
    expect(net.parameters().every((p) => p.grad!.toFloat64Array().every((v) => v === 0))).toBe(true);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
  });

  test('to(dtype) converts parameters and floating buffers', () => {
    const net = new Net().to('float64');
    expect(net.parameters().every((p) => p.dtype === 'float64' && p.requiresGrad)).toBe(true);
    expect(net.buffers().every((b) => b.dtype === 'float64')).toBe(true);
    expect(net.forward(ones([1, 3], { dtype: 'float64' })).dtype).toBe('float64');
  });

  test('apply visits submodules before the module', () => {
    const order: string[] = [];
    new Net().apply((m) => order.push(m.constructor.name));
    expect(order).toEqual(['Affine', 'Affine', 'Net']);
  });

  test('toString prints a PyTorch-like tree', () => {
    expect(new Net().toString()).toBe('Net(\n  (first): Affine(in=3, out=2)\n  (second): Affine(in=3, out=2)\n)');
  });
});
