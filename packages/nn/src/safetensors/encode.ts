/**
 * Writing tensors as safetensors bytes, laid out exactly as the reference writer lays them out.
 * Pure (no Node built-ins).
 * @module
 */
import { contiguousNdArray, Tensor, type TypedArray } from '@tapegrad/core';
import { infoOf, isWellFormed, littleEndianHost, METADATA_KEY, reservedNames, type DTypeInfo } from './dtypes.js';
import { quote, safetensorsError } from './errors.js';

/** Options of {@link encodeSafetensors} and {@link save}. @category Serialization */
export interface EncodeOptions {
  /** String-to-string `__metadata__` to store in the header, e.g. `{ format: 'pt' }` (default: none). */
  metadata?: Record<string, string>;
  /**
   * How int32 tensors are stored (float32, float64 and uint8 are always F32, F64 and U8):
   * - `'auto'` (default): as I64 when the last dotted part of the name is `num_batches_tracked`
   *   (PyTorch keeps that buffer as int64, so PyTorch reads our file back into a BatchNorm as it wrote
   *   it), as I32 otherwise;
   * - `'I64'`: all of them as I64 (what PyTorch uses for integer tensors in general);
   * - `'I32'`: all of them as I32.
   *
   * {@link decodeSafetensors} reads I64 back as int32, so every choice round-trips.
   */
  int32As?: 'auto' | 'I64' | 'I32';
}

/** Whether `name` is a PyTorch int64 buffer: its last dotted part is `num_batches_tracked`. */
function isInt64Buffer(name: string): boolean {
  return name === 'num_batches_tracked' || name.endsWith('.num_batches_tracked');
}

/** Orders strings by code point, which is the byte order of their UTF-8 (Rust's `String` order). */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

interface Item {
  name: string;
  info: DTypeInfo;
  shape: readonly number[];
  values: TypedArray;
}

/**
 * Writes a state dict as the bytes of a safetensors file. Pure: runs in a browser too.
 *
 * The layout is the reference writer's (huggingface/safetensors `serialize`): tensors ordered by
 * dtype, widest first (I64, F64, F32, I32, U8), then by name in UTF-8 byte order; the header is
 * compact JSON with `__metadata__` first (its keys sorted) and each entry as
 * `{"dtype","shape","data_offsets"}`, padded with spaces to a multiple of 8 so that the data starts
 * 8-aligned; data is little-endian and row-major. Strided (non-contiguous) tensors are written in
 * their logical row-major order.
 *
 * @param stateDict - tensors by name (its own enumerable keys); names `__proto__`, `constructor`,
 *   `prototype` and `__metadata__` are refused.
 * @param opts - `metadata` (default none) and `int32As` (default `'auto'`), see {@link EncodeOptions}.
 * @returns the file's bytes.
 * @throws {@link SafetensorsError} when a value is not a Tensor, a name is reserved or not valid
 *   Unicode, metadata is not string-to-string, or `int32As` is unknown.
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { encodeSafetensors } from '@tapegrad/nn';
 * const bytes = encodeSafetensors({ 'attn.0': tensor([[[0, 1, 2], [3, 4, 5]]]) });
 * console.log(bytes.length); // 96: 8 + a 64-byte header + 24 bytes of F32
 * ```
 * @category Serialization
 */
export function encodeSafetensors(stateDict: Record<string, Tensor>, opts: EncodeOptions = {}): Uint8Array {
  const fail = (expected: string, got: string, tensor?: string) => safetensorsError('save', expected, got, { tensor });
  if (typeof stateDict !== 'object' || stateDict === null || Array.isArray(stateDict)) {
    throw fail('a state dict, an object of Tensors', stateDict === null ? 'null' : Array.isArray(stateDict) ? 'an array' : typeof stateDict);
  }
  const int32As = opts.int32As ?? 'auto';
  if (int32As !== 'auto' && int32As !== 'I64' && int32As !== 'I32') throw fail("int32As 'auto', 'I64' or 'I32'", quote(int32As));

  const items: Item[] = [];
  for (const name of Object.keys(stateDict)) {
    if (reservedNames.has(name) || name === METADATA_KEY) {
      throw fail('tensor names other than __proto__, constructor, prototype and __metadata__', quote(name));
    }
    if (!isWellFormed(name)) throw fail('tensor names that are valid Unicode', `a lone surrogate in ${quote(name)}`);
    const t: unknown = Object.getOwnPropertyDescriptor(stateDict, name)?.value;
    if (!(t instanceof Tensor)) throw fail('a Tensor', t === null ? 'null' : typeof t === 'object' ? Object.prototype.toString.call(t) : typeof t, name);
    const info = infoOf(t.dtype, t.dtype === 'int32' && (int32As === 'I64' || (int32As === 'auto' && isInt64Buffer(name))));
    const c = contiguousNdArray(t.data);
    const size = t.size;
    items.push({ name, info, shape: t.shape, values: (c.data as TypedArray).subarray(c.offset, c.offset + size) });
  }
  items.sort((a, b) => b.info.order - a.info.order || compareCodePoints(a.name, b.name));

  const parts: string[] = [];
  if (opts.metadata !== undefined) parts.push(`${JSON.stringify(METADATA_KEY)}:${metadataJson(opts.metadata, fail)}`);
  let offset = 0;
  for (const it of items) {
    const nbytes = it.values.length * it.info.itemsize;
    parts.push(`${JSON.stringify(it.name)}:{"dtype":"${it.info.name}","shape":[${it.shape.join(',')}],"data_offsets":[${offset},${offset + nbytes}]}`);
    offset += nbytes;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const n = Math.ceil(json.length / 8) * 8;

  const out = new Uint8Array(8 + n + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, n, true);
  view.setUint32(4, Math.floor(n / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  let at = 8 + n;
  for (const it of items) {
    writeData(out, view, at, it);
    at += it.values.length * it.info.itemsize;
  }
  return out;
}

function metadataJson(metadata: unknown, fail: (expected: string, got: string) => Error): string {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw fail('metadata: an object of strings', metadata === null ? 'null' : Array.isArray(metadata) ? 'an array' : typeof metadata);
  }
  const keys = Object.keys(metadata).sort(compareCodePoints);
  const fields = keys.map((key) => {
    const value: unknown = Object.getOwnPropertyDescriptor(metadata, key)?.value;
    if (reservedNames.has(key)) throw fail('metadata keys other than __proto__, constructor and prototype', quote(key));
    if (typeof value !== 'string') throw fail('metadata values that are strings', `${quote(key)}: ${typeof value}`);
    if (!isWellFormed(key) || !isWellFormed(value)) throw fail('metadata that is valid Unicode', `a lone surrogate in ${quote(key)}`);
    return `${JSON.stringify(key)}:${JSON.stringify(value)}`;
  });
  return `{${fields.join(',')}}`;
}

/** Writes one tensor's values little-endian at byte `at` of `out`. */
function writeData(out: Uint8Array, view: DataView, at: number, it: Item): void {
  const { values, info } = it;
  if (info.name === 'I64') {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      view.setInt32(at + 8 * i, v, true);
      view.setInt32(at + 8 * i + 4, v < 0 ? -1 : 0, true);
    }
    return;
  }
  if (littleEndianHost || info.itemsize === 1) {
    out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), at);
    return;
  }
  for (let i = 0; i < values.length; i++) {
    const p = at + i * info.itemsize;
    if (info.name === 'F64') view.setFloat64(p, values[i]!, true);
    else if (info.name === 'F32') view.setFloat32(p, values[i]!, true);
    else view.setInt32(p, values[i]!, true);
  }
}
