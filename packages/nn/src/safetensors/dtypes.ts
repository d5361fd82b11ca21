/**
 * The safetensors element types tapegrad reads and writes, and how they map to tensor dtypes.
 * @module
 * @internal
 */
import type { DType } from '@tapegrad/core';

/** A safetensors dtype tapegrad reads and writes. */
export type SafetensorsDType = 'F64' | 'F32' | 'I64' | 'I32' | 'U8';

/** One safetensors dtype: bytes per element, the tensor dtype it loads as, and its writing order. */
export interface DTypeInfo {
  readonly name: SafetensorsDType;
  /** Bytes per element in the file. */
  readonly itemsize: number;
  /** The tensor dtype it loads as (I64 loads as int32, range-checked). */
  readonly dtype: DType;
  /**
   * Position in the reference implementation's `Dtype` enum (huggingface/safetensors, tensor.rs:
   * `... U8, I8, ..., I32, U32, F32, (C64,) F64, I64, U64`); the writer lays tensors out by this
   * position, highest first, then by name.
   */
  readonly order: number;
}

const table: readonly DTypeInfo[] = [
  { name: 'U8', itemsize: 1, dtype: 'uint8', order: 0 },
  { name: 'I32', itemsize: 4, dtype: 'int32', order: 1 },
  { name: 'F32', itemsize: 4, dtype: 'float32', order: 2 },
  { name: 'F64', itemsize: 8, dtype: 'float64', order: 3 },
  { name: 'I64', itemsize: 8, dtype: 'int32', order: 4 },
];

/** Lookup by the header's dtype string (a Map: no inherited keys such as `constructor`). */
export const dtypeInfo: ReadonlyMap<string, DTypeInfo> = new Map(table.map((d) => [d.name, d]));

/** The dtype names in the order error messages list them. */
export const dtypeNames = 'F64, F32, I64, I32 or U8';

/** The safetensors dtype a tensor dtype is written as (int32 is I32 unless written as I64). */
export function infoOf(dtype: DType, int64: boolean): DTypeInfo {
  const name: SafetensorsDType = dtype === 'float32' ? 'F32' : dtype === 'float64' ? 'F64' : dtype === 'uint8' ? 'U8' : int64 ? 'I64' : 'I32';
  return dtypeInfo.get(name)!;
}

/** Whether this machine stores typed arrays little-endian (then bytes copy straight across). */
export const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Names a state dict may not use: they cannot be keys of an ordinary object safely
 * (`__proto__` sets the prototype on assignment) or they shadow what every object inherits.
 * `__metadata__` is the header's own key.
 */
export const reservedNames: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** The header key that holds the string-to-string metadata. */
export const METADATA_KEY = '__metadata__';

/**
 * Whether `s` is well-formed UTF-16 (no lone surrogate), so that it is valid Unicode and encodes to
 * UTF-8 unchanged (the reference implementation refuses a JSON `\ud800` escape on its own).
 */
export function isWellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}
