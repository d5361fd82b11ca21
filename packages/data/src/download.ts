/**
 * Downloads the CIFAR-10 binary archive into the cache: stream with progress, md5 check, safe
 * extraction into a temp folder, then one rename into place (Node only).
 * @module
 */
import { writeFileAtomic } from '@tapegrad/core';
import { dataCacheDir } from './cacheDir.js';
import {
  CIFAR10_ARCHIVE_LIMITS,
  CIFAR10_BATCH_FILE_BYTES,
  CIFAR10_FOLDER,
  CIFAR10_META_FILE,
  CIFAR10_TEST_FILE,
  CIFAR10_TRAIN_FILES,
} from './cifar10Files.js';
import { checkBatchSize, parseCIFAR10Meta } from './cifar10Format.js';
import { DataError } from './errors.js';
import {
  ensureDir,
  exists,
  fileSize,
  listDir,
  makeTempDir,
  processAlive,
  readTextIfExists,
  removeTree,
  rename,
  syncFiles,
} from './fileio.js';
import { fetchToFile, parseUrl } from './http.js';
import { ProgressBar, RateMeter, formatBytes, type DownloadProgress } from './progress.js';
import { BYTES_ALTERNATIVE, nodeOnly, type NodeOnly } from './nodeBuiltins.js';
import { extractExpectedFiles } from './tarExtract.js';

export { CIFAR10_FOLDER };

/**
 * Where the CIFAR-10 binary version is published.
 *
 * @example
 * ```ts
 * import { CIFAR10_URL } from '@tapegrad/data';
 * console.log(CIFAR10_URL);
 * ```
 * @category Download
 */
export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
/**
 * The md5 of the official `cifar-10-binary.tar.gz` (170,052,171 bytes).
 *
 * @example
 * ```ts
 * import { CIFAR10_MD5 } from '@tapegrad/data';
 * console.log(CIFAR10_MD5);
 * ```
 * @category Download
 */
export const CIFAR10_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
const CALLER = 'downloadCIFAR10';
/** Written last into a finished folder: where it came from and the size of every file. */
const MARKER = '.tapegrad-download.json';
const PARTIAL_PREFIX = `.${CIFAR10_FOLDER}.partial-`;
const MAX_ARCHIVE_BYTES = 400 * 1024 * 1024;

/**
 * Options of {@link downloadCIFAR10}.
 * @category Download
 */
export interface DownloadCIFAR10Options {
  /** The cache folder that receives `cifar-10-batches-bin/` (default {@link dataCacheDir}). */
  dir?: string;
  /** Where to fetch the archive (default {@link CIFAR10_URL}); http or https. */
  url?: string;
  /** The archive's expected md5 in hex (default {@link CIFAR10_MD5}). */
  md5?: string;
  /**
   * Called as bytes arrive (and once more with `done: true`). When given, no progress bar is drawn;
   * when absent, a bar is drawn on stderr if it is a terminal, else one line at the start and one at the end.
   */
  onProgress?: (progress: DownloadProgress) => void;
  /** Give up when no byte arrives for this many milliseconds (default 60000). */
  timeoutMs?: number;
  /** Cancels the download; the cache is left as it was. */
  signal?: AbortSignal;
}

const inflight = new Map<string, Promise<string>>();

/**
 * Downloads the CIFAR-10 binary version into the cache, the way torchvision brings a data set: one
 * call, a progress bar, a checksum, a cache. Does nothing when the folder is already there and whole.
 *
 * Steps: stream the archive into a fresh temp folder beside the target (counting bytes and computing
 * its md5), check the md5, extract only `cifar-10-batches-bin/{data_batch_1..5.bin, test_batch.bin,
 * batches.meta.txt}` as regular files of bounded size (refusing links, absolute paths and `..`),
 * check them, record them in a marker file, then rename the folder into place. An interrupted or
 * corrupt download therefore never leaves a folder that looks like data; a temp folder left by a
 * killed process is removed by the next call.
 *
 * @param opts - See {@link DownloadCIFAR10Options}: `dir` (default {@link dataCacheDir}), `url`
 *   (default {@link CIFAR10_URL}), `md5` (default {@link CIFAR10_MD5}), `onProgress`, `timeoutMs`
 *   (default 60000), `signal`.
 * @returns The path of `<dir>/cifar-10-batches-bin`, ready for {@link loadCIFAR10}.
 * @throws {@link DataError} on an HTTP error, a stalled or broken transfer, an md5 mismatch, an
 *   unsafe or damaged archive, or missing or malformed files in it; the cache then holds no new folder.
 * @throws {@link PlatformError} in a browser (no Node): fetch the archive there and pass the Response to
 *   `loadCIFAR10FromArchive`.
 * @example
 * ```ts
 * // not run: downloads CIFAR-10
 * import { downloadCIFAR10, loadCIFAR10 } from '@tapegrad/data';
 * const dir = await downloadCIFAR10();         // ~163 MiB the first time, nothing after that
 * const { XTrain } = loadCIFAR10(dir);
 * console.log(XTrain.shape);                    // [50000, 3, 32, 32]
 * ```
 * @category Download
 */
export function downloadCIFAR10(opts: DownloadCIFAR10Options = {}): Promise<string> {
  let path: NodeOnly['path'];
  try {
    path = nodeOnly(CALLER, BYTES_ALTERNATIVE.archive).path;
  } catch (e) {
    return Promise.reject(e);
  }
  const root = path.resolve(opts.dir ?? dataCacheDir());
  const target = path.join(root, CIFAR10_FOLDER);
  const running = inflight.get(target);
  if (running) return running;
  const job = download(root, target, opts).finally(() => inflight.delete(target));
  inflight.set(target, job);
  return job;
}

async function download(root: string, target: string, opts: DownloadCIFAR10Options): Promise<string> {
  const { path } = nodeOnly(CALLER, BYTES_ALTERNATIVE.archive);
  const url = opts.url ?? CIFAR10_URL;
  const label = path.posix.basename(parseUrl(url, CALLER).pathname) || url;
  const md5 = String(opts.md5 ?? CIFAR10_MD5).toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(md5)) {
    throw new DataError(`${CALLER}: md5 as 32 hex digits (got ${JSON.stringify(opts.md5)})`);
  }
  if (isCompleteCIFAR10Folder(target)) return target;

  await ensureDir(root);
  await removeStalePartials(root);
  const tmp = await makeTempDir(root, PARTIAL_PREFIX);
  try {
    const archive = path.join(tmp, 'archive.tar.gz');
    const fetched = await fetchWithProgress(url, label, archive, opts);
    if (fetched.md5 !== md5) {
      throw new DataError(
        `${CALLER}: md5 ${md5} for ${url} (got ${fetched.md5} over ${fetched.bytes} bytes; the download is corrupt or not the expected file)`,
      );
    }
    const staged = path.join(tmp, CIFAR10_FOLDER);
    await ensureDir(staged);
    const { written } = await extractExpectedFiles(archive, staged, { ...CIFAR10_ARCHIVE_LIMITS, caller: CALLER, archiveName: url });
    checkExtracted(staged, written, url);
    await syncFiles([...written.keys()].map((name) => path.join(staged, name)));
    const marker = { source: fetched.finalUrl, md5, files: Object.fromEntries(written) };
    await writeFileAtomic(path.join(staged, MARKER), `${JSON.stringify(marker, null, 2)}\n`, { caller: CALLER });
    await placeFolder(staged, target, tmp);
    return target;
  } finally {
    await removeTree(tmp);
  }
}

async function fetchWithProgress(url: string, label: string, archive: string, opts: DownloadCIFAR10Options) {
  const meter = new RateMeter();
  const stderr = process.stderr;
  const bar = !opts.onProgress && stderr.isTTY ? new ProgressBar(stderr, label) : null;
  const report = opts.onProgress ?? (bar ? (p: DownloadProgress) => bar.update(p) : null);
  if (!opts.onProgress && !bar) stderr.write(`${CALLER}: fetching ${url}\n`);
  try {
    const fetched = await fetchToFile(url, archive, {
      caller: CALLER,
      timeoutMs: opts.timeoutMs ?? 60_000,
      maxBytes: MAX_ARCHIVE_BYTES,
      signal: opts.signal,
      onData: report ? (received, total) => report(meter.update(received, total)) : undefined,
    });
    const last = meter.update(fetched.bytes, fetched.bytes, true);
    report?.(last);
    if (!opts.onProgress && !bar) {
      stderr.write(`${CALLER}: got ${formatBytes(fetched.bytes)} in ${(last.elapsedMs / 1000).toFixed(1)} s\n`);
    }
    return fetched;
  } catch (e) {
    bar?.abort();
    throw e;
  }
}

/** Checks the extracted files before they are moved into place. */
function checkExtracted(staged: string, written: Map<string, number>, url: string): void {
  const { path } = nodeOnly(CALLER, BYTES_ALTERNATIVE.archive);
  const missing = [CIFAR10_TEST_FILE, CIFAR10_META_FILE].filter((f) => !written.has(f));
  if (!CIFAR10_TRAIN_FILES.some((f) => written.has(f))) missing.unshift('data_batch_1.bin .. data_batch_5.bin');
  if (missing.length > 0) {
    throw new DataError(`${CALLER}: ${CIFAR10_FOLDER}/ with ${missing.join(', ')} in ${url} (got no such member)`);
  }
  for (const [name, size] of written) {
    if (name.endsWith('.bin')) checkBatchSize(size, `${name} in ${url}`, CALLER);
  }
  parseCIFAR10Meta(readTextIfExists(path.join(staged, CIFAR10_META_FILE)) ?? '', `${CIFAR10_META_FILE} in ${url}`, CALLER);
}

/** Renames `staged` to `target`; an incomplete folder already at `target` is moved into `tmp` first. */
async function placeFolder(staged: string, target: string, tmp: string): Promise<void> {
  const { path } = nodeOnly(CALLER, BYTES_ALTERNATIVE.archive);
  if (exists(target)) {
    if (isCompleteCIFAR10Folder(target)) return; // another process finished first
    await rename(target, path.join(tmp, 'replaced'));
  }
  try {
    await rename(staged, target);
  } catch (e) {
    if (isCompleteCIFAR10Folder(target)) return;
    throw e;
  }
}

/** Removes temp folders of downloads whose process is gone (killed mid-transfer). */
async function removeStalePartials(root: string): Promise<void> {
  const { path } = nodeOnly(CALLER, BYTES_ALTERNATIVE.archive);
  for (const name of listDir(root)) {
    if (!name.startsWith(PARTIAL_PREFIX)) continue;
    const pid = Number(name.slice(PARTIAL_PREFIX.length).split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processAlive(pid)) {
      await removeTree(path.join(root, name));
    }
  }
}

/**
 * Whether `folder` holds a whole CIFAR-10 download: one that {@link downloadCIFAR10} finished (its
 * marker lists every file with its size and they all still match), or, for a folder unpacked by
 * hand, the seven official files with their official sizes.
 * @internal
 */
export function isCompleteCIFAR10Folder(folder: string): boolean {
  const { path } = nodeOnly(CALLER, BYTES_ALTERNATIVE.archive);
  const text = readTextIfExists(path.join(folder, MARKER));
  if (text !== undefined) {
    try {
      const marker = JSON.parse(text) as { files?: Record<string, unknown> };
      const files = Object.entries(marker.files ?? {});
      return files.length > 0 && files.every(([name, size]) => fileSize(path.join(folder, name)) === size);
    } catch {
      return false;
    }
  }
  return (
    [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE].every((f) => fileSize(path.join(folder, f)) === CIFAR10_BATCH_FILE_BYTES) &&
    fileSize(path.join(folder, CIFAR10_META_FILE)) !== undefined
  );
}

