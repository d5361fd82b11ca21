/**
 * STAND-IN for @tapegrad/data's browser loaders (see ../cifarAdapter.ts): CIFAR-10's batch files
 * from bytes, a .tar.gz of them, and cs231n's preprocessing, with @tapegrad/data's rules and
 * messages (`<function>: <expected> (got <what came>)`). Deleted when the real ones merge.
 * @module
 */
import { contiguousNdArray, fromArray, type Tensor } from '@tapegrad/core';
import type { CIFAR10, CIFAR10Splits } from '@tapegrad/data';
import { readTarGz } from './tarGz.js';

export type { CIFAR10, CIFAR10Splits } from '@tapegrad/data';

/** Bytes as a page has them: a buffer, a view, a dropped File (a Blob), or a fetch Response. */
export type ByteSource = ArrayBuffer | Uint8Array | Blob | Response;

/** A file that is not CIFAR-10 or not usable (@tapegrad/data's class, stood in). */
export class DataError extends Error {
  override readonly name = 'DataError';
}

const RECORD = 3073;
const IMAGE = 3072;
const SHAPE = [3, 32, 32] as const;
const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const TRAIN_FILES = [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`);
const TEST_FILE = 'test_batch.bin';
const META_FILE = 'batches.meta.txt';

/** The bytes of a {@link ByteSource}. */
async function bytesOf(data: ByteSource, name: string, caller: string): Promise<Uint8Array> {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (typeof Response !== 'undefined' && data instanceof Response) {
    if (!data.ok) throw new DataError(`${caller}: ${name} (got HTTP ${data.status} ${data.statusText} from ${data.url})`);
    return new Uint8Array(await data.arrayBuffer());
  }
  if (typeof Blob !== 'undefined' && data instanceof Blob) return new Uint8Array(await data.arrayBuffer());
  throw new DataError(`${caller}: ${name} as an ArrayBuffer, Uint8Array, Blob or Response (got ${Object.prototype.toString.call(data)})`);
}

/** One batch file's records (as `parseCIFAR10Batch`). */
function parseBatch(bytes: Uint8Array, file: string, caller: string): { pixels: Uint8Array; labels: Int32Array; count: number } {
  if (bytes.length === 0) throw new DataError(`${caller}: ${file} must hold at least one ${RECORD}-byte record (got an empty file)`);
  const rest = bytes.length % RECORD;
  if (rest !== 0) {
    throw new DataError(`${caller}: ${file} must hold whole ${RECORD}-byte records `
      + `(got ${bytes.length} bytes: record ${Math.floor(bytes.length / RECORD)} is cut off after ${rest} bytes)`);
  }
  const count = bytes.length / RECORD;
  const pixels = new Uint8Array(count * IMAGE);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * RECORD;
    const label = bytes[at]!;
    if (label > 9) throw new DataError(`${caller}: labels in 0..9 (got ${label} in ${file} record ${i}, byte ${at})`);
    labels[i] = label;
    pixels.set(bytes.subarray(at + 1, at + RECORD), i * IMAGE);
  }
  return { pixels, labels, count };
}

/** CIFAR-10 from its named files' bytes: data_batch_1..5 (those given, in order), test_batch, batches.meta.txt. */
function fromNamedBytes(files: Map<string, Uint8Array>, caller: string): CIFAR10 {
  const train = TRAIN_FILES.filter((f) => files.has(f)).map((f) => parseBatch(files.get(f)!, f, caller));
  if (train.length === 0) throw new DataError(`${caller}: data_batch_1.bin .. data_batch_5.bin (got none of them)`);
  const testBytes = files.get(TEST_FILE);
  if (testBytes === undefined) throw new DataError(`${caller}: ${TEST_FILE} (got no such file)`);
  const test = parseBatch(testBytes, TEST_FILE, caller);
  const count = train.reduce((n, p) => n + p.count, 0);
  const pixels = new Uint8Array(count * IMAGE);
  const labels = new Int32Array(count);
  let at = 0;
  for (const part of train) {
    pixels.set(part.pixels, at * IMAGE);
    labels.set(part.labels, at);
    at += part.count;
  }
  let classes = [...CLASSES];
  const meta = files.get(META_FILE);
  if (meta !== undefined) {
    classes = new TextDecoder().decode(meta).split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
    if (classes.length !== 10) throw new DataError(`${caller}: ${META_FILE} must hold 10 class names, one a line (got ${classes.length})`);
  }
  return {
    XTrain: fromArray(pixels, [count, ...SHAPE]),
    yTrain: fromArray(labels, [count]),
    XTest: fromArray(test.pixels, [test.count, ...SHAPE]),
    yTest: fromArray(test.labels, [test.count]),
    classes,
  };
}

/**
 * CIFAR-10 from the official binary batch files, given by name (a path's folders are ignored):
 * `data_batch_1.bin` .. `data_batch_5.bin` (at least one), `test_batch.bin`, optionally
 * `batches.meta.txt`; `readme.html` is ignored. Any other name, a repeated name, or a file that is
 * not whole 3073-byte records with labels in 0..9 is a DataError.
 */
export async function loadCIFAR10FromFiles(files: Iterable<{ name: string; data: ByteSource }>): Promise<CIFAR10> {
  const caller = 'loadCIFAR10FromFiles';
  const byName = new Map<string, Uint8Array>();
  for (const { name, data } of files) {
    const base = String(name).split(/[\\/]/).pop() ?? '';
    if (base === 'readme.html') continue;
    if (![...TRAIN_FILES, TEST_FILE, META_FILE].includes(base)) {
      throw new DataError(`${caller}: CIFAR-10's binary files (data_batch_1.bin .. data_batch_5.bin, test_batch.bin, batches.meta.txt) (got ${JSON.stringify(name)})`);
    }
    if (byName.has(base)) throw new DataError(`${caller}: each file once (got ${base} twice)`);
    byName.set(base, await bytesOf(data, base, caller));
  }
  return fromNamedBytes(byName, caller);
}

/**
 * CIFAR-10 from `cifar-10-binary.tar.gz` (or a .tar.gz of its `cifar-10-batches-bin` folder): only
 * that folder's regular files with CIFAR-10's names are read; anything else in the archive (links,
 * devices, other paths, `..`, extended headers, duplicates, a member over 31 MB, more than 200 MB
 * unpacked, a damaged header or a cut-off archive) is a DataError and nothing is read.
 */
export async function loadCIFAR10FromArchive(archive: ByteSource): Promise<CIFAR10> {
  const caller = 'loadCIFAR10FromArchive';
  const members = await readTarGz(await bytesOf(archive, 'the archive', caller), {
    caller,
    folder: 'cifar-10-batches-bin',
    names: [...TRAIN_FILES, TEST_FILE, META_FILE, 'readme.html'],
    maxMember: 31_000_000,
    maxTotal: 200_000_000,
    fail: (message) => new DataError(message),
  });
  members.delete('readme.html');
  return fromNamedBytes(members, caller);
}

/** A tensor's elements in order, as its typed array. */
function flat<T extends Uint8Array | Int32Array>(t: Tensor): T {
  const nd = contiguousNdArray(t.data);
  return (nd.data as T).subarray(nd.offset, nd.offset + t.size) as T;
}

/** Options of {@link splitCIFAR10Data}, with `getCIFAR10Data`'s defaults. */
export interface SplitCIFAR10DataOptions {
  numTraining?: number;
  numValidation?: number;
  numTest?: number;
  subtractMean?: boolean;
  dtype?: 'float32' | 'float64';
}

/**
 * cs231n's preprocessing of loaded CIFAR-10, as `getCIFAR10Data`: train = records [0, numTraining),
 * val = the next numValidation, test = test records [0, numTest); the training split's mean image
 * (exact: sums of bytes in float64) subtracted in float64 and rounded once to `dtype`.
 */
export function splitCIFAR10Data(cifar: CIFAR10, opts: SplitCIFAR10DataOptions = {}): CIFAR10Splits {
  const caller = 'splitCIFAR10Data';
  const { numTraining = 49000, numValidation = 1000, numTest = 1000, subtractMean = true, dtype = 'float64' } = opts;
  for (const [name, v] of Object.entries({ numTraining, numValidation, numTest })) {
    if (!Number.isInteger(v) || v < 0) throw new DataError(`${caller}: ${name} as a non-negative integer (got ${String(v)})`);
  }
  const trainCount = cifar.XTrain.shape[0]!, testCount = cifar.XTest.shape[0]!;
  if (numTraining + numValidation > trainCount) {
    throw new DataError(`${caller}: numTraining + numValidation = ${numTraining + numValidation} training records (got ${trainCount})`);
  }
  if (numTest > testCount) throw new DataError(`${caller}: numTest = ${numTest} test records (got ${testCount})`);
  if (subtractMean && numTraining === 0) throw new DataError(`${caller}: numTraining >= 1 to compute a mean image (got 0)`);
  const trainPx = flat<Uint8Array>(cifar.XTrain), testPx = flat<Uint8Array>(cifar.XTest);
  const mean = new Float64Array(IMAGE);
  if (subtractMean) {
    for (let i = 0; i < numTraining; i++) for (let j = 0; j < IMAGE; j++) mean[j]! += trainPx[i * IMAGE + j]!;
    for (let j = 0; j < IMAGE; j++) mean[j]! /= numTraining;
  }
  const take = (px: Uint8Array, labels: Int32Array, start: number, count: number) => {
    const X = dtype === 'float32' ? new Float32Array(count * IMAGE) : new Float64Array(count * IMAGE);
    for (let i = 0; i < count; i++) for (let j = 0; j < IMAGE; j++) X[i * IMAGE + j] = px[(start + i) * IMAGE + j]! - mean[j]!;
    return { X: fromArray(X, [count, ...SHAPE]), y: fromArray(labels.slice(start, start + count), [count]) };
  };
  const yTrainAll = flat<Int32Array>(cifar.yTrain), yTestAll = flat<Int32Array>(cifar.yTest);
  const train = take(trainPx, yTrainAll, 0, numTraining);
  const val = take(trainPx, yTrainAll, numTraining, numValidation);
  const test = take(testPx, yTestAll, 0, numTest);
  return {
    XTrain: train.X, yTrain: train.y, XVal: val.X, yVal: val.y, XTest: test.X, yTest: test.y,
    meanImage: fromArray(mean, [...SHAPE]), classes: [...cifar.classes],
  };
}
