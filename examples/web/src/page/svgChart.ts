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
}

/** matplotlib's / vega's category10, as the report's figures. */
export const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

const W = 640, H = 300;
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

/** The chart as an SVG document (a `viewBox`, so it scales to its container's width). */
export function chartSvg(spec: ChartSpec): string {
  const finite = spec.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!spec.xLog || p.x > 0));
  const xs = finite.map((p) => (spec.xLog ? Math.log10(p.x) : p.x));
  const ys = finite.map((p) => p.y);
  let [x0, x1] = spec.xDomain ? (spec.xLog ? spec.xDomain.map(Math.log10) as [number, number] : spec.xDomain)
    : [Math.min(...xs, Infinity), Math.max(...xs, -Infinity)];
  if (!Number.isFinite(x0) || !Number.isFinite(x1)) [x0, x1] = [0, 1];
  if (x1 === x0) [x0, x1] = [x0 - 0.5, x1 + 0.5];
  let [y0, y1] = spec.yDomain ?? [Math.min(...ys, Infinity), Math.max(...ys, -Infinity)];
  if (!Number.isFinite(y0) || !Number.isFinite(y1)) [y0, y1] = [0, 1];
  if (y1 === y0) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const yTicks = linearTicks(y0, y1);
  if (!spec.yDomain) [y0, y1] = [Math.min(y0, yTicks[0]!), Math.max(y1, yTicks.at(-1)!)];
  const xTicks = spec.xLog
    ? Array.from({ length: Math.floor(x1) - Math.ceil(x0) + 1 }, (_, i) => Math.ceil(x0) + i)
    : linearTicks(x0, x1, 6);
  const pw = W - M.left - M.right, ph = H - M.top - M.bottom;
  const sx = (v: number) => M.left + ((v - x0) / (x1 - x0)) * pw;
  const sy = (v: number) => M.top + (1 - (v - y0) / (y1 - y0)) * ph;
  const f = (v: number) => v.toFixed(1);
  const parts: string[] = [];
  const label = `${spec.title}: ${spec.yTitle} against ${spec.xTitle}`;
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeXml(label)}">`);
  parts.push(`<title>${escapeXml(label)}</title>`);
  parts.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="14" font-weight="600">${escapeXml(spec.title)}</text>`);
  parts.push(`<g font-size="11" fill="#444">`);
  for (const t of yTicks) {
    if (t < y0 - 1e-12 || t > y1 + 1e-12) continue;
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${f(sy(t))}" y2="${f(sy(t))}" stroke="#e6e6e6"/>`);
    parts.push(`<text x="${M.left - 6}" y="${f(sy(t) + 4)}" text-anchor="end">${tickText(t, false)}</text>`);
  }
  for (const t of xTicks) {
    if (t < x0 - 1e-12 || t > x1 + 1e-12) continue;
    const v = spec.xLog ? 10 ** t : t;
    parts.push(`<line x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${H - M.bottom}" y2="${H - M.bottom + 5}" stroke="#888"/>`);
    parts.push(`<text x="${f(sx(t))}" y="${H - M.bottom + 18}" text-anchor="middle">${tickText(v, Boolean(spec.xLog))}</text>`);
  }
  parts.push('</g>');
  parts.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${M.left + pw / 2}" y="${H - M.bottom + 36}" text-anchor="middle" font-size="12">${escapeXml(spec.xTitle)}</text>`);
  parts.push(`<text transform="translate(15 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(spec.yTitle)}</text>`);
  parts.push(`<defs><clipPath id="clip-${escapeXml(spec.id)}"><rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}"/></clipPath></defs>`);
  parts.push(`<g clip-path="url(#clip-${escapeXml(spec.id)})" fill="none" stroke-width="1.6">`);
  spec.series.forEach((s, i) => {
    const color = COLORS[(s.colorIndex ?? i) % COLORS.length]!;
    const pts = thin(s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!spec.xLog || p.x > 0)))
      .map((p) => [sx(spec.xLog ? Math.log10(p.x) : p.x), sy(p.y)] as const);
    if (pts.length === 0) return;
    if (!s.noLine && pts.length > 1) {
      parts.push(`<path d="M${pts.map(([a, b]) => `${f(a)} ${f(b)}`).join('L')}" stroke="${color}"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    }
    if (s.markers ?? pts.length <= 60) {
      parts.push(`<g fill="${color}" stroke="none">${pts.map(([a, b]) => `<circle cx="${f(a)}" cy="${f(b)}" r="2.6"/>`).join('')}</g>`);
    }
  });
  parts.push('</g>');
  // legend: rows under the x title, as many as it takes
  const legendTop = H - M.bottom + 56;
  let lx = M.left, row = 0;
  parts.push('<g font-size="11">');
  spec.series.forEach((s, i) => {
    const color = COLORS[(s.colorIndex ?? i) % COLORS.length]!;
    const width = 28 + s.name.length * 6.2;
    if (lx + width > W - M.right && lx > M.left) {
      lx = M.left;
      row += 1;
    }
    const ly = legendTop + row * 15;
    parts.push(`<line x1="${f(lx)}" x2="${f(lx + 18)}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    parts.push(`<text x="${f(lx + 22)}" y="${ly}">${escapeXml(s.name)}</text>`);
    lx += width + 10;
  });
  parts.push('</g></svg>');
  const height = Math.max(H, legendTop + row * 15 + 8);
  return parts.join('').replace(`viewBox="0 0 ${W} ${H}"`, `viewBox="0 0 ${W} ${height}"`).replace(`<rect width="${W}" height="${H}"`, `<rect width="${W}" height="${height}"`);
}
