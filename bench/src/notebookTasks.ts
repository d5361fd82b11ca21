/**
 * The notebook demo's training tasks for the bench tools: a section's planned tasks
 * (`Section.plan`, e.g. weight-scale's 40: FullyConnectedNet with hidden [50] × 7, batch 50, 1000
 * training images, Adam through optim's Solver), built with a checkout's own notebook code, chosen by
 * their runs' keys, optionally with fewer epochs.
 * @module
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

type Training = typeof import('../../examples/dist/notebook/training.js');
type TrainingTask = import('../../examples/dist/notebook/training.js').TrainingTask;
type TrainingArrays = import('../../examples/dist/notebook/training.js').TrainingArrays;
type Config = typeof import('../../examples/dist/notebook/config.js');
type Data = typeof import('../../examples/dist/notebook/data.js');
type Sections = typeof import('../../examples/dist/notebook/sections/index.js');
type Core = typeof import('@tapegrad/core');

/** A checkout's core and notebook code (its own module state). */
export interface NotebookBuild {
  core: Core;
  training: Training;
  config: Config;
  data: Data;
  sections: Sections;
}

/** Loads a checkout's (built) core and notebook code. */
export async function loadNotebookBuild(checkout: string): Promise<NotebookBuild> {
  const url = (file: string) => pathToFileURL(path.resolve(checkout, file)).href;
  return {
    core: (await import(url('packages/core/dist/index.js'))) as Core,
    training: (await import(url('examples/dist/notebook/training.js'))) as Training,
    config: (await import(url('examples/dist/notebook/config.js'))) as Config,
    data: (await import(url('examples/dist/notebook/data.js'))) as Data,
    sections: (await import(url('examples/dist/notebook/sections/index.js'))) as Sections,
  };
}

/** Which tasks: a section's id, the keys of the runs to keep (`all`: every task), the epochs (null: the section's). */
export interface TaskChoice {
  section: string;
  keys: string;
  epochs: number | null;
  dataDir: string;
}

/**
 * The training arrays (the notebook's split of the CIFAR subset in `dataDir`) and the chosen tasks of
 * a section's plan (a task is kept when any of its runs' keys is listed), from `build`'s code: plain
 * typed arrays and objects, which any build takes.
 * @throws Error for a section without trainings, or a key that no run of it has.
 */
export async function notebookTasks(build: NotebookBuild, choice: TaskChoice): Promise<{ arrays: TrainingArrays; tasks: TrainingTask[] }> {
  const config = build.config.runConfig({ quick: false, workers: 0 });
  const section = build.sections.sections.find((s) => s.id === choice.section);
  if (section?.plan === undefined) throw new Error(`notebookTasks: a section that trains (got ${choice.section})`);
  const planned = section.plan(config).flatMap((batch) => batch.tasks);
  const keys = choice.keys === 'all' ? null : choice.keys.split(',');
  for (const key of keys ?? []) {
    if (!planned.some((t) => t.runs.some((r) => r.key === key))) {
      throw new Error(`notebookTasks: a run key of ${choice.section} (${planned.flatMap((t) => t.runs.map((r) => r.key)).join(', ')}) (got ${key})`);
    }
  }
  const tasks = planned
    .filter((t) => keys === null || t.runs.some((r) => keys.includes(r.key)))
    .map((t) => ({ ...t, runs: t.runs.map((r) => (choice.epochs === null ? r : { ...r, numEpochs: choice.epochs })) }));
  const data = await build.data.loadNotebookData({ dir: choice.dataDir, synthetic: false, download: false, log: () => {} });
  return { arrays: build.training.trainingArrays(data, config), tasks };
}
