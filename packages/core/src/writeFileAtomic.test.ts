import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withoutBuiltins } from '@tapegrad/test-support/platform';
import { writeFileAtomic } from './writeFileAtomic.js';

// The module writeFileAtomic gets from `process.getBuiltinModule` (it imports no Node module):
// tests make its `rename` fail, or watch it.
const nodeFs = process.getBuiltinModule('node:fs/promises');

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tapegrad-atomic-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  vi.restoreAllMocks();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('writeFileAtomic', () => {
  it('replaces the file with the new content (text or bytes) and leaves no temp file beside it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'results.json');
    fs.writeFileSync(file, 'old');
    await writeFileAtomic(file, '{"new": true}\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('{"new": true}\n');
    await writeFileAtomic(file, new Uint8Array([104, 105]));
    expect(fs.readFileSync(file, 'utf8')).toBe('hi');
    await writeFileAtomic(path.join(dir, 'fresh.txt'), 'héllo');
    expect(fs.readFileSync(path.join(dir, 'fresh.txt'), 'utf8')).toBe('héllo');
    expect(fs.readdirSync(dir).sort()).toEqual(['fresh.txt', 'results.json']);
  });

  it('writes through a hidden temp file in the same folder, renamed over the target', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'model.safetensors');
    const rename = vi.spyOn(nodeFs, 'rename');
    await writeFileAtomic(file, 'x');
    expect(rename).toHaveBeenCalledOnce();
    const [from, to] = rename.mock.calls[0]!;
    expect(to).toBe(file);
    expect(path.dirname(String(from))).toBe(dir);
    expect(path.basename(String(from))).toMatch(/^\.model\.safetensors\.[0-9a-f]{12}\.tmp$/);
  });

  it('names the file and the step when the rename fails, keeps the cause, the old file and no temp file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'results.json');
    fs.writeFileSync(file, 'old');
    const failure = Object.assign(new Error('EIO: i/o error, rename (simulated)'), { code: 'EIO' });
    vi.spyOn(nodeFs, 'rename').mockRejectedValueOnce(failure);
    const error = await writeFileAtomic(file, 'new').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(`writeFileAtomic: ${file}: the temporary file renamed over the target (got EIO: i/o error, rename (simulated))`);
    expect((error as Error).cause).toBe(failure);
    expect(fs.readFileSync(file, 'utf8')).toBe('old');
    expect(fs.readdirSync(dir)).toEqual(['results.json']);
  });

  it('fails cleanly when a non-empty folder stands where the file should go: the folder untouched, no temp file', async () => {
    const dir = tempDir();
    const blocked = path.join(dir, 'figures');
    fs.mkdirSync(path.join(blocked, 'inside'), { recursive: true });
    const error = await writeFileAtomic(blocked, 'svg', { caller: 'report' }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(new RegExp(`^report: ${escape(blocked)}: the temporary file renamed over the target \\(got `));
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toMatch(/^(EISDIR|ENOTEMPTY|EEXIST)$/);
    expect(fs.readdirSync(dir)).toEqual(['figures']);
    expect(fs.readdirSync(blocked)).toEqual(['inside']);
  });

  it('names the file and the first step when the folder does not exist, and creates nothing', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'missing', 'a.json');
    const error = await writeFileAtomic(file, 'x').catch((e: unknown) => e);
    expect((error as Error).message).toMatch(new RegExp(`^writeFileAtomic: ${escape(file)}: a new temporary file in the same folder \\(got ENOENT`));
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('off Node (no process.getBuiltinModule) rejects naming the caller and the file, and writes nothing', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'a.json');
    const error = await withoutBuiltins(() => writeFileAtomic(file, 'x', { caller: 'save' }).catch((e: unknown) => e));
    expect((error as Error).message).toBe(
      `save: ${file}: Node.js 20.16 or later, to write a file (got a runtime without process.getBuiltinModule, such as a browser)`,
    );
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
