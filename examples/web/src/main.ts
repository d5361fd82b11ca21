/**
 * The page: the cs231n BatchNormalization notebook, run live in this browser. The main thread only
 * draws; the sections run in a worker with the same code as `pnpm demo`, their trainings in a pool
 * of workers, the Compare gradients panel in another (see protocol.ts).
 * @module
 */
import { runConfig } from '../../notebook/config.js';
import type { DataSource } from '../../notebook/notebookData.js';
import { resultsDocument, type SectionRecord } from '../../notebook/runner.js';
import { renderReport } from '../../shared/report.js';
import { ComparePanel } from './page/comparePanel.js';
import { DataPanel } from './page/dataPanel.js';
import { downloadButton, h } from './page/dom.js';
import { PartView } from './page/partView.js';
import { SectionView } from './page/sectionView.js';
import { parseParams } from './params.js';
import type { DataRequest, PartId } from './protocol.js';
import { Controller, type PageStatus } from './run/controller.js';

const TITLE = 'Batch Normalization — the cs231n notebook, run with tapegrad';
const params = parseParams(location.search);
const isolated = self.crossOriginIsolated;
const workers = params.workers ?? (isolated ? Math.max(1, navigator.hardwareConcurrency || 1) : 1);
const app = document.getElementById('app')!;

const statusEl = h('p', { class: 'status', id: 'status', role: 'status' }, 'Starting the notebook worker…');
const STATUS_TEXT: Record<PageStatus, string> = {
  idle: 'Ready. Press Run all, or Run on a section.',
  running: 'Running…',
  done: 'Done. Every section that ran is below; results.json and the figures can be downloaded.',
  error: 'Done, with errors: see the sections marked failed.',
  stopped: 'Stopped.',
};
const setStatus = (s: PageStatus): void => {
  document.documentElement.dataset['status'] = s;
  statusEl.textContent = STATUS_TEXT[s];
  runAll.disabled = false;
  stop.disabled = s !== 'running';
};

const quickBox = h('input', { type: 'checkbox', id: 'quick', checked: params.quick });
const controller = new Controller({
  kernels: params.kernels, workers, quick: () => quickBox.checked, onStatus: setStatus,
  onSource: (s) => showSource(s),
});
const runAll = h('button', { type: 'button', id: 'run-all', disabled: true }, params.only ? 'Run selected' : 'Run all');
const stop = h('button', { type: 'button', id: 'stop', disabled: true }, 'Stop');
const compare = new ComparePanel(params.kernels);
stop.addEventListener('click', () => {
  controller.stop();
  compare.cancel();
});

/** results.json / report.html of what ran (the Node demo's formats). */
function runMeta() {
  const order = [...controller.views.keys()];
  const records = [...controller.records.values()].sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
  const totalSeconds = records.reduce((s, r) => s + r.seconds, 0);
  const meta = {
    command: location.href, startedAt: (controller.startedAt ?? new Date()).toISOString(), totalSeconds, quick: controller.quick,
    workers: controller.workers, source: controller.source, config: runConfig({ quick: controller.quick, workers: controller.workers }),
  };
  return { meta, records };
}
const resultsJson = (): string => {
  const { meta, records } = runMeta();
  return `${JSON.stringify(resultsDocument(meta, records), null, 1)}\n`;
};
const reportHtml = (): string => {
  const { meta, records } = runMeta();
  return renderReport({
    title: TITLE, command: meta.command, startedAt: meta.startedAt, totalSeconds: meta.totalSeconds,
    data: meta.source?.description ?? 'no section of this run used CIFAR-10', synthetic: meta.source?.kind === 'synthetic',
    syntheticReason: meta.source?.reason ?? null, quick: meta.quick,
    machine: `${navigator.hardwareConcurrency} cores, ${meta.workers} training worker${meta.workers === 1 ? '' : 's'}, ${navigator.userAgent}`,
  }, records as SectionRecord[]);
};

// ---- data
let defaultRequest: DataRequest = { kind: 'synthetic', reason: 'no CIFAR-10 is served beside this page (pnpm web --data DIR serves one) and none was dropped on it' };
const dataPanel = new DataPanel({
  canChange: () => !controller.running,
  use: async (files) => {
    const answer = await controller.setData({ kind: 'files', files: files.map((f) => ({ name: f.name, data: f })) }, true);
    if (answer.error !== null) return answer.error;
    if (answer.source) showSource(answer.source);
    return null;
  },
  reset: async () => {
    await controller.setData(defaultRequest, false);
    describeRequest(defaultRequest);
  },
});
function showSource(s: DataSource): void {
  dataPanel.showSource(s.kind === 'synthetic' ? `Synthetic stand-in, not CIFAR-10 (${s.reason}): ${s.description}.` : `${s.description}.`, s.kind === 'synthetic');
}
function describeRequest(r: DataRequest): void {
  if (r.kind === 'served') dataPanel.showSource(`CIFAR-10 served beside the page by pnpm web, from ${r.where} (${r.files.join(', ')}); read when a section first needs it.`, false);
  else if (r.kind === 'synthetic') dataPanel.showSource(`No CIFAR-10: the sections will run on the labelled synthetic stand-in (${r.reason}).`, true);
}
async function servedData(): Promise<DataRequest> {
  try {
    const res = await fetch('data/manifest.json', { cache: 'no-store' });
    if (!res.ok) return defaultRequest;
    const m = (await res.json()) as { where?: unknown; files?: unknown };
    // the static build's own manifest names no files: then there is no CIFAR-10 beside the page
    if (typeof m.where !== 'string' || !Array.isArray(m.files) || m.files.length === 0 || !m.files.every((f) => typeof f === 'string')) return defaultRequest;
    return { kind: 'served', base: new URL('data/', location.href).href, where: m.where, files: m.files as string[] };
  } catch {
    return defaultRequest;
  }
}

// ---- the page
const threads = isolated
  ? `Cross-origin isolated: ${workers} training worker${workers === 1 ? '' : 's'} (one per core), the training data in shared memory; the sections run in a worker of their own, so this page stays responsive.`
  : 'Not cross-origin isolated (the server sent no COOP/COEP headers), so running single-threaded: the trainings run one at a time in one worker. '
    + 'Serve the page with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp (pnpm web does) for one training worker per core.';
const problems = h('div', { class: 'problems', role: 'alert' }, ...params.problems.map((p) => h('p', {}, p)));
const sectionsEl = h('div', { class: 'sections', id: 'sections' });
const nav = h('nav', { 'aria-label': 'Sections' });
app.append(
  h('a', { class: 'skip', href: '#sections' }, 'Skip to the sections'),
  h('header', { class: 'top' },
    h('h1', {}, TITLE),
    h('p', { class: 'lede' }, 'Every experiment of the notebook, run here in your browser with the same code as the terminal demo (pnpm demo): '
      + 'the printouts, the trainings drawing their curves live, the figures, and the answers to the inline questions computed from this run.'),
    h('div', { class: 'toolbar', role: 'group', 'aria-label': 'Run' },
      runAll, stop,
      h('label', { class: 'check' }, quickBox, ' Quick (small sizes, the CLI\'s --quick)'),
      downloadButton('results.json', 'results.json', 'application/json', resultsJson, { id: 'download-results' }),
      downloadButton('report.html', 'report.html', 'text/html', reportHtml, { id: 'download-report' }),
      h('a', { href: '#compare' }, 'Compare gradients')),
    statusEl,
    h('p', { class: 'threads', id: 'threads' }, threads),
    problems),
  dataPanel.root,
  nav,
  sectionsEl,
  compare.root,
  h('footer', {}, 'Links that run: ?only=SECTION[,SECTION], &quick, &autorun (the CLI\'s --only and --quick); &kernels=js, &workers=N.'),
);

async function start(): Promise<void> {
  const infos = await controller.sections();
  const unknown = (params.only ?? []).filter((id) => !infos.some((s) => s.id === id));
  if (unknown.length > 0) {
    problems.append(h('p', {}, `only: unknown section ${unknown.join(', ')} (sections: ${infos.map((s) => s.id).join(', ')}).`));
  }
  const selected = infos.filter((s) => params.only === null || params.only.includes(s.id)).map((s) => s.id);
  const run = (id: string) => controller.run([id]);
  // the parts in the order their first sections come, each under its heading; a part none of whose
  // sections ?only= selects is hidden, and so is its entry in the list
  const parts = new Map<PartId, PartView>();
  for (const info of infos) {
    let part = parts.get(info.part);
    if (part === undefined) {
      parts.set(info.part, (part = new PartView(info.part)));
      sectionsEl.append(part.root);
    }
    const view = new SectionView(info, run);
    controller.views.set(info.id, view);
    if (!selected.includes(info.id)) view.root.hidden = true;
    part.add(view.root);
  }
  const listed = infos.filter((s) => selected.includes(s.id));
  for (const part of parts.values()) {
    const mine = listed.filter((s) => s.part === part.id);
    part.root.hidden = mine.length === 0;
    if (mine.length > 0) {
      nav.append(h('p', { class: 'part-name' }, part.title), h('ol', {}, ...mine.map((s) => h('li', {}, h('a', { href: `#${s.id}` }, s.title)))));
    }
  }
  if (params.only !== null) {
    nav.append(h('p', {}, `Showing ${listed.length} of ${infos.length} sections (?only=${params.only.join(',')}). `,
      h('a', { href: location.pathname + (params.quick ? '?quick' : '') }, 'Show all sections')));
  }
  runAll.addEventListener('click', () => controller.run(selected));
  defaultRequest = await servedData();
  await controller.setData(defaultRequest, false);
  describeRequest(defaultRequest);
  setStatus('idle');
  if (unknown.length > 0) setStatus('error');
  else if (params.autorun) controller.run(selected);
}

performance.mark('tapegrad-main');
document.documentElement.dataset['status'] = 'starting';
start().catch((err: unknown) => {
  document.documentElement.dataset['status'] = 'error';
  statusEl.textContent = `The page could not start: ${err instanceof Error ? err.message : String(err)}`;
});
