import { Generator, ShapeError, arange, fromArray, manualSeed, type Tensor } from '@tapegrad/core';
import { describe, expect, it } from 'vitest';
import { loadReference } from '@tapegrad/test-support/reference';
import { DataError } from './errors.js';
import { DataLoader, TensorDataset } from './loader.js';

/** numpy's `np.random.seed(seed); np.random.permutation(10)`, from the vendored reference vectors. */
function numpyPermutation10(seed: number): number[] {
  const found = loadReference('rng.json').find((c) => c.name === `seed${seed}_permutation_10`);
  if (!found) throw new Error(`reference case seed${seed}_permutation_10 missing`);
  return found.outputs['c0']!.data;
}

function dataset(n = 10): { ds: TensorDataset; X: Tensor; y: Tensor } {
  const X = arange(n * 3).reshape([n, 3]);
  const y = fromArray(Int32Array.from({ length: n }, (_, i) => 100 + i), [n]);
  return { ds: new TensorDataset(X, y), X, y };
}

const ids = (batch: Tensor[]) => (batch[1]?.toArray() as number[]).map((v) => v - 100);

describe('TensorDataset', () => {
  it('gathers the same rows of every tensor', () => {
    const { ds } = dataset(5);
    expect(ds.length).toBe(5);
    const [xb, yb] = ds.getBatch([4, 0, 4]);
    expect(xb?.toArray()).toEqual([[12, 13, 14], [0, 1, 2], [12, 13, 14]]);
    expect(yb?.toArray()).toEqual([104, 100, 104]);
    expect(yb?.dtype).toBe('int32');
  });

  it('refuses tensors whose first dimensions differ, scalars, and no tensor', () => {
    expect(() => new TensorDataset(arange(6).reshape([3, 2]), arange(4))).toThrow(
      new ShapeError('TensorDataset: tensors of the same size in dim 0 (got [3, 2] and [4] as tensor 1)'),
    );
    expect(() => new TensorDataset()).toThrow(ShapeError);
  });
});

describe('DataLoader', () => {
  it('walks the data in order in batches, the last one smaller', () => {
    const { ds } = dataset(10);
    const loader = new DataLoader(ds, { batchSize: 4 });
    expect(loader.length).toBe(3);
    const batches = [...loader];
    expect(batches.map(ids)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(batches[2]?.[0]?.toArray()).toEqual([[24, 25, 26], [27, 28, 29]]);
    expect(batches[0]?.[0]?.shape).toEqual([4, 3]);
  });

  it('drops the last smaller batch with dropLast', () => {
    const { ds } = dataset(10);
    const loader = new DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(loader.length).toBe(2);
    expect([...loader].map(ids)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(new DataLoader(ds, { batchSize: 5, dropLast: true }).length).toBe(2);
    expect(new DataLoader(ds, { batchSize: 11, dropLast: true }).length).toBe(0);
    expect([...new DataLoader(ds, { batchSize: 11, dropLast: true })]).toEqual([]);
  });

  it('batches one sample at a time by default', () => {
    const { ds } = dataset(3);
    expect([...new DataLoader(ds)].map(ids)).toEqual([[0], [1], [2]]);
  });

  it('shuffles in the order of numpy permutation for a seeded Generator', () => {
    const { ds } = dataset(10);
    const loader = new DataLoader(ds, { batchSize: 4, shuffle: true, generator: new Generator(0) });
    const order = numpyPermutation10(0);
    expect([...loader].map(ids)).toEqual([order.slice(0, 4), order.slice(4, 8), order.slice(8)]);
  });

  it('draws a new order each epoch, each sample once per epoch, with rows matching labels', () => {
    const { ds } = dataset(10);
    const loader = new DataLoader(ds, { batchSize: 3, shuffle: true, generator: new Generator(1) });
    const epoch1 = [...loader].flatMap(ids);
    const epoch2 = [...loader].flatMap(ids);
    expect([...epoch1].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...epoch2].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(epoch1).toEqual(numpyPermutation10(1));
    expect(epoch2).not.toEqual(epoch1);
    for (const [xb, yb] of loader) {
      const rows = xb?.toArray() as number[][];
      (yb?.toArray() as number[]).forEach((label, k) => expect(rows[k]?.[0]).toBe((label - 100) * 3));
    }
  });

  it('uses the global stream that manualSeed seeds when no generator is given', () => {
    const { ds } = dataset(10);
    manualSeed(0);
    const a = [...new DataLoader(ds, { batchSize: 10, shuffle: true })].flatMap(ids);
    expect(a).toEqual(numpyPermutation10(0));
  });

  it('refuses a batch size that is not a positive integer', () => {
    const { ds } = dataset(3);
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(new DataError('DataLoader: batchSize as a positive integer (got 0)'));
    expect(() => new DataLoader(ds, { batchSize: 2.5 })).toThrow(DataError);
  });
});
