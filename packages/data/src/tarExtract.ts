/**
 * Extracts a (gzipped) tar archive member by member with the `tar` package's parser, writing only
 * the regular files it expects and refusing anything unsafe (Node only).
 * @module
 */
import { createReadStream, createWriteStream } from 'node:fs';
import * as path from 'node:path';
import { Parser, type ReadEntry } from 'tar';
import { DataError } from './errors.js';

/** Options of {@link extractExpectedFiles}. @internal */
export interface ExtractOptions {
  /** The public function to name in error messages. */
  caller: string;
  /** The archive's name in error messages (a URL or file name). */
  archiveName: string;
  /** The folder the members sit in inside the archive, e.g. `cifar-10-batches-bin`. */
  root: string;
  /** The file names expected inside `root`, each with the most bytes it may hold. */
  files: Readonly<Record<string, number>>;
  /** The most archive entries (of any type) read before giving up. */
  maxEntries: number;
}

/** What {@link extractExpectedFiles} wrote and what it passed over. @internal */
export interface ExtractResult {
  /** File name (inside `root`) to size, for every file written. */
  written: Map<string, number>;
  /** Paths of safe regular files and folders that were not expected, so not written. */
  skipped: string[];
}

/**
 * Reads the tar archive `archive` (gzip detected by the parser) and writes each expected regular file
 * `<root>/<name>` as `<destDir>/<name>`. Other safe regular files and folders are passed over.
 * Refused, with a {@link DataError} and nothing more read: an absolute path, a path with a `..`
 * component, a symbolic or hard link, a device or FIFO, an expected file bigger than its limit, the
 * same expected file twice, more than `maxEntries` entries, or a damaged archive. The caller owns
 * `destDir` (a fresh temp folder) and removes it on failure.
 * @internal
 */
export function extractExpectedFiles(archive: string, destDir: string, opts: ExtractOptions): Promise<ExtractResult> {
  const { caller, archiveName, root, files, maxEntries } = opts;
  const written = new Map<string, number>();
  const skipped: string[] = [];
  const writes: Promise<void>[] = [];
  let entries = 0;

  return new Promise<ExtractResult>((resolve, reject) => {
    let settled = false;
    const input = createReadStream(archive);
    const parser = new Parser({ strict: true });

    const fail = (e: unknown): void => {
      if (settled) return;
      settled = true;
      input.destroy();
      const error =
        e instanceof DataError
          ? e
          : new DataError(`${caller}: a valid tar archive (got ${archiveName}: ${(e as Error).message})`, { cause: e });
      // Let writes that already started finish or fail before the caller removes the folder.
      void Promise.allSettled(writes).then(() => reject(error));
    };

    const onEntry = (entry: ReadEntry): void => {
      if (settled) {
        entry.resume();
        return;
      }
      entries++;
      const member = entry.path;
      const refuse = (what: string): void => {
        entry.resume();
        fail(new DataError(`${caller}: ${what} (got ${describe(entry)} in ${archiveName})`));
      };
      if (entries > maxEntries) return refuse(`at most ${maxEntries} archive entries`);
      const unsafe = unsafePathReason(member);
      if (unsafe !== undefined) return refuse(`archive paths inside ${root}/, ${unsafe}`);
      if (entry.type === 'Directory') {
        skipped.push(member);
        entry.resume();
        return;
      }
      if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'ContiguousFile') {
        return refuse('regular files only, no links or special files');
      }
      const name = memberName(member, root);
      const limit = name === undefined ? undefined : files[name];
      if (name === undefined || limit === undefined) {
        skipped.push(member);
        entry.resume();
        return;
      }
      if (written.has(name)) return refuse(`${root}/${name} once`);
      if (entry.size > limit) return refuse(`${root}/${name} of at most ${limit} bytes`);
      written.set(name, entry.size);
      const out = createWriteStream(path.join(destDir, name), { flags: 'wx' });
      writes.push(
        new Promise<void>((done, failWrite) => {
          out.on('error', (e) => {
            failWrite(e);
            fail(e);
          });
          out.on('close', () => done());
        }),
      );
      entry.pipe(out);
    };

    parser.on('entry', onEntry);
    parser.on('error', fail);
    parser.on('abort', fail);
    input.on('error', fail);
    parser.on('end', () => {
      Promise.all(writes).then(
        () => {
          if (settled) return;
          settled = true;
          resolve({ written, skipped });
        },
        fail,
      );
    });
    input.pipe(parser as unknown as NodeJS.WritableStream);
  });
}

/** Why an archive path is unsafe to extract, or undefined when it is safe. @internal */
export function unsafePathReason(member: string): string | undefined {
  if (member.length === 0) return 'no empty path';
  if (member.includes('\0')) return 'no NUL bytes';
  if (member.startsWith('/') || member.startsWith('\\') || /^[a-zA-Z]:/.test(member)) return 'no absolute path';
  if (member.split(/[/\\]/).includes('..')) return 'no ".." component';
  return undefined;
}

/** The file name of `member` when it is `<root>/<name>` (a leading `./` allowed), else undefined. */
function memberName(member: string, root: string): string | undefined {
  const parts = member.split('/').filter((p) => p !== '' && p !== '.');
  return parts.length === 2 && parts[0] === root ? parts[1] : undefined;
}

function describe(entry: ReadEntry): string {
  const link = entry.linkpath !== undefined ? ` -> ${JSON.stringify(entry.linkpath)}` : '';
  return `${entry.type} ${JSON.stringify(entry.path)}${link}, ${entry.size} bytes`;
}
