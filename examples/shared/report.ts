/**
 * The run's report: one self-contained HTML page (styles and SVG figures inline, no script, nothing
 * fetched when it is viewed) with every section's printout, figures, remarks and answers.
 * @module
 */

/** A figure as the report shows it. */
export interface ReportFigure {
  id: string;
  title: string;
  svg: string;
}

/** One section of the report. */
export interface ReportSection {
  id: string;
  title: string;
  cells: string;
  about: string;
  /** `ok`, or `failed` with the error in `message`. */
  status: 'ok' | 'failed';
  message: string | null;
  /** What the section printed. */
  text: string;
  details: string | null;
  notes: string[];
  figures: ReportFigure[];
  answers: { question: string; answer: string[] }[];
  seconds: number;
}

/** What the report says about the run as a whole. */
export interface ReportMeta {
  title: string;
  /** The command line that made it. */
  command: string;
  startedAt: string;
  totalSeconds: number;
  /** Where the data came from. */
  data: string;
  /** Whether the data is the synthetic stand-in (a warning banner). */
  synthetic: boolean;
  /** Why it is (the reason CIFAR-10 was not used). */
  syntheticReason: string | null;
  quick: boolean;
  /** Worker threads and cores. */
  machine: string;
}

/** HTML-escapes text. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const STYLE = `
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #1d1d1f; margin: 0; background: #f6f6f4; }
main { max-width: 1060px; margin: 0 auto; padding: 24px 28px 60px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 6px; }
h2 { font-size: 20px; margin: 38px 0 4px; padding-top: 12px; border-top: 1px solid #ddd; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.cells { color: #777; font-size: 13px; font-weight: normal; margin-left: 8px; }
.meta { color: #444; font-size: 13.5px; margin: 0 0 14px; }
.meta td { padding: 1px 14px 1px 0; vertical-align: top; }
.banner { background: #fff1cc; border: 2px solid #d89b00; padding: 10px 14px; margin: 14px 0; font-weight: 600; }
.failed { background: #fdecea; border-left: 4px solid #c0392b; padding: 8px 12px; white-space: pre-wrap; }
pre { background: #f3f3f1; border: 1px solid #e2e2de; padding: 10px 12px; font: 13px/1.4 "DejaVu Sans Mono", Menlo, Consolas, monospace; overflow-x: auto; }
pre.details { background: #fafaf8; color: #333; }
figure { margin: 12px 0 18px; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: #666; font-size: 12.5px; }
.notes li { margin: 4px 0; }
.answer { background: #f0f7ee; border-left: 4px solid #4f8a3c; padding: 8px 14px; margin: 10px 0; }
.answer p { margin: 6px 0; }
nav ol { columns: 2; font-size: 14px; padding-left: 22px; }
.time { color: #888; font-size: 12.5px; }
`;

function sectionHtml(s: ReportSection): string {
  const parts: string[] = [];
  parts.push(`<section id="${escapeHtml(s.id)}" data-status="${s.status}">`);
  parts.push(`<h2>${escapeHtml(s.title)}<span class="cells">${escapeHtml(s.cells)} · --only ${escapeHtml(s.id)}</span></h2>`);
  parts.push(`<p>${escapeHtml(s.about)}</p>`);
  if (s.status === 'failed') parts.push(`<p class="failed">Failed: ${escapeHtml(s.message ?? '')}</p>`);
  if (s.text.length > 0) parts.push(`<pre class="output">${escapeHtml(s.text)}</pre>`);
  if (s.details !== null) parts.push(`<pre class="details">${escapeHtml(s.details)}</pre>`);
  if (s.notes.length > 0) parts.push(`<ul class="notes">${s.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`);
  for (const f of s.figures) {
    parts.push(`<figure id="fig-${escapeHtml(f.id)}">${f.svg}<figcaption>${escapeHtml(f.title)} (figures/${escapeHtml(f.id)}.svg)</figcaption></figure>`);
  }
  for (const a of s.answers) {
    parts.push(`<div class="answer"><h3>${escapeHtml(a.question)}</h3>${a.answer.map((p) => `<p>${escapeHtml(p)}</p>`).join('')}</div>`);
  }
  parts.push(`<p class="time">${s.seconds.toFixed(1)} s</p>`);
  parts.push('</section>');
  return parts.join('\n');
}

/** The report page. */
export function renderReport(meta: ReportMeta, sections: ReportSection[]): string {
  const banner = meta.synthetic
    ? `<p class="banner">Synthetic stand-in, not CIFAR-10: ${escapeHtml(meta.syntheticReason ?? '')}. `
      + 'Every training number on this page is about generated images.</p>'
    : '';
  const rows: [string, string][] = [
    ['command', meta.command],
    ['data', meta.data],
    ['started', meta.startedAt],
    ['took', `${meta.totalSeconds.toFixed(1)} s${meta.quick ? ' (--quick: small sizes)' : ''}`],
    ['machine', meta.machine],
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(meta.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(meta.title)}</h1>
<table class="meta">${rows.map(([k, v]) => `<tr><td>${k}</td><td>${escapeHtml(v)}</td></tr>`).join('')}</table>
${banner}
<nav><ol>${sections.map((s) => `<li><a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a>${s.status === 'ok' ? '' : ` (${s.status})`}</li>`).join('')}</ol></nav>
${sections.map(sectionHtml).join('\n')}
</main>
</body>
</html>
`;
}
