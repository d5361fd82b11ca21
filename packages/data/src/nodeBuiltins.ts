/**
 * The one place @tapegrad/data reaches Node's built-in modules: through core's `nodeBuiltin`
 * (`process.getBuiltinModule`, Node 20.16+), looked up when a Node-only function runs, never
 * imported. So the package entry loads and bundles for a browser (esbuild, Vite: no `node:` import
 * to resolve), where the byte readers work and the file, cache and download functions throw a
 * PlatformError naming the bytes alternative.
 * @module
 * @internal
 */
import type * as Crypto from 'node:crypto';
import type * as Fs from 'node:fs';
import type * as FsPromises from 'node:fs/promises';
import type * as Http from 'node:http';
import type * as Https from 'node:https';
import type * as Os from 'node:os';
import type * as Path from 'node:path';
import type * as Stream from 'node:stream';
import type * as StreamPromises from 'node:stream/promises';
import type * as Zlib from 'node:zlib';
import { nodeBuiltin as coreNodeBuiltin } from '@tapegrad/core';
import { PlatformError } from './errors.js';

/** The built-in modules data uses, by id. @internal */
export interface NodeModules {
  'node:crypto': typeof Crypto;
  'node:fs': typeof Fs;
  'node:fs/promises': typeof FsPromises;
  'node:http': typeof Http;
  'node:https': typeof Https;
  'node:os': typeof Os;
  'node:path': typeof Path;
  'node:stream': typeof Stream;
  'node:stream/promises': typeof StreamPromises;
  'node:zlib': typeof Zlib;
}

/** Node's built-in module `id` when running under Node (20.16+), else undefined: core's lookup, typed. @internal */
export function nodeBuiltin<K extends keyof NodeModules>(id: K): NodeModules[K] | undefined {
  return coreNodeBuiltin<NodeModules[K]>(id);
}

/** Node's modules, for a function that runs in Node only. @internal */
export interface NodeOnly {
  crypto: typeof Crypto;
  fs: typeof Fs;
  fsp: typeof FsPromises;
  http: typeof Http;
  https: typeof Https;
  os: typeof Os;
  path: typeof Path;
  stream: typeof Stream;
  streamPromises: typeof StreamPromises;
  zlib: typeof Zlib;
}

/**
 * Node's modules for `caller`, a function that needs Node's file system or network.
 * @param caller - The public function, first word of the message.
 * @param alternative - What to use instead in a browser, e.g. `'loadCIFAR10FromArchive(archive)'`.
 * @throws {@link PlatformError} `<caller>: Node.js 20.16 or later, for its file system and network;
 *   from bytes, <alternative> (got a runtime without process.getBuiltinModule, such as a browser)`.
 * @internal
 */
export function nodeOnly(caller: string, alternative: string): NodeOnly {
  const fs = nodeBuiltin('node:fs');
  if (fs === undefined) {
    throw new PlatformError(
      `${caller}: Node.js 20.16 or later, for its file system and network; from bytes, ${alternative} ` +
        '(got a runtime without process.getBuiltinModule, such as a browser)',
    );
  }
  return {
    crypto: nodeBuiltin('node:crypto') as typeof Crypto,
    fs,
    fsp: nodeBuiltin('node:fs/promises') as typeof FsPromises,
    http: nodeBuiltin('node:http') as typeof Http,
    https: nodeBuiltin('node:https') as typeof Https,
    os: nodeBuiltin('node:os') as typeof Os,
    path: nodeBuiltin('node:path') as typeof Path,
    stream: nodeBuiltin('node:stream') as typeof Stream,
    streamPromises: nodeBuiltin('node:stream/promises') as typeof StreamPromises,
    zlib: nodeBuiltin('node:zlib') as typeof Zlib,
  };
}

/** The bytes alternatives named in the Node-only functions' errors. @internal */
export const BYTES_ALTERNATIVE = {
  files: 'loadCIFAR10FromFiles(files) or loadCIFAR10FromArchive(archive)',
  archive: 'loadCIFAR10FromArchive(await fetch(url)) on an archive your server serves',
  splits: 'splitCIFAR10Data(await loadCIFAR10FromArchive(archive), opts)',
} as const;
