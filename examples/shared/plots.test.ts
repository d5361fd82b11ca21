import { describe, expect, it, vi } from 'vitest';
import { lineChartSpec, renderLineChart } from './plots.js';

const chart = {
  title: 'Final training loss vs. weight initialization scale',
  xTitle: 'Weight initialization scale',
  yTitle: 'Final training loss',
  xLog: true,
  yDomain: [1.0, 3.5] as [number, number],
  series: [
    { name: 'baseline', points: [{ x: 1e-4, y: 2.3026 }, { x: 1e-2, y: 1.2 }, { x: 1, y: 40 }] },
    { name: 'batchnorm', points: [{ x: 1e-4, y: 1.5 }, { x: 1e-2, y: 1.1 }, { x: 1, y: Infinity }] },
  ],
};

describe('line charts', () => {
  it('render to an SVG document with the title, the axis titles and the legend', async () => {
    const svg = await renderLineChart(chart);
    expect(svg.startsWith('<svg')).toBe(true);
    for (const text of [chart.title, chart.xTitle, chart.yTitle, 'baseline', 'batchnorm']) expect(svg).toContain(text);
    expect(svg).not.toMatch(/href="http/);
  });

  it('use a log x scale, the fixed y range and clipping, and leave out non-finite points', () => {
    const spec = lineChartSpec(chart) as unknown as { data: { values: { y: number }[] }; layer: { encoding: { x: { scale: { type?: string } }; y: { scale: { domain?: number[] } } }; mark: { clip?: boolean } }[] };
    expect(spec.layer[0]!.encoding.x.scale.type).toBe('log');
    expect(spec.layer[0]!.encoding.y.scale.domain).toEqual([1.0, 3.5]);
    expect(spec.layer.every((l) => l.mark.clip === true)).toBe(true);
    expect(spec.data.values).toHaveLength(5);
    expect(spec.data.values.every((v) => Number.isFinite(v.y))).toBe(true);
  });

  it('draw the y range asked for: the tick labels run from 1.0 to 3.5', async () => {
    const svg = await renderLineChart(chart);
    expect(svg).toContain('>1.0<');
    expect(svg).toContain('>3.5<');
  });

  it('compile without vega-lite warnings (one merged legend for colour and marker)', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      await renderLineChart({ ...chart, series: chart.series.map((s, i) => ({ ...s, marker: i === 0 ? '-o' as const : '-^' as const })) });
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});
