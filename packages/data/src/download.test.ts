import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CIFAR10_FOLDER, downloadCIFAR10, isCompleteCIFAR10Folder } from './download.js';
import { DataError } from './errors.js';
import { readCIFAR10Files } from './fileio.js';
import type { DownloadProgress } from './progress.js';
import { FIRST_TRAIN_LABELS, md5, tempDir, tinyFiles } from './test-utils/cifar10Fixture.js';
import { redirectTo, serveBytes, serveCutOff, serveStall, startServer, type TestServer } from './test-utils/server.js';
import { cifarMembers, tarGz, type TarMember } from './test-utils/tarball.js';

const files = tinyFiles([12, 8, 7], 11);
const good = tarGz(cifarMembers(files, [{ path: 'cifar-10-batches-bin/readme.html', data: new TextEncoder().encode('<html></html>') }]));
const evil = (extra: TarMember[]) => tarGz(cifarMembers(files, extra));
const archives = {
  '/good.tar.gz': good,
  '/dotdot.tar.gz': evil([{ path: 'cifar-10-batches-bin/../../escaped.bin', data: new Uint8Array(3073) }]),
  '/symlink.tar.gz': tarGz([
    { path: 'cifar-10-batches-bin/', type: '5' },
    { path: 'cifar-10-batches-bin/test_batch.bin', type: '2', linkpath: '/etc/passwd' },
    ...cifarMembers(files).slice(1).filter((m) => !m.path.endsWith('test_batch.bin')),
  ]),
  '/hardlink.tar.gz': evil([{ path: 'cifar-10-batches-bin/extra', type: '1', linkpath: 'cifar-10-batches-bin/test_batch.bin' }]),
  '/absolute.tar.gz': evil([{ path: '/tmp/tapegrad-absolute-member.bin', data: new Uint8Array(10) }]),
  '/device.tar.gz': evil([{ path: 'cifar-10-batches-bin/dev', type: '3' }]),
  '/bigmeta.tar.gz': tarGz(
    cifarMembers(new Map([...files, ['batches.meta.txt', new Uint8Array(5000).fill(0x61)]])),
  ),
  '/twice.tar.gz': evil([{ path: 'cifar-10-batches-bin/test_batch.bin', data: files.get('test_batch.bin') as Uint8Array }]),
  '/notest.tar.gz': tarGz(cifarMembers(new Map([...files].filter(([n]) => n !== 'test_batch.bin')))),
  '/badbatch.tar.gz': tarGz(cifarMembers(new Map([...files, ['data_batch_2.bin', new Uint8Array(3073 * 2 + 5)]]))),
  '/garbage.tar.gz': new Uint8Array(4096).fill(7),
};

let server: TestServer;
beforeAll(async () => {
  const routes = Object.fromEntries(Object.entries(archives).map(([p, body]) => [p, serveBytes(body)]));
  server = await startServer({
    ...routes,
    '/cut.tar.gz': serveCutOff(good, 0.5),
    '/stall.tar.gz': serveStall(good),
    '/moved.tar.gz': redirectTo('/good.tar.gz'),
  });
});
afterAll(() => server.close());

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function cacheRoot(): string {
  const t = tempDir('tapegrad-cache-');
  cleanups.push(t.cleanup);
  return t.dir;
}

/** What the cache folder holds, besides nothing. */
const listing = (root: string) => fs.readdirSync(root).sort();

async function refused(name: keyof typeof archives | string, pattern: RegExp): Promise<string> {
  const root = cacheRoot();
  const err = await downloadCIFAR10({ dir: root, url: server.url(name), md5: md5(archives[name as keyof typeof archives] ?? good), onProgress: () => {} }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DataError);
  expect((err as Error).message).toMatch(pattern);
  expect(listing(root), 'nothing left in the cache').toEqual([]);
  return root;
}

describe('downloadCIFAR10 against a local server', () => {
  it('downloads, reports progress, checks the md5, extracts and moves the folder into place', async () => {
    const root = cacheRoot();
    const reports: DownloadProgress[] = [];
    const dir = await downloadCIFAR10({ dir: root, url: server.url('/good.tar.gz'), md5: md5(good), onProgress: (p) => reports.push(p) });
    expect(dir).toBe(path.join(root, CIFAR10_FOLDER));
    expect(listing(root)).toEqual([CIFAR10_FOLDER]);
    // every expected file is there byte for byte; readme.html was not expected, so not extracted
    expect(fs.readdirSync(dir).sort()).toEqual([...files.keys(), '.tapegrad-download.json'].sort());
    for (const [name, bytes] of files) expect(md5(fs.readFileSync(path.join(dir, name))), name).toBe(md5(bytes));
    // progress: several reports, monotone, the last one done with every byte
    expect(reports.length).toBeGreaterThan(1);
    for (let i = 1; i < reports.length; i++) expect(reports[i]?.received).toBeGreaterThanOrEqual(reports[i - 1]?.received as number);
    const last = reports.at(-1) as DownloadProgress;
    expect(last).toMatchObject({ received: good.length, total: good.length, done: true });
    expect(reports.slice(0, -1).every((r) => !r.done && r.total === good.length)).toBe(true);
    const f = readCIFAR10Files(dir, 'loadCIFAR10');
    expect(f.train.count).toBe(27);
    expect(Array.from(f.train.labels.subarray(0, 10))).toEqual(FIRST_TRAIN_LABELS);
    expect(isCompleteCIFAR10Folder(dir)).toBe(true);
  });

  it('does nothing on a second call when the data are there', async () => {
    const root = cacheRoot();
    const opts = { dir: root, url: server.url('/good.tar.gz'), md5: md5(good) };
    const before = server.requests.length;
    await downloadCIFAR10({ ...opts, onProgress: () => {} });
    expect(server.requests.length).toBe(before + 1);
    const stamp = fs.statSync(path.join(root, CIFAR10_FOLDER, 'test_batch.bin')).mtimeMs;
    let calls = 0;
    const again = await downloadCIFAR10({ ...opts, onProgress: () => calls++ });
    expect(again).toBe(path.join(root, CIFAR10_FOLDER));
    expect(server.requests.length).toBe(before + 1);
    expect(calls).toBe(0);
    expect(fs.statSync(path.join(root, CIFAR10_FOLDER, 'test_batch.bin')).mtimeMs).toBe(stamp);
  });

  it('shares one transfer between concurrent calls for the same folder', async () => {
    const root = cacheRoot();
    const before = server.requests.length;
    const opts = { dir: root, url: server.url('/good.tar.gz'), md5: md5(good), onProgress: () => {} };
    const [a, b] = await Promise.all([downloadCIFAR10(opts), downloadCIFAR10(opts)]);
    expect(a).toBe(b);
    expect(server.requests.length).toBe(before + 1);
  });

  it('follows a redirect', async () => {
    const root = cacheRoot();
    const dir = await downloadCIFAR10({ dir: root, url: server.url('/moved.tar.gz'), md5: md5(good), onProgress: () => {} });
    expect(isCompleteCIFAR10Folder(dir)).toBe(true);
  });

  it('refuses a checksum mismatch and leaves no cache entry', async () => {
    const root = cacheRoot();
    const err = await downloadCIFAR10({ dir: root, url: server.url('/good.tar.gz'), md5: '0'.repeat(32), onProgress: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toBe(
      `downloadCIFAR10: md5 ${'0'.repeat(32)} for ${server.url('/good.tar.gz')} (got ${md5(good)} over ${good.length} bytes; the download is corrupt or not the expected file)`,
    );
    expect(listing(root)).toEqual([]);
  });

  it('leaves nothing behind when the transfer is cut halfway', async () => {
    const root = cacheRoot();
    const reports: DownloadProgress[] = [];
    const err = await downloadCIFAR10({ dir: root, url: server.url('/cut.tar.gz'), md5: md5(good), onProgress: (p) => reports.push(p) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(/downloadCIFAR10: the whole of .*cut\.tar\.gz \(got \d+ of \d+ bytes before the transfer broke off/);
    expect(reports.length).toBeGreaterThan(0);
    expect(reports.every((r) => !r.done && r.received < good.length)).toBe(true);
    expect(listing(root)).toEqual([]);
    // and a later call with a good source succeeds in the same cache
    await downloadCIFAR10({ dir: root, url: server.url('/good.tar.gz'), md5: md5(good), onProgress: () => {} });
    expect(listing(root)).toEqual([CIFAR10_FOLDER]);
  });

  it('gives up on a stalled transfer after timeoutMs and leaves nothing', async () => {
    const root = cacheRoot();
    const err = await downloadCIFAR10({ dir: root, url: server.url('/stall.tar.gz'), md5: md5(good), timeoutMs: 300, onProgress: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(/within 300 ms \(got none for that long\)/);
    expect(listing(root)).toEqual([]);
  });

  it('can be cancelled with an AbortSignal', async () => {
    const root = cacheRoot();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const err = await downloadCIFAR10({ dir: root, url: server.url('/stall.tar.gz'), md5: md5(good), signal: controller.signal, onProgress: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(listing(root)).toEqual([]);
  });

  it('reports an HTTP error status', async () => {
    await refused('/missing.tar.gz', /HTTP 200 from .*missing\.tar\.gz \(got 404 Not Found\)/);
  });

  it('refuses a member with ../ in its path and writes nothing outside', async () => {
    const root = await refused('/dotdot.tar.gz', /archive paths inside cifar-10-batches-bin\/, no "\.\." component \(got File "cifar-10-batches-bin\/\.\.\/\.\.\/escaped\.bin"/);
    expect(fs.existsSync(path.join(root, '..', 'escaped.bin'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'escaped.bin'))).toBe(false);
  });

  it('refuses a symlink member', async () => {
    await refused('/symlink.tar.gz', /regular files only, no links or special files \(got SymbolicLink "cifar-10-batches-bin\/test_batch\.bin" -> "\/etc\/passwd"/);
  });

  it('refuses a hard link, an absolute path and a device', async () => {
    await refused('/hardlink.tar.gz', /regular files only.*\(got Link "cifar-10-batches-bin\/extra" -> "cifar-10-batches-bin\/test_batch\.bin"/);
    await refused('/absolute.tar.gz', /no absolute path \(got File "\/tmp\/tapegrad-absolute-member\.bin"/);
    expect(fs.existsSync('/tmp/tapegrad-absolute-member.bin')).toBe(false);
    await refused('/device.tar.gz', /regular files only.*\(got CharacterDevice/);
  });

  it('refuses a member over its size limit, a duplicate member and a damaged archive', async () => {
    await refused('/bigmeta.tar.gz', /cifar-10-batches-bin\/batches\.meta\.txt of at most 4096 bytes \(got File .*5000 bytes/);
    await refused('/twice.tar.gz', /cifar-10-batches-bin\/test_batch\.bin once/);
    await refused('/garbage.tar.gz', /downloadCIFAR10: a valid tar archive/);
  });

  it('refuses an archive whose files are missing or malformed', async () => {
    await refused('/notest.tar.gz', /cifar-10-batches-bin\/ with test_batch\.bin in .* \(got no such member\)/);
    await refused('/badbatch.tar.gz', /data_batch_2\.bin in .* must hold whole 3073-byte records \(got 6151 bytes: record 2 is cut off after 5 bytes\)/);
  });

  it('refuses a malformed md5 or URL before touching the network', async () => {
    const root = cacheRoot();
    const before = server.requests.length;
    await expect(downloadCIFAR10({ dir: root, url: server.url('/good.tar.gz'), md5: 'abc' })).rejects.toThrow(/md5 as 32 hex digits \(got "abc"\)/);
    await expect(downloadCIFAR10({ dir: root, url: 'ftp://example.invalid/x.tar.gz', md5: md5(good), onProgress: () => {} })).rejects.toThrow(
      new DataError('downloadCIFAR10: an http or https URL (got ftp://example.invalid/x.tar.gz)'),
    );
    await expect(downloadCIFAR10({ dir: root, url: 'not a url', md5: md5(good) })).rejects.toThrow(/an http or https URL \(got "not a url"\)/);
    expect(server.requests.length).toBe(before);
    expect(listing(root)).toEqual([]);
  });

  it('removes the temp folder of a killed download and never takes it for data', async () => {
    const root = cacheRoot();
    // a process that has exited: its pid is free
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const partial = path.join(root, `.cifar-10-batches-bin.partial-${dead.stdout}-abc123`);
    fs.mkdirSync(path.join(partial, CIFAR10_FOLDER), { recursive: true });
    for (const [name, bytes] of files) fs.writeFileSync(path.join(partial, CIFAR10_FOLDER, name), bytes);
    fs.writeFileSync(path.join(partial, 'good.tar.gz'), good.subarray(0, 1000));
    expect(isCompleteCIFAR10Folder(path.join(root, CIFAR10_FOLDER))).toBe(false);
    await downloadCIFAR10({ dir: root, url: server.url('/good.tar.gz'), md5: md5(good), onProgress: () => {} });
    expect(listing(root)).toEqual([CIFAR10_FOLDER]);
  });

  it('replaces an incomplete folder in the cache', async () => {
    const root = cacheRoot();
    const target = path.join(root, CIFAR10_FOLDER);
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'data_batch_1.bin'), new Uint8Array(3073));
    expect(isCompleteCIFAR10Folder(target)).toBe(false);
    await downloadCIFAR10({ dir: root, url: server.url('/good.tar.gz'), md5: md5(good), onProgress: () => {} });
    expect(isCompleteCIFAR10Folder(target)).toBe(true);
    expect(fs.statSync(path.join(target, 'data_batch_1.bin')).size).toBe(12 * 3073);
    expect(listing(root)).toEqual([CIFAR10_FOLDER]);
  });

  it('no longer takes a finished folder as whole once one of its files changed size', async () => {
    const root = cacheRoot();
    const dir = await downloadCIFAR10({ dir: root, url: server.url('/good.tar.gz'), md5: md5(good), onProgress: () => {} });
    fs.truncateSync(path.join(dir, 'data_batch_3.bin'), 3073);
    expect(isCompleteCIFAR10Folder(dir)).toBe(false);
  });
});
