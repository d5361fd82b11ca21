/**
 * The page's live charts: a light line chart drawn as an SVG string (title, labelled axes with
 * ticks, a legend, a log x axis when asked), cheap enough to redraw on every animation frame while a
 * training runs. The finished figures are the report's vega SVGs; these only show it happening.
 * @module
 */

/** One line (or set of points). */
export interface ChartSeries {
  name: string;
  points: { x: number; y: number }[];
  /** Dashed line (validation curves). */
  dashed?: boolean;
  /** Circles at the points (default: when there are at most 60). */
  markers?: boolean;
  /** No line between the points. */
  noLine?: boolean;
  /** Index into the colour cycle (default: the series' index). */
  colorIndex?: number;
}

/** A chart. */
export interface ChartSpec {
  /** Unique on the page (the clip path's id is made from it). */
  id: string;
  title: string;
  xTitle: string;
  yTitle: string;
  series: ChartSeries[];
  xLog?: boolean;
  /** Fixed ranges (default: the data's, y made nice). */
  xDomain?: [number, number];
  yDomain?: [number, number];
  /** The drawing's width in its units (default 640; a narrow one keeps the text readable on a phone). */
  width?: number;
}

/** matplotlib's / vega's category10, as the report's figures. */
export const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

const WIDTH = 640, H = 300;
const M = { left: 58, right: 14, top: 30, bottom: 74 };
/** Points drawn per series at most (longer series are thinned evenly, their last point kept). */
const MAX_POINTS = 1000;

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** About `count` round tick values over [lo, hi]. */
function linearTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return ticks;
}

function tickText(v: number, log: boolean): string {
  if (log) return v.toExponential(0).replace('e+', 'e');
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(1);
  return String(Number(v.toPrecision(6)));
}

function thin(points: { x: number; y: number }[]): { x: number; y: number }[] {
  if (points.length <= MAX_POINTS) return points;
  const step = points.length / MAX_POINTS;
  const out = Array.from({ length: MAX_POINTS - 1 }, (_, i) => points[Math.floor(i * step)]!);
  out.push(points.at(-1)!);
  return out;
}

/** Where everything goes: the scales, the ticks and the legend's rows. */
interface Layout {
  W: number;
  x0: number; x1: number; y0: number; y1: number;
  xTicks: number[]; yTicks: number[];
  sx: (v: number) => number; sy: (v: number) => number;
  legend: { x: number; y: number }[];
  height: number;
}

const f = (v: number): string => v.toFixed(1);
const usable = (spec: ChartSpec) => (p: { x: number; y: number }): boolean => Number.isFinite(p.x) && Number.isFinite(p.y) && (!spec.xLog || p.x > 0);

function layout(spec: ChartSpec): Layout {
  const W = spec.width ?? WIDTH;
  const finite = spec.series.flatMap((s) => s.points).filter(usable(spec));
  const xs = finite.map((p) => (spec.xLog ? Math.log10(p.x) : p.x));
  const ys = finite.map((p) => p.y);
  let [x0, x1] = spec.xDomain ? (spec.xLog ? spec.xDomain.map(Math.log10) as [number, number] : spec.xDomain)
    : [Math.min(...xs, Infinity), Math.max(...xs, -Infinity)];
  if (!Number.isFinite(x0) || !Number.isFinite(x1)) [x0, x1] = [0, 1];
  if (x1 === x0) [x0, x1] = [x0 - 0.5, x1 + 0.5];
  let [y0, y1] = spec.yDomain ?? [Math.min(...ys, Infinity), Math.max(...ys, -Infinity)];
  if (!Number.isFinite(y0) || !Number.isFinite(y1)) [y0, y1] = [0, 1];
  if (y1 === y0) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  if (!spec.yDomain) [y0, y1] = [y0 - (y1 - y0) * 0.03, y1 + (y1 - y0) * 0.03];
  let yTicks = linearTicks(y0, y1);
  if (!spec.yDomain && yTicks.length > 1) {
    // widen to whole tick steps, so the highest and lowest points sit inside the frame
    const step = yTicks[1]! - yTicks[0]!;
    [y0, y1] = [Math.floor(y0 / step + 1e-9) * step, Math.ceil(y1 / step - 1e-9) * step];
    yTicks = linearTicks(y0, y1);
  }
  const xTicks = spec.xLog
    ? Array.from({ length: Math.floor(x1) - Math.ceil(x0) + 1 }, (_, i) => Math.ceil(x0) + i)
    : linearTicks(x0, x1, W < 500 ? 4 : 6);
  const pw = W - M.left - M.right, ph = H - M.top - M.bottom;
  const [a0, a1, b0, b1] = [x0, x1, y0, y1];
  // the legend: rows under the x title, as many as it takes
  const legendTop = H - M.bottom + 56;
  let lx = M.left, ly = legendTop;
  const legend = spec.series.map((s) => {
    const width = 28 + s.name.length * 6.2;
    if (lx + width > W - M.right && lx > M.left) {
      lx = M.left;
      ly += 15;
    }
    const at = { x: lx, y: ly };
    lx += width + 10;
    return at;
  });
  return {
    W, x0, x1, y0, y1, xTicks, yTicks, legend, height: Math.max(H, ly + 8),
    sx: (v) => M.left + ((v - a0) / (a1 - a0)) * pw,
    sy: (v) => M.top + (1 - (v - b0) / (b1 - b0)) * ph,
  };
}

const colorOf = (s: ChartSeries, i: number): string => COLORS[(s.colorIndex ?? i) % COLORS.length]!;

/** The data: one path (and circles) per series, inside the plot's clip. */
function marksSvg(spec: ChartSpec, l: Layout): string {
  const parts: string[] = [];
  spec.series.forEach((s, i) => {
    const color = colorOf(s, i);
    const pts = thin(s.points.filter(usable(spec))).map((p) => [l.sx(spec.xLog ? Math.log10(p.x) : p.x), l.sy(p.y)] as const);
    if (pts.length === 0) return;
    if (!s.noLine && pts.length > 1) {
      parts.push(`<path d="M${pts.map(([a, b]) => `${f(a)} ${f(b)}`).join('L')}" stroke="${color}"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    }
    if (s.markers ?? pts.length <= 60) {
      parts.push(`<g fill="${color}" stroke="none">${pts.map(([a, b]) => `<circle cx="${f(a)}" cy="${f(b)}" r="2.6"/>`).join('')}</g>`);
    }
  });
  return parts.join('');
}

/** Everything but the data: title, axes with ticks and titles, legend; `marks` goes inside the clip. */
function frameSvg(spec: ChartSpec, l: Layout, marks: string): string {
  const W = l.W;
  const pw = W - M.left - M.right, ph = H - M.top - M.bottom;
  const parts: string[] = [];
  const label = `${spec.title}: ${spec.yTitle} against ${spec.xTitle}`;
  const clip = `clip-${escapeXml(spec.id)}`;
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${l.height}" role="img" aria-label="${escapeXml(label)}">`);
  parts.push(`<title>${escapeXml(label)}</title>`);
  parts.push(`<rect width="${W}" height="${l.height}" fill="#fff"/>`);
  parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="${W < 500 ? 12 : 14}" font-weight="600">${escapeXml(spec.title)}</text>`);
  parts.push('<g font-size="11" fill="#444">');
  for (const t of l.yTicks) {
    if (t < l.y0 - 1e-12 || t > l.y1 + 1e-12) continue;
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${f(l.sy(t))}" y2="${f(l.sy(t))}" stroke="#e6e6e6"/>`);
    parts.push(`<text x="${M.left - 6}" y="${f(l.sy(t) + 4)}" text-anchor="end">${tickText(t, false)}</text>`);
  }
  for (const t of l.xTicks) {
    if (t < l.x0 - 1e-12 || t > l.x1 + 1e-12) continue;
    parts.push(`<line x1="${f(l.sx(t))}" x2="${f(l.sx(t))}" y1="${H - M.bottom}" y2="${H - M.bottom + 5}" stroke="#888"/>`);
    parts.push(`<text x="${f(l.sx(t))}" y="${H - M.bottom + 18}" text-anchor="middle">${tickText(spec.xLog ? 10 ** t : t, Boolean(spec.xLog))}</text>`);
  }
  parts.push('</g>');
  parts.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${M.left + pw / 2}" y="${H - M.bottom + 36}" text-anchor="middle" font-size="12">${escapeXml(spec.xTitle)}</text>`);
  parts.push(`<text transform="translate(15 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(spec.yTitle)}</text>`);
  parts.push(`<defs><clipPath id="${clip}"><rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}"/></clipPath></defs>`);
  parts.push(`<g class="marks" clip-path="url(#${clip})" fill="none" stroke-width="1.6">${marks}</g>`);
  parts.push('<g font-size="11">');
  spec.series.forEach((s, i) => {
    const { x, y } = l.legend[i]!;
    parts.push(`<line x1="${f(x)}" x2="${f(x + 18)}" y1="${y - 4}" y2="${y - 4}" stroke="${colorOf(s, i)}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    parts.push(`<text x="${f(x + 22)}" y="${y}">${escapeXml(s.name)}</text>`);
  });
  parts.push('</g></svg>');
  return parts.join('');
}

/** The chart as an SVG document (a `viewBox`, so it scales to its container's width). */
export function chartSvg(spec: ChartSpec): string {
  const l = layout(spec);
  return frameSvg(spec, l, marksSvg(spec, l));
}

/**
 * A chart in the page that is redrawn often: the frame (axes, ticks, legend) is rebuilt only when it
 * changes; otherwise only the data's few elements are replaced.
 */
export class SvgChart {
  private frameKey = '';
  private marks: Element | null = null;

  /** @param element - the container the SVG goes in. */
  constructor(readonly element: HTMLElement) {}

  update(spec: ChartSpec): void {
    const l = layout(spec);
    const key = JSON.stringify([l.W, spec.id, spec.title, spec.xTitle, spec.yTitle, spec.xLog, l.x0, l.x1, l.y0, l.y1, l.height,
      spec.series.map((s, i) => [s.name, colorOf(s, i), s.dashed])]);
    if (key === this.frameKey && this.marks !== null) {
      this.marks.innerHTML = marksSvg(spec, l);
      return;
    }
    this.element.innerHTML = frameSvg(spec, l, marksSvg(spec, l));
    this.marks = this.element.querySelector('g.marks');
    this.frameKey = key;
  }
}
