/**
 * Fuzzing the decoder with mutated and truncated safetensors files. Whatever the bytes, decoding either
 * returns a valid state dict or throws SafetensorsError: never another error, never a hang, never an
 * allocation larger than the file, never a polluted prototype.
 *
 * Runs FUZZ_RUNS cases (default 5000) of the mutation property; FUZZ_SEED replays a run. A longer,
 * nightly-style run is `FUZZ_RUNS=200000 npx vitest run packages/nn/src/safetensors/fuzz`.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromArray, Tensor, type DType, type TypedArray } from '@tapegrad/core';
import { allocateArray, decodeWith, type Allocator } from './decode.js';
import { encodeSafetensors, type EncodeOptions } from './encode.js';
import { SafetensorsError } from './errors.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 5000);
if (!Number.isSafeInteger(RUNS) || RUNS < 1) throw new Error(`FUZZ_RUNS must be a positive integer (got ${process.env.FUZZ_RUNS})`);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const params = (numRuns: number) => ({ numRuns, ...(SEED === undefined ? {} : { seed: SEED }) });

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, uint8: 1 };
const reserved = new Set(['__proto__', 'constructor', 'prototype', '__metadata__']);

// ---------------------------------------------------------------------------------------------
// Valid files to start from: arbitrary small state dicts, and the two reference files.

interface Spec {
  name: string;
  dtype: DType;
  shape: number[];
  values: number[];
}

const specArb: fc.Arbitrary<Spec> = fc
  .record({
    name: fc.string({ unit: 'grapheme', maxLength: 6 }).filter((s) => !reserved.has(s)),
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

const stateDictArb = fc
  .record({
    specs: fc.uniqueArray(specArb, { selector: (s) => s.name, maxLength: 5 }),
    metadata: fc.option(fc.array(fc.tuple(fc.string({ unit: 'grapheme', maxLength: 4 }), fc.string({ unit: 'grapheme', maxLength: 4 })), { maxLength: 2 }), { nil: undefined }),
    int32As: fc.constantFrom<EncodeOptions['int32As']>('auto', 'I64', 'I32'),
  })
  .map(({ specs, metadata, int32As }) => {
    const sd: Record<string, Tensor> = {};
    for (const s of specs) sd[s.name] = fromArray(typed(s.dtype, s.values), s.shape);
    const opts: EncodeOptions = { int32As };
    if (metadata !== undefined) opts.metadata = Object.fromEntries(metadata.filter(([k]) => !reserved.has(k)));
    return { sd, opts };
  });

const refDir = new URL('../../../../test-support/reference/safetensors/', import.meta.url);
const references = ['float64_shapes', 'torch_sequential_f32'].map((f) => new Uint8Array(readFileSync(new URL(`${f}.safetensors`, refDir))));

// A pool of valid files drawn once (generating a state dict per case would cost more than decoding it).
const generated = fc.sample(stateDictArb, { numRuns: 400, seed: SEED ?? 20240601 }).map(({ sd, opts }) => encodeSafetensors(sd, opts));
const seedArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...generated) },
  { weight: 1, arbitrary: fc.constantFrom(...references) },
);

// ---------------------------------------------------------------------------------------------
// Edits of the JSON header (then re-framed with a correct length and padding), and byte mutations.

const evilShape = fc.oneof(
  fc.constantFrom<unknown>(
    [2 ** 40], [2 ** 20, 2 ** 20], [2 ** 31, 2 ** 31, 0], [0, 2 ** 60], [2 ** 53], [2 ** 53 - 1], [-1], [1.5], ['1'], [null], [],
    [1e300], new Array(65).fill(1), new Array(64).fill(1), [0], [1, 0, 2 ** 50], null, {}, 'x',
  ),
  fc.array(fc.integer({ min: -2, max: 2 ** 40 }), { maxLength: 5 }),
  fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 4 }),
  fc.jsonValue({ maxDepth: 2 }),
);
const evilOffsets = fc.oneof(
  fc.constantFrom<unknown>([0, 0], [-1, 8], [8, 0], [0, 2 ** 53], [0, 1e20], [0], [0, 1, 2], [1.5, 8], null, 'x', [2 ** 40, 2 ** 40 + 8]),
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

type JsonEdit =
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
    text: fc.constantFrom('"', '{', '}', ',', '-0', '1e400', '\\u0000', '\\ud800', ' ', ':null', '[', '"__proto__":{},', '\u0000', '\uFEFF'),
  }),
);

type ByteMutation =
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'truncate'; region: 'length' | 'header' | 'data' | 'any'; at: number }
  | { kind: 'headerLength'; value: bigint | 'size' | 'plus' | 'minus'; by: number }
  | { kind: 'splice'; at: number; remove: number; insert: number[] };

const byteMutationArb: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), region: fc.constantFrom('length' as const, 'header' as const, 'data' as const, 'any' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('headerLength' as const),
    value: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.constantFrom<'size' | 'plus' | 'minus'>('size', 'plus', 'minus'),
      fc.constantFrom(0n, 1n, 100_000_000n, 100_000_001n, 2n ** 32n, 2n ** 53n, 2n ** 63n)),
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
function frame(text: string, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(text);
  const n = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + n + data.length).fill(0x20, 8, 8 + n);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.set(data, 8 + n);
  return out;
}

function applyJsonEdits(seed: Uint8Array, edits: JsonEdit[]): Uint8Array {
  const { pairs, data: original } = split(seed);
  let data = original;
  let raw: { at: number; text: string }[] = [];
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
        raw = [...raw, { at: edit.at, text: edit.text }];
        break;
    }
  }
  const valueText = (v: unknown): string =>
    v instanceof Map ? `{${[...v].map(([k, x]) => `${JSON.stringify(k)}:${valueText(x)}`).join(',')}}` : (JSON.stringify(v) ?? 'null');
  let text = `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${valueText(v)}`).join(',')}}`;
  for (const r of raw) {
    const at = r.at % (text.length + 1);
    text = text.slice(0, at) + r.text + text.slice(at);
  }
  return frame(text, data);
}

function applyByteMutation(bytes: Uint8Array, m: ByteMutation): Uint8Array {
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

const caseArb = fc
  .record({
    seed: seedArb,
    jsonEdits: fc.array(jsonEditArb, { maxLength: 3 }),
    byteMutations: fc.array(byteMutationArb, { maxLength: 3 }),
  })
  .filter((c) => c.jsonEdits.length + c.byteMutations.length > 0);

function mutate(c: { seed: Uint8Array; jsonEdits: JsonEdit[]; byteMutations: ByteMutation[] }): Uint8Array {
  let bytes = c.jsonEdits.length > 0 ? applyJsonEdits(c.seed, c.jsonEdits) : c.seed;
  for (const m of c.byteMutations) bytes = applyByteMutation(bytes, m);
  return bytes;
}

// ---------------------------------------------------------------------------------------------

const stats = { cases: 0, ok: 0, errors: 0, slowestMs: 0, kinds: new Map<string, number>() };

/** The kind of a decoding error: its expectation with the file, tensor and numbers left out. */
const kindOfError = (message: string) =>
  message.replace(/^load: /, '').replace(/^tensor "(?:[^"\\]|\\.)*(?:"|…) /, '').replace(/ \(got [\s\S]*$/, '').replace(/ for \w+ \[.*\]$/, ' for <dtype> <shape>')
    .replace(/\d+/g, 'N');

/** Decodes `bytes`, checking the invariants; returns whether it decoded. */
function checkDecode(bytes: Uint8Array): boolean {
  let allocated = 0;
  const allocate: Allocator = (dtype, length) => {
    allocated += length * BYTES[dtype];
    // A plain Error: it would fail the property, as it is not a SafetensorsError.
    if (allocated > bytes.length) throw new Error(`allocated ${allocated} bytes decoding a ${bytes.length}-byte file`);
    return allocateArray(dtype, length);
  };
  stats.cases++;
  const start = performance.now();
  try {
    const { tensors, metadata } = decodeWith(bytes, {}, allocate);
    stats.ok++;
    expect(Object.getPrototypeOf(tensors)).toBeNull();
    if (metadata !== null) {
      expect(Object.getPrototypeOf(metadata)).toBeNull();
      for (const v of Object.values(metadata)) expect(typeof v).toBe('string');
    }
    let total = 0;
    for (const [name, t] of Object.entries(tensors)) {
      expect(t).toBeInstanceOf(Tensor);
      expect(['__proto__', 'constructor', 'prototype']).not.toContain(name);
      const arr = t.data.data as TypedArray;
      expect(arr.length).toBe(t.shape.reduce((a, b) => a * b, 1));
      total += arr.byteLength;
    }
    expect(total).toBeLessThanOrEqual(bytes.length);
    return true;
  } catch (e) {
    if (!(e instanceof SafetensorsError)) throw e;
    expect(e.message.startsWith('load: ')).toBe(true);
    stats.errors++;
    const kind = kindOfError(e.message);
    stats.kinds.set(kind, (stats.kinds.get(kind) ?? 0) + 1);
    return false;
  } finally {
    stats.slowestMs = Math.max(stats.slowestMs, performance.now() - start);
  }
}

describe('fuzzing the decoder', () => {
  const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();

  it(`sees only valid state dicts or SafetensorsError on ${RUNS} mutated and truncated files`, () => {
    fc.assert(fc.property(caseArb, (c) => { checkDecode(mutate(c)); }), params(RUNS));
    const kinds = [...stats.kinds].sort((a, b) => b[1] - a[1]).map(([k, c]) => `  ${c}\t${k}`).join('\n');
    console.log(`safetensors fuzz: ${stats.cases} files, ${stats.ok} decoded, ${stats.errors} SafetensorsError, slowest ${stats.slowestMs.toFixed(1)} ms\n${kinds}`);
    // Both outcomes are exercised, and the errors reach every stage of validation.
    expect(stats.ok).toBeGreaterThan(0);
    expect(stats.errors).toBeGreaterThan(stats.cases / 2);
    expect(stats.slowestMs).toBeLessThan(2000); // a hang would be far slower; this leaves room for a GC pause on a busy machine
    if (RUNS >= 5000) {
      const reached = [...stats.kinds.keys()].join('\n');
      for (const stage of [
        'at least N bytes', 'a header length of at most', 'a header length within', 'starting with "{"', 'a header of valid JSON',
        'tensor names other than', 'dtype F', 'shape: an array', 'data_offsets: [begin, end]', 'data_offsets within',
        'data_offsets starting at byte', 'data_offsets spanning', 'a shape of at most N^N - N', 'tensors covering',
      ]) expect(reached, stage).toContain(stage);
    }
  });

  it(`refuses every truncation of every region of the reference files`, () => {
    for (const ref of references) {
      for (let cut = 0; cut < ref.length; cut++) expect(checkDecode(ref.subarray(0, cut))).toBe(false);
      expect(checkDecode(ref)).toBe(true);
    }
  });

  it('leaves Object.prototype as it was', () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it(`round-trips ${Math.max(1, Math.floor(RUNS / 10))} arbitrary state dicts bit for bit`, () => {
    fc.assert(fc.property(stateDictArb, ({ sd, opts }) => {
      const back = decodeWith(encodeSafetensors(sd, opts), {}, allocateArray).tensors;
      expect(Object.keys(back).sort()).toEqual(Object.keys(sd).sort());
      for (const [name, t] of Object.entries(sd)) {
        const b = back[name]!;
        expect(b.dtype).toBe(t.dtype);
        expect([...b.shape]).toEqual([...t.shape]);
        const bytesOf = (x: Tensor) => { const a = x.data.data as TypedArray; return new Uint8Array(a.buffer, a.byteOffset, a.byteLength); };
        expect(bytesOf(b)).toEqual(bytesOf(t));
      }
    }), params(Math.max(1, Math.floor(RUNS / 10))));
  });
});
