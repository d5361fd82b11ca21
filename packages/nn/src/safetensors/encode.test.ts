import { describe, expect, it } from 'vitest';
import { fromArray, tensor, Tensor } from '@tapegrad/core';
import { Parameter } from '../parameter.js';
import { encodeSafetensors } from './encode.js';
import { SafetensorsError } from './errors.js';

/** The bytes of a file: u64 header length, the header padded with spaces, then `data`. */
function fileBytes(header: string, paddedTo: number, data: number[]): number[] {
  const json = [...new TextEncoder().encode(header)];
  const length = [paddedTo, 0, 0, 0, 0, 0, 0, 0];
  return [...length, ...json, ...new Array<number>(paddedTo - json.length).fill(0x20), ...data];
}

const f32Bytes = (values: number[]) => [...new Uint8Array(new Float32Array(values).buffer)];

/** The header of an encoded file as JSON text (padding included). */
function headerText(bytes: Uint8Array): string {
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  return new TextDecoder().decode(bytes.subarray(8, 8 + n));
}

function headerOf(bytes: Uint8Array): Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> {
  return JSON.parse(headerText(bytes)) as ReturnType<typeof headerOf>;
}

describe('encodeSafetensors', () => {
  // The expected bytes are the reference implementation's own test vectors
  // (huggingface/safetensors, tensor.rs: test_serialization, test_serialization_forced_alignement, test_empty).
  it("writes the reference implementation's bytes for one F32 tensor", () => {
    const out = encodeSafetensors({ 'attn.0': tensor(new Float32Array([0, 1, 2, 3, 4, 5]), { shape: [1, 2, 3] }) });
    expect([...out]).toEqual(fileBytes('{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}', 64, f32Bytes([0, 1, 2, 3, 4, 5])));
  });

  it('pads the header with spaces so that the data starts 8-aligned', () => {
    const out = encodeSafetensors({ attn0: tensor(new Float32Array([0, 1, 2, 3, 4, 5]), { shape: [1, 1, 2, 3] }) });
    expect([...out]).toEqual(fileBytes('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}', 72, f32Bytes([0, 1, 2, 3, 4, 5])));
  });

  it("writes the reference implementation's bytes for an empty state dict, with and without metadata", () => {
    expect([...encodeSafetensors({})]).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    expect([...encodeSafetensors({}, { metadata: { framework: 'pt' } })]).toEqual(fileBytes('{"__metadata__":{"framework":"pt"}}', 40, []));
  });

  it('orders tensors by dtype, widest first (I64, F64, F32, I32, U8), then by name in UTF-8 byte order', () => {
    const sd: Record<string, Tensor> = {
      u: fromArray(new Uint8Array([1])),
      i: fromArray(new Int32Array([1])),
      'b.num_batches_tracked': fromArray(new Int32Array([1]), []),
      f: tensor([1], { dtype: 'float32' }),
      'B': tensor([1], { dtype: 'float32' }),
      n10: tensor([1], { dtype: 'float32' }),
      n9: tensor([1], { dtype: 'float32' }),
      '\u{1F600}': tensor([1], { dtype: 'float32' }), // UTF-16 code units would put this before U+FFFD
      '\uFFFD': tensor([1], { dtype: 'float32' }),
      d: tensor([1], { dtype: 'float64' }),
      'a.num_batches_tracked': fromArray(new Int32Array([1]), []),
    };
    const header = headerOf(encodeSafetensors(sd));
    expect(Object.keys(header)).toEqual([
      'a.num_batches_tracked', 'b.num_batches_tracked', 'd', 'B', 'f', 'n10', 'n9', '\uFFFD', '\u{1F600}', 'i', 'u',
    ]);
    const dtypes = Object.values(header).map((e) => e.dtype);
    expect(dtypes).toEqual(['I64', 'I64', 'F64', 'F32', 'F32', 'F32', 'F32', 'F32', 'F32', 'I32', 'U8']);
    let end = 0;
    for (const e of Object.values(header)) {
      expect(e.data_offsets[0]).toBe(end);
      end = e.data_offsets[1];
    }
  });

  it('writes int32 num_batches_tracked as I64 by default, and every int32 as int32As says', () => {
    const sd = { '1.num_batches_tracked': fromArray(new Int32Array([-3]), []), idx: fromArray(new Int32Array([7, -1])) };
    const dtypes = (opts?: { int32As: 'auto' | 'I64' | 'I32' }) =>
      Object.fromEntries(Object.entries(headerOf(encodeSafetensors(sd, opts))).map(([k, v]) => [k, v.dtype]));
    expect(dtypes()).toEqual({ '1.num_batches_tracked': 'I64', idx: 'I32' });
    expect(dtypes({ int32As: 'I64' })).toEqual({ '1.num_batches_tracked': 'I64', idx: 'I64' });
    expect(dtypes({ int32As: 'I32' })).toEqual({ '1.num_batches_tracked': 'I32', idx: 'I32' });
    // I64 is the two's complement of the value, sign-extended to 8 bytes.
    const out = encodeSafetensors(sd, { int32As: 'I64' });
    const n = out.length - 24;
    expect([...out.subarray(n)]).toEqual([
      0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // -3
      0x07, 0, 0, 0, 0, 0, 0, 0, // 7
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // -1
    ]);
  });

  it('does not treat a name merely ending in num_batches_tracked as the PyTorch buffer', () => {
    const header = headerOf(encodeSafetensors({ my_num_batches_tracked: fromArray(new Int32Array([1]), []) }));
    expect(header.my_num_batches_tracked!.dtype).toBe('I32');
  });

  it('writes a strided view in its logical row-major order', () => {
    const x = tensor(new Float64Array([0, 1, 2, 3, 4, 5]), { shape: [2, 3] }).transpose(); // [3, 2]
    expect(x.isContiguous()).toBe(false);
    const out = encodeSafetensors({ x });
    expect(headerOf(out).x!.shape).toEqual([3, 2]);
    expect(Array.from(new Float64Array(out.slice(out.length - 48).buffer))).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it('writes views with an offset, a negative stride or a shared buffer from their own elements', () => {
    const x = tensor([[0, 1, 2], [3, 4, 5]], { dtype: 'float64' });
    const corner = new Tensor(x.data.lo(1, 1)); // [[4, 5]]: offset 4 into x's data
    const flipped = new Tensor(x.data.step(1, -1)); // [[2, 1, 0], [5, 4, 3]]
    const tail = fromArray(new Float64Array([9, 9, 7, 8]).subarray(2), [2]); // a typed array with a byteOffset
    const out = encodeSafetensors({ a: corner, b: flipped, c: tail });
    expect(Object.values(headerOf(out)).map((e) => e.shape)).toEqual([[1, 2], [2, 3], [2]]);
    expect(Array.from(new Float64Array(out.slice(out.length - 80).buffer))).toEqual([4, 5, 2, 1, 0, 5, 4, 3, 7, 8]);
  });

  it('writes Parameters like any tensor', () => {
    const out = encodeSafetensors({ w: new Parameter(tensor([1, 2], { dtype: 'float64' })) });
    expect(headerOf(out).w).toEqual({ dtype: 'F64', shape: [2], data_offsets: [0, 16] });
  });

  it('escapes names as JSON strings', () => {
    const name = 'a"b\\c\nd\u0001é';
    const out = encodeSafetensors({ [name]: tensor([1]) });
    expect(headerText(out)).toContain('"a\\"b\\\\c\\nd\\u0001é"');
    expect(Object.keys(headerOf(out))).toEqual([name]);
  });

  it('sorts metadata keys and writes metadata before the tensors', () => {
    const out = encodeSafetensors({ w: tensor([1]) }, { metadata: { z: '1', format: 'pt' } });
    expect(headerText(out).trimEnd()).toBe('{"__metadata__":{"format":"pt","z":"1"},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}');
  });

  it('refuses what it cannot write with a SafetensorsError naming the tensor', () => {
    const bad: [unknown, unknown, RegExp][] = [
      [{ w: [1, 2] }, undefined, /^save: tensor "w" a Tensor \(got \[object Array\]\)$/],
      [{ w: null }, undefined, /tensor "w" a Tensor \(got null\)/],
      [JSON.parse('{"__proto__": 1}'), undefined, /tensor names other than __proto__.*\(got "__proto__"\)/],
      [{ constructor: tensor([1]) }, undefined, /\(got "constructor"\)/],
      [{ __metadata__: tensor([1]) }, undefined, /\(got "__metadata__"\)/],
      [{ ['a\uD800']: tensor([1]) }, undefined, /valid Unicode/],
      [null, undefined, /a state dict, an object of Tensors \(got null\)/],
      [{ w: tensor([1]) }, { metadata: { format: 1 } }, /metadata values that are strings \(got "format": number\)/],
      [{ w: tensor([1]) }, { metadata: JSON.parse('{"__proto__": "x"}') }, /metadata keys other than __proto__/],
      [{ w: tensor([1]) }, { int32As: 'I16' }, /int32As 'auto', 'I64' or 'I32' \(got "I16"\)/],
    ];
    for (const [sd, opts, message] of bad) {
      let caught: unknown;
      try {
        encodeSafetensors(sd as Record<string, Tensor>, opts as object);
      } catch (e) {
        caught = e;
      }
      expect(caught, String(message)).toBeInstanceOf(SafetensorsError);
      expect((caught as Error).message).toMatch(message);
    }
  });
});
