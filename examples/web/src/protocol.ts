/**
 * The messages between the page (main thread) and its workers. One worker script plays one of three
 * roles, named by its first message: `notebook` runs the notebook's sections (the same code as
 * `pnpm demo`) and asks the page for trainings; `train` runs training tasks and reports every
 * iteration; `compare` runs `compareGradients` for the Compare gradients panel. The page is the hub:
 * it owns the training pool and passes tasks and results between the notebook worker and it.
 * Types only: nothing here runs.
 * @module
 */
import type { EpochInfo } from '@tapegrad/optim';
import type { DataSource } from '../../notebook/notebookData.js';
import type { SectionRecord } from '../../notebook/runner.js';
import type { RunResult, TrainingArrays, TrainingTask } from '../../notebook/training.js';

/** Which kernels the workers use (`?kernels=js`; default `auto`, WebAssembly where it runs). */
export type KernelChoice = 'auto' | 'js' | 'wasm';

/** The first message to a worker: its role. */
export interface InitMessage {
  type: 'init';
  role: 'notebook' | 'train' | 'compare';
  kernels: KernelChoice;
}

/**
 * The page's parts: the BatchNormalization notebook's sections, then the demo's part "Beyond the
 * notebook" (sections/beyondTheNotebook.ts: cs231n ConvolutionalNetworks' normalization cells).
 */
export type PartId = 'notebook' | 'beyond-the-notebook';

/** What a section is, as the page lists it. */
export interface SectionInfo {
  id: string;
  title: string;
  cells: string;
  about: string;
  trains: boolean;
  /** The part it belongs to. */
  part: PartId;
}

/** Where the notebook worker takes CIFAR-10 from. */
export type DataRequest =
  /** Files served beside the page (`pnpm web`): their names under `base`, and where they came from. */
  | { kind: 'served'; base: string; files: string[]; where: string }
  /** Files the user dropped: one `.tar.gz`, or batch `.bin` files (and `batches.meta.txt`). */
  | { kind: 'files'; files: { name: string; data: Blob }[] }
  /** No CIFAR-10: the labelled synthetic stand-in, and why. */
  | { kind: 'synthetic'; reason: string };

// ---- page → notebook worker

export interface SetDataMessage {
  type: 'setData';
  /** Answered by a {@link DataMessage} with the same id. */
  id: number;
  request: DataRequest;
  /** Load now (dropped files, to report a bad one at once), or on first use. */
  eager: boolean;
}

export interface RunSectionMessage {
  type: 'run';
  runId: number;
  sectionId: string;
  quick: boolean;
  /** Training workers the page has (the run's config says it, as `--workers` does). */
  workers: number;
  /** Values of sections that ran before, for `ctx.earlier`. */
  earlier: Record<string, Record<string, unknown>>;
}

export interface TasksDoneMessage {
  type: 'tasksDone';
  reqId: number;
  results: RunResult[][];
}

export interface TasksFailedMessage {
  type: 'tasksFailed';
  reqId: number;
  message: string;
}

export type ToNotebook = InitMessage | SetDataMessage | RunSectionMessage | TasksDoneMessage | TasksFailedMessage;

// ---- notebook worker → page

export interface ReadyMessage {
  type: 'ready';
  sections: SectionInfo[];
}

export interface DataMessage {
  type: 'data';
  id: number;
  /** The loaded data's source (null when not loaded yet: `eager` was false). */
  source: DataSource | null;
  /** The error's `name: message` when the data could not be used. */
  error: string | null;
}

export interface PrintMessage {
  type: 'print';
  runId: number;
  line: string;
}

export interface RunTasksMessage {
  type: 'runTasks';
  runId: number;
  reqId: number;
  label: string;
  tasks: TrainingTask[];
  /** Per task: its cost (longest first) and its runs' iteration counts (progress). */
  costs: number[];
  iterations: number[][];
  /** The training data, and a key that changes when it does. */
  arrays: TrainingArrays;
  arraysKey: string;
}

export interface SectionDoneMessage {
  type: 'sectionDone';
  runId: number;
  record: SectionRecord;
  /** The data the run used, when it loaded any. */
  source: DataSource | null;
}

export interface FatalMessage {
  type: 'fatal';
  message: string;
}

export type FromNotebook = ReadyMessage | DataMessage | PrintMessage | RunTasksMessage | SectionDoneMessage | FatalMessage;

// ---- page ↔ training worker

export interface ArraysMessage {
  type: 'arrays';
  key: string;
  arrays: TrainingArrays;
}

export interface TaskMessage {
  type: 'task';
  slot: number;
  task: TrainingTask;
}

export type ToTrain = InitMessage | ArraysMessage | TaskMessage;

/** What a training did since its last message (at most 10 iterations or 100 ms of it). */
export interface ProgressMessage {
  type: 'progress';
  slot: number;
  runIndex: number;
  /** The iteration of the first loss in `losses` (1-based). */
  firstIteration: number;
  losses: number[];
  epochs: EpochInfo[];
  logs: string[];
}

export interface TaskDoneMessage {
  type: 'taskDone';
  slot: number;
  results: RunResult[];
}

export interface TaskFailedMessage {
  type: 'taskFailed';
  slot: number;
  message: string;
}

export type FromTrain = ProgressMessage | TaskDoneMessage | TaskFailedMessage;

// ---- page ↔ compare worker

/** The layers of the Compare gradients panel. */
export type CompareLayer = 'linear' | 'relu' | 'batchnorm-pytorch' | 'batchnorm-cs231n' | 'layernorm';

export interface CompareRequest {
  type: 'compare';
  reqId: number;
  layer: CompareLayer;
  n: number;
  d: number;
  dtype: 'float32' | 'float64';
  repeats: number;
}

export interface CompareResult {
  type: 'compared';
  reqId: number;
  /** The error's `name: message` when the comparison failed. */
  error: string | null;
  /** What was compared (`BatchNorm1d(500, convention cs231n), x float64 [100, 500]`). */
  subject: string;
  /** One row per compared tensor. */
  rows: { name: string; relError: number; maxAbsDiff: number }[];
  tapeMs: number;
  fusedMs: number;
  speedup: number;
  forwardTapeMs: number;
  forwardFusedMs: number;
  repeats: number;
  warmup: number;
  /** compareGradients' own table. */
  text: string;
  /** The kernels it ran on. */
  kernels: string;
}

export type ToCompare = InitMessage | CompareRequest;
export type FromCompare = CompareResult;
