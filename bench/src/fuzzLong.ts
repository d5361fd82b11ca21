/**
 * The nightly-style long fuzz of the safetensors decoder: a million (by default) mutated and
 * truncated files through nn's public `parseSafetensors`, which must either return a valid state dict
 * or throw `SafetensorsError`: never another error, never a hang, never more tensor memory than the
 * file holds, never a polluted prototype.
 *
 * The cases are the CI fuzz test's (`packages/nn/src/safetensors/fuzz.test.ts`, 5000 cases), from
 * the same generators (`@tapegrad/test-support/safetensorsFuzz`, fast-check arbitraries): edits of
 * the JSON header (hostile dtypes, shapes and offsets; `__proto__`, `constructor`, `__metadata__`
 * keys; removed, duplicated, shifted and replaced entries; metadata of every JSON type; data that
 * grows or shrinks; raw characters spliced into the text), re-framed with a correct length, then byte
 * mutations (a byte changed, a cut in the length field, the header or the data, a rewritten header
 * length, bytes spliced in or out). Seeds are generated state dicts of every dtype, the two reference
 * files and a 256×256 one.
 *
 * Run: `node bench/dist/fuzzLong.js [cases=1000000] [seed]` (or `FUZZ_RUNS`, `FUZZ_SEED`). A case that
 * throws anything else is written to `fuzz-failure-<seed>-<case>.safetensors` in the current folder
 * and the run exits with code 1.
 * @module
 */
import os from 'node:os';
import fc from 'fast-check';
import { fromArray, writeFileAtomic } from '@tapegrad/core';
import { encodeSafetensors, parseSafetensors, SafetensorsError } from '@tapegrad/nn';
import {
  fuzzCaseArb, generatedFiles, kindOfError, mutate, RARE_VALIDATION_STAGES, referenceFiles, seedFileArb, VALIDATION_STAGES,
} from '@tapegrad/test-support/safetensorsFuzz';

const cases = Number(process.argv[2] ?? process.env.FUZZ_RUNS ?? 1_000_000);
const seed = Number(process.argv[3] ?? process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
if (!Number.isSafeInteger(cases) || cases < 1) throw new RangeError(`fuzzLong: cases must be a positive integer (got ${process.argv[2]})`);
if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new RangeError(`fuzzLong: seed must be an integer in [0, 2^32) (got ${seed})`);

// Valid files to start from, drawn once with the run's seed.
const big = encodeSafetensors({ w: fromArray(new Float32Array(1 << 16).fill(1), [256, 256]), b: fromArray(new Float64Array(256), [256]) });
const caseArb = fuzzCaseArb(seedFileArb(generatedFiles(1000, seed), referenceFiles(), [big]));

// ---------------------------------------------------------------------------------------------
// The run.

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
/** The inputs of the failures, written once the run is done (each file atomically). */
const failedInputs: { file: string; bytes: Uint8Array }[] = [];
let decoded = 0, refused = 0, slowest = 0, rawSlowest = 0, slowestSize = 0, bytesTotal = 0, peakRss = 0, peakArrayBuffers = 0;
console.log(`safetensors long fuzz: ${cases} cases, seed ${seed} (replay: node bench/dist/fuzzLong.js ${cases} ${seed})`);
console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? '?'} ×${os.cpus().length}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const t0 = performance.now();
let i = 0;
/** Decodes one case's bytes and records its outcome. */
function run(bytes: Uint8Array): void {
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
      failedInputs.push({ file, bytes });
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
  i++;
}
// fast-check draws the cases from the seed; the property records every outcome and never fails
fc.assert(fc.property(caseArb, (c) => { run(mutate(c)); }), { numRuns: cases, seed });
const seconds = (performance.now() - t0) / 1000;
for (const { file, bytes } of failedInputs) await writeFileAtomic(file, bytes);
const polluted = Object.getOwnPropertyNames(Object.prototype).sort().join() !== prototypeBefore || ({} as Record<string, unknown>).polluted !== undefined;

const stages = [...VALIDATION_STAGES, ...RARE_VALIDATION_STAGES];
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
