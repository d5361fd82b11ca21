import * as fs from 'node:fs';
import * as path from 'node:path';
import { DtypeError, ShapeError } from '@tapegrad/core';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { getCIFAR10Data, loadCIFAR10, splitCIFAR10Data } from './cifar10.js';
import { loadCIFAR10FromFiles } from './cifar10Bytes.js';
import { CIFAR10_CLASSES } from './cifar10Format.js';
import { DataError } from './errors.js';
import { readCIFAR10Files } from './fileio.js';
import { splitCIFAR10 } from './preprocess.js';
import { FIRST_TEST_LABELS, FIRST_TRAIN_LABELS, readRecords, subsetDir, tempDir, tinyFiles, writeFiles } from './test-utils/cifar10Fixture.js';

const subset = subsetDir();

/** The first index where two arrays differ (or where one ends), -1 when they are equal. */
function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
const tmp = tempDir();
afterAll(tmp.cleanup);
const tiny = writeFiles(path.join(tmp.dir, 'tiny'), tinyFiles([12, 8], 11));
const dir = subset ?? tiny;
const counts = subset ? { train: 4000, test: 1000 } : { train: 20, test: 11 };

beforeEach(() => {
  // never look at the user's cache or environment, never download
  vi.stubEnv('CIFAR10_DIR', '');
  vi.stubEnv('TAPEGRAD_DATA', path.join(tmp.dir, 'empty-cache'));
});
afterEach(() => vi.unstubAllEnvs());

describe(`loadCIFAR10 on ${subset ? 'the shared subset' : 'tiny files'}`, () => {
  it('returns uint8 [N, 3, 32, 32] images and int32 labels with the official first labels', () => {
    const { XTrain, yTrain, XTest, yTest, classes } = loadCIFAR10(dir);
    expect(XTrain.shape).toEqual([counts.train, 3, 32, 32]);
    expect(XTrain.dtype).toBe('uint8');
    expect(yTrain.shape).toEqual([counts.train]);
    expect(yTrain.dtype).toBe('int32');
    expect(XTest.shape).toEqual([counts.test, 3, 32, 32]);
    expect(XTest.dtype).toBe('uint8');
    expect(yTest.shape).toEqual([counts.test]);
    expect((yTrain.toArray() as number[]).slice(0, 10)).toEqual(FIRST_TRAIN_LABELS);
    expect((yTest.toArray() as number[]).slice(0, 10)).toEqual(FIRST_TEST_LABELS);
    expect(classes).toEqual(CIFAR10_CLASSES);
  });

  it('puts record r, channel c, row h, column w at XTrain[r, c, h, w]', () => {
    const { XTrain, XTest } = loadCIFAR10(dir);
    const train = readRecords(path.join(dir, 'data_batch_1.bin'));
    const test = readRecords(path.join(dir, 'test_batch.bin'));
    let mismatches = 0;
    for (let r = 0; r < train.count; r += 3) {
      for (let c = 0; c < 3; c++) {
        for (let h = r % 4; h < 32; h += 4) {
          for (let w = r % 5; w < 32; w += 5) if (XTrain.data.get(r, c, h, w) !== train.pixel(r, c * 1024 + h * 32 + w)) mismatches++;
        }
      }
    }
    expect(mismatches).toBe(0);
    expect(XTest.data.get(3, 2, 4, 5)).toBe(test.pixel(3, 2 * 1024 + 4 * 32 + 5));
    // the nested-array view agrees on a small tensor
    const first = XTrain.index([0]).toArray() as number[][][][];
    expect(first[0]?.[1]?.[5]?.[9]).toBe(train.pixel(0, 1024 + 5 * 32 + 9));
  });

  it.runIf(subset !== undefined)('holds the subset values that numpy reads', () => {
    const { XTrain, XTest } = loadCIFAR10(dir);
    expect([0, 1, 2].map((c) => XTrain.data.get(0, c, 0, 0))).toEqual([59, 62, 63]);
    expect([0, 1, 2].map((c) => XTrain.data.get(3999, c, 31, 31))).toEqual([83, 153, 57]);
    expect(XTest.data.get(999, 2, 5, 7)).toBe(193);
  });

  it('gives a DataError for a folder that does not hold the files', () => {
    expect(() => loadCIFAR10(path.join(tmp.dir, 'nowhere'))).toThrow(DataError);
  });
});

describe(`getCIFAR10Data on ${subset ? 'the shared subset' : 'tiny files'}`, () => {
  const sizes = subset ? { numTraining: 3000, numValidation: 500, numTest: 200 } : { numTraining: 15, numValidation: 5, numTest: 6 };

  it('returns float64 channels-first splits equal to the plain split of the files', async () => {
    const data = await getCIFAR10Data({ dir, ...sizes });
    expect(data.XTrain.shape).toEqual([sizes.numTraining, 3, 32, 32]);
    expect(data.XVal.shape).toEqual([sizes.numValidation, 3, 32, 32]);
    expect(data.XTest.shape).toEqual([sizes.numTest, 3, 32, 32]);
    expect(data.yTrain.shape).toEqual([sizes.numTraining]);
    expect(data.XTrain.dtype).toBe('float64');
    expect(data.yVal.dtype).toBe('int32');
    expect(data.meanImage.shape).toEqual([3, 32, 32]);
    const f = readCIFAR10Files(dir, 'test');
    const s = splitCIFAR10(f.train, f.test, { ...sizes, subtractMean: true, dtype: 'float64' }, 'test');
    expect(firstMismatch(data.XVal.data.data as Float64Array, s.val.X)).toBe(-1);
    expect(firstMismatch(data.XTrain.data.data as Float64Array, s.train.X)).toBe(-1);
    expect(firstMismatch(data.XTest.data.data as Float64Array, s.test.X)).toBe(-1);
    expect(data.yVal.toArray()).toEqual(Array.from(f.train.labels.subarray(sizes.numTraining, sizes.numTraining + sizes.numValidation)));
    expect((data.yTest.toArray() as number[]).slice(0, 6)).toEqual(FIRST_TEST_LABELS.slice(0, 6));
    // the training split is centred: each pixel's mean over it is ~0
    const xt = data.XTrain.data;
    for (const [c, h, w] of [[0, 0, 0], [1, 7, 8], [2, 31, 31]] as const) {
      let sum = 0;
      for (let n = 0; n < sizes.numTraining; n++) sum += xt.get(n, c, h, w);
      expect(Math.abs(sum / sizes.numTraining)).toBeLessThan(1e-9);
    }
  });

  it.runIf(subset !== undefined)('matches numpy values on the subset', async () => {
    const data = await getCIFAR10Data({ dir, numTraining: 3000, numValidation: 500, numTest: 200 });
    expect(data.meanImage.data.get(0, 0, 0)).toBe(131.93366666666665);
    expect(data.meanImage.data.get(2, 31, 31)).toBe(114.974);
    expect(data.XTrain.data.get(0, 0, 0, 0)).toBe(-72.93366666666665);
    expect(data.XVal.data.get(0, 1, 2, 3)).toBe(118.179);
    expect(data.XTest.data.get(199, 2, 31, 0)).toBe(-37.56533333333333);
  });

  it('gives float32 when asked', async () => {
    const data = await getCIFAR10Data({ dir, ...sizes, dtype: 'float32' });
    expect(data.XTrain.dtype).toBe('float32');
    expect(data.XTest.dtype).toBe('float32');
  });

  it('says how many records there are when the defaults ask for more', async () => {
    await expect(getCIFAR10Data({ dir })).rejects.toThrow(
      new DataError(`getCIFAR10Data: numTraining + numValidation = 50000 training records (got ${counts.train} in the files)`),
    );
  });

  it('refuses a dtype that is not floating', async () => {
    await expect(getCIFAR10Data({ dir, dtype: 'int32' as never })).rejects.toThrow(DtypeError);
  });

  it('finds the files through CIFAR10_DIR', async () => {
    vi.stubEnv('CIFAR10_DIR', tiny);
    const data = await getCIFAR10Data({ numTraining: 10, numValidation: 2, numTest: 3, download: false });
    expect(data.XTrain.shape).toEqual([10, 3, 32, 32]);
  });
});

describe(`splitCIFAR10Data on ${subset ? 'the shared subset' : 'tiny files'}`, () => {
  const sizes = subset ? { numTraining: 3000, numValidation: 500, numTest: 200 } : { numTraining: 15, numValidation: 5, numTest: 6 };
  const keys = ['XTrain', 'yTrain', 'XVal', 'yVal', 'XTest', 'yTest', 'meanImage'] as const;

  it.each([['float64'], ['float32']] as const)('gives exactly what getCIFAR10Data gives, in %s', async (dtype) => {
    const fromFolder = await getCIFAR10Data({ dir, ...sizes, dtype });
    const fromLoaded = splitCIFAR10Data(loadCIFAR10(dir), { ...sizes, dtype });
    for (const key of keys) {
      expect(fromLoaded[key].shape, key).toEqual(fromFolder[key].shape);
      expect(fromLoaded[key].dtype, key).toBe(fromFolder[key].dtype);
      expect(firstMismatch(fromLoaded[key].data.data, fromFolder[key].data.data), key).toBe(-1);
    }
    expect(fromLoaded.classes).toEqual(fromFolder.classes);
  });

  it.runIf(subset !== undefined)('matches numpy values on the subset loaded from bytes', async () => {
    const files = ['data_batch_1.bin', 'test_batch.bin'].map((name) => ({ name, data: new Blob([fs.readFileSync(path.join(dir, name))]) }));
    const data = splitCIFAR10Data(await loadCIFAR10FromFiles(files), { numTraining: 3000, numValidation: 500, numTest: 200 });
    expect(data.meanImage.data.get(0, 0, 0)).toBe(131.93366666666665);
    expect(data.XTrain.data.get(0, 0, 0, 0)).toBe(-72.93366666666665);
    expect(data.XVal.data.get(0, 1, 2, 3)).toBe(118.179);
    expect(data.XTest.data.get(199, 2, 31, 0)).toBe(-37.56533333333333);
  });

  it('uses the defaults of getCIFAR10Data and says how many records there are', () => {
    expect(() => splitCIFAR10Data(loadCIFAR10(dir))).toThrow(
      new DataError(`splitCIFAR10Data: numTraining + numValidation = 50000 training records (got ${counts.train} in the files)`),
    );
  });

  it('reads strided images (a transposed view) by their values, not their memory order', () => {
    const cifar = loadCIFAR10(dir);
    const strided = cifar.XTrain.transpose(2, 3).clone().transpose(2, 3); // same values, rows and columns swapped in memory
    expect(strided.data.stride).not.toEqual(cifar.XTrain.data.stride);
    const a = splitCIFAR10Data({ ...cifar, XTrain: strided }, sizes);
    const b = splitCIFAR10Data(cifar, sizes);
    expect(firstMismatch(a.XVal.data.data, b.XVal.data.data)).toBe(-1);
    expect(firstMismatch(a.meanImage.data.data, b.meanImage.data.data)).toBe(-1);
  });

  it('refuses images or labels of the wrong dtype or shape', () => {
    const cifar = loadCIFAR10(dir);
    expect(() => splitCIFAR10Data({ ...cifar, XTrain: cifar.XTrain.to('float32') }, sizes)).toThrow(
      new DtypeError('splitCIFAR10Data: cifar.XTrain must be uint8, as the loaders return it (got float32)'),
    );
    expect(() => splitCIFAR10Data({ ...cifar, XTest: cifar.XTest.reshape([-1, 3072]) }, sizes)).toThrow(
      new ShapeError(`splitCIFAR10Data: cifar.XTest of shape [N, 3, 32, 32] (got [${counts.test}, 3072])`),
    );
    expect(() => splitCIFAR10Data({ ...cifar, yTrain: cifar.yTest }, sizes)).toThrow(
      new ShapeError(`splitCIFAR10Data: cifar.yTrain of shape [${counts.train}], one label an image (got [${counts.test}])`),
    );
    expect(() => splitCIFAR10Data({ ...cifar, yTest: [1, 2] as never }, sizes)).toThrow(new TypeError('splitCIFAR10Data: cifar.yTest must be a Tensor (got object)'));
    expect(() => splitCIFAR10Data(cifar, { ...sizes, dtype: 'int32' as never })).toThrow(DtypeError);
  });
});
