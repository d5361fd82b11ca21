/**
 * cs231n's preprocessing of CIFAR-10 on raw arrays: the train/val/test split and the subtraction of the
 * training split's mean image. No tensors and no file system here.
 * @module
 */
import { CIFAR10_IMAGE_BYTES, type CIFAR10Records } from './cifar10Format.js';
import { DataError } from './errors.js';

/** Sizes and options of the split. @internal */
export interface SplitOptions {
  numTraining: number;
  numValidation: number;
  numTest: number;
  subtractMean: boolean;
  dtype: 'float32' | 'float64';
}

/** One split: images `count * 3072` (channels-first per image) and labels. @internal */
export interface SplitArrays {
  X: Float32Array | Float64Array;
  y: Int32Array;
  count: number;
}

/** The three splits and the mean image (zeros when the mean is not subtracted). @internal */
export interface Splits {
  train: SplitArrays;
  val: SplitArrays;
  test: SplitArrays;
  meanImage: Float64Array;
}

/**
 * Splits as cs231n's `get_CIFAR10_data`: train = records [0, numTraining), val = the next
 * numValidation, test = test records [0, numTest); then, when `subtractMean`, the per-pixel mean of the
 * training split is subtracted from all three. The mean is exact (sums of bytes are exact in float64),
 * the difference is computed in float64 and rounded once to `dtype`.
 * @internal
 */
export function splitCIFAR10(train: CIFAR10Records, test: CIFAR10Records, opts: SplitOptions, caller: string): Splits {
  const { numTraining, numValidation, numTest, subtractMean, dtype } = opts;
  checkCount(numTraining, 'numTraining', caller);
  checkCount(numValidation, 'numValidation', caller);
  checkCount(numTest, 'numTest', caller);
  if (numTraining + numValidation > train.count) {
    throw new DataError(
      `${caller}: numTraining + numValidation = ${numTraining + numValidation} training records ` +
        `(got ${train.count} in the files)`,
    );
  }
  if (numTest > test.count) {
    throw new DataError(`${caller}: numTest = ${numTest} test records (got ${test.count} in the files)`);
  }
  if (subtractMean && numTraining === 0) {
    throw new DataError(`${caller}: numTraining >= 1 to compute a mean image (got 0)`);
  }
  const D = CIFAR10_IMAGE_BYTES;
  const meanImage = new Float64Array(D);
  if (subtractMean) {
    const px = train.pixels;
    for (let i = 0; i < numTraining; i++) {
      const at = i * D;
      for (let j = 0; j < D; j++) meanImage[j] = (meanImage[j] as number) + (px[at + j] as number);
    }
    for (let j = 0; j < D; j++) meanImage[j] = (meanImage[j] as number) / numTraining;
  }
  const take = (src: CIFAR10Records, start: number, count: number): SplitArrays => {
    const X = dtype === 'float32' ? new Float32Array(count * D) : new Float64Array(count * D);
    const px = src.pixels;
    for (let i = 0; i < count; i++) {
      const from = (start + i) * D;
      const to = i * D;
      for (let j = 0; j < D; j++) X[to + j] = (px[from + j] as number) - (meanImage[j] as number);
    }
    return { X, y: src.labels.slice(start, start + count), count };
  };
  return {
    train: take(train, 0, numTraining),
    val: take(train, numTraining, numValidation),
    test: take(test, 0, numTest),
    meanImage,
  };
}

function checkCount(value: number, name: string, caller: string): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new DataError(`${caller}: ${name} as a non-negative integer (got ${String(value)})`);
  }
}
