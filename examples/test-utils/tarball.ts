/**
 * Tar archives built by hand for tests: ustar headers with any name, type and size field, so that
 * hostile archives (`../` names, links, pax headers, lying sizes, cut-off data) can be made.
 */
import { gzipSync } from 'node:zlib';

/** One archive member. */
export interface TarMember {
  name: string;
  /** Type flag: '0' file (default), '5' folder, '2' symlink, '1' hard link, 'x' pax header, 'L' GNU long name... */
  type?: string;
  data?: Uint8Array;
  /** The size written in the header (default: the data's length). */
  size?: number;
  /** A link's target. */
  linkName?: string;
  /** Spoil the header's checksum. */
  badChecksum?: boolean;
}

function put(h: Uint8Array, at: number, len: number, text: string): void {
  const bytes = new TextEncoder().encode(text);
  h.set(bytes.subarray(0, len), at);
}

/** The 512-byte ustar header of `m`. */
function header(m: TarMember): Uint8Array {
  const h = new Uint8Array(512);
  const size = m.size ?? m.data?.length ?? 0;
  put(h, 0, 100, m.name);
  put(h, 100, 8, '0000644\0');
  put(h, 108, 8, '0000000\0');
  put(h, 116, 8, '0000000\0');
  put(h, 124, 12, `${size.toString(8).padStart(11, '0')}\0`);
  put(h, 136, 12, '00000000000\0');
  put(h, 156, 1, m.type ?? '0');
  put(h, 157, 100, m.linkName ?? '');
  put(h, 257, 6, 'ustar\0');
  put(h, 263, 2, '00');
  h.fill(32, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  put(h, 148, 8, `${(m.badChecksum ? sum + 1 : sum).toString(8).padStart(6, '0')}\0 `);
  return h;
}

/** The tar bytes of `members` (each padded to 512 bytes), ended by two zero blocks unless `cut`. */
export function tarBytes(members: TarMember[], opts: { cut?: number } = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const m of members) {
    parts.push(header(m));
    const data = m.data ?? new Uint8Array(0);
    const padded = new Uint8Array(Math.ceil(data.length / 512) * 512);
    padded.set(data);
    parts.push(padded);
  }
  parts.push(new Uint8Array(1024));
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return opts.cut === undefined ? out : out.subarray(0, opts.cut);
}

/** `tarBytes(members)`, gzipped. */
export function tarGz(members: TarMember[], opts: { cut?: number } = {}): Uint8Array {
  return new Uint8Array(gzipSync(tarBytes(members, opts)));
}

/** CIFAR-10 batch bytes: `n` records, labels i % 10, pixels from a simple pattern. */
export function cifarRecords(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n * 3073);
  for (let i = 0; i < n; i++) {
    out[i * 3073] = (i + seed) % 10;
    for (let p = 0; p < 3072; p++) out[i * 3073 + 1 + p] = (p * 7 + i * 13 + seed * 31) % 256;
  }
  return out;
}
