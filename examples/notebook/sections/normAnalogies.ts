/**
 * Inline question 3, answered by measurement: which of four image preprocessing steps is like batch
 * normalization (each output depends on the same feature of the other images in the batch) and which
 * like layer normalization (it depends on other features of the same image)? Each step is applied to
 * real training images, then one other image, or one other pixel of the same image, is changed, and
 * whether a probe output moves is recorded.
 * @module
 */
import type { Section } from '../section.js';

const C = 3, S = 32, P = C * S * S;
const at = (c: number, r: number, q: number) => (c * S + r) * S + q;

type Step = (X: Float64Array, n: number) => Float64Array;

/** The notebook's four steps, on n positive images [n, 3, 32, 32]. */
function steps(threshold: number): { text: string; f: Step }[] {
  return [
    {
      text: 'Scaling each image in the dataset, so that the RGB channels for each row of pixels within an image sums up to 1.',
      f: (X, n) => {
        const Y = new Float64Array(X.length);
        for (let i = 0; i < n; i++) {
          for (let r = 0; r < S; r++) {
            let sum = 0;
            for (let c = 0; c < C; c++) for (let q = 0; q < S; q++) sum += X[i * P + at(c, r, q)]!;
            for (let c = 0; c < C; c++) for (let q = 0; q < S; q++) Y[i * P + at(c, r, q)] = X[i * P + at(c, r, q)]! / sum;
          }
        }
        return Y;
      },
    },
    {
      text: 'Scaling each image in the dataset, so that the RGB channels for all pixels within an image sums up to 1.',
      f: (X, n) => {
        const Y = new Float64Array(X.length);
        for (let i = 0; i < n; i++) {
          let sum = 0;
          for (let k = 0; k < P; k++) sum += X[i * P + k]!;
          for (let k = 0; k < P; k++) Y[i * P + k] = X[i * P + k]! / sum;
        }
        return Y;
      },
    },
    {
      text: 'Subtracting the mean image of the dataset from each image in the dataset.',
      f: (X, n) => {
        const mean = new Float64Array(P);
        for (let i = 0; i < n; i++) for (let k = 0; k < P; k++) mean[k]! += X[i * P + k]! / n;
        return X.map((v, j) => v - mean[j % P]!);
      },
    },
    {
      text: 'Setting all RGB values to either 0 or 1 depending on a given threshold.',
      f: (X) => X.map((v) => (v > threshold ? 1 : 0)),
    },
  ];
}

export const normAnalogies: Section = {
  id: 'norm-analogies',
  title: 'Inline question 3: preprocessing steps like batch and layer normalization',
  cells: 'Inline Question 3',
  about:
    'Each preprocessing step is applied to the first 100 training images (shifted to be positive). Then image 1 is scaled by 1.5, '
    + 'or one other pixel of image 0 (same pixel row, another channel and column) is raised, and we look whether the value of image 0 '
    + 'at channel 0, row 5, column 7 changes: a step whose output moves with other images normalizes across the batch, like batchnorm; '
    + 'one whose output moves with other features of the same image normalizes within the sample, like layernorm.',
  trains: false,
  async run(ctx) {
    const data = await ctx.data();
    const n = 100;
    const raw = data.XTrain.index(Int32Array.from({ length: n }, (_, i) => i)).toFloat64Array(); // the first n images only
    const min = raw.reduce((a, b) => Math.min(a, b), Infinity);
    const X = raw.map((v) => v - min + 1);
    const sorted = Float64Array.from(X).sort();
    const threshold = sorted[sorted.length >> 1]!;
    const probe = at(0, 5, 7);
    const table: { step: number; acrossBatch: boolean; withinSample: boolean; analogous: 'batchnorm' | 'layernorm' | 'both' | 'neither' }[] = [];
    for (const [k, step] of steps(threshold).entries()) {
      const base = step.f(X, n)[probe]!;
      const otherImage = Float64Array.from(X);
      for (let j = P; j < 2 * P; j++) otherImage[j]! *= 1.5;
      const otherFeature = Float64Array.from(X);
      otherFeature[at(1, 5, 20)]! += 50;
      const acrossBatch = step.f(otherImage, n)[probe] !== base;
      const withinSample = step.f(otherFeature, n)[probe] !== base;
      const analogous = acrossBatch ? (withinSample ? 'both' : 'batchnorm') : withinSample ? 'layernorm' : 'neither';
      table.push({ step: k + 1, acrossBatch, withinSample, analogous });
      ctx.print(`${k + 1}. output moves with another image: ${acrossBatch ? 'yes' : 'no '}  with another feature of the same image: ${withinSample ? 'yes' : 'no '}  -> ${analogous}`);
    }
    const list = (kind: string) => table.filter((t) => t.analogous === kind).map((t) => t.step).join(', ') || 'none';
    return {
      answers: [{
        question: 'Inline question 3: which of these data preprocessing steps is analogous to batch normalization, and which is analogous to layer normalization? '
          + steps(0).map((s, i) => `${i + 1}. ${s.text}`).join(' '),
        answer: [
          `Batch normalization: ${list('batchnorm')}. Layer normalization: ${list('layernorm')}. Neither: ${list('neither')}.`
          + (table.some((t) => t.analogous === 'both') ? ` Both at once: ${list('both')}.` : ''),
          'The steps marked batchnorm compute their statistic per feature over the images of the batch (the mean image), as batchnorm does per '
          + 'feature over the samples; those marked layernorm compute it over the features of one image (a row of it, or all of it), as layernorm does '
          + 'over the features of one sample; a fixed threshold uses no statistic at all.',
        ],
      }],
      values: { table, threshold },
    };
  },
};
