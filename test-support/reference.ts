/**
 * Loads the vendored reference vectors in `test-support/reference/` (see its `README.upstream.md`).
 * @module
 */
import { readFileSync } from 'node:fs';
import { referenceFile } from './paths.js';

/** One stored array: its shape and its row-major data. */
export interface ReferenceArray {
  shape: number[];
  data: number[];
}

/** One reference case; `Config` is the shape of `config` for the file at hand. */
export interface Case<Config = Record<string, unknown>> {
  name: string;
  kind: string;
  dtype: string;
  config: Config;
  inputs: Record<string, ReferenceArray>;
  outputs: Record<string, ReferenceArray>;
}

/**
 * Reads the cases of one reference file, e.g. `loadReference('rng.json')`. `Config` is asserted,
 * not checked: describe the file's `config` truthfully.
 */
export function loadReference<Config = Record<string, unknown>>(file: string): Case<Config>[] {
  const text = readFileSync(referenceFile(file), 'utf8');
  return JSON.parse(text) as Case<Config>[];
}
