/**
 * Writing a file atomically (Node only): the one copy, used by nn's `save` (and through it optim's
 * checkpoints), data's downloader and the examples' reports. Node's modules come from
 * {@link nodeBuiltin} when it runs, so this file loads and bundles in a browser too.
 * @module
 */
import type * as FsPromises from 'node:fs/promises';
import type * as Path from 'node:path';
import { nodeBuiltin } from './nodeBuiltin.js';

/**
 * Options of {@link writeFileAtomic}.
 * @category Utilities
 */
export interface WriteFileAtomicOptions {
  /** The operation its errors name first (default `'writeFileAtomic'`): the public function that writes, e.g. `'save'`. */
  caller?: string;
}

/** Twelve random hex digits, for a temporary file's name. */
function randomHex(): string {
  return Array.from(globalThis.crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join('');
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Writes `data` to `file` atomically (Node only): into a new temporary file
 * `.<name>.<random>.tmp` in the same folder, flushed to disk (fsync), then renamed over `file`; the
 * folder is fsynced after the rename where the platform allows it (not on Windows), so the rename
 * survives a power cut too. A reader sees the old file or the new one, never a part. On failure the
 * temporary file is removed and `file` is untouched; a process killed mid-write may leave a
 * temporary file, never a half-written `file`. A symlink at `file` is replaced, not followed, and the
 * new file has the default permissions.
 *
 * @param file - the file to write; its folder must exist.
 * @param data - the content: text (written as UTF-8) or bytes.
 * @param opts - `caller`: the operation the errors name first (default `'writeFileAtomic'`).
 * @throws Error `<caller>: <file>: <step> (got <the file system's message>)` naming the step that
 *   failed (`a new temporary file in the same folder`, `the temporary file written`, `the temporary
 *   file flushed to disk`, `the temporary file renamed over the target`), with the file system's
 *   error as its `cause`; off Node (a browser, or Node before 20.16) `<caller>: <file>: Node.js 20.16
 *   or later, to write a file (got a runtime without process.getBuiltinModule, such as a browser)`.
 * @example
 * ```ts
 * import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { writeFileAtomic } from '@tapegrad/core';
 * const dir = mkdtempSync(join(tmpdir(), 'tapegrad-'));
 * await writeFileAtomic(join(dir, 'results.txt'), 'first');
 * await writeFileAtomic(join(dir, 'results.txt'), new TextEncoder().encode('second'));
 * console.log(readFileSync(join(dir, 'results.txt'), 'utf8'), readdirSync(dir)); // 'second' ['results.txt']
 * ```
 * @category Utilities
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, opts: WriteFileAtomicOptions = {}): Promise<void> {
  const caller = opts.caller ?? 'writeFileAtomic';
  const fs = nodeBuiltin<typeof FsPromises>('node:fs/promises');
  const path = nodeBuiltin<typeof Path>('node:path');
  if (fs === undefined || path === undefined) {
    throw new Error(`${caller}: ${file}: Node.js 20.16 or later, to write a file (got a runtime without process.getBuiltinModule, such as a browser)`);
  }
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomHex()}.tmp`);
  let step = 'a new temporary file in the same folder';
  let created = false;
  try {
    const handle = await fs.open(tmp, 'wx');
    created = true;
    try {
      step = 'the temporary file written';
      await handle.writeFile(data);
      step = 'the temporary file flushed to disk';
      await handle.sync();
    } finally {
      await handle.close();
    }
    step = 'the temporary file renamed over the target';
    await fs.rename(tmp, file);
  } catch (e) {
    // only a file this call created: with 'wx', a name that was taken is someone else's
    if (created) await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw new Error(`${caller}: ${file}: ${step} (got ${describe(e)})`, { cause: e });
  }
  try {
    const dir = await fs.open(path.dirname(file), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // Not every platform can open or fsync a folder (Windows); the file itself is already durable.
  }
}
