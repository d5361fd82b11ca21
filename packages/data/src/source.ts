/**
 * Where the CIFAR-10 files come from: an explicit folder, `CIFAR10_DIR`, the cache, or a download.
 * @module
 */
import { dataCacheDir } from './cacheDir.js';
import { CIFAR10_FOLDER, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES } from './cifar10Files.js';
import { downloadCIFAR10, isCompleteCIFAR10Folder, type DownloadCIFAR10Options } from './download.js';
import { DataError } from './errors.js';
import { isFile } from './fileio.js';
import { BYTES_ALTERNATIVE, nodeOnly } from './nodeBuiltins.js';

/**
 * Options of {@link resolveCIFAR10Dir}.
 * @category CIFAR-10
 */
export interface ResolveCIFAR10Options extends Omit<DownloadCIFAR10Options, 'dir'> {
  /** A folder holding the binary files, or its parent holding `cifar-10-batches-bin/`. */
  dir?: string;
  /** The cache folder looked in and downloaded into (default {@link dataCacheDir}). */
  cacheDir?: string;
  /** Whether to download when the data are nowhere else (default true). */
  download?: boolean;
}

/**
 * Finds the CIFAR-10 binary files, in this order: the explicit `dir`, then the `CIFAR10_DIR`
 * environment variable, then the cache (`<cacheDir>/cifar-10-batches-bin`), then a download into the
 * cache with {@link downloadCIFAR10}. An explicit folder or `CIFAR10_DIR` that holds no data is an
 * error rather than a reason to look further, so a typo does not start a 163 MiB download.
 *
 * @param opts - `dir`, `cacheDir` (default {@link dataCacheDir}), `download` (default true), and the
 *   options of {@link downloadCIFAR10} (`url`, `md5`, `onProgress`, `timeoutMs`, `signal`).
 * @returns The folder holding `data_batch_*.bin` and `test_batch.bin`.
 * @throws {@link DataError} when `dir` or `CIFAR10_DIR` holds no CIFAR-10 files, when the data are
 *   not found and `download` is false, or when the download fails.
 * @throws {@link PlatformError} in a browser (no Node): fetch the archive there and pass the Response to
 *   `loadCIFAR10FromArchive`.
 * @example
 * ```ts
 * // not run: downloads CIFAR-10 when it is not found
 * import { resolveCIFAR10Dir, loadCIFAR10 } from '@tapegrad/data';
 * const dir = await resolveCIFAR10Dir({ dir: process.argv[2] }); // argv, $CIFAR10_DIR, cache, download
 * console.log(loadCIFAR10(dir).yTrain.shape);
 * ```
 * @category CIFAR-10
 */
export async function resolveCIFAR10Dir(opts: ResolveCIFAR10Options = {}): Promise<string> {
  const caller = 'resolveCIFAR10Dir';
  const { path } = nodeOnly(caller, BYTES_ALTERNATIVE.archive);
  if (opts.dir !== undefined) return checkFolder(opts.dir, `${caller}: dir`);
  const fromEnv = process.env['CIFAR10_DIR'];
  if (fromEnv) return checkFolder(fromEnv, `${caller}: CIFAR10_DIR`);
  const cacheRoot = path.resolve(opts.cacheDir ?? dataCacheDir());
  const cached = path.join(cacheRoot, CIFAR10_FOLDER);
  if (isCompleteCIFAR10Folder(cached)) return cached;
  if (opts.download === false) {
    throw new DataError(
      `${caller}: CIFAR-10 in the dir option, in $CIFAR10_DIR or in ${cached} (got none of them, and download is false)`,
    );
  }
  const { dir: _dir, cacheDir: _cacheDir, download: _download, ...downloadOpts } = opts;
  return downloadCIFAR10({ ...downloadOpts, dir: cacheRoot });
}

function checkFolder(dir: string, what: string): string {
  const { path } = nodeOnly('resolveCIFAR10Dir', BYTES_ALTERNATIVE.archive);
  const abs = path.resolve(dir);
  for (const candidate of [abs, path.join(abs, CIFAR10_FOLDER)]) {
    const hasTrain = CIFAR10_TRAIN_FILES.some((f) => isFile(path.join(candidate, f)));
    if (hasTrain && isFile(path.join(candidate, CIFAR10_TEST_FILE))) return candidate;
  }
  throw new DataError(
    `${what}: a folder holding data_batch_*.bin and ${CIFAR10_TEST_FILE}, or its parent (got ${abs}, which holds neither)`,
  );
}
