/**
 * Writes a report file atomically: into a temp file beside it, flushed, then renamed over it, so a
 * reader (a browser open on the report, a script reading results.json) sees the old file or the new
 * one, never a part.
 * @module
 */
import * as fs from 'node:fs';

/** Writes `data` to `file` through a temp file in the same folder and a rename. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  try {
    const fd = fs.openSync(tmp, 'wx');
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
