/**
 * Solver checkpoints on disk: the only place in the Solver that touches Node's file system. Writing
 * goes through nn's `save` (temporary file in the same folder, fsync, rename), so a checkpoint file
 * is always complete: a run killed mid-write leaves the previous files as they were, plus at most a
 * `.<name>.<random>.tmp` file that {@link latestCheckpoint} ignores.
 *
 * Node's modules are not imported: `nodeFiles` asks core's `nodeBuiltin` (`process.getBuiltinModule`,
 * Node 20.16+) for them when a function runs, so optim loads and bundles in a browser as is; there these functions
 * throw a CheckpointError naming `solver.checkpointBytes()` and `Solver.resumeFromBytes(...)`.
 * @module
 * @internal
 */
import type * as FsPromises from 'node:fs/promises';
import type * as Path from 'node:path';
import { nodeBuiltin } from '@tapegrad/core';
import { save } from '@tapegrad/nn';
import { checkpointFromBytes, encodeCheckpoint, parseCheckpointPath, type CheckpointState } from './checkpoint.js';
import { CheckpointError } from './errors.js';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Node's `fs/promises` and `path`. @throws CheckpointError off Node (a browser, or Node before 20.16). */
function nodeFiles(op: string): { fs: typeof FsPromises; path: typeof Path } {
  const fs = nodeBuiltin<typeof FsPromises>('node:fs/promises');
  const path = nodeBuiltin<typeof Path>('node:path');
  if (fs === undefined || path === undefined) {
    throw new CheckpointError(`${op}: Node.js 20.16 or later, for checkpoint files (got a runtime without process.getBuiltinModule, such as a browser); `
      + 'solver.checkpointBytes() gives a checkpoint as bytes and Solver.resumeFromBytes(...) resumes from them');
  }
  return { fs, path };
}

/** Writes a checkpoint atomically. @throws CheckpointError, with the file system's error as its cause. @internal */
export async function writeCheckpoint(path: string, state: CheckpointState): Promise<void> {
  nodeFiles(`Solver.train: ${path}`);
  const { tensors, metadata } = encodeCheckpoint(state);
  try {
    await save(tensors, path, { metadata });
  } catch (e) {
    throw new CheckpointError(`Solver: could not write the checkpoint ${path}: ${message(e)}`, { cause: e });
  }
}

/** Reads and checks a checkpoint. @throws CheckpointError naming the file. @internal */
export async function readCheckpoint(path: string, op: string): Promise<CheckpointState> {
  const where = `${op}: ${path}`;
  const { fs } = nodeFiles(where);
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path);
  } catch (e) {
    throw new CheckpointError(`${where}: cannot read the file (${message(e)})`, { cause: e });
  }
  return checkpointFromBytes(bytes, where, path);
}

/**
 * The path of the checkpoint with the highest epoch written under `checkpointName`
 * (`<checkpointName>_epoch_<n>.safetensors`), or null when there is none (or no such folder).
 * @internal
 */
export async function latestCheckpoint(checkpointName: string): Promise<string | null> {
  const { fs, path } = nodeFiles('Solver.latestCheckpoint');
  const dir = path.dirname(checkpointName);
  const prefix = path.basename(checkpointName);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return null;
    throw new CheckpointError(`Solver.latestCheckpoint: cannot list ${dir} (${message(e)})`, { cause: e });
  }
  let best: { epoch: number; file: string } | null = null;
  for (const file of names) {
    const parsed = parseCheckpointPath(file);
    if (parsed === null || parsed.name !== prefix) continue;
    if (best === null || parsed.epoch > best.epoch) best = { epoch: parsed.epoch, file };
  }
  return best === null ? null : path.join(dir, best.file);
}
