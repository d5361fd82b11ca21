/**
 * Fuzzing the decoder with mutated and truncated safetensors files. Whatever the bytes, decoding either
 * returns a valid state dict or throws SafetensorsError: never another error, never a hang, never an
 * allocation larger than the file, never a polluted prototype.
 *
 * Runs FUZZ_RUNS cases (default 5000) of the mutation property; FUZZ_SEED replays a run. A longer,
 * nightly-style run is `FUZZ_RUNS=200000 npx vitest run packages/nn/src/safetensors/fuzz`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor, type DType, type TypedArray } from '@tapegrad/core';
import {
  fuzzCaseArb, generatedFiles, kindOfError, mutate, referenceFiles, seedFileArb, stateDictArb, VALIDATION_STAGES,
} from '@tapegrad/test-support/safetensorsFuzz';
import { allocateArray, decodeWith, type Allocator } from './decode.js';
import { encodeSafetensors } from './encode.js';
import { SafetensorsError } from './errors.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 5000);
if (!Number.isSafeInteger(RUNS) || RUNS < 1) throw new Error(`FUZZ_RUNS must be a positive integer (got ${process.env.FUZZ_RUNS})`);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const params = (numRuns: number) => ({ numRuns, ...(SEED === undefined ? {} : { seed: SEED }) });

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, uint8: 1 };

// Valid files to start from: a pool of arbitrary small state dicts drawn once (generating one per
// case would cost more than decoding it), and the two reference files; the cases mutate them
// (test-support/safetensorsFuzz.ts, shared with bench/src/fuzzLong.ts).
const references = referenceFiles();
const caseArb = fuzzCaseArb(seedFileArb(generatedFiles(400, SEED ?? 20240601), references));

// ---------------------------------------------------------------------------------------------

const stats = { cases: 0, ok: 0, errors: 0, slowestMs: 0, kinds: new Map<string, number>() };

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
      for (const stage of VALIDATION_STAGES) expect(reached, stage).toContain(stage);
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
