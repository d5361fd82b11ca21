/**
 * The page's side of the notebook worker: the section list it announces, data requests, and one
 * section run at a time, whose prints and training requests are handed to the caller.
 * @module
 */
import type { DataSource } from '../../../notebook/notebookData.js';
import type { SectionRecord } from '../../../notebook/runner.js';
import type { RunResult } from '../../../notebook/training.js';
import type {
  DataMessage, DataRequest, FromNotebook, KernelChoice, RunSectionMessage, RunTasksMessage, SectionInfo, ToNotebook,
} from '../protocol.js';
import { StoppedError } from './pool.js';
import { spawnWorker } from './spawn.js';

/** What a section run hands to the page while it runs. */
export interface RunHandlers {
  print(line: string): void;
  /** Runs a batch of trainings (on the pool) and gives their results. */
  runTasks(m: RunTasksMessage): Promise<RunResult[][]>;
}

interface Running {
  runId: number;
  handlers: RunHandlers;
  resolve: (r: { record: SectionRecord; source: DataSource | null }) => void;
  reject: (e: Error) => void;
}

export class NotebookClient {
  readonly ready: Promise<SectionInfo[]>;
  private readonly worker: Worker;
  private readonly dataWaiters = new Map<number, (m: DataMessage) => void>();
  private running: Running | null = null;
  private counter = 0;
  private failReady: (e: Error) => void = () => {};

  constructor(kernels: KernelChoice) {
    this.worker = spawnWorker('notebook', kernels);
    let announce: (s: SectionInfo[]) => void = () => {};
    this.ready = new Promise<SectionInfo[]>((resolve, reject) => {
      announce = resolve;
      this.failReady = reject;
    });
    this.worker.onmessage = (e: MessageEvent<FromNotebook>) => {
      const m = e.data;
      switch (m.type) {
        case 'ready':
          announce(m.sections);
          return;
        case 'data':
          this.dataWaiters.get(m.id)?.(m);
          this.dataWaiters.delete(m.id);
          return;
        case 'print':
          if (this.running?.runId === m.runId) this.running.handlers.print(m.line);
          return;
        case 'runTasks':
          if (this.running?.runId === m.runId) this.tasks(this.running, m);
          return;
        case 'sectionDone':
          if (this.running?.runId === m.runId) {
            const r = this.running;
            this.running = null;
            r.resolve({ record: m.record, source: m.source });
          }
          return;
        case 'fatal':
          this.fail(new Error(m.message));
          return;
      }
    };
    this.worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.fail(new Error(`notebook worker: ${e.message || 'it stopped (out of memory?)'}`));
    };
  }

  /** Gives the worker its data source; with `eager`, loads it now and says whether it could. */
  setData(request: DataRequest, eager: boolean): Promise<DataMessage> {
    const id = ++this.counter;
    return new Promise<DataMessage>((resolve) => {
      this.dataWaiters.set(id, resolve);
      const m: ToNotebook = { type: 'setData', id, request, eager };
      this.worker.postMessage(m);
    });
  }

  /** Runs one section. */
  run(sectionId: string, opts: Omit<RunSectionMessage, 'type' | 'runId' | 'sectionId'>, handlers: RunHandlers) {
    if (this.running !== null) return Promise.reject(new Error('notebook: one section at a time (got a second while one runs)'));
    const runId = ++this.counter;
    return new Promise<{ record: SectionRecord; source: DataSource | null }>((resolve, reject) => {
      this.running = { runId, handlers, resolve, reject };
      const m: ToNotebook = { type: 'run', runId, sectionId, ...opts };
      this.worker.postMessage(m);
    });
  }

  /** Stops the worker: a section running fails with a StoppedError. */
  terminate(): void {
    this.worker.terminate();
    this.fail(new StoppedError('stopped'));
  }

  private tasks(running: Running, m: RunTasksMessage): void {
    running.handlers.runTasks(m).then(
      (results) => this.worker.postMessage({ type: 'tasksDone', reqId: m.reqId, results } satisfies ToNotebook),
      (err: unknown) => {
        if (err instanceof StoppedError) return;
        this.worker.postMessage({ type: 'tasksFailed', reqId: m.reqId, message: err instanceof Error ? err.message : String(err) } satisfies ToNotebook);
      },
    );
  }

  private fail(err: Error): void {
    this.failReady(err);
    const r = this.running;
    this.running = null;
    r?.reject(err);
    for (const [id, w] of this.dataWaiters) w({ type: 'data', id, source: null, error: `${err.name}: ${err.message}` });
    this.dataWaiters.clear();
  }
}
