import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CIFAR10_FOLDER } from './download.js';
import { DataError } from './errors.js';
import { resolveCIFAR10Dir } from './source.js';
import { md5, tempDir, tinyFiles, writeFiles } from './test-utils/cifar10Fixture.js';
import { serveBytes, startServer, type TestServer } from './test-utils/server.js';
import { cifarMembers, tarGz } from './test-utils/tarball.js';

const files = tinyFiles([5], 4);
const archive = tarGz(cifarMembers(files));
let server: TestServer;
beforeAll(async () => {
  server = await startServer({ '/c.tar.gz': serveBytes(archive) });
});
afterAll(() => server.close());

let root: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir: root, cleanup } = tempDir());
  vi.stubEnv('CIFAR10_DIR', '');
  vi.stubEnv('TAPEGRAD_DATA', path.join(root, 'cache'));
});
afterEach(() => {
  vi.unstubAllEnvs();
  cleanup();
});

const download = () => ({ url: server.url('/c.tar.gz'), md5: md5(archive), onProgress: () => {} });

describe('resolveCIFAR10Dir', () => {
  it('takes an explicit dir first, then CIFAR10_DIR', async () => {
    const explicit = writeFiles(path.join(root, 'explicit'), files);
    const fromEnv = writeFiles(path.join(root, 'env'), files);
    vi.stubEnv('CIFAR10_DIR', fromEnv);
    expect(await resolveCIFAR10Dir({ dir: explicit })).toBe(explicit);
    expect(await resolveCIFAR10Dir()).toBe(fromEnv);
  });

  it('accepts the parent of cifar-10-batches-bin', async () => {
    const inner = writeFiles(path.join(root, 'parent', CIFAR10_FOLDER), files);
    expect(await resolveCIFAR10Dir({ dir: path.join(root, 'parent') })).toBe(inner);
  });

  it('refuses an explicit dir or CIFAR10_DIR without data instead of downloading', async () => {
    const before = server.requests.length;
    await expect(resolveCIFAR10Dir({ dir: path.join(root, 'typo'), ...download() })).rejects.toThrow(
      new DataError(`resolveCIFAR10Dir: dir: a folder holding data_batch_*.bin and test_batch.bin, or its parent (got ${path.join(root, 'typo')}, which holds neither)`),
    );
    vi.stubEnv('CIFAR10_DIR', root);
    await expect(resolveCIFAR10Dir(download())).rejects.toThrow(/resolveCIFAR10Dir: CIFAR10_DIR: a folder holding/);
    expect(server.requests.length).toBe(before);
  });

  it('then the cache, then a download into the cache', async () => {
    const before = server.requests.length;
    await expect(resolveCIFAR10Dir({ ...download(), download: false })).rejects.toThrow(/\(got none of them, and download is false\)/);
    const cached = path.join(root, 'cache', CIFAR10_FOLDER);
    expect(await resolveCIFAR10Dir(download())).toBe(cached);
    expect(server.requests.length).toBe(before + 1);
    expect(fs.readdirSync(cached)).toContain('test_batch.bin');
    expect(await resolveCIFAR10Dir({ ...download(), download: false })).toBe(cached);
    expect(await resolveCIFAR10Dir(download())).toBe(cached);
    expect(server.requests.length).toBe(before + 1);
  });

  it('downloads into the cacheDir option when given', async () => {
    const other = path.join(root, 'other');
    expect(await resolveCIFAR10Dir({ ...download(), cacheDir: other })).toBe(path.join(other, CIFAR10_FOLDER));
    expect(fs.existsSync(path.join(root, 'cache'))).toBe(false);
  });
});
