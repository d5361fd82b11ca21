import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from './errors.js';
import { readCIFAR10Files } from './fileio.js';
import { splitCIFAR10 } from './preprocess.js';
import { readRecords, subsetDir, tempDir, tinyFiles, writeFiles } from './test-utils/cifar10Fixture.js';

const subset = subsetDir();
const tmp = tempDir();
afterAll(tmp.cleanup);
// The subset when present (4000 + 1000 records), else tiny files (3 batches of 10 + 11 test records).
const dir = subset ?? writeFiles(tmp.dir, tinyFiles([10, 10, 10], 11));
const sizes = subset ? { numTraining: 3000, numValidation: 500, numTest: 200 } : { numTraining: 17, numValidation: 9, numTest: 7 };

/** The mean image and the splits computed the plain way from the file bytes, pixel by pixel. */
function reference(numTraining: number) {
  const batchFiles = subset ? ['data_batch_1.bin'] : ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin'];
  const batches = batchFiles.map((f) => readRecords(path.join(dir, f)));
  const test = readRecords(path.join(dir, 'test_batch.bin'));
  const locate = (r: number) => {
    for (const b of batches) {
      if (r < b.count) return { b, r };
      r -= b.count;
    }
    throw new Error('out of range');
  };
  const trainPixel = (r: number, j: number) => {
    const { b, r: rr } = locate(r);
    return b.pixel(rr, j);
  };
  const trainLabel = (r: number) => {
    const { b, r: rr } = locate(r);
    return b.label(rr);
  };
  const mean = new Float64Array(3072);
  for (let j = 0; j < 3072; j++) {
    let s = 0;
    for (let r = 0; r < numTraining; r++) s += trainPixel(r, j);
    mean[j] = s / numTraining;
  }
  return { mean, trainPixel, trainLabel, test };
}

describe(`splitCIFAR10 (cs231n get_CIFAR10_data) on ${subset ? 'the shared subset' : 'tiny files'}`, () => {
  const files = readCIFAR10Files(dir, 'getCIFAR10Data');
  const ref = reference(sizes.numTraining);

  it('takes train, then val right after it, then the first test records, minus the training mean', () => {
    const s = splitCIFAR10(files.train, files.test, { ...sizes, subtractMean: true, dtype: 'float64' }, 'getCIFAR10Data');
    expect(s.train.count).toBe(sizes.numTraining);
    expect(s.val.count).toBe(sizes.numValidation);
    expect(s.test.count).toBe(sizes.numTest);
    expect(s.train.X).toBeInstanceOf(Float64Array);
    expect(Array.from(s.meanImage)).toEqual(Array.from(ref.mean));
    for (let i = 0; i < sizes.numTraining; i += 7) {
      for (let j = i % 13; j < 3072; j += 97) expect(s.train.X[i * 3072 + j]).toBe(ref.trainPixel(i, j) - (ref.mean[j] as number));
      expect(s.train.y[i]).toBe(ref.trainLabel(i));
    }
    for (let i = 0; i < sizes.numValidation; i++) {
      const r = sizes.numTraining + i;
      for (let j = i % 11; j < 3072; j += 101) expect(s.val.X[i * 3072 + j]).toBe(ref.trainPixel(r, j) - (ref.mean[j] as number));
      expect(s.val.y[i]).toBe(ref.trainLabel(r));
    }
    for (let i = 0; i < sizes.numTest; i++) {
      for (let j = i % 5; j < 3072; j += 89) expect(s.test.X[i * 3072 + j]).toBe(ref.test.pixel(i, j) - (ref.mean[j] as number));
      expect(s.test.y[i]).toBe(ref.test.label(i));
    }
  });

  it.runIf(subset !== undefined)('matches values computed with numpy from the subset', () => {
    const s = splitCIFAR10(files.train, files.test, { numTraining: 3000, numValidation: 500, numTest: 200, subtractMean: true, dtype: 'float64' }, 'g');
    const at = (c: number, h: number, w: number) => c * 1024 + h * 32 + w;
    // mean_image = X_train[:3000].astype(float).mean(axis=0)
    expect(s.meanImage[at(0, 0, 0)]).toBe(131.93366666666665);
    expect(s.meanImage[at(2, 31, 31)]).toBe(114.974);
    expect(s.meanImage[at(1, 16, 16)]).toBe(115.07766666666667);
    expect(s.train.X[at(0, 0, 0)]).toBe(-72.93366666666665);
    expect(s.val.X[at(1, 2, 3)]).toBe(118.179);
    expect(s.test.X[199 * 3072 + at(2, 31, 0)]).toBe(-37.56533333333333);
  });

  it('rounds the float64 result once to float32 when asked', () => {
    const f64 = splitCIFAR10(files.train, files.test, { ...sizes, subtractMean: true, dtype: 'float64' }, 'g');
    const f32 = splitCIFAR10(files.train, files.test, { ...sizes, subtractMean: true, dtype: 'float32' }, 'g');
    expect(f32.val.X).toBeInstanceOf(Float32Array);
    let mismatches = 0;
    for (let i = 0; i < f64.val.X.length; i++) if (f32.val.X[i] !== Math.fround(f64.val.X[i] as number)) mismatches++;
    expect(mismatches).toBe(0);
    expect(f32.val.X.length).toBe(f64.val.X.length);
  });

  it('keeps the raw pixel values without mean subtraction', () => {
    const s = splitCIFAR10(files.train, files.test, { ...sizes, subtractMean: false, dtype: 'float64' }, 'g');
    expect(Array.from(s.meanImage).every((v) => v === 0)).toBe(true);
    expect(Array.from(s.val.X.subarray(0, 3072))).toEqual(Array.from({ length: 3072 }, (_, j) => ref.trainPixel(sizes.numTraining, j)));
  });

  it('says how many records the files hold when fewer are asked for', () => {
    const have = files.train.count;
    expect(() =>
      splitCIFAR10(files.train, files.test, { numTraining: 49000, numValidation: 1000, numTest: 10, subtractMean: true, dtype: 'float64' }, 'getCIFAR10Data'),
    ).toThrow(new DataError(`getCIFAR10Data: numTraining + numValidation = 50000 training records (got ${have} in the files)`));
    expect(() =>
      splitCIFAR10(files.train, files.test, { numTraining: 1, numValidation: 0, numTest: 5000, subtractMean: true, dtype: 'float64' }, 'getCIFAR10Data'),
    ).toThrow(new DataError(`getCIFAR10Data: numTest = 5000 test records (got ${files.test.count} in the files)`));
  });

  it('refuses counts that are not non-negative integers, and a mean of no records', () => {
    const opts = { ...sizes, subtractMean: true, dtype: 'float64' as const };
    expect(() => splitCIFAR10(files.train, files.test, { ...opts, numTraining: -1 }, 'g')).toThrow(/numTraining as a non-negative integer \(got -1\)/);
    expect(() => splitCIFAR10(files.train, files.test, { ...opts, numValidation: 1.5 }, 'g')).toThrow(/numValidation/);
    expect(() => splitCIFAR10(files.train, files.test, { ...opts, numTraining: 0 }, 'g')).toThrow(/numTraining >= 1 to compute a mean image/);
  });
});
