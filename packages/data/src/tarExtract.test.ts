/**
 * The Node file path of the tar reader: an archive on disk, streamed through zlib into files. Every
 * hostile archive is refused here with exactly the DataError that `loadCIFAR10FromArchive` gives on
 * the same bytes in memory, and nothing is written outside the destination folder.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { CIFAR10_ARCHIVE_LIMITS } from './cifar10Files.js';
import { loadCIFAR10FromArchive } from './cifar10Bytes.js';
import { DataError } from './errors.js';
import { extractExpectedFiles } from './tarExtract.js';
import { md5 } from './test-utils/cifar10Fixture.js';
import { hostileArchives, validArchive, validFiles, validTar } from './test-utils/hostileArchives.js';
import { pax, tar } from './test-utils/tarball.js';

const root = 'cifar-10-batches-bin';
const made: string[] = [];
afterEach(() => made.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** Extracts `bytes` from a file into a fresh folder inside a fresh sandbox. */
async function extract(bytes: Uint8Array, caller = 'loadCIFAR10FromArchive') {
  const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'tapegrad-tar-'));
  made.push(sandbox);
  const dest = path.join(sandbox, 'dest', 'inner');
  fs.mkdirSync(dest, { recursive: true });
  const file = path.join(sandbox, 'archive.tar.gz');
  fs.writeFileSync(file, bytes);
  const opts = { ...CIFAR10_ARCHIVE_LIMITS, caller, archiveName: 'the archive' };
  const outcome = await extractExpectedFiles(file, dest, opts).then((r) => ({ result: r, error: null }), (e: unknown) => ({ result: null, error: e }));
  return { ...outcome, sandbox: fs.readdirSync(sandbox).sort(), parent: fs.readdirSync(path.dirname(dest)), dest };
}

describe('extractExpectedFiles', () => {
  it.each([
    ['a gzipped', validArchive],
    ['a plain', validTar],
  ])('writes the expected files of %s archive byte for byte and passes over the rest', async (_kind, bytes) => {
    const { result, error, dest } = await extract(bytes);
    expect(error).toBeNull();
    expect(fs.readdirSync(dest).sort()).toEqual([...validFiles.keys()].sort());
    for (const [name, data] of validFiles) expect(md5(fs.readFileSync(path.join(dest, name))), name).toBe(md5(data));
    expect(result?.skipped).toEqual([`${root}/`, `${root}/readme.html`]);
    expect(result?.written.get('test_batch.bin')).toBe(validFiles.get('test_batch.bin')?.length);
  });

  it('takes the name a pax header gives a member, not the one in its own header', async () => {
    const data = new Uint8Array(3073).fill(7);
    const bytes = gzipSync(tar([pax({ path: `${root}/data_batch_1.bin` }), { path: 'ignored-name', data }]));
    const { error, dest } = await extract(bytes);
    expect(error).toBeNull();
    expect(fs.readdirSync(dest)).toEqual(['data_batch_1.bin']);
    expect(fs.readFileSync(path.join(dest, 'data_batch_1.bin'))).toEqual(Buffer.from(data));
  });

  it.each(hostileArchives.map((c) => [c.name, c] as const))('refuses %s with the DataError of the bytes reader, writing nothing outside', async (_name, c) => {
    const { error, sandbox, parent, dest } = await extract(c.bytes);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toBe(c.message.replace('<caller>', 'loadCIFAR10FromArchive'));
    const fromBytes = await loadCIFAR10FromArchive(c.bytes).catch((e: unknown) => e);
    expect(fromBytes).toBeInstanceOf(DataError);
    expect((fromBytes as Error).message).toBe((error as Error).message);
    // only expected names, only in dest (the caller removes dest on failure)
    expect(sandbox).toEqual(['archive.tar.gz', 'dest']);
    expect(parent).toEqual(['inner']);
    for (const name of fs.readdirSync(dest)) expect(Object.keys(CIFAR10_ARCHIVE_LIMITS.files)).toContain(name);
    expect(fs.existsSync('/tmp/tapegrad-absolute-member.bin')).toBe(false);
    expect(fs.existsSync('/tmp/tapegrad-pax-absolute.bin')).toBe(false);
  });

  it('names the caller and the archive it is given', async () => {
    const c = hostileArchives[0]!;
    const { error } = await extract(c.bytes, 'downloadCIFAR10');
    expect((error as Error).message).toBe(c.message.replace('<caller>', 'downloadCIFAR10'));
  });
});
