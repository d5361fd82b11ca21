import { describe, expect, it } from 'vitest';
import { escapeHtml, renderReport, type ReportSection } from './report.js';

const section = (over: Partial<ReportSection>): ReportSection => ({
  id: 'bn-forward', title: 'Batch normalization: forward pass', cells: 'In [12]', about: 'about <it>', status: 'ok', message: null,
  text: 'means: [1. 2.]', details: null, notes: ['a < b'], figures: [{ id: 'f1', title: 'Training loss', svg: '<svg id="x"></svg>' }],
  answers: [{ question: 'Q?', answer: ['A & B'] }], seconds: 1.5, ...over,
});
const meta = {
  title: 'Report', command: 'node main.js --quick', startedAt: '2026-01-01T00:00:00Z', totalSeconds: 12, data: 'CIFAR-10',
  synthetic: false, syntheticReason: null, quick: true, machine: '2 cores',
};

describe('the HTML report', () => {
  it('holds every section with its printout, figures (inline SVG), notes and answers, escaped', () => {
    const html = renderReport(meta, [section({}), section({ id: 'deep-nets', status: 'failed', message: 'Solver: boom', figures: [] })]);
    expect(html).toContain('<section id="bn-forward" data-status="ok">');
    expect(html).toContain('<section id="deep-nets" data-status="failed">');
    expect(html).toContain('<svg id="x"></svg>');
    expect(html).toContain('about &lt;it&gt;');
    expect(html).toContain('A &amp; B');
    expect(html).toContain('Failed: Solver: boom');
  });

  it('is self-contained: no script, stylesheet link, image or font fetched from anywhere', () => {
    const html = renderReport(meta, [section({})]);
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(/i);
    expect(html).not.toMatch(/(src|href)="https?:/i);
  });

  it('says plainly when the data are the synthetic stand-in', () => {
    const html = renderReport({ ...meta, synthetic: true, syntheticReason: 'offline' }, [section({})]);
    expect(html).toContain('Synthetic stand-in, not CIFAR-10: offline');
  });

  it('escapes the five characters HTML needs', () => {
    expect(escapeHtml('<a href="x">&</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
  });
});
