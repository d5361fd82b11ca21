import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './writeAtomic.js';

describe('writeFileAtomic', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tapegrad-atomic-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('replaces the file with the new content and leaves no temp file beside it', () => {
    const dir = tempDir();
    const file = path.join(dir, 'results.json');
    fs.writeFileSync(file, 'old');
    writeFileAtomic(file, '{"new": true}\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('{"new": true}\n');
    writeFileAtomic(file, new Uint8Array([104, 105]));
    expect(fs.readFileSync(file, 'utf8')).toBe('hi');
    expect(fs.readdirSync(dir)).toEqual(['results.json']);
  });

  it('throws when it cannot put the file in place, and leaves no temp file behind', () => {
    const dir = tempDir();
    // a non-empty folder where the file should go: the temp file is written, the rename fails
    const blocked = path.join(dir, 'figures');
    fs.mkdirSync(path.join(blocked, 'inside'), { recursive: true });
    expect(() => writeFileAtomic(blocked, 'svg')).toThrow();
    expect(fs.readdirSync(dir)).toEqual(['figures']);
    expect(fs.readdirSync(blocked)).toEqual(['inside']);
    expect(() => writeFileAtomic(path.join(dir, 'missing', 'x.svg'), 'svg')).toThrow(/ENOENT/);
  });
});
