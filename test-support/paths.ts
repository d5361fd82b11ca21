/**
 * Where test-support's own files are, whether it runs from its sources (vitest, `tsc -p
 * tsconfig.check.json`) or from its build in `dist/` (the bench scripts).
 * @module
 */
const here = new URL('.', import.meta.url);

/** test-support's folder (the build in `dist/` resolves to the folder above it). */
export const testSupportDir: URL = here.pathname.endsWith('/dist/') ? new URL('../', here) : here;

/** The vendored reference vectors, `reference/` (see its `README.upstream.md`). */
export const referenceDir: URL = new URL('reference/', testSupportDir);

/** A file of the reference vectors, e.g. `referenceFile('safetensors/float64_shapes.safetensors')`. */
export function referenceFile(name: string): URL {
  return new URL(name, referenceDir);
}
