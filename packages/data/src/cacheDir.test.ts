import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheDirFor } from './cacheDir.js';

describe('cacheDirFor', () => {
  it('prefers TAPEGRAD_DATA', () => {
    expect(cacheDirFor({ TAPEGRAD_DATA: '/data/tg', XDG_CACHE_HOME: '/xdg' }, 'linux', '/home/a')).toBe('/data/tg');
  });
  it('resolves a relative TAPEGRAD_DATA against the working folder', () => {
    expect(cacheDirFor({ TAPEGRAD_DATA: 'rel' }, 'linux', '/home/a')).toBe(path.resolve('rel'));
  });
  it('uses XDG_CACHE_HOME when absolute, else ~/.cache', () => {
    expect(cacheDirFor({ XDG_CACHE_HOME: '/xdg' }, 'linux', '/home/a')).toBe('/xdg/tapegrad');
    expect(cacheDirFor({ XDG_CACHE_HOME: 'relative' }, 'linux', '/home/a')).toBe('/home/a/.cache/tapegrad');
    expect(cacheDirFor({}, 'linux', '/home/a')).toBe('/home/a/.cache/tapegrad');
  });
  it('uses the platform cache folder on macOS and Windows', () => {
    expect(cacheDirFor({}, 'darwin', '/Users/a')).toBe('/Users/a/Library/Caches/tapegrad');
    expect(cacheDirFor({ LOCALAPPDATA: 'C:\\Users\\a\\AppData\\Local' }, 'win32', 'C:\\Users\\a')).toBe('C:\\Users\\a\\AppData\\Local\\tapegrad');
    expect(cacheDirFor({}, 'win32', 'C:\\Users\\a')).toBe('C:\\Users\\a\\AppData\\Local\\tapegrad');
  });
});
