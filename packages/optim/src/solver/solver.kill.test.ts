/**
 * kill -9 in the middle of a checkpointed training run, then resume: the run ends with the same
 * histories and parameters as an uninterrupted one, and a checkpoint on disk is never half-written.
 *
 * Each run is a child process (test-utils/solverChild.mjs: a FullyConnectedNet with batchnorm,
 * Adam, lrDecay, subsampled accuracy checks, 6 epochs of 5 iterations, ~2.6 MB checkpoints) that
 * imports the built packages; `beforeAll` runs `tsc -b` on optim and its references, so that the
 * children run the current sources (quick when dist is up to date, as after `pnpm test`'s build).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { Solver } from '@tapegrad/optim';
import { readCheckpoint } from './checkpointFile.js';

const child = fileURLToPath(new URL('./test-utils/solverChild.mjs', import.meta.url));
const optimProject = fileURLToPath(new URL('../../tsconfig.json', import.meta.url));
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The epochs the child reported, with their checkpoint (null at epoch 0). */
  epochs: { epoch: number; checkpoint: string | null }[];
  result: unknown;
  stderr: string;
  /** Milliseconds from the start to the `epoch 0` line (the first iteration), and to the exit. */
  firstCheckMs: number;
  ms: number;
}

/**
 * Runs the child; kills it with SIGKILL once it reports epoch `afterEpoch`, or `afterMs` after its
 * first iteration (its `epoch 0` line).
 */
function runChild(config: Record<string, unknown>, kill: { afterEpoch?: number; afterMs?: number } = {}): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const proc = spawn(process.execPath, [child, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const run: ChildRun = { code: null, signal: null, epochs: [], result: undefined, stderr: '', firstCheckMs: Number.NaN, ms: 0 };
    let timer: ReturnType<typeof setTimeout> | null = null;
    let pending = '';
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const [kind, a, b] = line.split(' ');
        if (kind === 'epoch') {
          run.epochs.push({ epoch: Number(a), checkpoint: b === '-' ? null : b! });
          if (kill.afterEpoch === Number(a)) proc.kill('SIGKILL');
          if (run.epochs.length === 1) {
            run.firstCheckMs = performance.now() - start;
            if (kill.afterMs !== undefined) timer = setTimeout(() => proc.kill('SIGKILL'), kill.afterMs);
          }
        } else if (kind === 'result') {
          run.result = JSON.parse(line.slice('result '.length));
        }
      }
    });
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (run.stderr += chunk));
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      if (timer !== null) clearTimeout(timer);
      Object.assign(run, { code, signal, ms: performance.now() - start });
      resolve(run);
    });
  });
}

/** Every visible checkpoint file in `dir` reads as a complete checkpoint; returns their epochs. */
async function completeCheckpoints(dir: string): Promise<number[]> {
  const epochs: number[] = [];
  for (const file of readdirSync(dir).filter((f) => !f.startsWith('.')).sort()) {
    const state = await readCheckpoint(join(dir, file), 'kill test');
    expect(file).toBe(`run_epoch_${state.epoch}.safetensors`);
    expect(state.iteration).toBe(state.epoch * 5);
    epochs.push(state.epoch);
  }
  return epochs.sort((a, b) => a - b);
}

/** The leftover temporary files of interrupted writes, with their sizes. */
function leftovers(dir: string): { file: string; size: number }[] {
  return readdirSync(dir).filter((f) => f.startsWith('.')).map((file) => ({ file, size: statSync(join(dir, file)).size }));
}

let reference: ChildRun;

beforeAll(async () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const build = spawnSync(process.execPath, [tsc, '-b', optimProject], { encoding: 'utf8' });
  expect(build.status, `tsc -b failed:\n${build.stdout}${build.stderr}`).toBe(0);
  reference = await runChild({ mode: 'run', checkpointName: null });
  expect(reference.code, reference.stderr).toBe(0);
  expect(reference.epochs.map((e) => e.epoch)).toEqual([0, 1, 2, 3, 4, 5, 6]);
}, 180_000);

describe('a checkpointed run killed with SIGKILL and resumed', () => {
  test('killed right after the epoch-1 checkpoint, it resumes to exactly the uninterrupted result', async () => {
    const dir = tmp('solver-kill-');
    const killed = await runChild({ mode: 'run', checkpointName: join(dir, 'run') }, { afterEpoch: 1 });
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.result).toBeUndefined();
    const epochs = await completeCheckpoints(dir);
    expect(epochs[0]).toBe(1);
    const latest = await Solver.latestCheckpoint(join(dir, 'run'));
    expect(latest).toBe(join(dir, `run_epoch_${epochs.at(-1)}.safetensors`));

    const resumed = await runChild({ mode: 'resume', path: latest });
    expect(resumed.code, resumed.stderr).toBe(0);
    const from = epochs.at(-1)!;
    expect(resumed.epochs.map((e) => e.epoch)).toEqual(Array.from({ length: 6 - from }, (_, i) => from + 1 + i));
    expect(resumed.result).toEqual(reference.result);
  }, 120_000);

  test.each([
    [1, 'as the temporary file is created'],
    [3, 'half-way through the write'],
  ])('killed during the epoch-2 checkpoint write (file event %i: %s), no half-written checkpoint is visible and epoch 1 resumes', async (killAtEvent) => {
    const dir = tmp('solver-kill-write-');
    const killed = await runChild({ mode: 'run', checkpointName: join(dir, 'run'), killDuringWrite: 2, killAtEvent });
    expect(killed.signal).toBe('SIGKILL');
    const temp = leftovers(dir);
    expect(temp).toHaveLength(1);
    expect(temp[0]!.file).toMatch(/^\.run_epoch_2\.safetensors\.[0-9a-f]+\.tmp$/);
    expect(temp[0]!.size).toBeLessThan(statSync(join(dir, 'run_epoch_1.safetensors')).size);
    expect(await completeCheckpoints(dir)).toEqual([1]);
    const latest = await Solver.latestCheckpoint(join(dir, 'run'));
    expect(latest).toBe(join(dir, 'run_epoch_1.safetensors'));

    const resumed = await runChild({ mode: 'resume', path: latest });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.result).toEqual(reference.result);
  }, 120_000);

  test('killed at random moments, the latest checkpoint is always a complete earlier one and resumes to the same result', async () => {
    // kill times spread over the training (from the first iteration to the end), jittered
    const window = reference.ms - reference.firstCheckMs;
    const fractions = [0.15, 0.35, 0.55, 0.75].map((f) => f + 0.2 * Math.random());
    const trials = fractions.map((fraction) => async () => {
      const dir = tmp('solver-kill-random-');
      const afterMs = Math.round(fraction * window);
      const killed = await runChild({ mode: 'run', checkpointName: join(dir, 'run') }, { afterMs });
      const reported = killed.epochs.filter((e) => e.checkpoint !== null).map((e) => e.epoch);
      const epochs = await completeCheckpoints(dir);
      const label = `killed ${afterMs} ms after the first iteration (${killed.signal ?? `exit ${killed.code}`}), reported ${reported.join(',') || 'none'}, on disk ${epochs.join(',') || 'none'}, leftovers ${JSON.stringify(leftovers(dir))}`;
      // files appear in epoch order; one may be complete without having been reported yet
      expect(epochs, label).toEqual(epochs.length === 0 ? [] : Array.from({ length: epochs.length }, (_, i) => i + 1));
      expect(epochs.length - reported.length, label).toBeGreaterThanOrEqual(0);
      expect(epochs.length - reported.length, label).toBeLessThanOrEqual(1);
      const latest = await Solver.latestCheckpoint(join(dir, 'run'));
      if (latest === null) return `${label}: nothing to resume`;
      const resumed = await runChild({ mode: 'resume', path: latest });
      expect(resumed.code, `${label}\n${resumed.stderr}`).toBe(0);
      expect(resumed.result, label).toEqual(reference.result);
      return `${label}: resumed from epoch ${epochs.at(-1)}`;
    });
    // two at a time: the machine has two cores
    const reports: string[] = [];
    for (let i = 0; i < trials.length; i += 2) reports.push(...(await Promise.all(trials.slice(i, i + 2).map((trial) => trial()))));
    console.log(reports.join('\n'));
  }, 180_000);
});
