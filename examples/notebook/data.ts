/**
 * The notebook's `data = get_CIFAR10_data()` in Node: CIFAR-10 found as @tapegrad/data resolves it
 * (`--data DIR`, `$CIFAR10_DIR`, the cache, a download), split as cs231n splits it (see
 * `splitSizes` in notebookData.ts), or, when no CIFAR-10 can be had, the labelled synthetic
 * stand-in. Node only (it reads files); the web page loads its data in its worker.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CIFAR10_RECORD_BYTES, DataError, formatProgressLine, getCIFAR10Data, resolveCIFAR10Dir, type DownloadProgress,
} from '@tapegrad/data';
import { cifarDescription, splitSizes, syntheticData, type NotebookData } from './notebookData.js';

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
  if (trainRecords < 2000) {
    throw new DataError(`loadNotebookData: at least 2000 training records in ${dir} (got ${trainRecords})`);
  }
  const sizes = splitSizes(trainRecords, countTestRecords(dir));
  const { numTraining, numValidation, numTest } = sizes;
  const splits = await getCIFAR10Data({ dir, numTraining, numValidation, numTest, dtype: 'float32' });
  return {
    XTrain: splits.XTrain, yTrain: splits.yTrain, XVal: splits.XVal, yVal: splits.yVal, XTest: splits.XTest, yTest: splits.yTest,
    source: { kind: 'cifar10', dir, reason: null, description: cifarDescription(dir, trainRecords, sizes) },
  };
}
