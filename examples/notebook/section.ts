/**
 * What a notebook section is: an id for `--only`, the notebook cells it ports, and a `run` that
 * prints what those cells printed and returns its figures, its answers to the inline questions and
 * the numbers behind them.
 * @module
 */
import type { PyValue } from '../shared/pyFormat.js';
import type { NotebookData } from './notebookData.js';
import type { RunConfig } from './config.js';
import type { TaskBatch, Trainer } from './training.js';

/** A figure of the report: a title and an SVG drawn by vega. */
export interface Figure {
  /** File name stem, unique in the run (`deep-nets-loss`). */
  id: string;
  /** What it shows. */
  title: string;
  /** The SVG document. */
  svg: string;
}

/** A notebook inline question with the answer this run's numbers give. */
export interface Answer {
  /** The question as the notebook asks it. */
  question: string;
  /** Sentences computed from this run's measurements. */
  answer: string[];
}

/** What a section hands to the report besides what it printed. */
export interface SectionOutput {
  /** Figures, in the order the notebook drew them. */
  figures?: Figure[];
  /** Answers to the notebook's inline questions asked in this section. */
  answers?: Answer[];
  /** Remarks computed from the run (what the notebook's prose says one should see, checked). */
  notes?: string[];
  /** Preformatted detail shown under the printout (a compareGradients table). */
  details?: string;
  /** The numbers behind the printout, for results.json and the tests. */
  values?: Record<string, unknown>;
}

/** What a section can use while it runs. */
export interface SectionContext {
  /** Python's print: the line goes to the report and to the terminal. */
  print(...args: PyValue[]): void;
  /** Sizes and options of this run. */
  config: RunConfig;
  /** The CIFAR-10 splits (or the synthetic stand-in), loaded once on first use. */
  data(): Promise<NotebookData>;
  /** Runs trainings (in a worker pool when the run has one). */
  trainer: Trainer;
  /** The values an earlier section of this run returned, if it ran. */
  earlier(id: string): Record<string, unknown> | undefined;
}

/** One section of the notebook. */
export interface Section {
  /** Its id, as `--only` takes it. */
  id: string;
  /** Its heading in the report. */
  title: string;
  /** The notebook cells it ports (`In [12]`). */
  cells: string;
  /** One or two sentences saying what the section does. */
  about: string;
  /** Whether it trains models (with cs231n's Solver from @tapegrad/optim, in the worker pool). */
  trains: boolean;
  /** Whether it prints timings: then no training runs in the background while it runs. */
  timed?: boolean;
  /**
   * The trainings `run` will ask for, computed from the run's config alone, so that the runner can
   * queue them in the pool before the section starts ({@link Trainer.prefetch}). Sections that train
   * have one; `run` must hand exactly these batches to `runTasks`.
   */
  plan?(config: RunConfig): TaskBatch[];
  /** Runs the section. */
  run(ctx: SectionContext): Promise<SectionOutput>;
}
