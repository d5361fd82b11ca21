/**
 * Which files make up CIFAR-10: the names that `loadCIFAR10` (a folder), `loadCIFAR10FromFiles`
 * (named bytes) and `loadCIFAR10FromArchive` (the members of the archive) share, which must be there,
 * and the limits the archive readers apply (their records are read by `CIFAR10Collector`). No file
 * system here.
 * @module
 */
import { CIFAR10_RECORD_BYTES, type CIFAR10Records } from './cifar10Format.js';
import { DataError } from './errors.js';

/** The training batch files, in the order they are concatenated. @internal */
export const CIFAR10_TRAIN_FILES: readonly string[] = Object.freeze([1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`));
/** The test batch file. @internal */
export const CIFAR10_TEST_FILE = 'test_batch.bin';
/** The class-name file. @internal */
export const CIFAR10_META_FILE = 'batches.meta.txt';
/**
 * The folder the archive unpacks to, and its name in the cache.
 *
 * @example
 * ```ts
 * import { CIFAR10_FOLDER } from '@tapegrad/data';
 * console.log(CIFAR10_FOLDER); // 'cifar-10-batches-bin'
 * ```
 * @category Download
 */
export const CIFAR10_FOLDER = 'cifar-10-batches-bin';

/** Records in one official batch file. */
const MAX_BATCH_BYTES = 10000 * CIFAR10_RECORD_BYTES;

/**
 * How the archive readers (the download's and `loadCIFAR10FromArchive`) read the official archive: the
 * files taken from `cifar-10-batches-bin/`, each with the most bytes it may have (an official file
 * is that size), at most 64 entries and 256 MiB of tar data (the official archive: 8 entries, 176 MiB).
 * @internal
 */
export const CIFAR10_ARCHIVE_LIMITS = Object.freeze({
  root: CIFAR10_FOLDER,
  files: Object.freeze({
    ...Object.fromEntries(CIFAR10_TRAIN_FILES.map((f) => [f, MAX_BATCH_BYTES])),
    [CIFAR10_TEST_FILE]: MAX_BATCH_BYTES,
    [CIFAR10_META_FILE]: 4096,
  }) as Readonly<Record<string, number>>,
  maxEntries: 64,
  maxBytes: 256 * 1024 * 1024,
});

/** The size of an official batch file. @internal */
export const CIFAR10_BATCH_FILE_BYTES = MAX_BATCH_BYTES;

/** Raw contents of a CIFAR-10 file set. @internal */
export interface CIFAR10Files {
  train: CIFAR10Records;
  test: CIFAR10Records;
  classes: string[];
  /** The training files that were found and read, in order. */
  trainFiles: string[];
}

/**
 * The training files present, in order, after checking that there is at least one and a test file.
 * @param where - Where the files were looked for, in messages (a folder, `the files given`, ...).
 * @throws {@link DataError} when no data_batch file or no test_batch.bin is there.
 * @internal
 */
export function presentCIFAR10Files(has: (name: string) => boolean, caller: string, where: string): string[] {
  const trainFiles = CIFAR10_TRAIN_FILES.filter(has);
  if (trainFiles.length === 0) {
    throw new DataError(`${caller}: data_batch_1.bin .. data_batch_5.bin in ${where} (got none of them)`);
  }
  if (!has(CIFAR10_TEST_FILE)) {
    throw new DataError(`${caller}: ${CIFAR10_TEST_FILE} in ${where} (got no such file)`);
  }
  return trainFiles;
}

/** Whether `name` is one of the CIFAR-10 files (a batch or the class names). @internal */
export function isCIFAR10FileName(name: string): boolean {
  return CIFAR10_TRAIN_FILES.includes(name) || name === CIFAR10_TEST_FILE || name === CIFAR10_META_FILE;
}
