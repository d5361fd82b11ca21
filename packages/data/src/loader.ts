/**
 * PyTorch-style data loading: a dataset of tensors indexed along their first axis, and a loader that
 * walks it in (optionally shuffled) mini-batches.
 * @module
 */
import { ShapeError, permutation, type Generator, type Tensor } from '@tapegrad/core';
import { DataError } from './errors.js';

/**
 * What a {@link DataLoader} draws from: a length and a way to gather rows into batch tensors.
 * @category Loading
 */
export interface BatchDataset<Batch extends Tensor[] = Tensor[]> {
  /** The number of samples. */
  readonly length: number;
  /** The samples at `indices`, gathered along axis 0: one tensor per field (e.g. `[X, y]`). */
  getBatch(indices: readonly number[]): Batch;
}

/**
 * A dataset of tensors that share their first dimension, like PyTorch's `TensorDataset`: sample i is
 * row i of each tensor.
 *
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { TensorDataset } from '@tapegrad/data';
 * const ds = new TensorDataset(tensor([[1, 2], [3, 4], [5, 6]]), tensor([0, 1, 0]));
 * console.log(ds.length);                                   // 3
 * console.log(ds.getBatch([2, 0]).map((t) => t.toArray())); // [[[5, 6], [1, 2]], [0, 0]]
 * ```
 * @category Loading
 */
export class TensorDataset<Batch extends Tensor[] = Tensor[]> implements BatchDataset<Batch> {
  /** The tensors, in the order given. */
  readonly tensors: Readonly<Batch>;

  /**
   * @param tensors - One or more tensors of rank >= 1 with the same size in dimension 0.
   * @throws {@link @tapegrad/core!ShapeError | ShapeError} when no tensor is given, one is a scalar, or their first dimensions differ.
   */
  constructor(...tensors: Batch) {
    const first = tensors[0];
    if (first === undefined) throw new ShapeError('TensorDataset: at least one tensor (got none)');
    for (const [i, t] of tensors.entries()) {
      if (t.shape.length === 0) throw new ShapeError(`TensorDataset: tensors of rank >= 1 (got a scalar as tensor ${i})`);
      if (t.shape[0] !== first.shape[0]) {
        throw new ShapeError(
          `TensorDataset: tensors of the same size in dim 0 (got [${first.shape.join(', ')}] and [${t.shape.join(', ')}] as tensor ${i})`,
        );
      }
    }
    this.tensors = tensors;
  }

  /** The number of samples (the tensors' size in dimension 0). */
  get length(): number {
    return (this.tensors[0] as Tensor).shape[0] as number;
  }

  /**
   * The rows at `indices` of every tensor.
   * @param indices - Row numbers in `[0, length)`.
   * @returns One tensor per field, each `[indices.length, ...rest of its shape]`.
   */
  getBatch(indices: readonly number[]): Batch {
    const rows = [...indices];
    return this.tensors.map((t) => t.index(rows)) as Batch;
  }
}

/**
 * Options of {@link DataLoader}; defaults are PyTorch's.
 * @category Loading
 */
export interface DataLoaderOptions {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Draw a new random order at the start of every epoch (default false). */
  shuffle?: boolean;
  /** Leave out the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** The random stream for `shuffle` (default the global stream that `manualSeed` seeds). */
  generator?: Generator;
}

/**
 * Iterates over a dataset in mini-batches, like PyTorch's `DataLoader`: each `for (const batch of
 * loader)` is one epoch, and with `shuffle` each epoch draws a new order with `permutation(n)` of the
 * generator (numpy-compatible, so a seeded `Generator` gives the same order as numpy's).
 *
 * @example
 * ```ts
 * import { arange, Generator } from '@tapegrad/core';
 * import { DataLoader, TensorDataset } from '@tapegrad/data';
 * const ds = new TensorDataset(arange(10).reshape([5, 2]), arange(5));
 * const loader = new DataLoader(ds, { batchSize: 2, shuffle: true, generator: new Generator(0) });
 * console.log(loader.length);                          // 3 batches: 2 + 2 + 1
 * for (const [xb, yb] of loader) console.log(xb.shape, yb.toArray());
 * ```
 * @category Loading
 */
export class DataLoader<Batch extends Tensor[] = Tensor[]> implements Iterable<Batch> {
  /** The dataset batches are drawn from. */
  readonly dataset: BatchDataset<Batch>;
  /** Samples per batch. */
  readonly batchSize: number;
  /** Whether each epoch draws a new random order. */
  readonly shuffle: boolean;
  /** Whether a last, smaller batch is left out. */
  readonly dropLast: boolean;
  private readonly generator: Generator | undefined;

  /**
   * @param dataset - What to draw from, e.g. a {@link TensorDataset}.
   * @param opts - `batchSize` (default 1), `shuffle` (default false), `dropLast` (default false),
   *   `generator` (default the global stream).
   * @throws {@link DataError} when `batchSize` is not a positive integer or the dataset is empty.
   */
  constructor(dataset: BatchDataset<Batch>, opts: DataLoaderOptions = {}) {
    const { batchSize = 1, shuffle = false, dropLast = false, generator } = opts;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new DataError(`DataLoader: batchSize as a positive integer (got ${String(batchSize)})`);
    }
    if (dataset.length === 0) throw new DataError('DataLoader: a dataset of at least one example (got an empty dataset)');
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.generator = generator;
  }

  /** The number of batches in one epoch: `ceil(n / batchSize)`, or `floor` with `dropLast`. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** One epoch of batches; with `shuffle`, the order is drawn when the iteration starts. */
  *[Symbol.iterator](): Iterator<Batch> {
    const n = this.dataset.length;
    const order = this.shuffle ? this.drawOrder(n) : null;
    for (let b = 0; b < this.length; b++) {
      const start = b * this.batchSize;
      const end = Math.min(n, start + this.batchSize);
      const indices: number[] = [];
      for (let i = start; i < end; i++) indices.push(order === null ? i : (order[i] as number));
      yield this.dataset.getBatch(indices);
    }
  }

  private drawOrder(n: number): number[] {
    const perm = this.generator ? this.generator.permutation(n) : permutation(n);
    return perm.toArray() as number[];
  }
}
