/**
 * The notebook's `data = get_CIFAR10_data()`: CIFAR-10 found as @tapegrad/data resolves it (`--data
 * DIR`, `$CIFAR10_DIR`, the cache, a download), split as cs231n splits it (49000 / 1000 / 1000; on a
 * partial copy such as the 4000-record subset, all but the last 1000 training records / those 1000),
 * or, when no CIFAR-10 can be had, a synthetic stand-in of the same shapes, clearly labelled.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Generator, fromArray, type Tensor } from '@tapegrad/core';
import {
  CIFAR10_RECORD_BYTES, DataError, formatProgressLine, getCIFAR10Data, resolveCIFAR10Dir, type DownloadProgress,
} from '@tapegrad/data';

/** Where the images came from. */
export interface DataSource {
  kind: 'cifar10' | 'synthetic';
  /** The folder of the binary files (CIFAR-10 only). */
  dir: string | null;
  /** One line for the terminal and the report. */
  description: string;
  /** Why CIFAR-10 was not used (synthetic only). */
  reason: string | null;
}

/** The splits the sections train on, float32 images [N, 3, 32, 32] (mean image subtracted) and int32 labels. */
export interface NotebookData {
  XTrain: Tensor;
  yTrain: Tensor;
  XVal: Tensor;
  yVal: Tensor;
  XTest: Tensor;
  yTest: Tensor;
  source: DataSource;
}

/** How to find the data: the `--data` folder, or null to look in $CIFAR10_DIR, the cache, then download. */
export interface LoadOptions {
  dir: string | null;
  /** Skip CIFAR-10 and use the synthetic stand-in (`--synthetic`). */
  synthetic: boolean;
  /** Whether to download CIFAR-10 when it is nowhere else (false: `--no-download`). */
  download: boolean;
  /** Lines about the search and the download (progress included). */
  log: (line: string) => void;
}

/** Records in the data_batch files of `dir` (each file's size / 3073). */
function countTrainRecords(dir: string): number {
  let n = 0;
  for (let i = 1; i <= 5; i++) {
    const file = path.join(dir, `data_batch_${i}.bin`);
    if (fs.existsSync(file)) n += Math.floor(fs.statSync(file).size / CIFAR10_RECORD_BYTES);
  }
  return n;
}

function countTestRecords(dir: string): number {
  return Math.floor(fs.statSync(path.join(dir, 'test_batch.bin')).size / CIFAR10_RECORD_BYTES);
}

/** A download progress reporter that prints at most one line per 10% (the bar is the data package's on a TTY). */
function downloadLogger(log: (line: string) => void): (p: DownloadProgress) => void {
  let lastTenth = -1;
  return (p) => {
    const tenth = p.total ? Math.floor((10 * p.received) / p.total) : -1;
    if (p.done || tenth > lastTenth) {
      lastTenth = tenth;
      log(formatProgressLine('downloading CIFAR-10', p));
    }
  };
}

/**
 * Loads the notebook's data. An explicit `dir` or `$CIFAR10_DIR` that holds no CIFAR-10 is an error;
 * when nothing was named and neither the cache nor a download gives CIFAR-10, the synthetic stand-in
 * is used and the reason is said.
 */
export async function loadNotebookData(opts: LoadOptions): Promise<NotebookData> {
  if (opts.synthetic) return syntheticData('--synthetic was given');
  const named = opts.dir !== null || Boolean(process.env['CIFAR10_DIR']);
  let dir: string;
  try {
    dir = await resolveCIFAR10Dir({
      ...(opts.dir !== null ? { dir: opts.dir } : {}),
      download: opts.download,
      onProgress: downloadLogger(opts.log),
    });
  } catch (err) {
    if (named || !(err instanceof DataError)) throw err;
    return syntheticData(err.message);
  }
  const trainRecords = countTrainRecords(dir);
  const full = trainRecords >= 50000;
  const numValidation = 1000;
  const numTraining = full ? 49000 : trainRecords - numValidation;
  if (numTraining < 1000) {
    throw new DataError(`loadNotebookData: at least 2000 training records in ${dir} (got ${trainRecords})`);
  }
  const numTest = Math.min(1000, countTestRecords(dir));
  const splits = await getCIFAR10Data({ dir, numTraining, numValidation, numTest, dtype: 'float32' });
  const what = full ? 'CIFAR-10' : `a CIFAR-10 subset (${trainRecords} training records)`;
  return {
    XTrain: splits.XTrain, yTrain: splits.yTrain, XVal: splits.XVal, yVal: splits.yVal, XTest: splits.XTest, yTest: splits.yTest,
    source: {
      kind: 'cifar10', dir, reason: null,
      description: `${what} from ${dir}: train = records 0..${numTraining - 1}, val = ${numTraining}..${numTraining + numValidation - 1}, `
        + `test = test records 0..${numTest - 1}; the training split's mean image subtracted`,
    },
  };
}

/**
 * The synthetic stand-in: 10 classes of 32×32 RGB images, each class a smooth random template (a
 * random 3×4×4 image upsampled), each image its class's template at a random contrast plus noise,
 * mean image subtracted; 3000 / 1000 / 1000 images. Learnable but far from trivial, so that the
 * experiments' comparisons still mean something; they say nothing about CIFAR-10.
 */
export function syntheticData(reason: string): NotebookData {
  const gen = new Generator(20231);
  const classes = 10, coarse = 4, side = 32, channels = 3, pixels = channels * side * side;
  const templates = gen.randn([classes, channels, coarse, coarse], { dtype: 'float64' }).toFloat64Array();
  const make = (n: number): { X: Float32Array; y: Int32Array } => {
    const y = Int32Array.from(gen.randint(0, classes, [n]).toFloat64Array());
    const contrast = gen.uniform(0.5, 1.5, [n], { dtype: 'float64' }).toFloat64Array();
    const noise = gen.randn([n, pixels], { dtype: 'float64' }).toFloat64Array();
    const X = new Float32Array(n * pixels);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < channels; c++) {
        for (let r = 0; r < side; r++) {
          for (let q = 0; q < side; q++) {
            const t = templates[((y[i]! * channels + c) * coarse + Math.floor(r / 8)) * coarse + Math.floor(q / 8)]!;
            const k = (c * side + r) * side + q;
            X[i * pixels + k] = 40 * (contrast[i]! * t + 2.5 * noise[i * pixels + k]!);
          }
        }
      }
    }
    return { X, y };
  };
  const [train, val, test] = [make(3000), make(1000), make(1000)];
  const mean = new Float64Array(pixels);
  for (let i = 0; i < 3000; i++) for (let k = 0; k < pixels; k++) mean[k]! += train.X[i * pixels + k]!;
  for (let k = 0; k < pixels; k++) mean[k]! /= 3000;
  for (const s of [train, val, test]) for (let k = 0; k < s.X.length; k++) s.X[k]! -= mean[k % pixels]!;
  const images = (s: { X: Float32Array }) => fromArray(s.X, [s.X.length / pixels, channels, side, side]);
  const labels = (s: { y: Int32Array }) => fromArray(s.y, [s.y.length]);
  return {
    XTrain: images(train), yTrain: labels(train), XVal: images(val), yVal: labels(val), XTest: images(test), yTest: labels(test),
    source: {
      kind: 'synthetic', dir: null, reason,
      description: 'SYNTHETIC STAND-IN, NOT CIFAR-10: 10 classes of generated 32×32 images (smooth class templates plus noise), '
        + '3000 train / 1000 val / 1000 test; every number below is about these made-up images',
    },
  };
}
