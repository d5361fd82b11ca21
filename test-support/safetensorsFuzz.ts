/**
 * The safetensors fuzz generators, shared by the CI fuzz test (`packages/nn/src/safetensors/fuzz.test.ts`)
 * and the long run (`bench/src/fuzzLong.ts`): valid files to start from (arbitrary state dicts of
 * every dtype, the two reference files), edits of the JSON header (hostile dtypes, shapes and offsets;
 * `__proto__`, `constructor`, `__metadata__` keys; removed, duplicated, shifted and replaced entries;
 * metadata of every JSON type; data that grows or shrinks; raw characters spliced into the text),
 * re-framed with a correct length, then byte mutations (a byte changed, a cut in the length field,
 * the header or the data, a rewritten header length, bytes spliced in or out). All of it is
 * fast-check arbitraries, so a seed replays a run.
 * @module
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { fromArray, type DType, type Tensor, type TypedArray } from '@tapegrad/core';
import { encodeSafetensors, type EncodeOptions } from '@tapegrad/nn';
import { referenceFile } from './paths.js';

/** Names a state dict may not use (the decoder refuses them). */
export const reservedNames: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype', '__metadata__']);

// ---------------------------------------------------------------------------------------------
// Valid files to start from.

interface Spec {
  name: string;
  dtype: DType;
  shape: number[];
  values: number[];
}

const specArb: fc.Arbitrary<Spec> = fc
  .record({
    name: fc.string({ unit: 'grapheme', maxLength: 6 }).filter((s) => !reservedNames.has(s)),
    dtype: fc.constantFrom<DType>('float32', 'float64', 'int32', 'uint8'),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
  })
  .chain((s) => {
    const size = s.shape.reduce((a, b) => a * b, 1);
    const value = s.dtype === 'int32' ? fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
      : s.dtype === 'uint8' ? fc.integer({ min: 0, max: 255 }) : fc.double();
    return fc.array(value, { minLength: size, maxLength: size }).map((values) => ({ ...s, values }));
  });

const typed = (dtype: DType, values: number[]): TypedArray =>
  dtype === 'float32' ? new Float32Array(values) : dtype === 'float64' ? new Float64Array(values)
    : dtype === 'int32' ? new Int32Array(values) : new Uint8Array(values);

/** Arbitrary small state dicts of every dtype (NaN, ±Infinity, -0 included) with encoding options. */
export const stateDictArb: fc.Arbitrary<{ sd: Record<string, Tensor>; opts: EncodeOptions }> = fc
  .record({
    specs: fc.uniqueArray(specArb, { selector: (s) => s.name, maxLength: 5 }),
    metadata: fc.option(fc.array(fc.tuple(fc.string({ unit: 'grapheme', maxLength: 4 }), fc.string({ unit: 'grapheme', maxLength: 4 })), { maxLength: 2 }), { nil: undefined }),
    int32As: fc.constantFrom<EncodeOptions['int32As']>('auto', 'I64', 'I32'),
  })
  .map(({ specs, metadata, int32As }) => {
    const sd: Record<string, Tensor> = {};
    for (const s of specs) sd[s.name] = fromArray(typed(s.dtype, s.values), s.shape);
    const opts: EncodeOptions = { int32As };
    if (metadata !== undefined) opts.metadata = Object.fromEntries(metadata.filter(([k]) => !reservedNames.has(k)));
    return { sd, opts };
  });

/** `count` encoded state dicts drawn from {@link stateDictArb} with `seed`, drawn once: a pool of seed files. */
export function generatedFiles(count: number, seed: number): Uint8Array[] {
  return fc.sample(stateDictArb, { numRuns: count, seed }).map(({ sd, opts }) => encodeSafetensors(sd, opts));
}

/** The two vendored reference files (PyTorch's `safetensors`), float64_shapes and torch_sequential_f32. */
export function referenceFiles(): Uint8Array[] {
  return ['float64_shapes', 'torch_sequential_f32'].map((f) => new Uint8Array(readFileSync(referenceFile(`safetensors/${f}.safetensors`))));
}

/** Seed files: mostly `generated`, now and then a reference file or one of the `large` ones. */
export function seedFileArb(generated: readonly Uint8Array[], references: readonly Uint8Array[], large: readonly Uint8Array[] = []): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 40, arbitrary: fc.constantFrom(...generated) },
    { weight: 10, arbitrary: fc.constantFrom(...references) },
    ...(large.length > 0 ? [{ weight: 1, arbitrary: fc.constantFrom(...large) }] : []),
  );
}

// ---------------------------------------------------------------------------------------------
// Edits of the JSON header (then re-framed with a correct length and padding), and byte mutations.

const evilShape = fc.oneof(
  fc.constantFrom<unknown>(
    [2 ** 40], [2 ** 20, 2 ** 20], [2 ** 31, 2 ** 31, 0], [0, 2 ** 60], [2 ** 53], [2 ** 53 - 1], [-1], [1.5], ['1'], [null], [],
    [1e300], new Array(65).fill(1), new Array(64).fill(1), [0], [1, 0, 2 ** 50], null, {}, 'x', [-0], [2 ** 32, 2 ** 32],
  ),
  fc.array(fc.integer({ min: -2, max: 2 ** 40 }), { maxLength: 5 }),
  fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 4 }),
  fc.jsonValue({ maxDepth: 2 }),
);
const evilOffsets = fc.oneof(
  fc.constantFrom<unknown>([0, 0], [-1, 8], [8, 0], [0, 2 ** 53], [0, 1e20], [0], [0, 1, 2], [1.5, 8], null, 'x', [2 ** 40, 2 ** 40 + 8], [-0, 4], ['0', '4']),
  fc.tuple(fc.integer({ min: -8, max: 7000 }), fc.integer({ min: -8, max: 7000 })),
  fc.jsonValue({ maxDepth: 1 }),
);
const evilDtype = fc.oneof(
  fc.constantFrom<unknown>('F16', 'BF16', 'I8', 'U16', 'BOOL', 'F8_E4M3', 'f32', '', 'constructor', '__proto__', 'toString',
    'hasOwnProperty', 'F32', 'F64', 'I64', 'I32', 'U8', null),
  fc.jsonValue({ maxDepth: 1 }),
);
const evilKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', '__metadata__', 'toString', 'valueOf', 'hasOwnProperty', ''),
  fc.string({ maxLength: 4 }),
);

/** One edit of a header's entries, metadata, data size or text. */
export type JsonEdit =
  | { kind: 'set'; target: number; field: string; value: unknown }
  | { kind: 'deleteField'; target: number; field: string }
  | { kind: 'add'; key: string; value: unknown }
  | { kind: 'remove'; target: number }
  | { kind: 'duplicate'; target: number; key: string | null }
  | { kind: 'shift'; target: number; which: 0 | 1 | 2; delta: number }
  | { kind: 'replace'; target: number; value: unknown }
  | { kind: 'metadata'; value: unknown }
  | { kind: 'dataSize'; delta: number }
  | { kind: 'rawText'; at: number; text: string };

const fieldArb = fc.constantFrom('dtype', 'shape', 'data_offsets');
const target = fc.nat({ max: 50 });
const entryValue = fc.oneof(
  fc.record({ dtype: evilDtype, shape: evilShape, data_offsets: evilOffsets }),
  fc.constant<unknown>({ polluted: 'yes', dtype: 'U8', shape: [0], data_offsets: [0, 0] }),
  fc.jsonValue({ maxDepth: 2 }),
);

const jsonEditArb: fc.Arbitrary<JsonEdit> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), target, field: fc.constant('dtype'), value: evilDtype }),
  fc.record({ kind: fc.constant('set' as const), target, field: fc.constant('shape'), value: evilShape }),
  fc.record({ kind: fc.constant('set' as const), target, field: fc.constant('data_offsets'), value: evilOffsets }),
  fc.record({ kind: fc.constant('set' as const), target, field: evilKey, value: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({ kind: fc.constant('deleteField' as const), target, field: fieldArb }),
  fc.record({ kind: fc.constant('add' as const), key: evilKey, value: entryValue }),
  fc.record({ kind: fc.constant('remove' as const), target }),
  fc.record({ kind: fc.constant('duplicate' as const), target, key: fc.option(evilKey, { nil: null }) }),
  fc.record({ kind: fc.constant('shift' as const), target, which: fc.constantFrom<0 | 1 | 2>(0, 1, 2), delta: fc.integer({ min: -16, max: 16 }) }),
  fc.record({ kind: fc.constant('replace' as const), target, value: entryValue }),
  fc.record({
    kind: fc.constant('metadata' as const),
    value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.dictionary(evilKey, fc.oneof(fc.string(), fc.integer())), fc.constant<unknown>(null)),
  }),
  fc.record({ kind: fc.constant('dataSize' as const), delta: fc.integer({ min: -16, max: 16 }) }),
  fc.record({
    kind: fc.constant('rawText' as const), at: fc.nat(),
    text: fc.constantFrom('"', '{', '}', ',', '-0', '1e400', '\\u0000', '\\ud800', ' ', ':null', '[', '"__proto__":{},', '\u0000', '\uFEFF', '\\', '\ud800'),
  }),
);

/** One change of a file's bytes. */
export type ByteMutation =
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'truncate'; region: 'length' | 'header' | 'data' | 'any'; at: number }
  | { kind: 'headerLength'; value: bigint | 'size' | 'plus' | 'minus'; by: number }
  | { kind: 'splice'; at: number; remove: number; insert: number[] };

const byteMutationArb: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const), at: fc.nat(),
    // any byte, or one that means something in JSON, UTF-8 or a little-endian length
    value: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x00, 0x22, 0x2c, 0x30, 0x5b, 0x7b, 0x7d, 0xff, 0xc0, 0xed)),
  }),
  fc.record({ kind: fc.constant('truncate' as const), region: fc.constantFrom('length' as const, 'header' as const, 'data' as const, 'any' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('headerLength' as const),
    value: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.constantFrom<'size' | 'plus' | 'minus'>('size', 'plus', 'minus'),
      fc.constantFrom(0n, 1n, 7n, 100_000_000n, 100_000_001n, 2n ** 32n, 2n ** 32n + 8n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n)),
    by: fc.integer({ min: 1, max: 16 }),
  }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), remove: fc.nat({ max: 8 }), insert: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 8 }) }),
);

/** The header of a valid seed as ordered [key, value] pairs, and its data section. */
function split(bytes: Uint8Array): { pairs: [string, unknown][]; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
  return { pairs: Object.entries(header), data: bytes.subarray(8 + n) };
}

/** A file from header text and data: u64 length, header padded with spaces to a multiple of 8, data. */
export function frame(text: string, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(text);
  const n = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + n + data.length).fill(0x20, 8, 8 + n);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.set(data, 8 + n);
  return out;
}

/** A JSON value as text; `Map`s are objects whose keys (even `__proto__`) stay data. */
const valueText = (v: unknown): string =>
  v instanceof Map ? `{${[...v].map(([k, x]) => `${JSON.stringify(k)}:${valueText(x)}`).join(',')}}` : (JSON.stringify(v) ?? 'null');

/** `seed` (a valid file) with `edits` applied to its header, re-framed with a correct length. */
export function applyJsonEdits(seed: Uint8Array, edits: readonly JsonEdit[]): Uint8Array {
  const { pairs, data: original } = split(seed);
  let data = original;
  const raw: { at: number; text: string }[] = [];
  const tensorIndices = () => pairs.map((p, i) => (p[0] === '__metadata__' ? -1 : i)).filter((i) => i >= 0);
  const pick = (t: number): [string, unknown] | undefined => {
    const idx = tensorIndices();
    return idx.length === 0 ? undefined : pairs[idx[t % idx.length]!];
  };
  for (const edit of edits) {
    switch (edit.kind) {
      case 'set':
      case 'deleteField': {
        const p = pick(edit.target);
        if (p === undefined || typeof p[1] !== 'object' || p[1] === null) break;
        // Build the entry as text later: keep fields in a plain Map so that any key (even __proto__) is data.
        const fields = p[1] instanceof Map ? p[1] : new Map(Object.entries(p[1] as object));
        if (edit.kind === 'set') fields.set(edit.field, edit.value);
        else fields.delete(edit.field);
        p[1] = fields;
        break;
      }
      case 'add':
        pairs.push([edit.key, edit.value]);
        break;
      case 'remove': {
        const idx = tensorIndices();
        if (idx.length > 0) pairs.splice(idx[edit.target % idx.length]!, 1);
        break;
      }
      case 'duplicate': {
        const p = pick(edit.target);
        if (p !== undefined) pairs.push([edit.key ?? p[0], p[1]]);
        break;
      }
      case 'shift': {
        const p = pick(edit.target);
        const offsets = p !== undefined && typeof p[1] === 'object' && p[1] !== null && !(p[1] instanceof Map)
          ? (p[1] as { data_offsets?: unknown }).data_offsets : undefined;
        if (!Array.isArray(offsets)) break;
        const shifted = offsets.map((o: unknown, i) => (typeof o === 'number' && (edit.which === 2 || edit.which === i) ? o + edit.delta : o));
        p![1] = { ...(p![1] as object), data_offsets: shifted };
        break;
      }
      case 'replace': {
        const p = pick(edit.target);
        if (p !== undefined) p[1] = edit.value;
        break;
      }
      case 'metadata': {
        const m = pairs.find((q) => q[0] === '__metadata__');
        if (m !== undefined) m[1] = edit.value;
        else pairs.unshift(['__metadata__', edit.value]);
        break;
      }
      case 'dataSize': {
        const size = Math.max(0, data.length + edit.delta);
        const next = new Uint8Array(size);
        next.set(data.subarray(0, Math.min(size, data.length)));
        data = next;
        break;
      }
      case 'rawText':
        raw.push({ at: edit.at, text: edit.text });
        break;
    }
  }
  let text = `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${valueText(v)}`).join(',')}}`;
  for (const r of raw) {
    const at = r.at % (text.length + 1);
    text = text.slice(0, at) + r.text + text.slice(at);
  }
  return frame(text, data);
}

/** `bytes` with `m` applied. */
export function applyByteMutation(bytes: Uint8Array, m: ByteMutation): Uint8Array {
  const len = bytes.length;
  const n = len >= 8 ? Math.min(Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true)), len - 8) : 0;
  switch (m.kind) {
    case 'flip': {
      if (len === 0) return bytes;
      const out = bytes.slice();
      out[m.at % len] = m.value;
      return out;
    }
    case 'truncate': {
      const [lo, hi] = m.region === 'length' ? [0, Math.min(8, len)] : m.region === 'header' ? [8, 8 + n] : m.region === 'data' ? [8 + n, len] : [0, len];
      if (hi <= lo) return bytes.slice(0, lo);
      return bytes.slice(0, lo + (m.at % (hi - lo)));
    }
    case 'headerLength': {
      if (len < 8) return bytes;
      const out = bytes.slice();
      const value = m.value === 'size' ? BigInt(len - 8) : m.value === 'plus' ? BigInt(n + m.by) : m.value === 'minus' ? BigInt(Math.max(0, n - m.by)) : m.value;
      new DataView(out.buffer).setBigUint64(0, value, true);
      return out;
    }
    case 'splice': {
      const at = m.at % (len + 1);
      const out = new Uint8Array(len - Math.min(m.remove, len - at) + m.insert.length);
      out.set(bytes.subarray(0, at));
      out.set(m.insert, at);
      out.set(bytes.subarray(Math.min(len, at + m.remove)), at + m.insert.length);
      return out;
    }
  }
}

/** One fuzz case: a seed file, up to three header edits, up to three byte mutations (at least one change). */
export interface FuzzCase {
  seed: Uint8Array;
  jsonEdits: JsonEdit[];
  byteMutations: ByteMutation[];
}

/** Fuzz cases over the seed files `seeds` (see {@link seedFileArb}). */
export function fuzzCaseArb(seeds: fc.Arbitrary<Uint8Array>): fc.Arbitrary<FuzzCase> {
  return fc
    .record({ seed: seeds, jsonEdits: fc.array(jsonEditArb, { maxLength: 3 }), byteMutations: fc.array(byteMutationArb, { maxLength: 3 }) })
    .filter((c) => c.jsonEdits.length + c.byteMutations.length > 0);
}

/** The bytes of case `c`: its header edits, then its byte mutations. */
export function mutate(c: FuzzCase): Uint8Array {
  let bytes = c.jsonEdits.length > 0 ? applyJsonEdits(c.seed, c.jsonEdits) : c.seed;
  for (const m of c.byteMutations) bytes = applyByteMutation(bytes, m);
  return bytes;
}

/** The kind of a decoding error: its expectation with the file, tensor and numbers left out. */
export const kindOfError = (message: string): string =>
  message.replace(/^load: /, '').replace(/^tensor "(?:[^"\\]|\\.)*(?:"|…) /, '').replace(/ \(got [\s\S]*$/, '')
    .replace(/ for \w+ \[.*\]$/, ' for <dtype> <shape>').replace(/\d+/g, 'N');

/** The stages of validation ({@link kindOfError} prefixes) that 5000 cases reach. */
export const VALIDATION_STAGES: readonly string[] = [
  'at least N bytes', 'a header length of at most', 'a header length within', 'starting with "{"', 'a header of valid JSON',
  'tensor names other than', 'dtype F', 'shape: an array', 'data_offsets: [begin, end]', 'data_offsets within',
  'data_offsets starting at byte', 'data_offsets spanning', 'a shape of at most N^N - N', 'tensors covering',
];

/** The rarer stages a long run reaches too. */
export const RARE_VALIDATION_STAGES: readonly string[] = ['a header in valid UTF-N', 'a shape of at most N dims', '__metadata__'];
