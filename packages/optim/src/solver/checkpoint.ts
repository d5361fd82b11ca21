/**
 * The Solver's checkpoint format, pure (no file system): one safetensors file whose tensors are the
 * model's state, the best parameters and the optimizer's buffers, and whose string metadata holds
 * everything else as JSON, so that one atomic file write saves the whole run.
 *
 * Metadata: `format` = `tapegrad.solver`, `version` = `1`, `solver` = the JSON below, where each
 * tensor appears as `{ "$tensor": "<name in the file>" }`:
 * ```
 * { kind: 'cs231n' | 'module',
 *   options: { updateRule, lrDecay, batchSize, numEpochs, numTrainSamples, numValSamples, printEvery, verbose },
 *   epoch, iteration, lossHistory, trainAccHistory, valAccHistory, bestValAcc,
 *   rng: { key: number[624], pos, hasGauss, gauss },          // the global RNG, numpy's layout
 *   model:      { W1: $tensor, ..., running_mean1: $tensor },  // model.stateDict() (or model.params)
 *   bestParams: { W1: $tensor, ... },
 *   optimizer:  { W1: { learningRate, beta1, ..., t, m: $tensor, v: $tensor }, ... }  // cs231n configs
 *            or { state: { 0: { step, exp_avg: $tensor, ... } }, param_groups: [...] } } // Optimizer.stateDict()
 * ```
 * Tensor names are the JSON paths joined by dots: `model.W1`, `bestParams.W1`, `optimizer.W1.m`,
 * `optimizer.state.0.exp_avg`. Numbers are JSON's shortest round-trip form, so every double (losses,
 * accuracies, decayed learning rates) is restored bit for bit.
 * @module
 * @internal
 */
import { Generator, Tensor, type RandomStateSnapshot } from '@tapegrad/core';
import { encodeSafetensors, parseSafetensors, type SafetensorsContents } from '@tapegrad/nn';
import { describeValue } from '../options.js';
import { CheckpointError } from './errors.js';
import type { Cs231nRuleName } from '../cs231nUpdateRules.js';

/** The `format` metadata value of a Solver checkpoint. @internal */
export const CHECKPOINT_FORMAT = 'tapegrad.solver';
/** The `version` metadata value this code writes and reads. @internal */
export const CHECKPOINT_VERSION = '1';

/** The options a checkpoint records (those that shape the run, and the log's). @internal */
export interface CheckpointOptions {
  updateRule: Cs231nRuleName | null;
  lrDecay: number;
  batchSize: number;
  numEpochs: number;
  numTrainSamples: number | null;
  numValSamples: number | null;
  printEvery: number;
  verbose: boolean;
}

/** Everything a checkpoint holds, tensors in place. @internal */
export interface CheckpointState {
  kind: 'cs231n' | 'module';
  options: CheckpointOptions;
  epoch: number;
  iteration: number;
  lossHistory: number[];
  trainAccHistory: number[];
  valAccHistory: number[];
  bestValAcc: number;
  rng: RandomStateSnapshot;
  model: Record<string, Tensor>;
  bestParams: Record<string, Tensor>;
  /** cs231n configs by parameter, or an Optimizer state dict. */
  optimizer: unknown;
}

/** `<name>_epoch_<epoch>.safetensors`, as cs231n's `<name>_epoch_<epoch>.pkl`. @internal */
export function checkpointPath(checkpointName: string, epoch: number): string {
  return `${checkpointName}_epoch_${epoch}.safetensors`;
}

/** The checkpoint name and epoch of a path written by {@link checkpointPath}, or null. @internal */
export function parseCheckpointPath(path: string): { name: string; epoch: number } | null {
  const m = /^(.*)_epoch_(\d+)\.safetensors$/s.exec(path);
  return m === null ? null : { name: m[1]!, epoch: Number(m[2]) };
}

const forbiddenKeys = new Set(['__proto__', 'constructor', 'prototype']);

/** Replaces every tensor in `value` by `{ $tensor: name }`, collecting it into `tensors` under its dotted path. */
function extractTensors(value: unknown, path: string, tensors: Record<string, Tensor>): unknown {
  if (value instanceof Tensor) {
    if (Object.hasOwn(tensors, path)) throw new CheckpointError(`Solver: two checkpoint tensors would be named '${path}'`);
    tensors[path] = value;
    return { $tensor: path };
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new CheckpointError(`Solver: cannot checkpoint the non-finite number ${value} (at '${path}')`);
    return value;
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  const at = (k: string | number) => (path === '' ? String(k) : `${path}.${k}`);
  if (Array.isArray(value)) return value.map((v, i) => extractTensors(v, at(i), tensors));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) out[k] = extractTensors(v, at(k), tensors);
    }
    return out;
  }
  throw new CheckpointError(`Solver: cannot checkpoint ${describeValue(value)} at '${path}'`);
}

/**
 * The tensors and metadata of a checkpoint, ready for nn's `save` (or `encodeSafetensors`).
 * @throws CheckpointError for a value JSON cannot hold exactly (a non-finite number).
 * @internal
 */
export function encodeCheckpoint(state: CheckpointState): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  const tensors: Record<string, Tensor> = {};
  const json = extractTensors(state, '', tensors);
  return { tensors, metadata: { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, solver: JSON.stringify(json) } };
}

/** Puts the tensors back where `{ $tensor }` stands, each used once. */
function insertTensors(value: unknown, tensors: Record<string, Tensor>, used: Set<string>, fail: (msg: string) => never, depth = 0): unknown {
  // a hostile file could nest deep enough to overflow the stack; a checkpoint nests a few levels
  if (depth > 64) fail('the solver metadata must nest at most 64 levels deep (got a value nested deeper)');
  if (Array.isArray(value)) return value.map((v) => insertTensors(v, tensors, used, fail, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1 && keys[0] === '$tensor') {
    const name = obj.$tensor;
    if (typeof name !== 'string' || !Object.hasOwn(tensors, name)) fail(`the tensor ${describeValue(name)} the metadata refers to is not in the file`);
    if (used.has(name)) fail(`the tensor '${name}' is referred to twice`);
    used.add(name);
    return tensors[name];
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = insertTensors(obj[k], tensors, used, fail, depth + 1);
  return out;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const ruleNames: readonly string[] = ['sgd', 'sgd_momentum', 'rmsprop', 'adam'];

/**
 * Reads a checkpoint from a parsed safetensors file, checking every field.
 * @param contents - what nn's `parseSafetensors` returned.
 * @param where - the operation and file for error messages (`Solver.resume: run_epoch_2.safetensors`).
 * @throws CheckpointError naming the first field that is missing or wrong.
 * @internal
 */
export function decodeCheckpoint(contents: SafetensorsContents, where: string): CheckpointState {
  const fail = (msg: string): never => {
    throw new CheckpointError(`${where}: ${msg}`);
  };
  const meta = contents.metadata;
  if (meta === null || meta.format !== CHECKPOINT_FORMAT) fail(`not a Solver checkpoint (its metadata has no format '${CHECKPOINT_FORMAT}')`);
  if (meta!.version !== CHECKPOINT_VERSION) fail(`expected checkpoint version ${CHECKPOINT_VERSION} (got ${describeValue(meta!.version)})`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(meta!.solver ?? '', (key, v: unknown) => {
      if (forbiddenKeys.has(key)) throw new SyntaxError(`the key '${key}' is not allowed`);
      return v;
    });
  } catch (e) {
    fail(`the solver metadata is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) fail('the solver metadata must be a JSON object');
  const used = new Set<string>();
  const s = insertTensors(parsed, contents.tensors, used, fail) as Record<string, unknown>;
  const unused = Object.keys(contents.tensors).filter((n) => !used.has(n));
  if (unused.length > 0) fail(`the file holds tensors the metadata does not refer to: ${unused.join(', ')}`);

  if (s.kind !== 'cs231n' && s.kind !== 'module') fail(`kind must be 'cs231n' or 'module' (got ${describeValue(s.kind)})`);
  const o = s.options as Record<string, unknown> | null;
  if (o === null || typeof o !== 'object') fail('options must be an object');
  const opt = o!;
  const nullableCount = (v: unknown) => v === null || isPositiveInt(v);
  if (s.kind === 'cs231n' ? !ruleNames.includes(opt.updateRule as string) : opt.updateRule !== null) {
    fail(`options.updateRule must be ${s.kind === 'cs231n' ? `one of ${ruleNames.join(', ')}` : 'null for a module'} (got ${describeValue(opt.updateRule)})`);
  }
  if (!isFiniteNumber(opt.lrDecay)) fail(`options.lrDecay must be a finite number (got ${describeValue(opt.lrDecay)})`);
  for (const k of ['batchSize', 'numEpochs', 'printEvery'] as const) if (!isPositiveInt(opt[k])) fail(`options.${k} must be an integer >= 1 (got ${describeValue(opt[k])})`);
  for (const k of ['numTrainSamples', 'numValSamples'] as const) if (!nullableCount(opt[k])) fail(`options.${k} must be null or an integer >= 1 (got ${describeValue(opt[k])})`);
  if (typeof opt.verbose !== 'boolean') fail(`options.verbose must be true or false (got ${describeValue(opt.verbose)})`);

  for (const k of ['epoch', 'iteration'] as const) if (!isCount(s[k])) fail(`${k} must be an integer >= 0 (got ${describeValue(s[k])})`);
  const history = (k: 'lossHistory' | 'trainAccHistory' | 'valAccHistory', accuracy: boolean): number[] => {
    const h = s[k];
    if (!Array.isArray(h) || !h.every((v) => isFiniteNumber(v) && (!accuracy || (v >= 0 && v <= 1)))) {
      fail(`${k} must be a list of ${accuracy ? 'accuracies in [0, 1]' : 'finite numbers'}`);
    }
    return h as number[];
  };
  const lossHistory = history('lossHistory', false);
  const trainAccHistory = history('trainAccHistory', true);
  const valAccHistory = history('valAccHistory', true);
  if (lossHistory.length !== s.iteration) fail(`lossHistory must hold one loss per iteration (${s.iteration as number}; got ${lossHistory.length})`);
  if (trainAccHistory.length !== valAccHistory.length) fail(`trainAccHistory and valAccHistory must have the same length (got ${trainAccHistory.length} and ${valAccHistory.length})`);
  const bestValAcc = s.bestValAcc;
  if (!isFiniteNumber(bestValAcc) || bestValAcc < 0 || bestValAcc > 1) fail(`bestValAcc must be an accuracy in [0, 1] (got ${describeValue(bestValAcc)})`);

  try {
    new Generator(0).setState(s.rng as RandomStateSnapshot);
  } catch (e) {
    fail(`rng is not a valid RNG state (${e instanceof Error ? e.message : String(e)})`);
  }
  const tensorRecord = (k: 'model' | 'bestParams'): Record<string, Tensor> => {
    const r = s[k];
    if (r === null || typeof r !== 'object' || Array.isArray(r) || !Object.values(r).every((t) => t instanceof Tensor)) fail(`${k} must map names to tensors`);
    return r as Record<string, Tensor>;
  };
  return {
    kind: s.kind as 'cs231n' | 'module',
    options: opt as unknown as CheckpointOptions,
    epoch: s.epoch as number,
    iteration: s.iteration as number,
    lossHistory,
    trainAccHistory,
    valAccHistory,
    bestValAcc: bestValAcc as number,
    rng: s.rng as RandomStateSnapshot,
    model: tensorRecord('model'),
    bestParams: tensorRecord('bestParams'),
    optimizer: s.optimizer,
  };
}

/**
 * A checkpoint's bytes: exactly what a checkpoint file holds (the file is these bytes, written atomically).
 * @throws CheckpointError for a value JSON cannot hold exactly (a non-finite number).
 * @internal
 */
export function checkpointToBytes(state: CheckpointState): Uint8Array {
  const { tensors, metadata } = encodeCheckpoint(state);
  return encodeSafetensors(tensors, { metadata });
}

/**
 * Reads a checkpoint from its bytes (a file's contents), checking every field.
 * @param where - the operation and file for error messages (`Solver.resume: run_epoch_2.safetensors`).
 * @param source - what to call the bytes in safetensors' own messages (the file), if anything.
 * @throws CheckpointError for bytes that are not safetensors (its error is the cause) or not a
 *   checkpoint, naming the first field that is missing or wrong.
 * @internal
 */
export function checkpointFromBytes(bytes: Uint8Array, where: string, source?: string): CheckpointState {
  let contents: SafetensorsContents;
  try {
    contents = parseSafetensors(bytes, source === undefined ? {} : { source });
  } catch (e) {
    throw new CheckpointError(`${where}: not a valid safetensors file (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  return decodeCheckpoint(contents, where);
}
