/**
 * In [11]: `data = get_CIFAR10_data()` and the shapes of its splits.
 * @module
 */
import { pyShape } from '../../shared/pyFormat.js';
import type { Section } from '../section.js';

export const loadData: Section = {
  id: 'data',
  title: 'Load the (preprocessed) CIFAR-10 data',
  cells: 'In [11]',
  about: 'getCIFAR10Data from @tapegrad/data: the training, validation and test splits, the mean training image subtracted.',
  trains: false,
  async run(ctx) {
    const data = await ctx.data();
    const splits = { X_train: data.XTrain, y_train: data.yTrain, X_val: data.XVal, y_val: data.yVal, X_test: data.XTest, y_test: data.yTest };
    for (const [k, v] of Object.entries(splits)) ctx.print(`${k}: ${pyShape(v.shape)}`);
    return {
      notes: [`Source: ${data.source.description}.`],
      values: { source: data.source, shapes: Object.fromEntries(Object.entries(splits).map(([k, v]) => [k, [...v.shape]])) },
    };
  },
};
