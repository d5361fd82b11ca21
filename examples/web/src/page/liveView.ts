/**
 * A training section while it trains: a progress bar with the time left, live charts (loss and
 * accuracy curves per run, or, for the weight-scale sweep, one point per finished run), and the
 * Solver's log lines as they come. Fed by the training workers' messages through the pool; redrawn
 * at most once per animation frame.
 * @module
 */
import { formatDuration } from '@tapegrad/core';
import type { EpochInfo } from '@tapegrad/optim';
import type { RunResult, RunSpec, TrainingTask } from '../../../notebook/training.js';
import type { ProgressMessage } from '../protocol.js';
import { h } from './dom.js';
import { SvgChart, type ChartSeries, type ChartSpec } from './svgChart.js';

interface LiveRun {
  spec: RunSpec;
  label: string;
  colorIndex: number;
  iterations: number;
  losses: number[];
  epochs: EpochInfo[];
  result: RunResult | null;
}

/** How a section's trainings are drawn. */
interface ViewKind {
  kind: 'curves' | 'sweep';
  /** The loss curve's x: the iteration (the notebook's deep-nets plot) or the epoch (runs of different batch sizes). */
  lossX: 'iteration' | 'epoch';
  label: (spec: RunSpec) => string;
}

const norm = (s: RunSpec): string => s.normalization ?? 'baseline';
const KINDS: Record<string, ViewKind> = {
  'deep-nets': { kind: 'curves', lossX: 'iteration', label: (s) => (s.normalization ? `with ${s.normalization}` : 'baseline') },
  'weight-scale': { kind: 'sweep', lossX: 'epoch', label: norm },
  'batch-size-bn': { kind: 'curves', lossX: 'epoch', label: (s) => `${norm(s)}, batch ${s.batchSize}` },
  'batch-size-ln': { kind: 'curves', lossX: 'epoch', label: (s) => `${norm(s)}, batch ${s.batchSize}` },
  'ln-limits': { kind: 'curves', lossX: 'epoch', label: (s) => s.key.replace(/^ln-limits-/, '') },
  convnets: { kind: 'curves', lossX: 'iteration', label: (s) => (s.convnet === undefined || s.convnet === 'none' ? 'baseline' : `spatial ${s.convnet}`) },
};

/** The shortest time between two draws of a card's charts, in ms (20 a second at most). */
const REDRAW_MS = 50;
/** Log lines shown while training. */
const LOG_LINES = 8;

const iterationsPerEpoch = (s: RunSpec): number => Math.max(Math.floor(s.numTrain / s.batchSize), 1);
const meanOfLast = (xs: number[], n: number): number => {
  const tail = xs.slice(-n);
  return tail.reduce((a, b) => a + b, 0) / tail.length;
};

/** The live part of one section's card. */
export class LiveView {
  readonly element: HTMLElement;
  private readonly kind: ViewKind;
  private readonly runs: LiveRun[][] = [];
  private readonly charts: { chart: SvgChart; spec: () => ChartSpec; on: 'losses' | 'epochs' | 'results' }[] = [];
  /** What changed since the last draw. */
  private readonly dirty = new Set<'losses' | 'epochs' | 'results'>(['losses', 'epochs', 'results']);
  /** The Solver's log lines so far (the last {@link LOG_LINES} are shown; all are in the printout at the end). */
  private readonly logLines: string[] = [];
  private logChanged = false;
  private readonly bar: HTMLProgressElement;
  private readonly barText: HTMLElement;
  private readonly log: HTMLPreElement;
  private readonly started = performance.now();
  /** The charts' width in SVG units: narrower on a phone, so that their text stays readable. */
  private readonly width = window.matchMedia('(max-width: 640px)').matches ? 420 : 640;
  private finished = false;
  private frame = 0;
  private timer = 0;
  private lastDraw = 0;
  private ticker = 0;

  constructor(private readonly sectionId: string) {
    this.kind = KINDS[sectionId] ?? { kind: 'curves', lossX: 'epoch', label: (s) => s.key };
    this.bar = h('progress', { max: 1, value: 0, 'aria-label': 'Training progress' });
    this.barText = h('span', { class: 'progress-text', 'aria-live': 'off' });
    this.log = h('pre', { class: 'live-log', hidden: true, 'aria-label': 'Solver log, the last lines, live' });
    const chartsEl = h('div', { class: 'charts' });
    const chart = (name: string, on: 'losses' | 'epochs' | 'results', spec: () => ChartSpec) => {
      const el = h('figure', { class: 'live-chart', 'data-chart': `${sectionId}-${name}` });
      chartsEl.append(el);
      this.charts.push({ chart: new SvgChart(el), spec, on });
    };
    if (this.kind.kind === 'sweep') {
      chart('val', 'results', () => this.sweepChart('val', 'Best val accuracy vs. weight initialization scale (live)', 'Best val accuracy',
        (r) => Math.max(...r.valAccHistory)));
      chart('loss', 'results', () => this.sweepChart('loss', 'Final training loss vs. weight initialization scale (live)', 'Final training loss',
        (r) => meanOfLast(r.lossHistory, 100), [1, 3.5]));
    } else {
      chart('loss', 'losses', () => this.lossChart());
      chart('acc', 'epochs', () => this.accuracyChart());
    }
    this.element = h('div', { class: 'live' }, h('div', { class: 'progress' }, this.bar, this.barText), chartsEl, this.log);
    this.ticker = window.setInterval(() => this.drawProgress(), 1000);
    this.schedule();
  }

  /** Tasks begun so far (the next batch's first task has this index). */
  get taskCount(): number {
    return this.runs.length;
  }

  /** A batch of tasks starts (`iterations`: per task, per run). */
  begin(tasks: TrainingTask[], iterations: number[][]): void {
    tasks.forEach((t, i) => {
      this.runs.push(t.runs.map((spec, j) => ({
        spec, label: this.kind.label(spec), colorIndex: 0, iterations: iterations[i]?.[j] ?? 0, losses: [], epochs: [], result: null,
      })));
    });
    // one colour per label, in the order the labels first appear
    const labels: string[] = [];
    for (const r of this.runs.flat()) {
      if (!labels.includes(r.label)) labels.push(r.label);
      r.colorIndex = labels.indexOf(r.label);
    }
    this.schedule();
  }

  /** A training reported progress. `task` counts from the first task of all batches begun. */
  progress(task: number, m: ProgressMessage): void {
    const run = this.runs[task]?.[m.runIndex];
    if (run === undefined) return;
    if (m.losses.length > 0) {
      run.losses.push(...m.losses);
      this.dirty.add('losses');
    }
    if (m.epochs.length > 0) {
      run.epochs.push(...m.epochs);
      this.dirty.add('epochs');
    }
    for (const l of m.logs) this.logLines.push(`[${run.label}] ${l}`);
    if (m.logs.length > 0) this.logChanged = true;
    this.schedule();
  }

  /** A task ended with these results. */
  taskDone(task: number, results: RunResult[]): void {
    this.runs[task]?.forEach((r, i) => {
      r.result = results[i] ?? null;
      if (r.result) r.losses = [...r.result.lossHistory];
    });
    for (const d of ['losses', 'epochs', 'results'] as const) this.dirty.add(d);
    this.schedule();
  }

  /** The trainings are over (or were stopped): the last draw, and no more ticking. */
  finish(): void {
    this.finished = true;
    window.clearInterval(this.ticker);
    window.clearTimeout(this.timer);
    cancelAnimationFrame(this.frame);
    this.timer = this.frame = 0;
    this.draw();
  }

  /**
   * Draws on the next animation frame, at most every {@link REDRAW_MS}: each draw is short, and the
   * page's other work (messages, the other cards) gets the frames between.
   */
  private schedule(): void {
    if (this.frame !== 0 || this.timer !== 0) return;
    this.timer = window.setTimeout(() => {
      this.timer = 0;
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.lastDraw = performance.now();
        this.draw();
      });
    }, Math.max(0, this.lastDraw + REDRAW_MS - performance.now()));
  }

  /** Redraws what changed: the charts whose data did, the new log lines, the progress bar. */
  private draw(): void {
    for (const c of this.charts) if (this.dirty.has(c.on)) c.chart.update(c.spec());
    this.dirty.clear();
    if (this.logChanged) {
      // the last lines only: no scrolling, so no layout to read
      this.log.hidden = false;
      this.log.textContent = this.logLines.slice(-LOG_LINES).join('\n');
      this.logChanged = false;
    }
    this.drawProgress();
  }

  private drawProgress(): void {
    const runs = this.runs.flat();
    const total = runs.reduce((s, r) => s + r.iterations, 0);
    const done = runs.reduce((s, r) => s + (r.result ? r.iterations : Math.min(r.losses.length, r.iterations)), 0);
    const finishedRuns = runs.filter((r) => r.result !== null || (r.iterations > 0 && r.losses.length >= r.iterations)).length;
    const f = total > 0 ? done / total : 0;
    const elapsed = (performance.now() - this.started) / 1000;
    const left = f > 0.02 && f < 1 ? elapsed * (1 - f) / f : null;
    this.bar.value = f;
    const state = this.finished ? (f >= 1 ? 'done' : 'stopped') : left === null ? 'time left: estimating' : `about ${formatDuration(left)} left`;
    this.barText.textContent = `${Math.floor(f * 100)}% · ${finishedRuns} / ${runs.length} trainings · ${formatDuration(elapsed)} elapsed · ${state}`;
  }

  private lossChart(): ChartSpec {
    const byIteration = this.kind.lossX === 'iteration';
    const series: ChartSeries[] = this.runs.flat().map((r) => ({
      name: r.label, colorIndex: r.colorIndex, markers: false,
      points: r.losses.map((y, i) => ({ x: byIteration ? i + 1 : (i + 1) / iterationsPerEpoch(r.spec), y })),
    }));
    const runs = this.runs.flat();
    const xMax = Math.max(1, ...runs.map((r) => (byIteration ? r.iterations : r.spec.numEpochs)));
    return {
      id: `${this.sectionId}-live-loss`, width: this.width, title: 'Training loss (live)', xTitle: byIteration ? 'Iteration' : 'Epoch', yTitle: 'Training loss',
      xDomain: [byIteration ? 1 : 0, xMax], series,
    };
  }

  private accuracyChart(): ChartSpec {
    const series: ChartSeries[] = this.runs.flat().flatMap((r) => [
      { name: `${r.label} train`, colorIndex: r.colorIndex, points: r.epochs.map((e) => ({ x: e.epoch, y: e.trainAcc })) },
      { name: `${r.label} val`, colorIndex: r.colorIndex, dashed: true, points: r.epochs.map((e) => ({ x: e.epoch, y: e.valAcc })) },
    ]);
    const runs = this.runs.flat();
    const top = Math.max(0, ...runs.flatMap((r) => r.epochs.flatMap((e) => [e.trainAcc, e.valAcc])));
    return {
      id: `${this.sectionId}-live-acc`, width: this.width, title: 'Accuracy (live): training solid, validation dashed', xTitle: 'Epoch', yTitle: 'Accuracy',
      xDomain: [0, Math.max(1, ...runs.map((r) => r.spec.numEpochs))], yDomain: [0, Math.min(1, Math.max(0.2, Math.ceil(top * 10 + 0.5) / 10))], series,
    };
  }

  private sweepChart(name: string, title: string, yTitle: string, y: (r: RunResult) => number, yDomain?: [number, number]): ChartSpec {
    const groups = new Map<string, LiveRun[]>();
    for (const r of this.runs.flat()) groups.set(r.label, [...(groups.get(r.label) ?? []), r]);
    const series: ChartSeries[] = [...groups.entries()].map(([label, rs]) => ({
      name: label, colorIndex: rs[0]!.colorIndex, markers: true,
      points: rs.filter((r) => r.result !== null).map((r) => ({ x: r.spec.weightScale, y: y(r.result!) })).sort((a, b) => a.x - b.x),
    }));
    const scales = this.runs.flat().map((r) => r.spec.weightScale).filter((s) => s > 0);
    const xDomain: [number, number] = scales.length > 0 ? [Math.min(...scales), Math.max(...scales)] : [1e-4, 1];
    return {
      id: `${this.sectionId}-live-${name}`, width: this.width, title, xTitle: 'Weight initialization scale', yTitle, xLog: true, xDomain,
      ...(yDomain ? { yDomain } : {}), series,
    };
  }
}
