/**
 * Builds tar archives by hand (ustar headers), so tests can make members that a normal packer would
 * not: `../` paths, absolute paths, symlinks, hard links, devices, pax and GNU long-name headers
 * that rename the next member.
 */
import { gzipSync } from 'node:zlib';

export interface TarMember {
  path: string;
  /**
   * '0' file (default), '1' hard link, '2' symlink, '3' char device, '4' block device, '5' folder,
   * '6' FIFO, 'x' pax header (next member), 'g' global pax header, 'L' GNU long name, 'K' GNU long link.
   */
  type?: '0' | '1' | '2' | '3' | '4' | '5' | '6' | 'x' | 'g' | 'L' | 'K';
  data?: Uint8Array;
  linkpath?: string;
  /** The size written in the header (default the data's length): lets a test lie about it. */
  size?: number;
  /** The ustar prefix field (joined to the name with '/'). */
  prefix?: string;
}

/** Types whose data follows the header. */
const WITH_DATA = new Set(['0', 'x', 'g', 'L', 'K']);

/** A pax header member setting `records` (e.g. `{ path: '../x' }`) for the next member. */
export function pax(records: Record<string, string>, type: 'x' | 'g' = 'x'): TarMember {
  let body = '';
  for (const [key, value] of Object.entries(records)) {
    const tail = ` ${key}=${value}\n`;
    let len = new TextEncoder().encode(tail).length + 1;
    while (`${len}`.length + new TextEncoder().encode(tail).length !== len) len++;
    body += `${len}${tail}`;
  }
  return { path: 'PaxHeader/next', type, data: new TextEncoder().encode(body) };
}

/** A GNU long-name member giving the next member the path `path`. */
export function longName(path: string, type: 'L' | 'K' = 'L'): TarMember {
  return { path: '././@LongLink', type, data: new TextEncoder().encode(`${path}\0`) };
}

function writeString(block: Uint8Array, at: number, length: number, value: string): void {
  const bytes = new TextEncoder().encode(value);
  if (bytes.length > length) throw new Error(`tar field too long: ${value}`);
  block.set(bytes, at);
}

function writeOctal(block: Uint8Array, at: number, length: number, value: number): void {
  writeString(block, at, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
}

function header(m: TarMember): Uint8Array {
  const block = new Uint8Array(512);
  const type = m.type ?? '0';
  const size = m.size ?? (WITH_DATA.has(type) ? (m.data?.length ?? 0) : 0);
  writeString(block, 0, 100, m.path);
  writeOctal(block, 100, 8, type === '5' ? 0o755 : 0o644);
  writeOctal(block, 108, 8, 1000);
  writeOctal(block, 116, 8, 1000);
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, 1_300_000_000);
  writeString(block, 156, 1, type);
  if (m.linkpath !== undefined) writeString(block, 157, 100, m.linkpath);
  writeString(block, 257, 6, 'ustar\0');
  writeString(block, 263, 2, '00');
  writeString(block, 265, 32, 'kriz');
  writeString(block, 297, 32, 'kriz');
  if (m.prefix !== undefined) writeString(block, 345, 155, m.prefix);
  block.fill(0x20, 148, 156); // checksum field counts as spaces
  const sum = block.reduce((a, b) => a + b, 0);
  writeString(block, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

/** An uncompressed tar archive of `members`. */
export function tar(members: readonly TarMember[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const m of members) {
    parts.push(header(m));
    const data = WITH_DATA.has(m.type ?? '0') ? (m.data ?? new Uint8Array(0)) : new Uint8Array(0);
    parts.push(data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad) parts.push(new Uint8Array(pad));
  }
  parts.push(new Uint8Array(1024));
  return concat(...parts);
}

/** The bytes of `parts` one after the other. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A gzipped tar archive of `members`. */
export function tarGz(members: readonly TarMember[]): Uint8Array {
  return new Uint8Array(gzipSync(tar(members)));
}

/** The members of a well-formed CIFAR-10 archive holding `files`, as the official one lays them out. */
export function cifarMembers(files: Map<string, Uint8Array>, extra: readonly TarMember[] = []): TarMember[] {
  return [
    { path: 'cifar-10-batches-bin/', type: '5' },
    ...[...files].map(([name, data]) => ({ path: `cifar-10-batches-bin/${name}`, data })),
    ...extra,
  ];
}
