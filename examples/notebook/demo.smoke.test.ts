/**
 * The CI smoke test of `pnpm demo`: the built demo with --quick on the CIFAR-10 subset beside the
 * repository (generated CIFAR-format files when it is absent), then the report's files and numbers,
 * and, when Chromium is installed, the report rendered and screenshotted.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '@tapegrad/test-support/browser';
import { writeGeneratedCifar } from '../test-utils/cifarFiles.js';
import { builtMain, builtScreenshot, cifarSubsetDir, requireBuilt } from '../test-utils/paths.js';
import { sections } from './sections/index.js';

const run = promisify(execFile);

interface Results {
  quick: boolean;
  source: { kind: string; dir: string };
  config: { deepNets: { numTrain: number; batchSize: number; numEpochs: number }; weightScale: { numScales: number; numEpochs: number; numTrain: number; batchSize: number } };
  sections: { id: string; status: string; text: string; figures: { id: string; file: string }[]; values: Record<string, unknown> }[];
}

let tmp = '';
let runDir = '';
let stdout = '';
let results: Results;
let html = '';
const subset = cifarSubsetDir();

beforeAll(async () => {
  requireBuilt();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tapegrad-demo-smoke-'));
  const data = subset ?? writeGeneratedCifar(path.join(tmp, 'generated-cifar'));
  const out = await run(process.execPath, [builtMain, '--quick', '--data', data, '--out', tmp, '--run', 'smoke'], {
    maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CIFAR10_DIR: '' },
  });
  stdout = out.stdout;
  runDir = path.join(tmp, 'smoke');
  results = JSON.parse(fs.readFileSync(path.join(runDir, 'results.json'), 'utf8')) as Results;
  html = fs.readFileSync(path.join(runDir, 'index.html'), 'utf8');
}, 600_000);

afterAll(() => {
  if (tmp !== '') fs.rmSync(tmp, { recursive: true, force: true });
});

const section = (id: string) => {
  const s = results.sections.find((x) => x.id === id);
  if (s === undefined) throw new Error(`no section ${id} in results.json`);
  return s;
};

describe(`pnpm demo --quick on ${subset === null ? 'generated CIFAR-format files' : 'the CIFAR-10 subset'}`, () => {
  it('runs every section of the notebook, in order, and none fails', () => {
    expect(results.sections.map((s) => s.id)).toEqual(sections.map((s) => s.id));
    for (const s of results.sections) expect(`${s.id}: ${s.status}`).toBe(`${s.id}: ok`);
    expect(results.quick).toBe(true);
    expect(results.source.kind).toBe('cifar10');
    expect(stdout).toContain(`Report: ${path.join(runDir, 'index.html')}`);
  });

  it('splits the subset as the notebook does: train = the first 3000 records, val = the next 1000', () => {
    expect(section('data').text.split('\n')).toEqual([
      'X_train: (3000, 3, 32, 32)', 'y_train: (3000,)', 'X_val: (1000, 3, 32, 32)', 'y_val: (1000,)', 'X_test: (1000, 3, 32, 32)', 'y_test: (1000,)',
    ]);
  });

  it('prints the notebook\'s batchnorm forward and test-time stats', () => {
    const text = section('bn-forward').text;
    expect(text).toContain('  means: [ -2.3814598  -13.18038246   1.91780462]\n  stds:  [27.18502186 34.21455511 37.68611762]');
    expect(text).toContain('  means: [11. 12. 13.]\n  stds:  [0.99999999 1.99999999 2.99999999]');
    expect(section('bn-test-time').text).toContain('  means: [-0.03927354 -0.04349152 -0.10452688]\n  stds:  [1.01531428 1.01238373 0.97819988]');
    expect(section('fc-gradcheck').text).toContain('Initial loss:  2.2611955101340957');
  });

  it('keeps histories of the Solver\'s lengths: one loss per iteration, one accuracy per epoch and one before', () => {
    const { numTrain, batchSize, numEpochs } = results.config.deepNets;
    const deep = section('deep-nets').values as Record<string, { lossHistory: number[]; trainAccHistory: number[]; valAccHistory: number[] }>;
    for (const r of [deep['batchnorm']!, deep['baseline']!]) {
      expect(r.lossHistory).toHaveLength(numEpochs * Math.floor(numTrain / batchSize));
      expect(r.trainAccHistory).toHaveLength(numEpochs + 1);
      expect(r.valAccHistory).toHaveLength(numEpochs + 1);
      for (const a of [...r.trainAccHistory, ...r.valAccHistory]) expect(a >= 0 && a <= 1).toBe(true);
    }
    expect(section('deep-nets').text).toMatch(/^Solver with batch norm:\n\(Iteration 1 \/ \d+\) loss: \d\.\d{6}\n\(Epoch 0 \/ \d+\) train acc: \d\.\d{6}; val_acc: \d\.\d{6}/);
    const ws = section('weight-scale').values as { scales: number[]; bnBestValAccs: number[]; finalTrainLoss: number[] };
    expect(ws.scales).toHaveLength(results.config.weightScale.numScales);
    expect(ws.scales[0]).toBeCloseTo(1e-4, 12);
    expect(ws.scales.at(-1)).toBe(1);
    expect(ws.bnBestValAccs).toHaveLength(ws.scales.length);
    for (const id of ['batch-size-bn', 'batch-size-ln']) {
      const v = section(id).values as { batchSizes: number[]; finalTrainAcc: number[] };
      expect(v.batchSizes).toEqual([5, 10, 50]);
      expect(v.finalTrainAcc).toHaveLength(3);
    }
  });

  it.skipIf(subset === null)('on the subset, the convnet with spatial batchnorm beats the best FullyConnectedNet of the run', () => {
    expect(section('convnets').values['bnBeatsFc']).toBe(true);
  });

  it('writes one self-contained HTML report with every section, every figure inline, and the answers', () => {
    for (const s of sections) expect(html).toContain(`<section id="${s.id}" data-status="ok">`);
    const figures = results.sections.flatMap((s) => s.figures);
    expect(figures.map((f) => f.id)).toEqual([
      'deep-nets-loss', 'deep-nets-train-acc', 'deep-nets-val-acc',
      'weight-scale-val-acc', 'weight-scale-train-acc', 'weight-scale-loss',
      'batchnorm-batch-size-train-acc', 'batchnorm-batch-size-val-acc',
      'layernorm-batch-size-train-acc', 'layernorm-batch-size-val-acc',
      'convnets-loss', 'convnets-train-acc', 'convnets-val-acc',
    ]);
    expect(html.match(/<svg[\s>]/g)).toHaveLength(figures.length);
    for (const f of figures) expect(fs.readFileSync(path.join(runDir, f.file), 'utf8').startsWith('<svg')).toBe(true);
    expect(html).not.toMatch(/<script|<link|<img|(src|href)="https?:/i);
    for (const q of [1, 2, 3, 4]) expect(html).toContain(`Inline question ${q}:`);
  });

  it('renders in headless Chromium (when it is installed) and saves screenshots', async (t) => {
    const chromium = findChromium();
    if (chromium === null) {
      t.skip();
      return;
    }
    const shots = path.join(runDir, 'screenshots');
    await run(process.execPath, [builtScreenshot, path.join(runDir, 'index.html'), '--out', shots, '--section', 'weight-scale'], { timeout: 240_000 });
    for (const name of ['top', 'weight-scale']) {
      const png = fs.readFileSync(path.join(shots, `${name}.png`));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(png.length).toBeGreaterThan(20_000);
    }
  }, 300_000);
});

describe('pnpm demo with no CIFAR-10 to be had', () => {
  it('says so plainly and runs on the labelled synthetic stand-in', async () => {
    requireBuilt();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tapegrad-demo-offline-'));
    try {
      const env = { ...process.env, CIFAR10_DIR: '', TAPEGRAD_DATA: path.join(dir, 'empty-cache') };
      const out = await run(process.execPath, [builtMain, '--no-download', '--only', 'data', '--out', dir, '--run', 'offline'], { env });
      expect(out.stderr).toContain('No CIFAR-10 here');
      expect(out.stderr).toContain('SYNTHETIC STAND-IN');
      const results = JSON.parse(fs.readFileSync(path.join(dir, 'offline', 'results.json'), 'utf8')) as Results;
      expect(results.source.kind).toBe('synthetic');
      expect(fs.readFileSync(path.join(dir, 'offline', 'index.html'), 'utf8')).toContain('Synthetic stand-in, not CIFAR-10');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
