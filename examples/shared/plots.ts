/**
 * The notebook's matplotlib figures as vega-lite charts, rendered to SVG in Node by vega (no
 * canvas, no browser, no network): lines or markers per series, a log x axis (`semilogx`), a fixed
 * y range that clips (`set_ylim`), matplotlib's colour cycle (category10) in the order the series
 * were plotted.
 * @module
 */
import type { TopLevelSpec } from 'vega-lite';

/** One plotted line: `plt.plot(xs, ys, marker, label=name)`. */
export interface Series {
  name: string;
  /** The points; non-finite y values are left out, as matplotlib leaves them out. */
  points: { x: number; y: number }[];
  /** `-o` (line and circles), `o` (circles only), `-^` (line and triangles). Default `-o`. */
  marker?: '-o' | 'o' | '-^';
}

/** A chart: `plt.title`, `plt.xlabel`, `plt.ylabel`, the series, and the axes' options. */
export interface LineChart {
  title: string;
  xTitle: string;
  yTitle: string;
  series: Series[];
  /** `plt.semilogx`: a log x scale. */
  xLog?: boolean;
  /** Whole-number x ticks (iterations, epochs). */
  xInteger?: boolean;
  /** `plt.gca().set_ylim(lo, hi)`: a fixed y range; marks outside it are clipped. */
  yDomain?: [number, number];
  /** Width of the plotting area in px (default 760). */
  width?: number;
  /** Height of the plotting area in px (default 230). */
  height?: number;
}

/** The series as vega-lite rows, in plotting order. */
function rows(chart: LineChart): { series: string; order: number; x: number; y: number }[] {
  return chart.series.flatMap((s, order) =>
    s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).map((p) => ({ series: s.name, order, x: p.x, y: p.y })),
  );
}

/** The vega-lite spec of a chart (exported for tests). */
export function lineChartSpec(chart: LineChart): TopLevelSpec {
  const names = chart.series.map((s) => s.name);
  const color = { field: 'series', type: 'nominal', title: null, scale: { domain: names, scheme: 'category10' },
    legend: { orient: 'bottom', direction: 'horizontal' } } as const;
  const x = {
    field: 'x', type: 'quantitative', title: chart.xTitle,
    scale: chart.xLog ? { type: 'log' } : { zero: false, nice: false },
    axis: chart.xLog ? { format: '.0e', tickCount: 5 } : chart.xInteger ? { format: 'd', tickMinStep: 1 } : {},
  } as const;
  const y = {
    field: 'y', type: 'quantitative', title: chart.yTitle,
    scale: chart.yDomain ? { domain: chart.yDomain, zero: false, nice: false } : { zero: false, nice: true },
  } as const;
  // the legend shows each series' marker: a shape scale over the series, in plotting order; its
  // legend is the colour's (same field, same settings), so vega-lite merges the two without a warning
  const shape = { field: 'series', type: 'nominal', title: null, legend: color.legend,
    scale: { domain: names, range: chart.series.map((s) => (s.marker === '-^' ? 'triangle-up' : 'circle')) } } as const;
  const layers = chart.series.map((s) => {
    const marker = s.marker ?? '-o';
    const filter = { filter: { field: 'series', equal: s.name } };
    const point = { type: 'point', filled: true, size: marker === 'o' ? 14 : 40, clip: true, opacity: 0.85 } as const;
    return marker === 'o'
      ? { transform: [filter], mark: point, encoding: { x, y, color, shape } }
      : { transform: [filter], mark: { type: 'line', clip: true, strokeWidth: 1.5, point: point }, encoding: { x, y, color, shape, order: { field: 'x' } } };
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: chart.title, fontSize: 14 },
    width: chart.width ?? 760,
    height: chart.height ?? 230,
    background: 'white',
    data: { values: rows(chart) },
    layer: layers,
    config: { font: 'DejaVu Sans, Helvetica, Arial, sans-serif', view: { stroke: '#888' } },
  } as TopLevelSpec;
}

/** vega and vega-lite, loaded on the first render: a run's first figure comes long after its start. */
let plotting: Promise<[typeof import('vega'), typeof import('vega-lite')]> | null = null;

/** Renders a chart to a standalone SVG document. */
export async function renderLineChart(chart: LineChart): Promise<string> {
  plotting ??= Promise.all([import('vega'), import('vega-lite')]);
  const [vega, { compile }] = await plotting;
  const view = new vega.View(vega.parse(compile(lineChartSpec(chart)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
