/**
 * What runs on the page: a queue of sections run one after the other in the notebook worker, their
 * trainings on the pool, Stop, the data source, the records for results.json, and the page's status
 * (`document.documentElement.dataset.status`: `idle`, then `running` while a run goes, then `done`,
 * `error` when a section failed, or `stopped`).
 * @module
 */
import type { DataSource } from '../../../notebook/notebookData.js';
import type { SectionRecord } from '../../../notebook/runner.js';
import type { DataMessage, DataRequest, KernelChoice, SectionInfo } from '../protocol.js';
import type { SectionView } from '../page/sectionView.js';
import { NotebookClient } from './notebookClient.js';
import { StoppedError, TrainingPool } from './pool.js';

export type PageStatus = 'idle' | 'running' | 'done' | 'error' | 'stopped';

export interface ControllerOptions {
  kernels: KernelChoice;
  workers: number;
  quick: () => boolean;
  onStatus: (status: PageStatus) => void;
  /** The data the last run used. */
  onSource: (source: DataSource) => void;
}

export class Controller {
  readonly records = new Map<string, SectionRecord>();
  views = new Map<string, SectionView>();
  source: DataSource | null = null;
  startedAt: Date | null = null;
  /** Whether the last section ran with the small sizes. */
  quick = false;
  private client: NotebookClient;
  private readonly pool: TrainingPool;
  private request: DataRequest = { kind: 'synthetic', reason: 'no CIFAR-10 given to the page yet' };
  private queue: string[] = [];
  private loop: Promise<void> | null = null;
  private failures = 0;
  private stopping = false;

  constructor(private readonly opts: ControllerOptions) {
    this.client = new NotebookClient(opts.kernels);
    this.pool = new TrainingPool(opts.workers, opts.kernels);
  }

  /** The section list, from the notebook worker. */
  sections(): Promise<SectionInfo[]> {
    return this.client.ready;
  }

  get running(): boolean {
    return this.loop !== null;
  }

  get workers(): number {
    return this.pool.size;
  }

  /** Uses `request` from now on; with `eager`, loads it at once (a refused file leaves the data as it was). */
  async setData(request: DataRequest, eager: boolean): Promise<DataMessage> {
    const answer = await this.client.setData(request, eager);
    if (answer.error === null) this.request = request;
    return answer;
  }

  /** Adds sections to the queue (in the notebook's order) and starts it when idle. */
  run(ids: string[]): void {
    const order = [...this.views.keys()];
    for (const id of [...ids].sort((a, b) => order.indexOf(a) - order.indexOf(b))) {
      const view = this.views.get(id);
      if (view === undefined || this.queue.includes(id) || view.state === 'running') continue;
      this.queue.push(id);
      view.setState('queued');
    }
    if (this.loop === null && this.queue.length > 0) {
      this.failures = 0;
      this.startedAt ??= new Date();
      performance.mark('tapegrad-run-start');
      this.opts.onStatus('running');
      this.loop = this.drain().finally(() => {
        this.loop = null;
        performance.mark('tapegrad-run-end');
        this.opts.onStatus(this.stopping ? 'stopped' : this.failures > 0 ? 'error' : 'done');
        this.stopping = false;
      });
    }
  }

  /** Stops the run: the workers are terminated (new ones start with the next run), the queue emptied. */
  stop(): void {
    if (this.loop === null) return;
    this.stopping = true;
    for (const id of this.queue) this.views.get(id)?.setState('idle');
    this.queue = [];
    this.pool.stop();
    this.client.terminate();
    this.client = new NotebookClient(this.opts.kernels);
    void this.client.setData(this.request, false);
  }

  private async drain(): Promise<void> {
    for (let id = this.queue.shift(); id !== undefined; id = this.queue.shift()) {
      const view = this.views.get(id)!;
      view.start();
      const earlier: Record<string, Record<string, unknown>> = {};
      for (const [k, r] of this.records) if (r.status === 'ok') earlier[k] = r.values;
      const quick = this.opts.quick();
      try {
        const { record, source } = await this.client.run(id, { quick, workers: this.pool.size, earlier }, {
          print: (line) => view.print(line),
          runTasks: (m) => {
            const live = view.liveView();
            const base = live.taskCount;
            live.begin(m.tasks, m.iterations);
            return this.pool.run(m, {
              progress: (task, p) => live.progress(base + task, p),
              taskDone: (task, results) => live.taskDone(base + task, results),
            });
          },
        });
        this.quick = quick;
        this.records.set(id, record);
        if (source !== null) {
          this.source = source;
          this.opts.onSource(source);
        }
        if (record.status === 'failed') this.failures += 1;
        await view.finish(record);
      } catch (err) {
        if (err instanceof StoppedError) {
          view.interrupted('stopped', 'Stopped. Press Run to start this section again.');
          return;
        }
        this.failures += 1;
        view.interrupted('failed', `This section could not run: ${err instanceof Error ? err.message : String(err)}`);
        // the notebook worker may be gone: start a fresh one for what follows
        this.pool.stop();
        this.client.terminate();
        this.client = new NotebookClient(this.opts.kernels);
        await this.client.setData(this.request, false);
      }
    }
  }
}
