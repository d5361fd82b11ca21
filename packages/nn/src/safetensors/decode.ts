/**
 * Reading safetensors bytes into tensors: pure (no Node built-ins), and hardened against hostile
 * files. The whole header is validated before any tensor memory is allocated, so every allocation is
 * sized by a number already checked against the file's length.
 * @module
 */
import { fromArray, type DType, type Tensor, type TypedArray } from '@tapegrad/core';
import { dtypeInfo, dtypeNames, isWellFormed, littleEndianHost, METADATA_KEY, reservedNames, type DTypeInfo } from './dtypes.js';
import { quote, safetensorsError, type SafetensorsError } from './errors.js';

/** The largest header accepted, in bytes (the reference implementation's limit).
 * @example
 * ```ts
 * import { MAX_HEADER_BYTES } from '@tapegrad/nn';
 * console.log(MAX_HEADER_BYTES); // 100000000
 * ```
 * @category Serialization */
export const MAX_HEADER_BYTES = 100_000_000;

/** The most dims a tensor in a file may have (numpy 2's limit).
 * @example
 * ```ts
 * import { MAX_RANK } from '@tapegrad/nn';
 * console.log(MAX_RANK); // 64
 * ```
 * @category Serialization */
export const MAX_RANK = 64;

/** Options of {@link decodeSafetensors} and {@link parseSafetensors}. @category Serialization */
export interface DecodeOptions {
  /** What to call the bytes in error messages, e.g. the file's path (default: nothing). */
  source?: string;
}

/** What a safetensors file holds: its tensors and its `__metadata__`. @category Serialization */
export interface SafetensorsContents {
  /**
   * The tensors by name, in the order of their data in the file (a null-prototype object; as in any
   * JS object, names that are array indices such as `"0"` are listed first).
   */
  tensors: Record<string, Tensor>;
  /** The string-to-string `__metadata__` (a null-prototype object), or null when the file has none. */
  metadata: Record<string, string> | null;
}

/** Allocates the typed array a tensor is read into. @internal */
export type Allocator = (dtype: DType, length: number) => TypedArray;

const arrayTypes = { float32: Float32Array, float64: Float64Array, int32: Int32Array, uint8: Uint8Array } as const;

/** The allocator used outside tests. @internal */
export const allocateArray: Allocator = (dtype, length) => new arrayTypes[dtype](length);

/** One header entry after validation. */
interface Entry {
  name: string;
  info: DTypeInfo;
  shape: number[];
  begin: number;
  end: number;
}

type Record_ = Record<string, unknown>;

function isRecord(x: unknown): x is Record_ {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isIndex(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function kindOf(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'object') return Object.prototype.toString.call(x);
  return `${typeof x} ${quote(x, 40)}`;
}

/** An own property of a parsed JSON object, never an inherited one. */
function own(obj: Record_, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

const shown = (x: unknown): string => (x === undefined ? 'none' : quote(x));

/**
 * Decodes with an explicit allocator, so that tests can watch every allocation.
 * @internal
 */
export function decodeWith(bytes: Uint8Array, opts: DecodeOptions, allocate: Allocator): SafetensorsContents {
  const file = opts.source;
  const fail = (expected: string, got: string, tensor?: string): SafetensorsError =>
    safetensorsError('load', expected, got, { file, tensor });

  if (!(bytes instanceof Uint8Array)) throw fail("a Uint8Array of the file's bytes", kindOf(bytes));
  const size = bytes.length;
  if (size < 8) throw fail('at least 8 bytes for the header length', `${size} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  // 1. The header length: a u64, bounded by the sane maximum and by the bytes that follow it.
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  if (hi !== 0 || lo > MAX_HEADER_BYTES) {
    throw fail(`a header length of at most ${MAX_HEADER_BYTES} bytes`, `${(BigInt(hi) << 32n) | BigInt(lo)}`);
  }
  const n = lo;
  if (n > size - 8) throw fail(`a header length within the ${size - 8} bytes after the length field`, `${n}`);
  if (n === 0 || bytes[8] !== 0x7b) {
    throw fail('a JSON header starting with "{"', n === 0 ? 'an empty header' : `byte 0x${bytes[8]!.toString(16).padStart(2, '0')}`);
  }

  // 2. The header: UTF-8 (a BOM is not skipped), then JSON. JSON.parse defines every key as an own
  // data property, `__proto__` included, so parsing cannot reach any prototype; below, only own
  // properties are read, and the results are null-prototype objects.
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw fail('a header in valid UTF-8', 'invalid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw fail('a header of valid JSON', quote(e instanceof Error ? e.message : String(e), 120));
  }
  if (!isRecord(header)) throw fail('a JSON object as the header', kindOf(header));

  // 3. Every entry checked on its own: dtype known, shape and offsets non-negative safe integers.
  let metadata: Record<string, string> | null = null;
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (reservedNames.has(name)) throw fail('tensor names other than __proto__, constructor and prototype', quote(name));
    if (!isWellFormed(name)) throw fail('tensor names that are valid Unicode', `a lone surrogate in ${quote(name)}`);
    if (name === METADATA_KEY) {
      if (value === null) continue; // as in the reference implementation: no metadata
      if (!isRecord(value)) throw fail(`${METADATA_KEY}: an object of strings`, kindOf(value));
      metadata = Object.create(null) as Record<string, string>;
      for (const [key, v] of Object.entries(value)) {
        if (reservedNames.has(key)) throw fail(`${METADATA_KEY} keys other than __proto__, constructor and prototype`, quote(key));
        if (typeof v !== 'string') throw fail(`${METADATA_KEY} values that are strings`, `${quote(key)}: ${kindOf(v)}`);
        if (!isWellFormed(key) || !isWellFormed(v)) throw fail(`${METADATA_KEY} that is valid Unicode`, `a lone surrogate in ${quote(key)}`);
        metadata[key] = v;
      }
      continue;
    }
    if (!isRecord(value)) throw fail('an object {dtype, shape, data_offsets}', kindOf(value), name);
    const dtype = own(value, 'dtype');
    const info = typeof dtype === 'string' ? dtypeInfo.get(dtype) : undefined;
    if (info === undefined) throw fail(`dtype ${dtypeNames}`, shown(dtype), name);
    const shape = own(value, 'shape');
    if (!Array.isArray(shape)) throw fail('shape: an array of non-negative integers', shown(shape), name);
    if (shape.length > MAX_RANK) throw fail(`a shape of at most ${MAX_RANK} dims`, `${shape.length} dims`, name);
    if (!shape.every(isIndex)) throw fail('shape: an array of non-negative integers', quote(shape), name);
    const offsets = own(value, 'data_offsets');
    if (!Array.isArray(offsets) || offsets.length !== 2 || !isIndex(offsets[0]) || !isIndex(offsets[1])) {
      throw fail('data_offsets: [begin, end], two non-negative integers', shown(offsets), name);
    }
    // `+ 0` turns a JSON `-0` into 0.
    entries.push({ name, info, shape: shape.map((d: number) => d + 0), begin: offsets[0] + 0, end: offsets[1] + 0 });
  }

  // 4. Together: ordered by offset, each starting where the previous ends, its byte length the
  // product of its shape times the item size, and all of them covering the data section exactly.
  const dataSize = size - 8 - n;
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of entries) {
    const offsets = `[${e.begin}, ${e.end}]`;
    if (e.end > dataSize) throw fail(`data_offsets within the ${dataSize}-byte data section`, offsets, e.name);
    if (e.begin !== cursor) {
      const what = cursor === 0 ? 'data_offsets starting at byte 0' : `data_offsets starting at byte ${cursor}, where the data before them ends`;
      throw fail(what, `${offsets}${e.begin < cursor ? ', which overlaps' : ', which leaves a gap'}`, e.name);
    }
    if (e.end < e.begin) throw fail('data_offsets [begin, end] with end >= begin', offsets, e.name);
    let count = 1;
    for (const d of e.shape) {
      if (d !== 0 && count > Number.MAX_SAFE_INTEGER / d) throw fail('a shape of at most 2^53 - 1 elements', quote(e.shape), e.name);
      count *= d;
    }
    if (count > Number.MAX_SAFE_INTEGER / e.info.itemsize) throw fail('a shape of at most 2^53 - 1 bytes', quote(e.shape), e.name);
    const nbytes = count * e.info.itemsize;
    if (e.end - e.begin !== nbytes) {
      throw fail(`data_offsets spanning ${nbytes} bytes for ${e.info.name} [${e.shape.join(', ')}]`, `${offsets}, ${e.end - e.begin} bytes`, e.name);
    }
    cursor = e.end;
  }
  if (cursor !== dataSize) {
    throw fail(`tensors covering the ${dataSize}-byte data section exactly`, `data up to byte ${cursor}, ${dataSize - cursor} bytes left over`);
  }

  // 5. Only now allocate: each tensor gets a fresh, aligned typed array of a checked length.
  const tensors = Object.create(null) as Record<string, Tensor>;
  const base = 8 + n;
  for (const e of entries) {
    const length = (e.end - e.begin) / e.info.itemsize;
    const out = allocate(e.info.dtype, length);
    copyData(out, bytes, view, base + e.begin, e.info, (index, value) =>
      fail('I64 values within int32, [-2147483648, 2147483647] (tapegrad reads I64 as int32)', `${value} at flat index ${index}`, e.name));
    tensors[e.name] = fromArray(out, e.shape);
  }
  return { tensors, metadata };
}

/** Copies little-endian elements at `start` of `bytes` into `out` (range-checking I64 → int32). */
function copyData(
  out: TypedArray, bytes: Uint8Array, view: DataView, start: number, info: DTypeInfo,
  outOfRange: (index: number, value: bigint) => Error,
): void {
  const length = out.length;
  if (info.name === 'I64') {
    for (let i = 0; i < length; i++) {
      const lo = view.getUint32(start + 8 * i, true);
      const hi = view.getInt32(start + 8 * i + 4, true);
      const value = lo | 0;
      if (hi !== value >> 31) throw outOfRange(i, (BigInt(hi) << 32n) | BigInt(lo));
      out[i] = value;
    }
    return;
  }
  const nbytes = length * info.itemsize;
  if (littleEndianHost || info.itemsize === 1) {
    new Uint8Array(out.buffer, out.byteOffset, nbytes).set(bytes.subarray(start, start + nbytes));
    return;
  }
  for (let i = 0; i < length; i++) {
    const at = start + i * info.itemsize;
    out[i] = info.name === 'F64' ? view.getFloat64(at, true) : info.name === 'F32' ? view.getFloat32(at, true) : view.getInt32(at, true);
  }
}

/**
 * Reads a safetensors file's bytes into its tensors and its metadata. Pure: runs in a browser too.
 * Everything in the header is checked before any tensor memory is allocated (see
 * {@link decodeSafetensors} for the rules); each tensor gets its own freshly allocated, aligned
 * typed array (F32 → float32, F64 → float64, I32 → int32, U8 → uint8, I64 → int32 with a range check).
 *
 * @param bytes - the whole file.
 * @param opts - `source`: what to call the bytes in error messages (default: nothing).
 * @returns `{ tensors, metadata }`, both null-prototype objects; `metadata` is null when absent.
 * @throws {@link SafetensorsError} for any malformed or unsupported input, and for nothing else.
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { encodeSafetensors, parseSafetensors } from '@tapegrad/nn';
 * const bytes = encodeSafetensors({ w: tensor([1, 2]) }, { metadata: { format: 'pt' } });
 * const { tensors, metadata } = parseSafetensors(bytes);
 * console.log(tensors.w!.toArray(), metadata?.format); // [1, 2] 'pt'
 * ```
 * @category Serialization
 */
export function parseSafetensors(bytes: Uint8Array, opts: DecodeOptions = {}): SafetensorsContents {
  return decodeWith(bytes, opts, allocateArray);
}

/**
 * Reads a safetensors file's bytes into a state dict. Pure: runs in a browser too.
 *
 * The file is an 8-byte little-endian header length `n`, `n` bytes of JSON header
 * `{ "<name>": { "dtype", "shape", "data_offsets": [begin, end] }, "__metadata__"?: {...} }`, then the
 * data. The decoder accepts what the reference implementation accepts, and checks, before it
 * allocates anything: `n` ≤ {@link MAX_HEADER_BYTES} and within the file; the header is UTF-8 JSON
 * starting with `{`; each dtype is F64, F32, I64, I32 or U8; each shape is at most {@link MAX_RANK}
 * non-negative integers; offsets are non-negative integers, each tensor's byte length is
 * product(shape) × itemsize, and the tensors, ordered by offset, are contiguous from 0 and cover the
 * data section exactly (no gap, overlap or trailing byte); names and metadata are valid Unicode, and
 * metadata values are strings. Names `__proto__`, `constructor` and `prototype` are refused, as tensor
 * names and as metadata keys, and the results are null-prototype objects, so a file cannot reach any
 * prototype. Any order of entries and any header padding is accepted; unknown entry fields are
 * ignored, as the reference implementation ignores them.
 *
 * @param bytes - the whole file.
 * @param opts - `source`: what to call the bytes in error messages (default: nothing).
 * @returns the tensors by name, in file order, as a null-prototype object (safe to iterate with
 *   `Object.keys`/`Object.entries`; use `Object.hasOwn(sd, name)` rather than `sd.hasOwnProperty`).
 * @throws {@link SafetensorsError} for any malformed or unsupported input, and for nothing else.
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { encodeSafetensors, decodeSafetensors } from '@tapegrad/nn';
 * const sd = decodeSafetensors(encodeSafetensors({ w: tensor([[1, 2], [3, 4]], { dtype: 'float64' }) }));
 * console.log(sd.w!.shape, sd.w!.dtype); // [2, 2] 'float64'
 * ```
 * @category Serialization
 */
export function decodeSafetensors(bytes: Uint8Array, opts: DecodeOptions = {}): Record<string, Tensor> {
  return decodeWith(bytes, opts, allocateArray).tensors;
}
