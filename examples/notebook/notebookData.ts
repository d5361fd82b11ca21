/**
 * The notebook's data as the sections see it, on any platform: the splits (CIFAR-10's, or the
 * labelled synthetic stand-in), where they came from, and how a copy of CIFAR-10 is split (cs231n's
 * 49000 / 1000 / 1000; on a partial copy such as the 4000-record subset, all but the last 1000
 * training records / those 1000). Reading the files is the platform's part: `data.ts` in Node, the
 * web page's worker in a browser.
 * @module
 */
import { Generator, fromArray } from '@tapegrad/core';
import type { CIFAR10Splits } from '@tapegrad/data';

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
export interface NotebookData extends Pick<CIFAR10Splits, 'XTrain' | 'yTrain' | 'XVal' | 'yVal' | 'XTest' | 'yTest'> {
  source: DataSource;
}

/** How many records of a CIFAR-10 copy go to each split. */
export interface SplitSizes {
  numTraining: number;
  numValidation: number;
  numTest: number;
  /** Whether it is the whole of CIFAR-10 (50000 training records or more). */
  full: boolean;
}

/**
 * The notebook's split of a CIFAR-10 copy with `trainRecords` training and `testRecords` test
 * records: 49000 / 1000 / 1000 for the whole, else all but the last 1000 training records / those
 * 1000 / at most 1000 test records.
 * @throws RangeError when there are fewer than 2000 training records.
 */
export function splitSizes(trainRecords: number, testRecords: number): SplitSizes {
  const full = trainRecords >= 50000;
  const numValidation = 1000;
  const numTraining = full ? 49000 : trainRecords - numValidation;
  if (numTraining < 1000) {
    throw new RangeError(`splitSizes: at least 2000 training records (got ${trainRecords})`);
  }
  return { numTraining, numValidation, numTest: Math.min(1000, testRecords), full };
}

/** The one-line description of CIFAR-10 data split by {@link splitSizes}, `where` being its folder or file names. */
export function cifarDescription(where: string, trainRecords: number, sizes: SplitSizes): string {
  const what = sizes.full ? 'CIFAR-10' : `a CIFAR-10 subset (${trainRecords} training records)`;
  const { numTraining, numValidation, numTest } = sizes;
  return `${what} from ${where}: train = records 0..${numTraining - 1}, val = ${numTraining}..${numTraining + numValidation - 1}, `
    + `test = test records 0..${numTest - 1}; the training split's mean image subtracted`;
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
