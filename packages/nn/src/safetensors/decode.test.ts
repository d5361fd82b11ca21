import { describe, expect, it } from 'vitest';
import { fromArray, tensor } from '@tapegrad/core';
import { decodeSafetensors, decodeWith, MAX_HEADER_BYTES, parseSafetensors, type Allocator } from './decode.js';
import { encodeSafetensors } from './encode.js';
import { SafetensorsError } from './errors.js';

/** A file from a header (object or raw text) and data bytes; the header is padded to a multiple of 8. */
function file(header: string | object, data: ArrayLike<number> = [], opts: { length?: bigint; pad?: boolean } = {}): Uint8Array {
  let json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  if (opts.pad ?? true) {
    const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
    padded.set(json);
    json = padded;
  }
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, opts.length ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(Array.from(data), 8 + json.length);
  return out;
}

const f64 = (values: number[]) => new Uint8Array(new Float64Array(values).buffer);
const f32 = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);

/** The SafetensorsError that decoding `bytes` throws. */
function decodeError(bytes: Uint8Array, source?: string): SafetensorsError {
  try {
    decodeSafetensors(bytes, source === undefined ? {} : { source });
  } catch (e) {
    expect(e).toBeInstanceOf(SafetensorsError);
    return e as SafetensorsError;
  }
  throw new Error('expected decodeSafetensors to throw');
}

const entry = (dtype: string, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });

describe('decodeSafetensors: valid files', () => {
  it('reads every dtype into the matching tensor dtype, I64 as int32', () => {
    const i64 = new Uint8Array(16);
    new DataView(i64.buffer).setBigInt64(0, -2147483648n, true);
    new DataView(i64.buffer).setBigInt64(8, 2147483647n, true);
    const bytes = file({
      a: entry('I64', [2], [0, 16]), b: entry('F64', [], [16, 24]), c: entry('F32', [1, 2], [24, 32]),
      d: entry('I32', [1], [32, 36]), e: entry('U8', [3], [36, 39]),
    }, [...i64, ...f64([-0.5]), ...f32([1.5, -2]), ...new Uint8Array(new Int32Array([-7]).buffer), 0, 128, 255]);
    const sd = decodeSafetensors(bytes);
    expect(Object.keys(sd)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(Object.values(sd).map((t) => t.dtype)).toEqual(['int32', 'float64', 'float32', 'int32', 'uint8']);
    expect(sd.a!.toArray()).toEqual([-2147483648, 2147483647]);
    expect(sd.b!.shape).toEqual([]);
    expect(sd.b!.item()).toBe(-0.5);
    expect(sd.c!.toArray()).toEqual([[1.5, -2]]);
    expect(sd.d!.toArray()).toEqual([-7]);
    expect(sd.e!.toArray()).toEqual([0, 128, 255]);
  });

  it('accepts entries in any order, metadata anywhere, and any JSON whitespace as padding', () => {
    const header = `{"b":{"data_offsets":[8,16],"shape":[1],"dtype":"F64"},\n"__metadata__":{"format":"pt"},\t"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}\n\r\t `;
    const { tensors, metadata } = parseSafetensors(file(header, f64([1, 2]), { pad: false }));
    expect(Object.keys(tensors)).toEqual(['a', 'b']); // file order
    expect(tensors.b!.toArray()).toEqual([2]);
    expect({ ...metadata }).toEqual({ format: 'pt' });
  });

  it('reads an F64 tensor at an offset that is not a multiple of 8, into its own aligned array', () => {
    const data = [...f32([3]), ...f64([Math.PI, -1e300])];
    const bytes = file({ a: entry('F32', [], [0, 4]), b: entry('F64', [2], [4, 20]) }, data);
    // A copy of the file starting at an odd byte of its buffer: nothing in it is aligned.
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    const sd = decodeSafetensors(shifted);
    expect(sd.b!.toArray()).toEqual([Math.PI, -1e300]);
    const arr = sd.b!.data.data as Float64Array;
    expect(arr.byteOffset % 8).toBe(0);
    expect(arr.buffer).not.toBe(shifted.buffer);
    shifted.fill(0);
    expect(sd.b!.toArray()).toEqual([Math.PI, -1e300]); // owns its values
  });

  it('reads scalars, empty tensors, zero-size dims and an empty file', () => {
    const sd = decodeSafetensors(file({ e: entry('F32', [0, 3], [0, 0]), z: entry('U8', [2, 0, 5], [0, 0]), s: entry('I32', [], [0, 4]) }, [1, 0, 0, 0]));
    expect(sd.e!.shape).toEqual([0, 3]);
    expect(sd.z!.shape).toEqual([2, 0, 5]);
    expect(sd.s!.item()).toBe(1);
    expect(Object.keys(decodeSafetensors(file({})))).toEqual([]);
    expect(parseSafetensors(file({ __metadata__: null })).metadata).toBeNull();
  });

  it('reads a tensor of 64 dims', () => {
    const shape = new Array<number>(64).fill(1);
    const sd = decodeSafetensors(file({ t: entry('U8', shape, [0, 1]) }, [42]));
    expect(sd.t!.shape).toEqual(shape);
  });

  it('returns null-prototype objects and ignores unknown fields, __proto__ among them', () => {
    const header = '{"t":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"__proto__":{"polluted":1},"extra":[1]}}';
    const { tensors, metadata } = parseSafetensors(file(header, [5], { pad: true }));
    expect(Object.getPrototypeOf(tensors)).toBeNull();
    expect(Object.keys(tensors)).toEqual(['t']);
    expect(metadata).toBeNull();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('round-trips what encodeSafetensors writes', () => {
    const sd = { w: tensor([[1, 2, 3]], { dtype: 'float64' }), n: fromArray(new Int32Array([-9]), []) };
    const back = decodeSafetensors(encodeSafetensors(sd, { int32As: 'I64' }));
    expect(back.w!.toArray()).toEqual([[1, 2, 3]]);
    expect(back.n!.dtype).toBe('int32');
    expect(back.n!.item()).toBe(-9);
  });
});

describe('decodeSafetensors: hostile or malformed files throw SafetensorsError', () => {
  const ok = { a: entry('F64', [2], [0, 16]) };
  const data = f64([1, 2]);

  it('names what was expected and what came, with the source and the tensor', () => {
    const e = decodeError(file({ a: entry('F64', [3], [0, 16]) }, data), 'model.safetensors');
    expect(e.message).toBe('load: model.safetensors: tensor "a" data_offsets spanning 24 bytes for F64 [3] (got [0, 16], 16 bytes)');
    expect(e.file).toBe('model.safetensors');
    expect(e.tensor).toBe('a');
    expect(e.name).toBe('SafetensorsError');
  });

  it('refuses a bad header length', () => {
    expect(decodeError(new Uint8Array(7)).message).toBe('load: at least 8 bytes for the header length (got 7 bytes)');
    expect(decodeError(file(ok, data, { length: 2n ** 64n - 1n })).message).toMatch(/header length of at most 100000000 bytes \(got 18446744073709551615\)/);
    expect(decodeError(file(ok, data, { length: BigInt(MAX_HEADER_BYTES + 1) })).message).toMatch(/at most 100000000 bytes/);
    expect(decodeError(file(ok, data, { length: 1000n })).message).toMatch(/header length within the \d+ bytes after the length field \(got 1000\)/);
    expect(decodeError(file(ok, [], { length: 0n })).message).toMatch(/a JSON header starting with "\{" \(got an empty header\)/);
  });

  it('refuses a header that is not UTF-8 JSON object text', () => {
    expect(decodeError(file('[1, 2]')).message).toMatch(/starting with "\{" \(got byte 0x5b\)/);
    expect(decodeError(file('\uFEFF{}')).message).toMatch(/starting with "\{" \(got byte 0xef\)/);
    const invalidUtf8 = file('{"\u00e9":1}');
    invalidUtf8[11] = 0xff;
    expect(decodeError(invalidUtf8).message).toMatch(/a header in valid UTF-8/);
    expect(decodeError(file('{"a":')).message).toMatch(/a header of valid JSON \(got "/);
  });

  it('refuses unknown dtypes and malformed shapes and offsets, before allocating', () => {
    const cases: [object, RegExp][] = [
      [{ a: entry('F16', [8], [0, 16]) }, /tensor "a" dtype F64, F32, I64, I32 or U8 \(got "F16"\)/],
      [{ a: { shape: [2], data_offsets: [0, 16] } }, /dtype F64, F32, I64, I32 or U8 \(got none\)/],
      [{ a: entry('constructor', [2], [0, 16]) }, /\(got "constructor"\)/],
      [{ a: entry('F64', [-2], [0, 16]) }, /shape: an array of non-negative integers \(got \[-2\]\)/],
      [{ a: entry('F64', [2.5], [0, 16]) }, /non-negative integers \(got \[2.5\]\)/],
      [{ a: entry('F64', ['2'], [0, 16]) }, /non-negative integers/],
      [{ a: entry('F64', 2, [0, 16]) }, /non-negative integers \(got 2\)/],
      [{ a: entry('F64', new Array(65).fill(1), [0, 16]) }, /a shape of at most 64 dims \(got 65 dims\)/],
      [{ a: entry('F64', [2], [0]) }, /data_offsets: \[begin, end\], two non-negative integers \(got \[0\]\)/],
      [{ a: entry('F64', [2], [-16, 0]) }, /two non-negative integers/],
      [{ a: entry('F64', [2], [0, 2 ** 53]) }, /two non-negative integers/],
      [{ a: entry('F64', [2], [0, 17]) }, /data_offsets within the 16-byte data section \(got \[0, 17\]\)/],
      [{ a: entry('F64', [2], [16, 0]) }, /data_offsets starting at byte 0 \(got \[16, 0\], which leaves a gap\)/],
      [{ a: entry('F64', [1], [0, 8]), b: entry('F64', [1], [4, 12]) }, /tensor "b" data_offsets starting at byte 8, where the data before them ends \(got \[4, 12\], which overlaps\)/],
      [{ a: entry('F64', [1], [0, 8]) }, /tensors covering the 16-byte data section exactly \(got data up to byte 8, 8 bytes left over\)/],
      [{ a: entry('F64', [1], [0, 4]), b: entry('F64', [1], [8, 16]) }, /tensor "a" data_offsets spanning 8 bytes/],
      [{ a: entry('F64', [2 ** 20, 2 ** 20], [0, 16]) }, /spanning 8796093022208 bytes for F64 \[1048576, 1048576\] \(got \[0, 16\], 16 bytes\)/],
      [{ a: entry('F64', [2 ** 30, 2 ** 30, 2 ** 30, 0], [0, 16]) }, /a shape of at most 2\^53 - 1 elements/],
      [{ a: entry('F64', [2 ** 51], [0, 16]) }, /a shape of at most 2\^53 - 1 bytes/],
      [{ a: [1] }, /tensor "a" an object \{dtype, shape, data_offsets\} \(got an array\)/],
      [{ __metadata__: { format: 1 }, ...ok }, /__metadata__ values that are strings \(got "format": number 1\)/],
      [{ __metadata__: 'pt', ...ok }, /__metadata__: an object of strings/],
    ];
    for (const [header, message] of cases) {
      const allocated: number[] = [];
      const spy: Allocator = (dtype, length) => {
        allocated.push(length);
        return new Float64Array(length);
      };
      let caught: unknown;
      try {
        decodeWith(file(header, data), {}, spy);
      } catch (e) {
        caught = e;
      }
      expect(caught, String(message)).toBeInstanceOf(SafetensorsError);
      expect((caught as Error).message).toMatch(message);
      expect(allocated, String(message)).toEqual([]);
    }
  });

  it('refuses the names __proto__, constructor and prototype, and never pollutes a prototype', () => {
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      const header = `{${JSON.stringify(name)}:{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}`;
      expect(decodeError(file(header, data)).message).toBe(`load: tensor names other than __proto__, constructor and prototype (got "${name}")`);
      const meta = `{"__metadata__":{${JSON.stringify(name)}:"x"},"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}`;
      expect(decodeError(file(meta, data)).message).toMatch(/__metadata__ keys other than __proto__/);
    }
    expect(({} as Record<string, unknown>).dtype).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('refuses I64 values outside int32 naming the tensor and the value', () => {
    const i64 = new Uint8Array(16);
    new DataView(i64.buffer).setBigInt64(8, 2n ** 31n, true);
    const e = decodeError(file({ '1.num_batches_tracked': entry('I64', [2], [0, 16]) }, i64));
    expect(e.message).toBe('load: tensor "1.num_batches_tracked" I64 values within int32, [-2147483648, 2147483647] (tapegrad reads I64 as int32) (got 2147483648 at flat index 1)');
    new DataView(i64.buffer).setBigInt64(8, -(2n ** 31n) - 1n, true);
    expect(decodeError(file({ n: entry('I64', [2], [0, 16]) }, i64)).message).toMatch(/got -2147483649 at flat index 1/);
  });

  it('refuses names that are not valid Unicode (a lone surrogate escape)', () => {
    const header = '{"a\\ud800":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}';
    expect(decodeError(file(header, data)).message).toMatch(/tensor names that are valid Unicode \(got a lone surrogate in "a\\ud800"\)/);
  });

  it('survives values nested too deeply to print', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const e = decodeError(file(`{"a":{"dtype":"F64","shape":${deep},"data_offsets":[0,16]}}`, data));
    expect(e.message).toMatch(/^load: tensor "a" shape: an array of non-negative integers \(got /);
  });

  it('refuses input that is not bytes', () => {
    expect(decodeError([1, 2, 3] as unknown as Uint8Array).message).toBe("load: a Uint8Array of the file's bytes (got an array)");
  });

  it('cuts long names and values in messages', () => {
    const long = 'x'.repeat(10_000);
    const e = decodeError(file({ [long]: entry('F16', [1], [0, 2]) }, [0, 0]));
    expect(e.message.length).toBeLessThan(300);
    expect(e.tensor).toBe(long);
  });
});
