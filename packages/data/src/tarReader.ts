/**
 * The one hardened tar reader of @tapegrad/data: the download's extraction (Node, from a file) and
 * `loadCIFAR10FromArchive` (any runtime, from bytes) both read archives here, so they apply the same
 * checks with the same messages. It reads ustar, GNU and pax archives from a stream of (already
 * gunzipped) chunks, resolves the path an entry really has (pax `path`, GNU long names, the ustar
 * prefix) before any check, and hands the expected regular files to a sink, chunk by chunk.
 *
 * Refused with a {@link DataError}, nothing more read: an empty, absolute or `..` path, a NUL in a
 * path; links, devices, FIFOs, sparse and other special entries; an expected file twice or over its
 * size limit; more entries or bytes than allowed; extended headers over 1 MiB, two extended paths
 * for one entry, a global header that sets a path or size; and a damaged archive: a bad checksum, an
 * unreadable number, a malformed pax record, a folder entry with data, data cut off, no
 * end-of-archive block, or anything but zeros after it (where other readers would go on reading).
 * @module
 * @internal
 */
import { ChunkReader } from './chunkReader.js';
import { DataError } from './errors.js';

/** What to take from an archive and how much to read at most. @internal */
export interface TarLimits {
  /** The folder the members sit in inside the archive, e.g. `cifar-10-batches-bin`. */
  root: string;
  /** The file names expected inside `root`, each with the most bytes it may hold. */
  files: Readonly<Record<string, number>>;
  /** The most entries (headers of any type) read before giving up. */
  maxEntries: number;
  /** The most bytes of tar data (after gunzip) read before giving up. */
  maxBytes: number;
}

/** {@link TarLimits} and the names for messages. @internal */
export interface TarReadOptions extends TarLimits {
  /** The public function to name in error messages. */
  caller: string;
  /** The archive's name in error messages (a URL, a file name, `the archive`). */
  archiveName: string;
}

/** Where an expected member's bytes go. @internal */
export interface MemberSink {
  /** Takes the next piece (a view, valid until the returned promise settles). */
  write(piece: Uint8Array): void | Promise<void>;
  /** Called once after the last piece, or when reading stops early. */
  close(): void | Promise<void>;
}

/** What {@link readTar} took and what it passed over. @internal */
export interface TarReadResult {
  /** File name (inside `root`) to size, for every expected file read. */
  written: Map<string, number>;
  /** Paths of safe regular files and folders that were not expected, so not read. */
  skipped: string[];
}

const BLOCK = 512;
const MAX_META_BYTES = 1024 * 1024;
const FILE_TYPES = new Set(['0', '', '7']);
const META_TYPES = new Set(['x', 'g', 'L', 'K']);
const TYPE_NAMES: Readonly<Record<string, string>> = {
  '0': 'File', '': 'OldFile', '1': 'Link', '2': 'SymbolicLink', '3': 'CharacterDevice', '4': 'BlockDevice',
  '5': 'Directory', '6': 'FIFO', '7': 'ContiguousFile', g: 'GlobalExtendedHeader', x: 'ExtendedHeader',
  A: 'SolarisACL', D: 'GNUDumpDir', I: 'Inode', K: 'NextFileHasLongLinkpath', L: 'NextFileHasLongPath',
  M: 'ContinuationFile', N: 'OldGnuLongPath', S: 'SparseFile', V: 'TapeVolumeHeader', X: 'OldExtendedHeader',
};
const utf8 = new TextDecoder();

/** One entry as its headers (and the extended headers before it) describe it. */
interface Entry {
  type: string;
  path: string;
  linkpath: string;
  size: number;
  sparse: boolean;
}

/** What extended headers set for the next entry. */
interface Pending {
  path?: string;
  linkpath?: string;
  size?: number;
  sparse?: boolean;
}

/**
 * Reads the tar stream `chunks` and passes each expected regular file `<root>/<name>` to the sink
 * `open(name, size)` returns; other safe regular files and folders are passed over. See the module
 * comment for what is refused. On a refusal the stream is cancelled, and sinks already opened are
 * closed; the caller removes what they wrote.
 * @internal
 */
export async function readTar(
  chunks: AsyncIterable<Uint8Array>,
  opts: TarReadOptions,
  open: (name: string, size: number) => MemberSink | Promise<MemberSink>,
): Promise<TarReadResult> {
  const reader = new ChunkReader(chunks);
  try {
    return await readEntries(reader, opts, open);
  } catch (e) {
    await reader.cancel();
    throw e;
  }
}

async function readEntries(
  reader: ChunkReader,
  opts: TarReadOptions,
  open: (name: string, size: number) => MemberSink | Promise<MemberSink>,
): Promise<TarReadResult> {
  const { caller, archiveName, root, files, maxEntries, maxBytes } = opts;
  const damaged = (detail: string) => new DataError(`${caller}: a valid tar archive (got ${archiveName}: ${detail})`);
  const refuse = (what: string, e: Entry) => new DataError(`${caller}: ${what} (got ${describe(e)} in ${archiveName})`);
  const written = new Map<string, number>();
  const skipped: string[] = [];
  let pending: Pending = {};
  for (let entries = 1; ; entries++) {
    const offset = reader.position;
    const block = await reader.read(BLOCK);
    if (block.length < BLOCK) {
      throw damaged(block.length === 0 ? `no end-of-archive block (the data end at byte ${offset})` : `a header cut off at byte ${offset + block.length}`);
    }
    if (isZero(block)) {
      if (Object.keys(pending).length > 0) throw damaged(`an entry after the extended header (got the end-of-archive block at byte ${offset})`);
      await readTrailer(reader, opts, damaged);
      return { written, skipped };
    }
    const header = parseHeader(block, offset, damaged);
    const meta = META_TYPES.has(header.type);
    const entry: Entry = meta ? header : { ...header, ...pending, sparse: pending.sparse === true };
    if (!meta) pending = {};
    if (FILE_TYPES.has(entry.type) && entry.path.endsWith('/')) entry.type = '5'; // old tars mark folders so
    const padded = Math.ceil(entry.size / BLOCK) * BLOCK;
    if (entries > maxEntries) throw refuse(`at most ${maxEntries} archive entries`, entry);
    if (offset + BLOCK + padded > maxBytes) throw refuse(`at most ${maxBytes} bytes of tar data`, entry);
    if (meta) {
      if (entry.size > MAX_META_BYTES) throw refuse(`extended headers of at most ${MAX_META_BYTES} bytes`, entry);
      const body = await reader.read(padded);
      if (body.length < padded) throw damaged(`data cut off at byte ${reader.position}, inside ${describe(entry)}`);
      applyMeta(entry.type, body.subarray(0, entry.size), offset, pending, damaged);
      continue;
    }
    const unsafe = unsafePathReason(entry.path);
    if (unsafe !== undefined) throw refuse(`archive paths inside ${root}/, ${unsafe}`, entry);
    if (entry.type === '5') {
      if (entry.size > 0) throw refuse('folder entries without data', entry);
      skipped.push(entry.path);
      continue;
    }
    if (!FILE_TYPES.has(entry.type) || entry.sparse || entry.linkpath !== '') {
      throw refuse('regular files only, no links or special files', entry);
    }
    const name = memberName(entry.path, root);
    const limit = name === undefined ? undefined : files[name];
    let sink: MemberSink | undefined;
    if (name === undefined || limit === undefined) {
      skipped.push(entry.path);
    } else {
      if (written.has(name)) throw refuse(`${root}/${name} once`, entry);
      if (entry.size > limit) throw refuse(`${root}/${name} of at most ${limit} bytes`, entry);
      written.set(name, entry.size);
      sink = await open(name, entry.size);
    }
    try {
      const got = await reader.pass(entry.size, (piece) => sink?.write(piece));
      const pad = got === entry.size ? (await reader.read(padded - entry.size)).length : 0;
      if (got + pad < padded) throw damaged(`data cut off at byte ${reader.position}, inside ${describe(entry)}`);
    } finally {
      await sink?.close();
    }
  }
}

/** After the end-of-archive block: zeros only (GNU tar pads to 10 KiB), to the end of the stream. */
async function readTrailer(reader: ChunkReader, opts: TarReadOptions, damaged: (detail: string) => DataError): Promise<void> {
  await reader.pass(Infinity, (piece) => {
    const at = piece.findIndex((b) => b !== 0);
    if (at >= 0) throw damaged(`data after the end-of-archive block, at byte ${reader.position - piece.length + at}`);
    if (reader.position > opts.maxBytes) {
      throw new DataError(`${opts.caller}: at most ${opts.maxBytes} bytes of tar data (got more in ${opts.archiveName})`);
    }
  });
}

/** Reads a header block (its checksum checked): type, path (with the ustar prefix), link, size. */
function parseHeader(block: Uint8Array, offset: number, damaged: (detail: string) => DataError): Entry {
  const stored = parseNumber(block, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (block[i] as number);
    unsigned += b;
    signed += b >= 0x80 ? b - 0x100 : b;
  }
  if (stored !== unsigned && stored !== signed) throw damaged(`not a tar header at byte ${offset} (its checksum does not match)`);
  const size = parseNumber(block, 124, 12);
  if (size === undefined) throw damaged(`an unreadable size in the header at byte ${offset}`);
  const code = block[156] === 0 ? '' : String.fromCharCode(block[156] as number);
  const name = text(block, 0, 100);
  const ustar = text(block, 257, 6) === 'ustar' && block[262] === 0; // POSIX ustar; old GNU has no prefix field
  const prefix = ustar ? text(block, 345, 155) : '';
  return { type: code, path: prefix ? `${prefix}/${name}` : name, linkpath: text(block, 157, 100), size, sparse: false };
}

/** Applies an extended header (pax `x` / `g`, GNU `L` / `K`) to what the next entry will be. */
function applyMeta(type: string, body: Uint8Array, offset: number, pending: Pending, damaged: (detail: string) => DataError): void {
  const set = (key: 'path' | 'linkpath', value: string) => {
    if (pending[key] !== undefined) throw damaged(`two extended ${key}s for one entry (the second at byte ${offset})`);
    pending[key] = value;
  };
  if (type === 'L' || type === 'K') {
    set(type === 'L' ? 'path' : 'linkpath', text(body, 0, body.length));
    return;
  }
  for (const [key, value] of parsePax(body, offset + BLOCK, damaged)) {
    if (type === 'g') {
      if (key === 'path' || key === 'linkpath' || key === 'size') {
        throw damaged(`a global extended header that sets ${key} (at byte ${offset})`);
      }
    } else if (key === 'path' || key === 'linkpath') {
      set(key, value);
    } else if (key === 'size') {
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw damaged(`an unreadable pax size ${JSON.stringify(value)} at byte ${offset}`);
      pending.size = Number(value);
    } else if (key.startsWith('GNU.sparse.')) {
      pending.sparse = true;
    }
  }
}

/** The records `<length> <key>=<value>\n` of a pax header body (NUL padding after them allowed). */
function parsePax(body: Uint8Array, offset: number, damaged: (detail: string) => DataError): [string, string][] {
  const records: [string, string][] = [];
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    let p = at;
    let length = 0;
    while (p < body.length && (body[p] as number) >= 0x30 && (body[p] as number) <= 0x39 && length <= body.length) {
      length = length * 10 + (body[p] as number) - 0x30;
      p++;
    }
    const record = p > at && body[p] === 0x20 && length > p - at + 1 && at + length <= body.length && body[at + length - 1] === 0x0a
      ? utf8.decode(body.subarray(p + 1, at + length - 1))
      : '';
    const eq = record.indexOf('=');
    if (eq <= 0) throw damaged(`a malformed pax record at byte ${offset + at}`);
    records.push([record.slice(0, eq), record.slice(eq + 1)]);
    at += length;
  }
  if (body.subarray(at).some((b) => b !== 0)) throw damaged(`a malformed pax record at byte ${offset + at}`);
  return records;
}

/**
 * A numeric header field: octal digits (leading spaces allowed, then NULs or spaces to the end of the
 * field), or GNU's base-256 (high bit set, non-negative). Undefined when it is neither.
 */
function parseNumber(block: Uint8Array, at: number, length: number): number | undefined {
  const field = block.subarray(at, at + length);
  if (((field[0] as number) & 0x80) !== 0) {
    if (field[0] === 0xff) return undefined; // negative
    let value = (field[0] as number) & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + (field[i] as number);
    return Number.isSafeInteger(value) ? value : undefined;
  }
  let i = 0;
  while (i < length && field[i] === 0x20) i++;
  const start = i;
  let value = 0;
  while (i < length && (field[i] as number) >= 0x30 && (field[i] as number) <= 0x37) value = value * 8 + (field[i++] as number) - 0x30;
  if (i === start || field.subarray(i).some((b) => b !== 0 && b !== 0x20)) return undefined;
  return value;
}

/** The UTF-8 text of a NUL-terminated field. */
function text(block: Uint8Array, at: number, length: number): string {
  const field = block.subarray(at, at + length);
  const end = field.indexOf(0);
  return utf8.decode(end < 0 ? field : field.subarray(0, end));
}

function isZero(block: Uint8Array): boolean {
  return block.every((b) => b === 0);
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

function describe(e: Entry): string {
  const type = e.sparse ? 'SparseFile' : (TYPE_NAMES[e.type] ?? `type ${JSON.stringify(e.type)}`);
  const link = e.linkpath !== '' ? ` -> ${JSON.stringify(e.linkpath)}` : '';
  return `${type} ${JSON.stringify(e.path)}${link}, ${e.size} bytes`;
}
