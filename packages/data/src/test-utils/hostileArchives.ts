/**
 * Hostile bytes for the CIFAR-10 readers, each with the DataError message it must give: archives
 * (unsafe paths, also through pax and GNU long names and the ustar prefix, links, devices,
 * duplicates, oversized members, damaged tar and gzip data) and batch files (truncated, wrong record
 * size, label above 9). Made in Node; the browser test hands the same bytes to a page.
 */
import { gzipSync } from 'node:zlib';
import { tinyFiles } from './cifar10Fixture.js';
import { cifarMembers, concat, longName, pax, tar, tarGz, type TarMember } from './tarball.js';

/** A hostile input and the message it must give (`<caller>` stands for the function's name). */
export interface HostileCase {
  name: string;
  bytes: Uint8Array;
  message: string;
}

const ROOT = 'cifar-10-batches-bin';
const A = 'the archive';
const files = tinyFiles([12, 8, 7], 11);
const test = files.get('test_batch.bin') as Uint8Array;
const record = new Uint8Array(3073);
const withExtra = (extra: TarMember[]) => tarGz(cifarMembers(files, extra));
const refused = (what: string, got: string) => `<caller>: ${what} (got ${got} in ${A})`;
const damaged = (detail: string) => `<caller>: a valid tar archive (got ${A}: ${detail})`;
const gzipDamaged = `<caller>: one valid gzip stream (got ${A}: damaged, cut off or followed by more data)`;

/** The valid miniature archive the hostile ones are made from. */
export const validTar = tar(cifarMembers(files, [{ path: `${ROOT}/readme.html`, data: new TextEncoder().encode('<html></html>') }]));
/** The same, gzipped. */
export const validArchive = new Uint8Array(gzipSync(validTar));
/** Its files. */
export const validFiles = files;

/** Where member `name` of {@link validTar} starts (its header), and where its data end. */
function span(name: string): { header: number; end: number } {
  let at = 0;
  for (const m of cifarMembers(files, [{ path: `${ROOT}/readme.html`, data: new Uint8Array(13) }])) {
    const size = m.data?.length ?? 0;
    if (m.path === `${ROOT}/${name}`) return { header: at, end: at + 512 + size };
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`no member ${name}`);
}

function withoutEnd(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(0, bytes.length - 1024);
}

function gzipWith(edit: (gz: Uint8Array) => Uint8Array): Uint8Array {
  return edit(new Uint8Array(validArchive));
}

const testSize = test.length;
const dataEnd = span('data_batch_2.bin').header + 512 + 1000;
/** Where the end-of-archive block of {@link validTar} starts. */
const ends = withoutEnd(validTar).length;
/** Where the members `withExtra` adds start. */
const extraAt = tar(cifarMembers(files)).length - 1024;

/** Archives refused while reading the tar or gzip stream: the same on the Node file path. */
export const hostileArchives: HostileCase[] = [
  { name: '../ in a path', bytes: withExtra([{ path: `${ROOT}/../../escaped.bin`, data: record }]), message: refused(`archive paths inside ${ROOT}/, no ".." component`, `File "${ROOT}/../../escaped.bin", 3073 bytes`) },
  { name: 'an absolute path', bytes: withExtra([{ path: '/tmp/tapegrad-absolute-member.bin', data: new Uint8Array(10) }]), message: refused(`archive paths inside ${ROOT}/, no absolute path`, 'File "/tmp/tapegrad-absolute-member.bin", 10 bytes') },
  { name: '../ through a pax path', bytes: withExtra([pax({ path: `${ROOT}/../../../escaped.bin` }), { path: `${ROOT}/data_batch_9.bin`, data: record }]), message: refused(`archive paths inside ${ROOT}/, no ".." component`, `File "${ROOT}/../../../escaped.bin", 3073 bytes`) },
  { name: 'an absolute pax path', bytes: withExtra([pax({ path: '/tmp/tapegrad-pax-absolute.bin' }), { path: `${ROOT}/data_batch_9.bin`, data: record }]), message: refused(`archive paths inside ${ROOT}/, no absolute path`, 'File "/tmp/tapegrad-pax-absolute.bin", 3073 bytes') },
  { name: '../ through a GNU long name', bytes: withExtra([longName(`${ROOT}/${'a'.repeat(120)}/../../../escaped.bin`), { path: 'short', data: record }]), message: refused(`archive paths inside ${ROOT}/, no ".." component`, `File "${ROOT}/${'a'.repeat(120)}/../../../escaped.bin", 3073 bytes`) },
  { name: 'an absolute GNU long name', bytes: withExtra([longName(`/tmp/${'b'.repeat(120)}.bin`), { path: 'short', data: record }]), message: refused(`archive paths inside ${ROOT}/, no absolute path`, `File "/tmp/${'b'.repeat(120)}.bin", 3073 bytes`) },
  { name: '../ through the ustar prefix', bytes: withExtra([{ path: 'escaped.bin', prefix: `${ROOT}/../..`, data: record }]), message: refused(`archive paths inside ${ROOT}/, no ".." component`, `File "${ROOT}/../../escaped.bin", 3073 bytes`) },
  { name: 'a symlink', bytes: tarGz([{ path: `${ROOT}/`, type: '5' }, { path: `${ROOT}/test_batch.bin`, type: '2', linkpath: '/etc/passwd' }]), message: refused('regular files only, no links or special files', `SymbolicLink "${ROOT}/test_batch.bin" -> "/etc/passwd", 0 bytes`) },
  { name: 'a hard link', bytes: withExtra([{ path: `${ROOT}/extra`, type: '1', linkpath: `${ROOT}/test_batch.bin` }]), message: refused('regular files only, no links or special files', `Link "${ROOT}/extra" -> "${ROOT}/test_batch.bin", 0 bytes`) },
  { name: 'a symlink named by pax headers', bytes: withExtra([pax({ path: `${ROOT}/data_batch_9.bin`, linkpath: '../../../etc/shadow' }), { path: 'x', type: '2', linkpath: 'y' }]), message: refused('regular files only, no links or special files', `SymbolicLink "${ROOT}/data_batch_9.bin" -> "../../../etc/shadow", 0 bytes`) },
  { name: 'a character device', bytes: withExtra([{ path: `${ROOT}/dev`, type: '3' }]), message: refused('regular files only, no links or special files', `CharacterDevice "${ROOT}/dev", 0 bytes`) },
  { name: 'a block device', bytes: withExtra([{ path: `${ROOT}/sda`, type: '4' }]), message: refused('regular files only, no links or special files', `BlockDevice "${ROOT}/sda", 0 bytes`) },
  { name: 'a FIFO', bytes: withExtra([{ path: `${ROOT}/fifo`, type: '6' }]), message: refused('regular files only, no links or special files', `FIFO "${ROOT}/fifo", 0 bytes`) },
  { name: 'a file twice', bytes: withExtra([{ path: `${ROOT}/test_batch.bin`, data: test }]), message: refused(`${ROOT}/test_batch.bin once`, `File "${ROOT}/test_batch.bin", ${testSize} bytes`) },
  { name: 'a file twice, the second through a long name', bytes: withExtra([longName(`./${ROOT}/test_batch.bin`), { path: 'short', data: test }]), message: refused(`${ROOT}/test_batch.bin once`, `File "./${ROOT}/test_batch.bin", ${testSize} bytes`) },
  { name: 'an oversized meta file', bytes: tarGz(cifarMembers(new Map([...files, ['batches.meta.txt', new Uint8Array(5000).fill(0x61)]]))), message: refused(`${ROOT}/batches.meta.txt of at most 4096 bytes`, `File "${ROOT}/batches.meta.txt", 5000 bytes`) },
  { name: 'an oversized batch (header size)', bytes: tarGz([{ path: `${ROOT}/data_batch_1.bin`, data: record, size: 10001 * 3073 }]), message: refused(`${ROOT}/data_batch_1.bin of at most 30730000 bytes`, `File "${ROOT}/data_batch_1.bin", 30733073 bytes`) },
  { name: 'an oversized batch (pax size)', bytes: tarGz([pax({ size: '40000000' }), { path: `${ROOT}/data_batch_2.bin`, data: record }]), message: refused(`${ROOT}/data_batch_2.bin of at most 30730000 bytes`, `File "${ROOT}/data_batch_2.bin", 40000000 bytes`) },
  { name: 'an unexpected member over the tar limit', bytes: tarGz([{ path: `${ROOT}/huge.bin`, data: record, size: 300 * 1024 * 1024 }]), message: refused('at most 268435456 bytes of tar data', `File "${ROOT}/huge.bin", 314572800 bytes`) },
  { name: 'too many entries', bytes: tarGz(Array.from({ length: 65 }, (_, i) => ({ path: `${ROOT}/d${i}/`, type: '5' as const }))), message: refused('at most 64 archive entries', `Directory "${ROOT}/d64/", 0 bytes`) },
  { name: 'a global pax header setting a path', bytes: withExtra([pax({ path: '/etc/passwd' }, 'g')]), message: damaged(`a global extended header that sets path (at byte ${extraAt})`) },
  { name: 'two extended paths for one member', bytes: withExtra([pax({ path: `${ROOT}/a` }), longName(`${ROOT}/b`), { path: 'c', data: record }]), message: damaged(`two extended paths for one entry (the second at byte ${extraAt + 1024})`) },
  { name: 'not a tar archive', bytes: new Uint8Array(4096).fill(7), message: damaged('not a tar header at byte 0 (its checksum does not match)') },
  { name: 'a damaged header', bytes: gzipSync(validTar.map((b, i) => (i === span('data_batch_2.bin').header + 3 ? b ^ 1 : b))), message: damaged(`not a tar header at byte ${span('data_batch_2.bin').header} (its checksum does not match)`) },
  { name: 'a tar cut off inside a member', bytes: gzipSync(validTar.subarray(0, dataEnd)), message: damaged(`data cut off at byte ${dataEnd}, inside File "${ROOT}/data_batch_2.bin", ${files.get('data_batch_2.bin')?.length} bytes`) },
  { name: 'a tar without its end-of-archive block', bytes: gzipSync(withoutEnd(validTar)), message: damaged(`no end-of-archive block (the data end at byte ${ends})`) },
  { name: 'a member hidden after the end-of-archive block', bytes: gzipSync(concat(withoutEnd(validTar), new Uint8Array(512), tar([{ path: `${ROOT}/data_batch_5.bin`, data: record }]))), message: damaged(`data after the end-of-archive block, at byte ${ends + 512}`) },
  { name: 'a corrupt gzip header', bytes: gzipWith((gz) => ((gz[2] = 9), gz)), message: gzipDamaged },
  { name: 'a cut-off gzip stream', bytes: gzipWith((gz) => gz.subarray(0, Math.floor(gz.length * 0.6))), message: gzipDamaged },
  { name: 'a gzip stream with a wrong CRC', bytes: gzipWith((gz) => ((gz[gz.length - 6] = (gz[gz.length - 6] as number) ^ 1), gz)), message: gzipDamaged },
  { name: 'zeros after the gzip stream', bytes: concat(validArchive, new Uint8Array(100)), message: gzipDamaged },
  { name: 'two gzip members', bytes: concat(validArchive, gzipSync(new Uint8Array(1024))), message: gzipDamaged },
];

/** Archives whose tar is sound but whose files break the CIFAR-10 rules (checked after reading). */
export const hostileArchiveFiles: HostileCase[] = [
  { name: 'no test batch', bytes: tarGz(cifarMembers(new Map([...files].filter(([n]) => n !== 'test_batch.bin')))), message: `<caller>: test_batch.bin in ${ROOT}/ of ${A} (got no such file)` },
  { name: 'a batch cut mid-record', bytes: tarGz(cifarMembers(new Map([...files, ['data_batch_2.bin', new Uint8Array(3073 * 2 + 5)]]))), message: `<caller>: data_batch_2.bin in ${A} must hold whole 3073-byte records (got 6151 bytes: record 2 is cut off after 5 bytes)` },
  { name: 'a label above 9', bytes: tarGz(cifarMembers(new Map([...files, ['data_batch_3.bin', labelled(files.get('data_batch_3.bin') as Uint8Array, 4, 10)]]))), message: `<caller>: labels in 0..9 (got 10 in data_batch_3.bin in ${A} record 4, byte 12292)` },
];

/** `bytes` with the label of record `r` set to `label`. */
export function labelled(bytes: Uint8Array, r: number, label: number): Uint8Array {
  const out = new Uint8Array(bytes);
  out[r * 3073] = label;
  return out;
}

/** Batch-file sets (name -> bytes) that break the CIFAR-10 rules, for the files readers. */
export const hostileFileSets: { name: string; files: Map<string, Uint8Array>; message: string }[] = [
  { name: 'a truncated batch', files: new Map([...files, ['data_batch_1.bin', (files.get('data_batch_1.bin') as Uint8Array).subarray(0, 5 * 3073 + 77)]]), message: '<caller>: <dir>data_batch_1.bin must hold whole 3073-byte records (got 15442 bytes: record 5 is cut off after 77 bytes)' },
  { name: 'records of the wrong size', files: new Map([...files, ['test_batch.bin', new Uint8Array(11 * 3072)]]), message: '<caller>: <dir>test_batch.bin must hold whole 3073-byte records (got 33792 bytes: record 10 is cut off after 3062 bytes)' },
  { name: 'a label above 9', files: new Map([...files, ['data_batch_2.bin', labelled(files.get('data_batch_2.bin') as Uint8Array, 3, 200)]]), message: '<caller>: labels in 0..9 (got 200 in <dir>data_batch_2.bin record 3, byte 9219)' },
  { name: 'an empty batch', files: new Map([...files, ['data_batch_3.bin', new Uint8Array(0)]]), message: '<caller>: <dir>data_batch_3.bin must hold at least one 3073-byte record (got an empty file)' },
  { name: 'no test batch', files: new Map([...files].filter(([n]) => n !== 'test_batch.bin')), message: '<caller>: test_batch.bin in <where> (got no such file)' },
  { name: 'no training batch', files: new Map([...files].filter(([n]) => !n.startsWith('data_batch'))), message: '<caller>: data_batch_1.bin .. data_batch_5.bin in <where> (got none of them)' },
  { name: 'a meta file without 10 names', files: new Map([...files, ['batches.meta.txt', new TextEncoder().encode('cat\ndog\n')]]), message: '<caller>: <dir>batches.meta.txt must hold 10 class names, one a line (got 2)' },
];
