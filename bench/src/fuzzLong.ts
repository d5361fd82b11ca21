/**
 * The nightly-style long fuzz of the safetensors decoder: a million (by default) mutated and
 * truncated files through nn's public `parseSafetensors`, which must either return a valid state dict
 * or throw `SafetensorsError`: never another error, never a hang, never more tensor memory than the
 * file holds, never a polluted prototype.
 *
 * The CI fuzz test (`packages/nn/src/safetensors/fuzz.test.ts`, fast-check, 5000 cases) keeps its
 * generators to itself, and a bench may only use the packages' public entry points, so the same
 * mutation families are written again here on a seeded PRNG: edits of the JSON header (hostile
 * dtypes, shapes and offsets; `__proto__`, `constructor`, `__metadata__` keys; removed, duplicated,
 * shifted and replaced entries; metadata of every JSON type; data that grows or shrinks; raw
 * characters spliced into the text), re-framed with a correct length, then byte mutations (a byte
 * changed, a cut in the length field, the header or the data, a rewritten header length, bytes
 * spliced in or out). Seeds are generated state dicts of every dtype and the two reference files.
 *
 * Run: `node bench/dist/fuzzLong.js [cases=1000000] [seed]` (or `FUZZ_RUNS`, `FUZZ_SEED`). A case that
 * throws anything else is written to `fuzz-failure-<seed>-<case>.safetensors` in the current folder
 * and the run exits with code 1.
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fromArray, type DType, type Tensor } from '@tapegrad/core';
import { encodeSafetensors, parseSafetensors, SafetensorsError, type EncodeOptions } from '@tapegrad/nn';

const cases = Number(process.argv[2] ?? process.env.FUZZ_RUNS ?? 1_000_000);
const seed = Number(process.argv[3] ?? process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
if (!Number.isSafeInteger(cases) || cases < 1) throw new RangeError(`fuzzLong: cases must be a positive integer (got ${process.argv[2]})`);
if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new RangeError(`fuzzLong: seed must be an integer in [0, 2^32) (got ${seed})`);

// ---------------------------------------------------------------------------------------------
// A small seeded PRNG (mulberry32) and helpers.

let state = seed >>> 0;
function random(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
}
const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
const chance = (p: number): boolean => random() < p;

const reserved = new Set(['__proto__', 'constructor', 'prototype', '__metadata__']);
const nameChars = ['a', 'b', 'W', '1', '.', '_', 'é', '日', '😀', ' ', '"', '\\', '\n'];
const randomName = (max: number): string => Array.from({ length: int(0, max) }, () => pick(nameChars)).join('');

/** Any JSON value, up to `depth` levels. */
function jsonValue(depth: number): unknown {
  const kind = int(0, depth > 0 ? 7 : 5);
  switch (kind) {
    case 0: return null;
    case 1: return chance(0.5);
    case 2: return int(-5, 5000);
    case 3: return pick([0.5, -0, 1e300, -1e-300, 2 ** 53, 2 ** 64, -(2 ** 31)]);
    case 4: return randomName(5);
    case 5: return pick(['F32', 'U8', '__proto__', '']);
    case 6: return Array.from({ length: int(0, 3) }, () => jsonValue(depth - 1));
    default: return Object.fromEntries(Array.from({ length: int(0, 3) }, () => [pick([randomName(3), ...reserved]), jsonValue(depth - 1)]));
  }
}

// ---------------------------------------------------------------------------------------------
// Valid files to start from.

const dtypes: readonly DType[] = ['float32', 'float64', 'int32', 'uint8'];

function randomStateDict(): { sd: Record<string, Tensor>; opts: EncodeOptions } {
  const sd: Record<string, Tensor> = {};
  for (let i = int(0, 5); i > 0; i--) {
    const name = randomName(6);
    if (reserved.has(name) || Object.hasOwn(sd, name)) continue;
    const dtype = pick(dtypes);
    const shape = Array.from({ length: int(0, 3) }, () => int(0, 4));
    const size = shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: size }, () =>
      dtype === 'int32' ? int(-(2 ** 31), 2 ** 31 - 1) : dtype === 'uint8' ? int(0, 255) : pick([random() * 10 - 5, NaN, Infinity, -0, 1e-310]));
    const array = dtype === 'float32' ? new Float32Array(values) : dtype === 'float64' ? new Float64Array(values)
      : dtype === 'int32' ? new Int32Array(values) : new Uint8Array(values);
    sd[name] = fromArray(array, shape);
  }
  const opts: EncodeOptions = { int32As: pick(['auto', 'I64', 'I32'] as const) };
  if (chance(0.3)) opts.metadata = Object.fromEntries([[randomName(4), randomName(4)]].filter(([k]) => !reserved.has(k!)));
  return { sd, opts };
}

const refDir = new URL('../../test-support/reference/safetensors/', import.meta.url);
const references = ['float64_shapes', 'torch_sequential_f32'].map((f) => new Uint8Array(readFileSync(new URL(`${f}.safetensors`, refDir))));
const big = encodeSafetensors({ w: fromArray(new Float32Array(1 << 16).fill(1), [256, 256]), b: fromArray(new Float64Array(256), [256]) });
const generated = Array.from({ length: 1000 }, () => { const { sd, opts } = randomStateDict(); return encodeSafetensors(sd, opts); });
const seedFile = (): Uint8Array => (chance(0.1) ? pick(references) : chance(0.01) ? big : pick(generated));

// ---------------------------------------------------------------------------------------------
// Edits of the JSON header, re-framed with a correct length.

const evilShapes: readonly unknown[] = [
  [2 ** 40], [2 ** 20, 2 ** 20], [2 ** 31, 2 ** 31, 0], [0, 2 ** 60], [2 ** 53], [2 ** 53 - 1], [-1], [1.5], ['1'], [null], [],
  [1e300], new Array(65).fill(1), new Array(64).fill(1), [0], [1, 0, 2 ** 50], null, {}, 'x', [-0], [2 ** 32, 2 ** 32],
];
const evilOffsets: readonly unknown[] = [
  [0, 0], [-1, 8], [8, 0], [0, 2 ** 53], [0, 1e20], [0], [0, 1, 2], [1.5, 8], null, 'x', [2 ** 40, 2 ** 40 + 8], [-0, 4], ['0', '4'],
];
const evilDtypes: readonly unknown[] = [
  'F16', 'BF16', 'I8', 'U16', 'BOOL', 'F8_E4M3', 'f32', '', 'constructor', '__proto__', 'toString', 'hasOwnProperty',
  'F32', 'F64', 'I64', 'I32', 'U8', null, 1, [], {},
];
const evilKeys = ['__proto__', 'constructor', 'prototype', '__metadata__', 'toString', 'valueOf', 'hasOwnProperty', ''];
const rawTexts = ['"', '{', '}', ',', '-0', '1e400', '\\u0000', '\\ud800', ' ', ':null', '[', '"__proto__":{},', '\u0000', '\uFEFF', '\\', '\ud800'];

const shape = (): unknown => (chance(0.6) ? pick(evilShapes) : chance(0.5) ? Array.from({ length: int(0, 5) }, () => int(-2, 2 ** 40)) : jsonValue(2));
const offsets = (): unknown => (chance(0.6) ? pick(evilOffsets) : chance(0.7) ? [int(-8, 7000), int(-8, 7000)] : jsonValue(1));
const dtype = (): unknown => (chance(0.8) ? pick(evilDtypes) : jsonValue(1));
const key = (): string => (chance(0.6) ? pick(evilKeys) : randomName(4));
const entry = (): unknown => (chance(0.6) ? { dtype: dtype(), shape: shape(), data_offsets: offsets() }
  : chance(0.2) ? { polluted: 'yes', dtype: 'U8', shape: [0], data_offsets: [0, 0] } : jsonValue(2));

/** A JSON value as text; `Map`s are objects whose keys (even `__proto__`) stay data. */
const valueText = (v: unknown): string =>
  v instanceof Map ? `{${[...v].map(([k, x]) => `${JSON.stringify(k)}:${valueText(x)}`).join(',')}}` : (JSON.stringify(v) ?? 'null');

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

function editHeader(file: Uint8Array, edits: number): Uint8Array {
  const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  const pairs: [string, unknown][] = Object.entries(JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n))) as Record<string, unknown>);
  let data = file.subarray(8 + n);
  const raw: { at: number; text: string }[] = [];
  const tensorPair = (): [string, unknown] | undefined => {
    const tensors = pairs.filter((p) => p[0] !== '__metadata__');
    return tensors.length === 0 ? undefined : pick(tensors);
  };
  for (let i = 0; i < edits; i++) {
    const p = tensorPair();
    switch (int(0, 10)) {
      case 0: case 1: { // set or delete a field, keeping any key as data
        if (p === undefined || typeof p[1] !== 'object' || p[1] === null) break;
        const fields = p[1] instanceof Map ? p[1] : new Map(Object.entries(p[1] as object));
        const field = chance(0.8) ? pick(['dtype', 'shape', 'data_offsets']) : key();
        if (chance(0.2)) fields.delete(field);
        else fields.set(field, field === 'dtype' ? dtype() : field === 'shape' ? shape() : field === 'data_offsets' ? offsets() : jsonValue(2));
        p[1] = fields;
        break;
      }
      case 2: pairs.push([key(), entry()]); break;
      case 3: if (p !== undefined) pairs.splice(pairs.indexOf(p), 1); break;
      case 4: if (p !== undefined) pairs.push([chance(0.5) ? p[0] : key(), p[1]]); break;
      case 5: { // shift an offset
        const o = p !== undefined && typeof p[1] === 'object' && p[1] !== null && !(p[1] instanceof Map)
          ? (p[1] as { data_offsets?: unknown }).data_offsets : undefined;
        if (!Array.isArray(o)) break;
        const which = int(0, 2), delta = int(-16, 16);
        p![1] = { ...(p![1] as object), data_offsets: o.map((x: unknown, j) => (typeof x === 'number' && (which === 2 || which === j) ? x + delta : x)) };
        break;
      }
      case 6: if (p !== undefined) p[1] = entry(); break;
      case 7: { // metadata of any kind
        const value = chance(0.4) ? jsonValue(2) : chance(0.7)
          ? new Map(Array.from({ length: int(0, 3) }, () => [key(), chance(0.7) ? randomName(4) : int(0, 9)] as [string, unknown])) : null;
        const m = pairs.find((q) => q[0] === '__metadata__');
        if (m !== undefined) m[1] = value;
        else pairs.unshift(['__metadata__', value]);
        break;
      }
      case 8: case 9: { // data grows or shrinks
        const size = Math.max(0, data.length + int(-16, 16));
        const next = new Uint8Array(size);
        next.set(data.subarray(0, Math.min(size, data.length)));
        data = next;
        break;
      }
      default: raw.push({ at: int(0, 1 << 20), text: pick(rawTexts) });
    }
  }
  let text = `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${valueText(v)}`).join(',')}}`;
  for (const r of raw) {
    const at = r.at % (text.length + 1);
    text = text.slice(0, at) + r.text + text.slice(at);
  }
  return frame(text, data);
}

// ---------------------------------------------------------------------------------------------
// Byte mutations.

const headerLengths = [0n, 1n, 7n, 100_000_000n, 100_000_001n, 2n ** 32n, 2n ** 32n + 8n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n];

function mutateBytes(bytes: Uint8Array): Uint8Array {
  const len = bytes.length;
  const n = len >= 8 ? Math.min(Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true)), len - 8) : 0;
  switch (int(0, 3)) {
    case 0: { // change a byte
      if (len === 0) return bytes;
      const out = bytes.slice();
      out[int(0, len - 1)] = chance(0.5) ? int(0, 255) : pick([0x00, 0x22, 0x2c, 0x30, 0x5b, 0x7b, 0x7d, 0xff, 0xc0, 0xed]);
      return out;
    }
    case 1: { // cut in one region
      const [lo, hi] = pick([[0, Math.min(8, len)], [8, 8 + n], [8 + n, len], [0, len]] as const);
      return hi <= lo ? bytes.slice(0, lo) : bytes.slice(0, lo + int(0, hi - lo - 1));
    }
    case 2: { // rewrite the header length
      if (len < 8) return bytes;
      const out = bytes.slice();
      const by = BigInt(int(1, 16));
      const value = pick([BigInt(len - 8), BigInt(n) + by, BigInt(Math.max(0, n - Number(by))), pick(headerLengths),
        BigInt(int(0, 2 ** 31)) * BigInt(int(1, 2 ** 31))]);
      new DataView(out.buffer).setBigUint64(0, value % 2n ** 64n, true);
      return out;
    }
    default: { // splice bytes in or out
      const at = int(0, len), remove = int(0, 8);
      const insert = Array.from({ length: int(0, 8) }, () => int(0, 255));
      const out = new Uint8Array(len - Math.min(remove, len - at) + insert.length);
      out.set(bytes.subarray(0, at));
      out.set(insert, at);
      out.set(bytes.subarray(Math.min(len, at + remove)), at + insert.length);
      return out;
    }
  }
}

function makeCase(): Uint8Array {
  let jsonEdits = int(0, 3), byteMutations = int(0, 3);
  if (jsonEdits + byteMutations === 0) (chance(0.5) ? jsonEdits++ : byteMutations++);
  let bytes = jsonEdits > 0 ? editHeader(seedFile(), jsonEdits) : seedFile();
  for (let i = 0; i < byteMutations; i++) bytes = mutateBytes(bytes);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// The run.

/** The kind of a decoding error: its expectation with the file, tensor and numbers left out. */
const kindOfError = (message: string) =>
  message.replace(/^load: /, '').replace(/^tensor "(?:[^"\\]|\\.)*(?:"|…) /, '').replace(/ \(got [\s\S]*$/, '')
    .replace(/ for \w+ \[.*\]$/, ' for <dtype> <shape>').replace(/\d+/g, 'N');

/** Why a decoded result is not a valid state dict, or null. */
function invalidResult(bytes: Uint8Array, r: ReturnType<typeof parseSafetensors>): string | null {
  if (Object.getPrototypeOf(r.tensors) !== null) return 'tensors has a prototype';
  if (r.metadata !== null) {
    if (Object.getPrototypeOf(r.metadata) !== null) return 'metadata has a prototype';
    if (!Object.values(r.metadata).every((v) => typeof v === 'string')) return 'a metadata value is not a string';
  }
  let total = 0;
  for (const [name, t] of Object.entries(r.tensors)) {
    if (name === '__proto__' || name === 'constructor' || name === 'prototype') return `a tensor is named ${name}`;
    const array = t.data.data as ArrayLike<number> & { byteLength: number };
    if (array.length !== t.shape.reduce((a, b) => a * b, 1)) return `tensor ${JSON.stringify(name)} holds ${array.length} values for shape [${t.shape.join(', ')}]`;
    total += array.byteLength;
  }
  return total > bytes.length ? `${total} bytes of tensors from a ${bytes.length}-byte file` : null;
}

/** The time of one more decode of `bytes`, in ms. */
function timeDecode(bytes: Uint8Array): number {
  const start = performance.now();
  try {
    parseSafetensors(bytes);
  } catch {
    // the outcome was checked the first time
  }
  return performance.now() - start;
}

const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort().join();
const MB = 1024 * 1024;
const kinds = new Map<string, number>();
const failures: string[] = [];
let decoded = 0, refused = 0, slowest = 0, rawSlowest = 0, slowestSize = 0, bytesTotal = 0, peakRss = 0, peakArrayBuffers = 0;
console.log(`safetensors long fuzz: ${cases} cases, seed ${seed} (replay: node bench/dist/fuzzLong.js ${cases} ${seed})`);
console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? '?'} ×${os.cpus().length}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const t0 = performance.now();
for (let i = 0; i < cases; i++) {
  const bytes = makeCase();
  bytesTotal += bytes.length;
  const start = performance.now();
  try {
    const result = parseSafetensors(bytes);
    const invalid = invalidResult(bytes, result);
    if (invalid !== null) throw new Error(`decoded to an invalid result: ${invalid}`);
    decoded++;
  } catch (e) {
    if (e instanceof SafetensorsError && e.message.startsWith('load: ')) {
      refused++;
      const kind = kindOfError(e.message);
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    } else {
      const file = `fuzz-failure-${seed}-${i}.safetensors`;
      writeFileSync(file, bytes);
      failures.push(`case ${i} (${file}): ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    }
  }
  let ms = performance.now() - start;
  rawSlowest = Math.max(rawSlowest, ms);
  if (ms > 20) ms = Math.min(ms, ...[0, 1, 2].map(() => timeDecode(bytes))); // a pause of the machine is not the decoder's
  if (ms > slowest) [slowest, slowestSize] = [ms, bytes.length];
  if (i % 5000 === 0 || i === cases - 1) {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakArrayBuffers = Math.max(peakArrayBuffers, m.arrayBuffers);
  }
  if ((i + 1) % 50_000 === 0) console.log(`  ${i + 1} cases, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
const seconds = (performance.now() - t0) / 1000;
const polluted = Object.getOwnPropertyNames(Object.prototype).sort().join() !== prototypeBefore || ({} as Record<string, unknown>).polluted !== undefined;

const stages = [
  'at least N bytes', 'a header length of at most', 'a header length within', 'starting with "{"', 'a header in valid UTF-N',
  'a header of valid JSON', 'tensor names other than', 'dtype F', 'shape: an array', 'a shape of at most N dims',
  'data_offsets: [begin, end]', 'data_offsets within', 'data_offsets starting at byte', 'data_offsets spanning', 'tensors covering',
  '__metadata__',
];
const reached = [...kinds.keys()].join('\n');
const missed = stages.filter((s) => !reached.includes(s));

console.log(`\n${cases} cases in ${seconds.toFixed(1)} s (${Math.round(cases / seconds)} cases/s, ${(bytesTotal / MB).toFixed(1)} MB decoded in all)`);
console.log(`decoded to a valid state dict: ${decoded}; SafetensorsError: ${refused}; any other outcome: ${failures.length}`);
console.log(`slowest case: ${slowest.toFixed(2)} ms (${slowestSize} bytes; cases over 20 ms are timed 3 more times and keep their best, ` +
  `the slowest single time was ${rawSlowest.toFixed(1)} ms); peak RSS ${(peakRss / MB).toFixed(1)} MB, peak array buffers ${(peakArrayBuffers / MB).toFixed(1)} MB`);
console.log(`Object.prototype ${polluted ? 'POLLUTED' : 'unchanged'}; validation stages not reached: ${missed.length === 0 ? 'none' : missed.join('; ')}`);
console.log(`\n${kinds.size} kinds of SafetensorsError:`);
for (const [kind, count] of [...kinds].sort((a, b) => b[1] - a[1])) console.log(`  ${String(count).padStart(7)}  ${kind}`);
for (const f of failures.slice(0, 20)) console.error(`FAILURE ${f}`);
const ok = failures.length === 0 && !polluted && decoded > 0 && slowest < 2000;
console.log(`\nverdict: ${ok ? 'PASS' : 'FAIL'} (only SafetensorsError or a valid state dict, no case over 2 s, prototypes untouched)`);
if (!ok) process.exitCode = 1;
