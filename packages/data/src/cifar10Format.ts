/**
 * The CIFAR-10 binary format, on bytes already in memory (no file system here, so this also runs in a
 * browser on fetched bytes).
 *
 * A batch file is a sequence of 3073-byte records: one label byte (0..9), then the 32x32 red plane,
 * the green plane and the blue plane, each row-major. Reshaping a record's 3072 pixel bytes to
 * [3, 32, 32] is channels-first (CHW) layout.
 * @module
 */
import { DataError } from './errors.js';

/** Bytes in one CIFAR-10 record: 1 label byte and 3 x 32 x 32 pixel bytes.
 * @example
 * ```ts
 * import { CIFAR10_RECORD_BYTES } from '@tapegrad/data';
 * console.log(CIFAR10_RECORD_BYTES); // 3073
 * ```
 * @category CIFAR-10 */
export const CIFAR10_RECORD_BYTES = 3073;
/** Pixel bytes in one CIFAR-10 image (3 x 32 x 32).
 * @example
 * ```ts
 * import { CIFAR10_IMAGE_BYTES } from '@tapegrad/data';
 * console.log(CIFAR10_IMAGE_BYTES); // 3072
 * ```
 * @category CIFAR-10 */
export const CIFAR10_IMAGE_BYTES = 3072;
/** The shape of one CIFAR-10 image, channels-first.
 * @example
 * ```ts
 * import { CIFAR10_IMAGE_SHAPE } from '@tapegrad/data';
 * console.log(CIFAR10_IMAGE_SHAPE); // [3, 32, 32]
 * ```
 * @category CIFAR-10 */
export const CIFAR10_IMAGE_SHAPE: readonly [3, 32, 32] = [3, 32, 32];
/** The class names of CIFAR-10, label i at index i (as in `batches.meta.txt`).
 * @example
 * ```ts
 * import { CIFAR10_CLASSES } from '@tapegrad/data';
 * console.log(CIFAR10_CLASSES[3]); // 'cat'
 * ```
 * @category CIFAR-10 */
export const CIFAR10_CLASSES: readonly string[] = Object.freeze([
  'airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck',
]);

/**
 * Pixels and labels of one or more CIFAR-10 batches, still raw bytes.
 * @category CIFAR-10
 */
export interface CIFAR10Records {
  /** `count * 3072` bytes: image i is `pixels.subarray(i * 3072, (i + 1) * 3072)`, layout [3, 32, 32]. */
  pixels: Uint8Array;
  /** `count` labels in 0..9. */
  labels: Int32Array;
  /** Number of records. */
  count: number;
}

/**
 * Splits the bytes of one CIFAR-10 binary batch file (`data_batch_K.bin`, `test_batch.bin`) into
 * pixels and labels. The record count is `bytes.length / 3073`; nothing assumes 10000.
 *
 * @param bytes - The whole file.
 * @param file - The file's name, for error messages.
 * @param caller - The public function to name in error messages (default `'parseCIFAR10Batch'`).
 * @returns Copies of the pixel bytes (`count * 3072`, channels-first per image) and the labels (int32).
 * @throws {@link DataError} when the file is empty, its size is not a multiple of 3073 (the message
 *   names the record that is cut off), or a label is above 9 (the message names the record).
 * @example
 * ```ts
 * import { parseCIFAR10Batch } from '@tapegrad/data';
 * const bytes = new Uint8Array(2 * 3073);
 * bytes[0] = 6; bytes[3073] = 9;                       // two black images, labels 6 and 9
 * const { count, labels, pixels } = parseCIFAR10Batch(bytes, 'two.bin');
 * console.log(count, Array.from(labels), pixels.length); // 2 [6, 9] 6144
 * ```
 * @category CIFAR-10
 */
export function parseCIFAR10Batch(bytes: Uint8Array, file: string, caller = 'parseCIFAR10Batch'): CIFAR10Records {
  return parseCIFAR10Batches([{ bytes, file }], caller);
}

/**
 * Parses batch files into one record set, in order (the training batches data_batch_1..5 into one):
 * every file's size is checked first, then each file's records are written in place.
 * @internal
 */
export function parseCIFAR10Batches(files: readonly { bytes: Uint8Array; file: string }[], caller: string): CIFAR10Records {
  const count = files.reduce((n, { bytes, file }) => n + checkBatchSize(bytes.length, file, caller), 0);
  const pixels = new Uint8Array(count * CIFAR10_IMAGE_BYTES);
  const labels = new Int32Array(count);
  let record = 0;
  for (const { bytes, file } of files) {
    for (let i = 0; i < bytes.length / CIFAR10_RECORD_BYTES; i++, record++) {
      const at = i * CIFAR10_RECORD_BYTES;
      const label = bytes[at] as number;
      if (label > 9) {
        throw new DataError(`${caller}: labels in 0..9 (got ${label} in ${file} record ${i}, byte ${at})`);
      }
      labels[record] = label;
      pixels.set(bytes.subarray(at + 1, at + CIFAR10_RECORD_BYTES), record * CIFAR10_IMAGE_BYTES);
    }
  }
  return { pixels, labels, count };
}

/**
 * Checks that a batch file of `size` bytes holds whole records, and returns how many.
 * @internal
 */
export function checkBatchSize(size: number, file: string, caller: string): number {
  if (size === 0) {
    throw new DataError(`${caller}: ${file} must hold at least one ${CIFAR10_RECORD_BYTES}-byte record (got an empty file)`);
  }
  const rest = size % CIFAR10_RECORD_BYTES;
  if (rest !== 0) {
    const record = Math.floor(size / CIFAR10_RECORD_BYTES);
    throw new DataError(
      `${caller}: ${file} must hold whole ${CIFAR10_RECORD_BYTES}-byte records ` +
        `(got ${size} bytes: record ${record} is cut off after ${rest} bytes)`,
    );
  }
  return size / CIFAR10_RECORD_BYTES;
}

/**
 * Reads the class names from the text of `batches.meta.txt`: one name a line, label i on line i;
 * blank lines (the official file ends with some) are ignored.
 *
 * @param text - The file's text.
 * @param file - The file's name, for error messages.
 * @param caller - The public function to name in error messages (default `'parseCIFAR10Meta'`).
 * @returns The 10 class names.
 * @throws {@link DataError} when the file does not hold exactly 10 names.
 * @example
 * ```ts
 * import { parseCIFAR10Meta } from '@tapegrad/data';
 * const names = parseCIFAR10Meta('airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n', 'batches.meta.txt');
 * console.log(names[9]); // 'truck'
 * ```
 * @category CIFAR-10
 */
export function parseCIFAR10Meta(text: string, file: string, caller = 'parseCIFAR10Meta'): string[] {
  const names = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length > 0);
  if (names.length !== 10) {
    throw new DataError(`${caller}: ${file} must hold 10 class names, one a line (got ${names.length})`);
  }
  return names;
}
