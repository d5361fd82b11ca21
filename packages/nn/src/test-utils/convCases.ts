/**
 * conv.json (PyTorch and cs231n's numpy, see test-support/reference/README.upstream.md) for the
 * layers' tests: the cases of a kind, their arrays as tensors, and outputs checked with the
 * README's elementwise tolerance.
 */
import { expect } from 'vitest';
import { Tensor, fromArray } from '@tapegrad/core';
import { loadReference, type Case, type ReferenceArray } from '@tapegrad/test-support/reference';
import { toleranceFor } from '@tapegrad/test-support/allclose';

const cases = loadReference<Record<string, unknown>>('conv.json');

/** The cases of `kind` as `[name, case]` rows for `test.each`, with their config typed as `C`. */
export function casesOf<C>(kind: string): [string, Case<C>][] {
  return cases.filter((c) => c.kind === kind).map((c) => [c.name, c as unknown as Case<C>]);
}

/** A reference array as a tensor of the case's dtype (a fresh leaf when `requiresGrad`). */
export function refTensor(a: ReferenceArray, dtype: string, requiresGrad = false): Tensor {
  const t = fromArray(dtype === 'float32' ? Float32Array.from(a.data) : Float64Array.from(a.data), a.shape);
  t.requiresGrad = requiresGrad;
  return t;
}

/** Input `name` of case `c` as a tensor of its dtype. */
export const inputOf = (c: Case<unknown>, name: string, requiresGrad = false): Tensor => refTensor(c.inputs[name]!, c.dtype, requiresGrad);

/** Checks `got` against output `key` of case `c` (the README's elementwise tolerance for its dtype). */
export function expectOutput(c: Case<unknown>, got: Tensor | null | undefined, key: string): void {
  expect(got, `${c.name}: ${key}`).toBeInstanceOf(Tensor);
  expect(got!, `${c.name}: ${key}`).toBeAllclose(c.outputs[key]!, toleranceFor(c.dtype, 'elementwise'));
}
