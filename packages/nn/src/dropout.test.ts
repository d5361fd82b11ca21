import { describe, expect, test } from 'vitest';
import { Generator, ones } from '@tapegrad/core';
import { Dropout, Linear, Sequential, dropout } from '@tapegrad/nn';

describe('Dropout', () => {
  test('in train mode it drops as dropout(x, p, true, generator) does', () => {
    const x = ones([8, 8], { dtype: 'float64' });
    const layer = new Dropout(0.25, { generator: new Generator(12) });
    expect(layer.training).toBe(true);
    expect(layer.forward(x).toArray()).toEqual(dropout(x, 0.25, true, new Generator(12)).toArray());
  });

  test('in eval mode it is the identity, also inside a Sequential', () => {
    const x = ones([4, 3], { dtype: 'float64' });
    const layer = new Dropout();
    expect(layer.p).toBe(0.5);
    expect(layer.eval().forward(x)).toBe(x);
    const model = new Sequential(new Linear(3, 3, { dtype: 'float64' }), new Dropout(0.9));
    model.eval();
    const lin = model.at(0);
    expect(model.forward(x).toArray()).toEqual(lin.forward(x).toArray());
    model.train();
    expect(model.forward(x).toArray()).not.toEqual(lin.forward(x).toArray());
  });

  test('uses the global stream by default and checks p', () => {
    expect(new Dropout(0.1).toString()).toBe('Dropout(p=0.1)');
    expect(() => new Dropout(2)).toThrow('Dropout: p must be a probability in [0, 1] (got 2)');
    expect(new Dropout().parameters()).toEqual([]);
    expect(Object.keys(new Dropout().stateDict())).toEqual([]);
  });
});
