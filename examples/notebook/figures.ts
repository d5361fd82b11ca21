/**
 * The notebook's plotting helpers: `plot_training_history` (In [37]) and the sweeps' plots, as
 * vega-lite charts rendered to SVG.
 * @module
 */
import { renderLineChart, type Series } from '../shared/plots.js';
import type { Figure } from './section.js';
import type { RunResult } from './training.js';

/**
 * cs231n's `plot_training_history(title, label, baseline, bn_solvers, plot_fn, bl_marker, bn_marker,
 * labels)`: one series per normalized run (`with_norm` + label), then the baseline (`baseline` +
 * the first label), each against its index (iteration or epoch).
 */
export async function plotTrainingHistory(opts: {
  id: string;
  title: string;
  xTitle: string;
  yTitle: string;
  baseline: RunResult;
  normalized: RunResult[];
  pick: (r: RunResult) => number[];
  blMarker: Series['marker'];
  bnMarker: Series['marker'];
  labels?: (string | number)[];
}): Promise<Figure> {
  const indexed = (ys: number[]) => ys.map((y, x) => ({ x, y }));
  const series: Series[] = opts.normalized.map((r, i) => ({
    name: `with_norm${opts.labels ? String(opts.labels[i]) : ''}`,
    points: indexed(opts.pick(r)),
    marker: opts.bnMarker,
  }));
  series.push({ name: `baseline${opts.labels ? String(opts.labels[0]) : ''}`, points: indexed(opts.pick(opts.baseline)), marker: opts.blMarker });
  const svg = await renderLineChart({ title: opts.title, xTitle: opts.xTitle, yTitle: opts.yTitle, series, xInteger: true });
  return { id: opts.id, title: opts.title, svg };
}
