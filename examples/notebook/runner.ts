/**
 * Running the notebook's sections, the same in the terminal demo (main.ts) and in the web page's
 * worker: one section's run with its printer, its outputs and its failure caught, as one record of
 * the report; and results.json's document. Platform-free: what a record is shown on (a terminal and
 * an HTML file, or a page) is the caller's.
 * @module
 */
import { Printer } from '../shared/printer.js';
import type { ReportSection } from '../shared/report.js';
import type { RunConfig } from './config.js';
import type { DataSource, NotebookData } from './notebookData.js';
import type { Section, SectionContext } from './section.js';
import type { Trainer } from './training.js';

/** One section's part of the report, with the numbers behind it (results.json's `values`). */
export interface SectionRecord extends ReportSection {
  values: Record<string, unknown>;
}

/** What a section runs with. */
export interface SectionEnv {
  config: RunConfig;
  data: () => Promise<NotebookData>;
  trainer: Trainer;
  /** The values an earlier section of this run returned. */
  earlier: (id: string) => Record<string, unknown> | undefined;
  /** Called with every printed line as it is printed. */
  echo?: (line: string) => void;
}

/**
 * Runs one section: what it prints (also echoed as it comes), its figures, answers, notes and values;
 * an error it throws makes the record `failed`, with the error's stack (or message) as its message.
 */
export async function runSection(section: Section, env: SectionEnv): Promise<SectionRecord> {
  const printer = new Printer(env.echo);
  const record: SectionRecord = {
    id: section.id, title: section.title, cells: section.cells, about: section.about,
    status: 'ok', message: null, text: '', details: null, notes: [], figures: [], answers: [], seconds: 0, values: {},
  };
  const s0 = performance.now();
  try {
    const ctx: SectionContext = {
      print: (...args) => printer.print(...args), config: env.config, data: env.data, trainer: env.trainer, earlier: env.earlier,
    };
    const out = await section.run(ctx);
    record.figures = out.figures ?? [];
    record.answers = out.answers ?? [];
    record.notes = out.notes ?? [];
    record.details = out.details ?? null;
    record.values = out.values ?? {};
  } catch (err) {
    record.status = 'failed';
    record.message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  }
  record.text = printer.text;
  record.seconds = (performance.now() - s0) / 1000;
  return record;
}

/** What results.json says about the run as a whole. */
export interface RunMeta {
  /** What started the run: the command line, or the page's address. */
  command: string;
  startedAt: string;
  totalSeconds: number;
  quick: boolean;
  /** Training workers (0: the trainings ran in the main thread). */
  workers: number;
  /** Where the data came from (null when no section used it). */
  source: DataSource | null;
  config: RunConfig;
}

/** results.json: the run's meta, then every section's record, its figures named by their files (`figures/<id>.svg`). */
export function resultsDocument(meta: RunMeta, records: readonly SectionRecord[]): Record<string, unknown> {
  const { command, startedAt, totalSeconds, quick, workers, source, config } = meta;
  return {
    command, startedAt, totalSeconds, quick, workers, source, config,
    sections: records.map(({ figures, ...rest }) => ({ ...rest, figures: figures.map((f) => ({ id: f.id, title: f.title, file: `figures/${f.id}.svg` })) })),
  };
}
