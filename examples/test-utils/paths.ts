/** Paths the examples' tests share: the repository, the built examples, the CIFAR-10 subset. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The examples folder. */
export const examplesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The built demo (tsc -b writes it; `pnpm test` builds first). */
export const builtMain = path.join(examplesDir, 'dist', 'notebook', 'main.js');
/** The built screenshot script. */
export const builtScreenshot = path.join(examplesDir, 'dist', 'shared', 'screenshot.js');

/** The CIFAR-10 subset beside the repository ($CIFAR10_SUBSET_DIR overrides), or null when absent. */
export function cifarSubsetDir(): string | null {
  const dir = process.env['CIFAR10_SUBSET_DIR'] ?? path.resolve(examplesDir, '..', '..', 'shared', 'data', 'cifar10-subset');
  return fs.existsSync(path.join(dir, 'data_batch_1.bin')) && fs.existsSync(path.join(dir, 'test_batch.bin')) ? dir : null;
}

/** Throws a plain message when the examples are not built. */
export function requireBuilt(): void {
  if (!fs.existsSync(builtMain)) throw new Error(`the built examples (${builtMain}): run \`npx tsc -b\` first (pnpm test does)`);
}
