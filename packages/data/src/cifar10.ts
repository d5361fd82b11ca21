/**
 * CIFAR-10 as tensors: the official binary files loaded as they are (uint8 pixels, int32 labels), and
 * cs231n's `get_CIFAR10_data` preprocessing, from a folder (Node) or on data already loaded (anywhere).
 * @module
 */
import { checkFloatDtype, contiguousNdArray, DtypeError, formatShape, fromArray, ShapeError, Tensor } from '@tapegrad/core';
import type { CIFAR10Files } from './cifar10Files.js';
import { CIFAR10_IMAGE_BYTES, CIFAR10_IMAGE_SHAPE, type CIFAR10Records } from './cifar10Format.js';
import { readCIFAR10Files } from './fileio.js';
import { BYTES_ALTERNATIVE, nodeOnly } from './nodeBuiltins.js';
import { splitCIFAR10, type SplitArrays, type SplitOptions } from './preprocess.js';
import { resolveCIFAR10Dir, type ResolveCIFAR10Options } from './source.js';

/**
 * CIFAR-10 as stored: pixels uint8 [N, 3, 32, 32] (channels-first, as the records hold them),
 * labels int32 [N].
 * @category CIFAR-10
 */
export interface CIFAR10 {
  /** Training images, uint8 [N, 3, 32, 32]: every data_batch file found, in order. */
  XTrain: Tensor;
  /** Training labels, int32 [N], in 0..9. */
  yTrain: Tensor;
  /** Test images, uint8 [M, 3, 32, 32]. */
  XTest: Tensor;
  /** Test labels, int32 [M]. */
  yTest: Tensor;
  /** The class names, label i at index i (from `batches.meta.txt`). */
  classes: string[];
}

/**
 * Loads the CIFAR-10 binary version (`cifar-10-batches-bin`) from `dir`: `data_batch_1.bin` ..
 * `data_batch_5.bin` (whichever exist, in that order) as the training set, `test_batch.bin` as the test
 * set, `batches.meta.txt` for the class names (the standard names when it is missing). Each file's
 * record count is its size / 3073, so partial files load too. Pixels stay uint8; convert with
 * `.to('float32')` or use {@link getCIFAR10Data}.
 *
 * @param dir - The folder holding the files (e.g. what {@link downloadCIFAR10} returns).
 * @returns `{ XTrain, yTrain, XTest, yTest, classes }`: uint8 [N, 3, 32, 32] images, int32 [N] labels.
 * @throws {@link DataError} when `dir` is not a folder, holds no data_batch file or no test_batch.bin,
 *   a file's size is not a positive multiple of 3073 (naming the file and the cut-off record), a label
 *   is above 9 (naming the file and the record), or `batches.meta.txt` does not hold 10 names.
 * @throws {@link PlatformError} in a browser (no file system), naming {@link loadCIFAR10FromFiles} and
 *   {@link loadCIFAR10FromArchive}, which read the same files from bytes.
 * @example
 * ```ts
 * // not run: needs the CIFAR-10 files
 * import { loadCIFAR10 } from '@tapegrad/data';
 * const { XTrain, yTrain, classes } = loadCIFAR10('/data/cifar-10-batches-bin');
 * console.log(XTrain.shape, XTrain.dtype);        // [50000, 3, 32, 32] 'uint8'
 * console.log((yTrain.toArray() as number[]).slice(0, 10)); // [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]
 * console.log(classes[6]);                          // 'frog'
 * ```
 *
 * On a miniature CIFAR-10 in the official format, written to a temp folder:
 * ```ts
 * import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { CIFAR10_CLASSES, loadCIFAR10 } from '@tapegrad/data';
 * // records of 3073 bytes: the label, then 3072 pixels (red, green, blue planes of 32×32)
 * const records = (labels: number[]) => new Uint8Array(labels.length * 3073).map((_, i) => (i % 3073 ? i % 251 : labels[i / 3073]!));
 * const dir = mkdtempSync(join(tmpdir(), 'cifar10-'));
 * writeFileSync(join(dir, 'data_batch_1.bin'), records([6, 9, 9]));
 * writeFileSync(join(dir, 'test_batch.bin'), records([3, 8]));
 * writeFileSync(join(dir, 'batches.meta.txt'), CIFAR10_CLASSES.join('\n') + '\n');
 * const { XTrain, yTrain, XTest, classes } = loadCIFAR10(dir);
 * console.log(XTrain.shape, XTrain.dtype, XTest.shape); // [3, 3, 32, 32] 'uint8' [2, 3, 32, 32]
 * console.log(yTrain.toArray(), classes[6]); // [6, 9, 9] 'frog'
 * rmSync(dir, { recursive: true });
 * ```
 * @category CIFAR-10
 */
export function loadCIFAR10(dir: string): CIFAR10 {
  return cifar10Tensors(readCIFAR10Files(dir, 'loadCIFAR10'));
}

/** The records of a file set as {@link CIFAR10} tensors (no copy). @internal */
export function cifar10Tensors({ train, test, classes }: CIFAR10Files): CIFAR10 {
  return {
    XTrain: fromArray(train.pixels, [train.count, ...CIFAR10_IMAGE_SHAPE]),
    yTrain: fromArray(train.labels, [train.count]),
    XTest: fromArray(test.pixels, [test.count, ...CIFAR10_IMAGE_SHAPE]),
    yTest: fromArray(test.labels, [test.count]),
    classes,
  };
}

/**
 * Options of {@link splitCIFAR10Data}: the split sizes and the preprocessing.
 * @category CIFAR-10
 */
export interface SplitCIFAR10DataOptions {
  /** Training records, the first ones (default 49000). */
  numTraining?: number;
  /** Validation records, the ones right after the training ones (default 1000). */
  numValidation?: number;
  /** Test records, the first ones of test_batch.bin (default 1000). */
  numTest?: number;
  /** Subtract the training split's mean image from all three splits (default true). */
  subtractMean?: boolean;
  /** The images' dtype (default 'float64', as cs231n's float arrays). */
  dtype?: 'float32' | 'float64';
}

/**
 * Options of {@link getCIFAR10Data}: the split sizes, the preprocessing, and where the files come from.
 * @category CIFAR-10
 */
export interface GetCIFAR10DataOptions extends ResolveCIFAR10Options, SplitCIFAR10DataOptions {}

/**
 * The splits {@link getCIFAR10Data} returns: images [N, 3, 32, 32] of the chosen dtype, labels int32 [N].
 * @category CIFAR-10
 */
export interface CIFAR10Splits {
  XTrain: Tensor;
  yTrain: Tensor;
  XVal: Tensor;
  yVal: Tensor;
  XTest: Tensor;
  yTest: Tensor;
  /** The training split's mean image, float64 [3, 32, 32] (zeros when `subtractMean` is false). */
  meanImage: Tensor;
  /** The class names, label i at index i. */
  classes: string[];
}

/**
 * cs231n's `get_CIFAR10_data`, ported: loads CIFAR-10 (see {@link resolveCIFAR10Dir} for where from),
 * takes training records `[0, numTraining)`, validation records `[numTraining, numTraining +
 * numValidation)` of the training files and test records `[0, numTest)`, subtracts the training
 * split's per-pixel mean image from all three (`X -= mean(XTrain, axis=0)`), and returns channels-first
 * [N, 3, 32, 32] images. The mean is exact and the subtraction is done in float64, then stored as
 * `dtype`, so float64 results equal numpy's.
 *
 * @param opts - `numTraining` (default 49000), `numValidation` (default 1000), `numTest` (default
 *   1000), `subtractMean` (default true), `dtype` (default 'float64'), and the options of
 *   {@link resolveCIFAR10Dir} (`dir`, `cacheDir`, `download`, `url`, `md5`, `onProgress`, ...).
 * @returns `{ XTrain, yTrain, XVal, yVal, XTest, yTest, meanImage, classes }`.
 * @throws {@link DataError} when the files hold fewer records than asked for (the message says how
 *   many they hold), a count is not a non-negative integer, or the files cannot be found or read.
 * @throws {@link @tapegrad/core!DtypeError | DtypeError} when `dtype` is not 'float32' or 'float64'.
 * @throws {@link PlatformError} in a browser (no file system), naming {@link splitCIFAR10Data}, which does the same
 *   on data loaded from bytes.
 * @example
 * ```ts
 * // not run: downloads CIFAR-10 when it is not found
 * import { getCIFAR10Data } from '@tapegrad/data';
 * const data = await getCIFAR10Data();            // dir, $CIFAR10_DIR, the cache, or a download
 * for (const [k, v] of Object.entries(data)) if (k !== 'classes') console.log(k, v.shape);
 * // XTrain [49000, 3, 32, 32]  yTrain [49000]  XVal [1000, 3, 32, 32]  yVal [1000] ...
 * ```
 *
 * On a miniature CIFAR-10 in the official format, written to a temp folder:
 * ```ts
 * import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { CIFAR10_CLASSES, getCIFAR10Data } from '@tapegrad/data';
 * // records of 3073 bytes: the label, then 3072 pixels (red, green, blue planes of 32×32)
 * const records = (labels: number[]) => new Uint8Array(labels.length * 3073).map((_, i) => (i % 3073 ? i % 251 : labels[i / 3073]!));
 * const dir = mkdtempSync(join(tmpdir(), 'cifar10-'));
 * writeFileSync(join(dir, 'data_batch_1.bin'), records([6, 9, 9, 4]));
 * writeFileSync(join(dir, 'test_batch.bin'), records([3, 8]));
 * writeFileSync(join(dir, 'batches.meta.txt'), CIFAR10_CLASSES.join('\n') + '\n');
 * const data = await getCIFAR10Data({ dir, numTraining: 3, numValidation: 1, numTest: 2 });
 * console.log(data.XTrain.shape, data.XVal.shape, data.XTest.dtype, data.yVal.toArray()); // [3, 3, 32, 32] [1, 3, 32, 32] 'float64' [4]
 * // pixel 0 of the 3 training records is 1, 62, 123: the mean image holds 62, and XTrain 1 - 62
 * console.log(data.meanImage.toFloat64Array()[0], data.XTrain.toFloat64Array()[0]); // 62 -61
 * rmSync(dir, { recursive: true });
 * ```
 * @category CIFAR-10
 */
export async function getCIFAR10Data(opts: GetCIFAR10DataOptions = {}): Promise<CIFAR10Splits> {
  const caller = 'getCIFAR10Data';
  nodeOnly(caller, BYTES_ALTERNATIVE.splits);
  const { numTraining, numValidation, numTest, subtractMean, dtype, ...resolveOpts } = opts;
  const split = splitOptions(caller, { numTraining, numValidation, numTest, subtractMean, dtype });
  const { train, test, classes } = readCIFAR10Files(await resolveCIFAR10Dir(resolveOpts), caller);
  return splitsOf(train, test, classes, split, caller);
}

/**
 * cs231n's `get_CIFAR10_data` preprocessing on CIFAR-10 already loaded (by {@link loadCIFAR10},
 * {@link loadCIFAR10FromFiles} or {@link loadCIFAR10FromArchive}): what {@link getCIFAR10Data} does
 * after reading the files, with the same options (but the file ones) and the same results. So a
 * browser gets the same splits as Node. Training records `[0, numTraining)`, validation records
 * `[numTraining, numTraining + numValidation)`, test records `[0, numTest)`, minus the training
 * split's per-pixel mean image (`X -= mean(XTrain, axis=0)`, exact, in float64), as [N, 3, 32, 32].
 *
 * @param cifar - `{ XTrain, yTrain, XTest, yTest, classes }`: uint8 [N, 3, 32, 32] images and int32
 *   [N] labels, as the loaders return them.
 * @param opts - `numTraining` (default 49000), `numValidation` (default 1000), `numTest` (default
 *   1000), `subtractMean` (default true), `dtype` (default 'float64').
 * @returns `{ XTrain, yTrain, XVal, yVal, XTest, yTest, meanImage, classes }`.
 * @throws {@link DataError} when the data hold fewer records than asked for, or a count is not a
 *   non-negative integer.
 * @throws {@link @tapegrad/core!DtypeError | DtypeError} when `dtype` is not 'float32' or 'float64', or
 *   the images are not uint8 or the labels not int32.
 * @throws {@link @tapegrad/core!ShapeError | ShapeError} when the images are not [N, 3, 32, 32] or the
 *   labels not [N].
 * @throws TypeError when one of them is not a Tensor.
 * @example
 * ```ts
 * import { CIFAR10_CLASSES, loadCIFAR10FromFiles, splitCIFAR10Data } from '@tapegrad/data';
 * // records of 3073 bytes: the label, then 3072 pixels (red, green, blue planes of 32×32)
 * const records = (labels: number[]) => new Uint8Array(labels.length * 3073).map((_, i) => (i % 3073 ? i % 251 : labels[i / 3073]!));
 * const cifar = await loadCIFAR10FromFiles([
 *   { name: 'data_batch_1.bin', data: records([6, 9, 9, 4]) },
 *   { name: 'test_batch.bin', data: records([3, 8]) },
 * ]);
 * const data = splitCIFAR10Data(cifar, { numTraining: 3, numValidation: 1, numTest: 2 });
 * console.log(data.XTrain.shape, data.XVal.shape, data.XTest.dtype, data.yVal.toArray()); // [3, 3, 32, 32] [1, 3, 32, 32] 'float64' [4]
 * // pixel 0 of the 3 training records is 1, 62, 123: the mean image holds 62, and XTrain 1 - 62
 * console.log(data.meanImage.toFloat64Array()[0], data.XTrain.toFloat64Array()[0], data.classes[0]); // 62 -61 'airplane'
 * ```
 * @category CIFAR-10
 */
export function splitCIFAR10Data(cifar: CIFAR10, opts: SplitCIFAR10DataOptions = {}): CIFAR10Splits {
  const caller = 'splitCIFAR10Data';
  const split = splitOptions(caller, opts);
  if (cifar === null || typeof cifar !== 'object') {
    throw new TypeError(`${caller}: cifar as { XTrain, yTrain, XTest, yTest, classes } (got ${cifar === null ? 'null' : typeof cifar})`);
  }
  const train = recordsOf(caller, cifar.XTrain, cifar.yTrain, 'XTrain', 'yTrain');
  const test = recordsOf(caller, cifar.XTest, cifar.yTest, 'XTest', 'yTest');
  if (!Array.isArray(cifar.classes)) throw new TypeError(`${caller}: cifar.classes as an array of names (got ${typeof cifar.classes})`);
  return splitsOf(train, test, [...cifar.classes], split, caller);
}

/** The options with their defaults, the dtype checked. */
function splitOptions(caller: string, opts: SplitCIFAR10DataOptions): SplitOptions {
  const { numTraining = 49000, numValidation = 1000, numTest = 1000, subtractMean = true, dtype = 'float64' } = opts;
  return { numTraining, numValidation, numTest, subtractMean, dtype: checkFloatDtype(caller, dtype) };
}

function splitsOf(train: CIFAR10Records, test: CIFAR10Records, classes: string[], opts: SplitOptions, caller: string): CIFAR10Splits {
  const splits = splitCIFAR10(train, test, opts, caller);
  const images = (s: SplitArrays): Tensor => fromArray(s.X, [s.count, ...CIFAR10_IMAGE_SHAPE]);
  const labels = (s: SplitArrays): Tensor => fromArray(s.y, [s.count]);
  return {
    XTrain: images(splits.train),
    yTrain: labels(splits.train),
    XVal: images(splits.val),
    yVal: labels(splits.val),
    XTest: images(splits.test),
    yTest: labels(splits.test),
    meanImage: fromArray(splits.meanImage, [...CIFAR10_IMAGE_SHAPE]),
    classes,
  };
}

/** The raw records behind uint8 [N, 3, 32, 32] images and int32 [N] labels (no copy when contiguous). */
function recordsOf(caller: string, X: unknown, y: unknown, xName: string, yName: string): CIFAR10Records {
  for (const [value, name] of [[X, xName], [y, yName]] as const) {
    if (!(value instanceof Tensor)) throw new TypeError(`${caller}: cifar.${name} must be a Tensor (got ${value === null ? 'null' : typeof value})`);
  }
  const images = X as Tensor;
  const labels = y as Tensor;
  if (images.dtype !== 'uint8') throw new DtypeError(`${caller}: cifar.${xName} must be uint8, as the loaders return it (got ${images.dtype})`);
  if (labels.dtype !== 'int32') throw new DtypeError(`${caller}: cifar.${yName} must be int32 (got ${labels.dtype})`);
  const [count = -1, ...rest] = images.shape;
  if (images.shape.length !== 4 || rest.some((d, i) => d !== CIFAR10_IMAGE_SHAPE[i])) {
    throw new ShapeError(`${caller}: cifar.${xName} of shape [N, 3, 32, 32] (got ${formatShape(images.shape)})`);
  }
  if (labels.shape.length !== 1 || labels.shape[0] !== count) {
    throw new ShapeError(`${caller}: cifar.${yName} of shape [${count}], one label an image (got ${formatShape(labels.shape)})`);
  }
  const x = contiguousNdArray(images.data);
  const l = contiguousNdArray(labels.data);
  return {
    pixels: (x.data as Uint8Array).subarray(x.offset, x.offset + count * CIFAR10_IMAGE_BYTES),
    labels: (l.data as Int32Array).subarray(l.offset, l.offset + count),
    count,
  };
}
