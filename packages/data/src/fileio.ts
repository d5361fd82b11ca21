/**
 * File-system access of @tapegrad/data (Node only): reading the CIFAR-10 files of a folder, atomic
 * writes, and the temp-folder-then-rename steps the downloader uses.
 * @module
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { CIFAR10_CLASSES, concatRecords, parseCIFAR10Batch, parseCIFAR10Meta, type CIFAR10Records } from './cifar10Format.js';
import { DataError } from './errors.js';

/** The training batch files, in the order they are concatenated. @internal */
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`);
/** The test batch file. @internal */
export const CIFAR10_TEST_FILE = 'test_batch.bin';
/** The class-name file. @internal */
export const CIFAR10_META_FILE = 'batches.meta.txt';

/** Raw contents of a CIFAR-10 folder. @internal */
export interface CIFAR10Files {
  train: CIFAR10Records;
  test: CIFAR10Records;
  classes: string[];
  /** The training files that were found and read, in order. */
  trainFiles: string[];
}

/**
 * Reads `data_batch_1..5.bin` (those that exist, in order), `test_batch.bin` and `batches.meta.txt`
 * (the standard names when it is missing) from `dir`.
 * @internal
 */
export function readCIFAR10Files(dir: string, caller: string): CIFAR10Files {
  if (!isDirectory(dir)) {
    throw new DataError(`${caller}: a folder holding the CIFAR-10 binary files (got ${dir}, which is not a folder)`);
  }
  const trainFiles = CIFAR10_TRAIN_FILES.filter((f) => isFile(path.join(dir, f)));
  if (trainFiles.length === 0) {
    throw new DataError(`${caller}: data_batch_1.bin .. data_batch_5.bin in ${dir} (got none of them)`);
  }
  const testPath = path.join(dir, CIFAR10_TEST_FILE);
  if (!isFile(testPath)) {
    throw new DataError(`${caller}: ${CIFAR10_TEST_FILE} in ${dir} (got no such file)`);
  }
  const train = concatRecords(trainFiles.map((f) => readBatch(path.join(dir, f), caller)));
  const test = readBatch(testPath, caller);
  const metaPath = path.join(dir, CIFAR10_META_FILE);
  const classes = isFile(metaPath)
    ? parseCIFAR10Meta(fs.readFileSync(metaPath, 'utf8'), metaPath, caller)
    : [...CIFAR10_CLASSES];
  return { train, test, classes, trainFiles };
}

function readBatch(file: string, caller: string): CIFAR10Records {
  return parseCIFAR10Batch(fs.readFileSync(file), file, caller);
}

/** Whether `p` is a regular file (symlinks followed). @internal */
export function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Whether `p` is a folder (symlinks followed). @internal */
export function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The size of a regular file, or undefined when there is none. @internal */
export function fileSize(p: string): number | undefined {
  try {
    const st = fs.statSync(p);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

/** Reads a small text file, or undefined when there is none. @internal */
export function readTextIfExists(p: string): string | undefined {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Writes `data` to `file` atomically: into a temp file beside it, flushed, then renamed over `file`,
 * so a reader sees the old content or the new one, never a part.
 * @internal
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const handle = await fsp.open(tmp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(tmp, file);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}

/** Flushes the given files to disk, so a folder renamed into place afterwards holds their data. @internal */
export async function syncFiles(files: readonly string[]): Promise<void> {
  for (const file of files) {
    const handle = await fsp.open(file, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

/** Creates `dir` and its parents. @internal */
export async function ensureDir(dir: string): Promise<void> {
  await fsp.mkdir(dir, { recursive: true });
}

/** Creates a fresh folder `<parent>/<prefix><pid>-<random>` and returns its path. @internal */
export async function makeTempDir(parent: string, prefix: string): Promise<string> {
  return fsp.mkdtemp(path.join(parent, `${prefix}${process.pid}-`));
}

/** Removes a file or folder tree; nothing when it does not exist. @internal */
export async function removeTree(p: string): Promise<void> {
  await fsp.rm(p, { recursive: true, force: true });
}

/** Renames `from` to `to` (atomic on one file system). @internal */
export async function rename(from: string, to: string): Promise<void> {
  await fsp.rename(from, to);
}

/** Whether something (file, folder, link) exists at `p`, without following links. @internal */
export function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** The names in folder `dir` (empty when it does not exist). @internal */
export function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** Whether process `pid` is alive on this machine. @internal */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
