/**
 * The notebook role: runs the notebook's sections with the same code as `pnpm demo` (sections/*.ts
 * through runner.ts), printing line by line to the page, and renders their vega figures to SVG here,
 * off the page's thread. Its trainer asks the page, which owns the training workers, to run the
 * tasks; the training arrays go with the request (in shared memory when the page is cross-origin
 * isolated, so every training worker reads the same bytes).
 * @module
 */
import { runConfig, type RunConfig } from '../../../notebook/config.js';
import type { DataSource, NotebookData } from '../../../notebook/notebookData.js';
import { runSection } from '../../../notebook/runner.js';
import { beyondTheNotebook } from '../../../notebook/sections/beyondTheNotebook.js';
import { sections } from '../../../notebook/sections/index.js';
import {
  iterationsOf, taskCost, trainingArrays, type RunResult, type Trainer, type TrainingArrays,
} from '../../../notebook/training.js';
import type { DataMessage, DataRequest, RunTasksMessage, SectionInfo, ToNotebook } from '../protocol.js';
import { loadData } from './loadData.js';
import type { Post } from './worker.js';

/** A copy of `a` in shared memory (when the page is cross-origin isolated). */
function shared<T extends Float32Array | Int32Array>(a: T): T {
  const Ctor = a.constructor as new (buffer: SharedArrayBuffer) => T;
  const out = new Ctor(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

const describe = (err: unknown): string => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

export function role(post: Post) {
  const infos: SectionInfo[] = sections.map((s) => ({
    id: s.id, title: s.title, cells: s.cells, about: s.about, trains: s.trains,
    part: beyondTheNotebook.includes(s) ? 'beyond-the-notebook' : 'notebook',
  }));
  post({ type: 'ready', sections: infos });

  let request: DataRequest = { kind: 'synthetic', reason: 'no CIFAR-10 given to the page yet' };
  let dataId = 0;
  let loaded: Promise<NotebookData> | null = null;
  let arrays: { key: string; arrays: TrainingArrays } | null = null;
  let reqCounter = 0;
  const waiting = new Map<number, { resolve: (r: RunResult[][]) => void; reject: (e: Error) => void }>();

  const data = (): Promise<NotebookData> => (loaded ??= loadData(request));

  /** The training arrays for `config`, made once per data and size. */
  const arraysFor = async (config: RunConfig): Promise<{ key: string; arrays: TrainingArrays }> => {
    const key = `${dataId}:${config.quick ? 'quick' : 'full'}`;
    if (arrays?.key === key) return arrays;
    const a = trainingArrays(await data(), config);
    const share = self.crossOriginIsolated;
    arrays = {
      key,
      arrays: share ? { ...a, XTrain: shared(a.XTrain), yTrain: shared(a.yTrain), XVal: shared(a.XVal), yVal: shared(a.yVal) } : a,
    };
    return arrays;
  };

  const trainerFor = (runId: number, config: RunConfig): Trainer => ({
    async runTasks(label, tasks) {
      const { key, arrays: a } = await arraysFor(config);
      const reqId = ++reqCounter;
      const message: RunTasksMessage = {
        type: 'runTasks', runId, reqId, label, tasks,
        costs: tasks.map(taskCost), iterations: tasks.map((t) => t.runs.map(iterationsOf)), arrays: a, arraysKey: key,
      };
      return new Promise<RunResult[][]>((resolve, reject) => {
        waiting.set(reqId, { resolve, reject });
        post(message);
      });
    },
    async close() {},
  });

  const setData = async (id: number, next: DataRequest, eager: boolean): Promise<void> => {
    const previous = { request, dataId, loaded };
    request = next;
    dataId += 1;
    loaded = null;
    let source: DataSource | null = null;
    let error: string | null = null;
    if (eager) {
      try {
        source = (await data()).source;
      } catch (err) {
        // a file that cannot be used changes nothing: the data stays what it was
        ({ request, dataId, loaded } = previous);
        error = describe(err);
      }
    }
    const m: DataMessage = { type: 'data', id, source, error };
    post(m);
  };

  return async (message: ToNotebook): Promise<void> => {
    switch (message.type) {
      case 'setData':
        return setData(message.id, message.request, message.eager);
      case 'tasksDone':
      case 'tasksFailed': {
        const w = waiting.get(message.reqId);
        waiting.delete(message.reqId);
        if (message.type === 'tasksDone') w?.resolve(message.results);
        else w?.reject(new Error(message.message));
        return;
      }
      case 'run': {
        const section = sections.find((s) => s.id === message.sectionId);
        if (section === undefined) {
          post({ type: 'fatal', message: `run: one of ${sections.map((s) => s.id).join(', ')} (got ${message.sectionId})` });
          return;
        }
        const config = runConfig({ quick: message.quick, workers: message.workers });
        let usedData = false;
        const record = await runSection(section, {
          config,
          data: () => {
            usedData = true;
            return data();
          },
          trainer: trainerFor(message.runId, config),
          earlier: (id) => message.earlier[id],
          echo: (line) => post({ type: 'print', runId: message.runId, line }),
        });
        const source = usedData && loaded !== null ? await loaded.then((d) => d.source, () => null) : null;
        post({ type: 'sectionDone', runId: message.runId, record, source });
        return;
      }
      default:
        return;
    }
  };
}
