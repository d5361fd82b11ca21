/**
 * One notebook section on the page: its heading and Run button, what it prints (line by line, as the
 * report shows it), the live view while it trains, then its figures (each downloadable as SVG),
 * remarks, answers to the inline questions and time, or its error.
 * @module
 */
import type { SectionRecord } from '../../../notebook/runner.js';
import type { SectionInfo } from '../protocol.js';
import { downloadButton, h } from './dom.js';
import { LiveView } from './liveView.js';

export type SectionState = 'idle' | 'queued' | 'running' | 'done' | 'failed' | 'stopped';

const STATE_TEXT: Record<SectionState, string> = {
  idle: 'not run yet', queued: 'waiting to run', running: 'running…', done: 'done', failed: 'failed', stopped: 'stopped',
};

/** An SVG document string as an element of this page (parsed as XML: nothing in it runs). */
function svgElement(svg: string, label: string): Element {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  const el = document.importNode(doc.documentElement, true);
  el.setAttribute('role', 'img');
  el.setAttribute('aria-label', label);
  return el;
}

export class SectionView {
  readonly root: HTMLElement;
  state: SectionState = 'idle';
  private readonly stateEl: HTMLElement;
  private readonly runButton: HTMLButtonElement;
  private readonly body: HTMLElement;
  private output: HTMLPreElement | null = null;
  private live: LiveView | null = null;
  /** Runs finished (the card's `data-runs`). */
  private runs = 0;

  constructor(readonly info: SectionInfo, onRun: (id: string) => void) {
    this.runButton = h('button', { type: 'button', class: 'run', onclick: () => onRun(info.id), 'aria-label': `Run: ${info.title}` }, 'Run');
    this.stateEl = h('span', { class: 'state', role: 'status' }, STATE_TEXT.idle);
    this.body = h('div', { class: 'body' });
    this.root = h('section', { class: 'card', id: info.id, 'data-state': 'idle', 'aria-labelledby': `${info.id}-title` },
      h('header', {},
        h('h3', { class: 'title', id: `${info.id}-title` }, info.title),
        h('span', { class: 'cells' }, `${info.cells} · ?only=${info.id}`),
        h('span', { class: 'actions' }, this.runButton, this.stateEl)),
      h('p', { class: 'about' }, info.about),
      this.body);
  }

  setState(state: SectionState): void {
    this.state = state;
    this.root.dataset['state'] = state;
    this.stateEl.textContent = STATE_TEXT[state];
  }

  /** A run starts: the last run's output goes. */
  start(): void {
    this.body.replaceChildren();
    this.output = null;
    this.live?.finish();
    this.live = null;
    this.setState('running');
  }

  /** A printed line. */
  print(line: string): void {
    if (this.output === null) {
      this.output = h('pre', { class: 'output', 'aria-label': `${this.info.title}: printout` });
      this.body.insertBefore(this.output, this.live?.element ?? null);
    }
    this.output.append(`${this.output.textContent === '' ? '' : '\n'}${line}`);
  }

  /** The live view of the trainings (made on first use). */
  liveView(): LiveView {
    if (this.live === null) {
      this.live = new LiveView(this.info.id);
      this.body.append(this.live.element);
    }
    return this.live;
  }

  /**
   * The run ended: its record, as the report shows it. The figures go in one per task (each is a
   * vega SVG to parse), so the page stays responsive; resolves when all are in.
   */
  async finish(record: SectionRecord): Promise<void> {
    this.live?.finish();
    const out: Node[] = [];
    if (record.status === 'failed') {
      out.push(h('div', { class: 'error', role: 'alert' }, h('strong', {}, 'This section failed: '), h('pre', {}, record.message ?? '')));
    }
    if (record.text.length > 0) out.push(h('pre', { class: 'output', 'aria-label': `${this.info.title}: printout` }, record.text));
    if (this.live) out.push(this.live.element);
    if (record.details !== null) out.push(h('pre', { class: 'details', 'aria-label': 'Details' }, record.details));
    if (record.notes.length > 0) out.push(h('ul', { class: 'notes' }, ...record.notes.map((n) => h('li', {}, n))));
    const figures = record.figures.map((f) => {
      const el = h('figure', { class: 'figure', id: `fig-${f.id}`, 'data-figure': f.id },
        h('figcaption', {}, `${f.title} `, downloadButton('Download SVG', `${f.id}.svg`, 'image/svg+xml', () => f.svg, { 'aria-label': `Download ${f.title} as SVG` })));
      out.push(el);
      return { el, f };
    });
    for (const a of record.answers) {
      out.push(h('div', { class: 'answer' }, h('h4', {}, a.question), ...a.answer.map((p) => h('p', {}, p))));
    }
    out.push(h('p', { class: 'time' }, `${record.seconds.toFixed(1)} s in this browser`));
    this.body.replaceChildren(...out);
    this.output = null;
    for (const { el, f } of figures) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      el.prepend(svgElement(f.svg, f.title));
    }
    this.runs += 1;
    this.root.dataset['runs'] = String(this.runs);
    this.setState(record.status === 'failed' ? 'failed' : 'done');
  }

  /** The run was stopped (or its worker failed): say so, keep what it printed. */
  interrupted(state: 'stopped' | 'failed', message: string): void {
    this.live?.finish();
    this.body.append(h('div', { class: state === 'failed' ? 'error' : 'notice', role: 'alert' }, message));
    this.setState(state);
  }
}
