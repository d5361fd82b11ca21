/**
 * File-system access of @tapegrad/data (Node only): reading the CIFAR-10 files of a folder and the
 * temp-folder-then-rename steps the downloader uses (atomic file writes are core's
 * `writeFileAtomic`). Node's modules come from {@link nodeOnly} when a function runs, so this file
 * loads in a browser too.
 * @module
 */
import { CIFAR10Collector } from './cifar10Collector.js';
import { CIFAR10_META_FILE, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES, presentCIFAR10Files, type CIFAR10Files } from './cifar10Files.js';
import { DataError } from './errors.js';
import { BYTES_ALTERNATIVE, nodeOnly, type NodeOnly } from './nodeBuiltins.js';

/** Node's modules for the helpers below, which public Node-only functions call after their own check. */
const node = (): NodeOnly => nodeOnly('@tapegrad/data', BYTES_ALTERNATIVE.files);

/** Bytes read from a file at a time. */
const READ_PIECE = 1024 * 1024;

/**
 * Reads `data_batch_1..5.bin` (those that exist, in order), `test_batch.bin` and `batches.meta.txt`
 * (the standard names when it is missing) from `dir`, by the rules of {@link CIFAR10Collector}: each
 * file is read a piece at a time straight into the records' arrays, so the data are held once, not as
 * the files' bytes and again as the records.
 * @throws {@link DataError} as the collector does, when `dir` is not a folder, and when a file is
 *   shorter than its size said when the reading began (it changed meanwhile).
 * @internal
 */
export function readCIFAR10Files(dir: string, caller: string): CIFAR10Files {
  const { fs, path } = nodeOnly(caller, BYTES_ALTERNATIVE.files);
  if (!isDirectory(dir)) {
    throw new DataError(`${caller}: a folder holding the CIFAR-10 binary files (got ${dir}, which is not a folder)`);
  }
  const sizes = new Map<string, number>();
  for (const name of [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE, CIFAR10_META_FILE]) {
    const size = fileSize(path.join(dir, name));
    if (size !== undefined) sizes.set(name, size);
  }
  presentCIFAR10Files((name) => sizes.has(name), caller, dir);
  const collector = new CIFAR10Collector((name) => path.join(dir, name), sizes);
  const piece = new Uint8Array(READ_PIECE);
  for (const [name, size] of sizes) {
    const file = path.join(dir, name);
    const sink = collector.open(name, size);
    const fd = fs.openSync(file, 'r');
    try {
      for (let at = 0; at < size;) {
        const n = fs.readSync(fd, piece, 0, Math.min(READ_PIECE, size - at), at);
        if (n === 0) throw new DataError(`${caller}: ${file} of ${size} bytes, as it was when the reading began (got ${at}: it changed meanwhile)`);
        sink.write(piece.subarray(0, n));
        at += n;
      }
    } finally {
      fs.closeSync(fd);
    }
    sink.close();
  }
  return collector.finish(caller, dir);
}

/** Whether `p` is a regular file (symlinks followed). @internal */
export function isFile(p: string): boolean {
  try {
    return node().fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Whether `p` is a folder (symlinks followed). @internal */
export function isDirectory(p: string): boolean {
  try {
    return node().fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The size of a regular file, or undefined when there is none. @internal */
export function fileSize(p: string): number | undefined {
  try {
    const st = node().fs.statSync(p);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

/** Reads a small text file, or undefined when there is none. @internal */
export function readTextIfExists(p: string): string | undefined {
  try {
    return node().fs.readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

/** Flushes the given files to disk, so a folder renamed into place afterwards holds their data. @internal */
export async function syncFiles(files: readonly string[]): Promise<void> {
  const { fsp } = node();
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
  await node().fsp.mkdir(dir, { recursive: true });
}

/** Creates a fresh folder `<parent>/<prefix><pid>-<random>` and returns its path. @internal */
export async function makeTempDir(parent: string, prefix: string): Promise<string> {
  const { fsp, path } = node();
  return fsp.mkdtemp(path.join(parent, `${prefix}${process.pid}-`));
}

/** Removes a file or folder tree; nothing when it does not exist. @internal */
export async function removeTree(p: string): Promise<void> {
  await node().fsp.rm(p, { recursive: true, force: true });
}

/** Renames `from` to `to` (atomic on one file system). @internal */
export async function rename(from: string, to: string): Promise<void> {
  await node().fsp.rename(from, to);
}

/** Whether something (file, folder, link) exists at `p`, without following links. @internal */
export function exists(p: string): boolean {
  try {
    node().fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** The names in folder `dir` (empty when it does not exist). @internal */
export function listDir(dir: string): string[] {
  try {
    return node().fs.readdirSync(dir);
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
