/**
 * Saving and loading safetensors files: the only place in nn that touches Node's file system. The
 * byte format lives in `encode.ts` and `decode.ts`, which are pure.
 *
 * Node's modules are not imported: `nodeFs` asks core's `nodeBuiltin` (`process.getBuiltinModule`,
 * Node 20.16+) for them when `save` or `load` runs, as core's kernels do, so this module loads in a
 * browser and bundles there with no plugin, stub or alias. In a browser `save` and `load` throw, naming
 * `encodeSafetensors` / `decodeSafetensors`, which work on bytes everywhere.
 * @module
 */
import type * as FsPromises from 'node:fs/promises';
import { nodeBuiltin, writeFileAtomic, type Tensor } from '@tapegrad/core';
import { decodeWith, allocateArray } from './decode.js';
import { encodeSafetensors, type EncodeOptions } from './encode.js';
import { SafetensorsError, safetensorsError } from './errors.js';

/**
 * Node's `fs/promises` through core's `nodeBuiltin` (`process.getBuiltinModule`).
 * @throws SafetensorsError off Node (a browser, or Node before 20.16), naming the byte-level function to use.
 */
function nodeFs(op: 'save' | 'load', file: string): typeof FsPromises {
  const fs = nodeBuiltin<typeof FsPromises>('node:fs/promises');
  if (fs === undefined) {
    const instead = op === 'save'
      ? 'encodeSafetensors(stateDict) gives the bytes of the file, to download or store'
      : 'decodeSafetensors(bytes) reads the bytes of a fetched or picked file';
    throw new SafetensorsError(
      `${op}: ${file}: Node.js 20.16 or later, to ${op === 'save' ? 'write' : 'read'} a file (got a runtime without process.getBuiltinModule, such as a browser); ${instead}`,
      { file },
    );
  }
  return fs;
}

/** Options of {@link save}: those of {@link encodeSafetensors}. @category Serialization */
export type SaveOptions = EncodeOptions;

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Saves a state dict as a safetensors file, atomically with core's `writeFileAtomic` (temporary
 * file in the same folder, fsync, rename): an interrupted or failed save leaves any previous file at
 * `path` intact and no temporary file behind (a process killed mid-write may leave a
 * `.<name>.<random>.tmp` file, never a half-written `path`). The new file replaces `path` itself (a
 * symlink at `path` is replaced, not followed) with the default permissions. PyTorch reads the file with `safetensors.torch.load_file`, and
 * `load_state_dict` takes it: int32 `num_batches_tracked` buffers are written as I64.
 *
 * @param stateDict - tensors by name, e.g. `model.stateDict()`.
 * @param path - the file to write; its folder must exist.
 * @param opts - `metadata` (e.g. `{ format: 'pt' }`, default none) and `int32As` (default `'auto'`);
 *   see {@link EncodeOptions}.
 * @throws {@link SafetensorsError} for a state dict that cannot be written (see
 *   {@link encodeSafetensors}) and when the file system refuses (the error is its `cause`); off
 *   Node (in a browser), naming {@link encodeSafetensors}, which gives the file's bytes.
 * @example
 * ```ts
 * import { mkdtempSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { tensor } from '@tapegrad/core';
 * import { save, load } from '@tapegrad/nn';
 * const path = join(mkdtempSync(join(tmpdir(), 'tapegrad-')), 'model.safetensors');
 * await save({ '0.weight': tensor([[1, 2]]) }, path, { metadata: { format: 'pt' } });
 * console.log((await load(path))['0.weight']!.toArray()); // [[1, 2]]
 * ```
 * @category Serialization
 */
export async function save(stateDict: Record<string, Tensor>, path: string, opts: SaveOptions = {}): Promise<void> {
  nodeFs('save', path);
  const bytes = encodeSafetensors(stateDict, opts);
  try {
    await writeFileAtomic(path, bytes, { caller: 'save' });
  } catch (e) {
    // core's message already reads `save: <path>: <step> (got <why>)`; its cause is the file system's error
    throw new SafetensorsError((e as Error).message, { file: path, cause: (e as Error).cause });
  }
}

/**
 * Loads a safetensors file (as written by tapegrad, PyTorch's `safetensors.torch.save_file` or any
 * other writer) into a state dict. The header is validated before anything is allocated (see
 * {@link decodeSafetensors}); F32, F64, I32 and U8 load as float32, float64, int32 and uint8, and I64
 * (PyTorch's `num_batches_tracked`) as int32, range-checked.
 *
 * @param path - the file to read.
 * @returns the tensors by name, in file order, as a null-prototype object (see {@link decodeSafetensors}).
 * @throws {@link SafetensorsError} for a malformed file, naming the file and the tensor, and when the
 *   file cannot be read (the error is its `cause`); off Node (in a browser), naming
 *   {@link decodeSafetensors}, which reads the bytes of a fetched or picked file.
 * @example
 * ```ts
 * import { load } from '@tapegrad/nn';
 * const sd = await load('test-support/reference/safetensors/torch_sequential_f32.safetensors');
 * console.log(sd['0.weight']!.shape, sd['1.num_batches_tracked']!.item()); // [20, 15] 3
 * ```
 * @category Serialization
 */
export async function load(path: string): Promise<Record<string, Tensor>> {
  const fs = nodeFs('load', path);
  let bytes: Uint8Array;
  try {
    const handle = await fs.open(path, 'r');
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw safetensorsError('load', 'a regular file', stats.isDirectory() ? 'a folder' : 'a device, pipe or socket', { file: path });
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (e) {
    if (e instanceof SafetensorsError) throw e;
    throw safetensorsError('load', 'a readable file', describe(e), { file: path, cause: e });
  }
  return decodeWith(bytes, { source: path }, allocateArray).tensors;
}
