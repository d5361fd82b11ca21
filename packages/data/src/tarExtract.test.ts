/**
 * Tar extraction against paths that only the archive's extended headers spell out: a pax `path`
 * record or a GNU long name can carry `../` or an absolute path that the 100-byte name field does
 * not show. The checks must see the path the parser resolved, refuse it, and write nothing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataError } from './errors.js';
import { extractExpectedFiles } from './tarExtract.js';

/** One 512-byte ustar header; `type` 'x' (pax), 'L' (GNU long name), '0' (file), '5' (folder). */
function header(name: string, type: string, size: number): Uint8Array {
  const block = new Uint8Array(512);
  const put = (at: number, text: string) => block.set(new TextEncoder().encode(text), at);
  const octal = (at: number, length: number, value: number) => put(at, `${value.toString(8).padStart(length - 1, '0')}\0`);
  put(0, name);
  octal(100, 8, 0o644);
  octal(108, 8, 1000);
  octal(116, 8, 1000);
  octal(124, 12, size);
  octal(136, 12, 1_300_000_000);
  put(156, type);
  put(257, 'ustar\0');
  put(263, '00');
  block.fill(0x20, 148, 156);
  put(148, `${block.reduce((a, b) => a + b, 0).toString(8).padStart(6, '0')}\0 `);
  return block;
}

/** A member: its header and its data padded to 512 bytes. */
function member(name: string, type: string, data: Uint8Array): Uint8Array[] {
  const pad = new Uint8Array((512 - (data.length % 512)) % 512);
  return [header(name, type, data.length), data, pad];
}

/** A pax record `<len> path=<value>\n`, its length counting itself. */
function paxPath(value: string): Uint8Array {
  const body = ` path=${value}\n`;
  let len = body.length + 1;
  while (`${len}${body}`.length !== len) len++;
  return new TextEncoder().encode(`${len}${body}`);
}

function archive(parts: Uint8Array[][]): Uint8Array {
  const blocks = [...parts.flat(), new Uint8Array(1024)];
  const out = new Uint8Array(blocks.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

const root = 'cifar-10-batches-bin';
const payload = new Uint8Array(3073).fill(7);
const made: string[] = [];
afterEach(() => made.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** Extracts `bytes` into a fresh folder inside a fresh sandbox; returns the error and what the sandbox holds. */
async function extract(bytes: Uint8Array): Promise<{ error: unknown; sandbox: string[]; dest: string[] }> {
  const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'tapegrad-tar-'));
  made.push(sandbox);
  const dest = path.join(sandbox, 'dest', 'inner');
  fs.mkdirSync(dest, { recursive: true });
  const file = path.join(sandbox, 'archive.tar');
  fs.writeFileSync(file, bytes);
  const error = await extractExpectedFiles(file, dest, {
    caller: 'downloadCIFAR10', archiveName: 'archive.tar', root, files: { 'data_batch_1.bin': 3073 * 10 }, maxEntries: 100,
  }).then(() => null, (e: unknown) => e);
  return { error, sandbox: fs.readdirSync(sandbox).sort(), dest: fs.readdirSync(dest) };
}

describe('extractExpectedFiles and paths from extended headers', () => {
  it('extracts an expected member whose name comes from a pax header', async () => {
    const bytes = archive([member('PaxHeader', 'x', paxPath(`${root}/data_batch_1.bin`)), member('ignored-name', '0', payload)]);
    const { error, dest } = await extract(bytes);
    expect(error).toBeNull();
    expect(dest).toEqual(['data_batch_1.bin']);
  });

  it.each([
    ['a pax path with ../', (p: string) => [member('PaxHeader', 'x', paxPath(p)), member(`${root}/data_batch_1.bin`, '0', payload)], `${root}/../../../escaped.bin`, /no "\.\." component \(got File ".*\.\.\/\.\.\/\.\.\/escaped\.bin"/],
    ['a pax absolute path', (p: string) => [member('PaxHeader', 'x', paxPath(p)), member(`${root}/data_batch_1.bin`, '0', payload)], '/tmp/tapegrad-pax-absolute.bin', /no absolute path \(got File "\/tmp\/tapegrad-pax-absolute\.bin"/],
    ['a GNU long name with ../', (p: string) => [member('././@LongLink', 'L', new TextEncoder().encode(`${p}\0`)), member('short', '0', payload)], `${root}/${'a'.repeat(120)}/../../../escaped.bin`, /no "\.\." component/],
  ])('refuses %s and writes nothing anywhere', async (_what, parts, memberPath, pattern) => {
    const { error, sandbox, dest } = await extract(archive(parts(memberPath)));
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toMatch(/^downloadCIFAR10: archive paths inside cifar-10-batches-bin\/, /);
    expect((error as Error).message).toMatch(pattern);
    expect(sandbox).toEqual(['archive.tar', 'dest']);
    expect(dest).toEqual([]);
    expect(fs.existsSync('/tmp/tapegrad-pax-absolute.bin')).toBe(false);
  });
});
