/**
 * STAND-IN (see ../cifarAdapter.ts): a strict reader of a gzip'd tar of one known folder, for the
 * page's dropped `cifar-10-binary.tar.gz` until @tapegrad/data's hardened reader merges. Gunzips with
 * the platform's DecompressionStream (browsers, Node 18+) under a size limit, then walks the ustar
 * headers: only the folder itself and regular files `<folder>/<known name>` pass; any other entry
 * refuses the whole archive.
 * @module
 */

/** What {@link readTarGz} accepts. */
export interface TarRules {
  /** The function named in error messages. */
  caller: string;
  /** The one folder the archive holds. */
  folder: string;
  /** The file names allowed in it. */
  names: readonly string[];
  /** Largest member, in bytes. */
  maxMember: number;
  /** Largest unpacked archive, in bytes. */
  maxTotal: number;
  /** Makes the error thrown for a refused archive. */
  fail: (message: string) => Error;
}

/** The gunzipped bytes, refused past `rules.maxTotal`. */
async function gunzip(bytes: Uint8Array, rules: TarRules): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  for (;;) {
    let step: Awaited<ReturnType<typeof reader.read>>;
    try {
      step = await reader.read();
    } catch (err) {
      throw rules.fail(`${rules.caller}: a gzip-compressed tar archive (got bytes that do not gunzip: ${err instanceof Error ? err.message : String(err)})`);
    }
    if (step.done) break;
    total += step.value.length;
    if (total > rules.maxTotal) {
      await reader.cancel().catch(() => {});
      throw rules.fail(`${rules.caller}: at most ${rules.maxTotal} bytes unpacked (got more)`);
    }
    chunks.push(step.value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** A NUL-terminated ASCII field. */
function text(h: Uint8Array, at: number, len: number): string {
  let s = '';
  for (let i = at; i < at + len && h[i] !== 0; i++) s += String.fromCharCode(h[i]!);
  return s;
}

/** An octal number field (spaces and NULs around it), or NaN. */
function octal(h: Uint8Array, at: number, len: number): number {
  const s = text(h, at, len).trim();
  return /^[0-7]+$/.test(s) ? parseInt(s, 8) : Number.NaN;
}

/**
 * The regular files of a .tar.gz that holds `rules.folder` and nothing else, by name; throws
 * `rules.fail(...)` for anything else (see {@link TarRules}).
 */
export async function readTarGz(bytes: Uint8Array, rules: TarRules): Promise<Map<string, Uint8Array>> {
  const { caller, folder, fail } = rules;
  const tar = await gunzip(bytes, rules);
  const files = new Map<string, Uint8Array>();
  let at = 0;
  for (;;) {
    if (at + 512 > tar.length) throw fail(`${caller}: a tar archive ending with two zero blocks (got one cut off at byte ${at})`);
    const h = tar.subarray(at, at + 512);
    if (h.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (octal(h, 148, 8) !== sum) throw fail(`${caller}: tar headers with valid checksums (got a damaged header at byte ${at})`);
    const magic = text(h, 257, 6);
    const prefix = magic.startsWith('ustar') ? text(h, 345, 155) : '';
    const name = (prefix ? `${prefix}/` : '') + text(h, 0, 100);
    const type = String.fromCharCode(h[156]!);
    const size = octal(h, 124, 12);
    if (!Number.isFinite(size)) throw fail(`${caller}: tar headers with an octal size (got a damaged header at byte ${at})`);
    const path = name.replace(/^\.\//, '');
    if (type === '5') {
      if (path.replace(/\/$/, '') !== folder) throw fail(`${caller}: only the folder ${folder} in the archive (got the folder ${JSON.stringify(name)})`);
    } else if (type === '0' || type === '\0') {
      const base = path.startsWith(`${folder}/`) ? path.slice(folder.length + 1) : null;
      if (base === null || !rules.names.includes(base)) {
        throw fail(`${caller}: only ${folder}/{${rules.names.join(',')}} in the archive (got ${JSON.stringify(name)})`);
      }
      if (size > rules.maxMember) throw fail(`${caller}: members of at most ${rules.maxMember} bytes (got ${name} of ${size})`);
      if (files.has(base)) throw fail(`${caller}: each member once (got ${name} twice)`);
      if (at + 512 + size > tar.length) throw fail(`${caller}: a whole archive (got ${name} cut off after ${tar.length - at - 512} of ${size} bytes)`);
      files.set(base, tar.slice(at + 512, at + 512 + size));
    } else {
      const kinds: Record<string, string> = {
        1: 'a hard link', 2: 'a symbolic link', 3: 'a character device', 4: 'a block device', 6: 'a FIFO',
        x: 'a pax extended header', g: 'a pax global header', L: 'a GNU long name', K: 'a GNU long link name',
      };
      throw fail(`${caller}: only regular files and the folder ${folder} in the archive (got ${kinds[type] ?? `an entry of type ${JSON.stringify(type)}`}: ${JSON.stringify(name)})`);
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}
