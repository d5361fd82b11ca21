/**
 * `pnpm demo`: the whole BatchNormalization notebook, section after section, printing what its cells
 * printed, then one self-contained HTML report (out/<run>/index.html) with the printouts, the figures
 * (also as figures/*.svg), remarks and the answers to the inline questions, and results.json.
 *
 *   node dist/notebook/main.js [--data DIR] [--out DIR] [--run NAME] [--quick] [--only ID[,ID...]]
 *                              [--workers N] [--no-download] [--synthetic]
 * @module
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '@tapegrad/core';
import { renderReport } from '../shared/report.js';
import { runConfig } from './config.js';
import { loadNotebookData } from './data.js';
import type { NotebookData } from './notebookData.js';
import { resultsDocument, runSection, type SectionRecord } from './runner.js';
import { sections } from './sections/index.js';
import { createTrainer } from './trainer.js';
import { trainingArrays } from './training.js';

const HELP = `Runs the cs231n BatchNormalization notebook with tapegrad and writes an HTML report.

Usage: node dist/notebook/main.js [options]      (pnpm demo [options] from the repository root)

  --data DIR      CIFAR-10 binary files (cifar-10-batches-bin or its parent); default: $CIFAR10_DIR,
                  then the cache, then a download. With none to be had, a labelled synthetic stand-in.
  --out DIR       where the run folder goes (default: out)
                  (under pnpm, relative paths are taken from where pnpm was started)
  --run NAME      the run folder's name (default: the start time)
  --quick         small sizes (about a minute on 2 cores)
  --only IDS      only these sections, comma-separated: ${sections.map((s) => s.id).join(', ')}
  --workers N     worker threads for the trainings (default: one per core; 0 trains in this thread)
  --no-download   do not download CIFAR-10 when it is nowhere else (use the stand-in)
  --synthetic     use the synthetic stand-in even when CIFAR-10 is there
  --help          this text
`;

function runName(quick: boolean): string {
  const stamp = new Date().toISOString().replace(/[:]/g, '-').replace(/\.\d+Z$/, '');
  return quick ? `${stamp}-quick` : stamp;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      out: { type: 'string', default: 'out' },
      run: { type: 'string' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      workers: { type: 'string' },
      synthetic: { type: 'boolean', default: false },
      download: { type: 'boolean', default: true },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowNegative: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean) ?? null;
  const unknown = only?.filter((id) => !sections.some((s) => s.id === id)) ?? [];
  if (unknown.length > 0) {
    process.stderr.write(`--only: unknown section ${unknown.join(', ')} (sections: ${sections.map((s) => s.id).join(', ')})\n`);
    return 2;
  }
  const workers = values.workers === undefined ? os.availableParallelism() : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 0) {
    process.stderr.write(`--workers: a whole number >= 0 (got ${values.workers})\n`);
    return 2;
  }
  const quick = values.quick;
  const config = runConfig({ quick, workers });
  // under `pnpm demo`, paths are relative to where pnpm was started, not to examples/ where the script runs
  const base = process.env['INIT_CWD'] ?? process.cwd();
  const runDir = path.resolve(base, values.out, values.run ?? runName(quick));
  const dataDir = values.data === undefined ? null : path.resolve(base, values.data);
  fs.mkdirSync(path.join(runDir, 'figures'), { recursive: true });

  const started = new Date();
  const t0 = performance.now();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  let dataPromise: Promise<NotebookData> | null = null;
  const data = (): Promise<NotebookData> => {
    dataPromise ??= loadNotebookData({ dir: dataDir, synthetic: values.synthetic, download: values.download, log }).then((d) => {
      if (d.source.kind === 'synthetic') {
        log(`\nNo CIFAR-10 here (${d.source.reason}).`);
        log('Running on a SYNTHETIC STAND-IN instead: the training numbers will be about generated images, not CIFAR-10.\n');
      } else log(`data: ${d.source.description}`);
      return d;
    });
    return dataPromise;
  };
  const trainer = createTrainer({ workers, arrays: async () => trainingArrays(await data(), config) });

  const selected = sections.filter((s) => only === null || only.includes(s.id));
  // every training of the run is queued in the pool, in section order, once the last section that
  // prints timings is done: the workers then start, and go on between sections, while this thread
  // runs the sections that train nothing
  const lastTimed = selected.map((s) => s.timed === true).lastIndexOf(true);
  const prefetchAll = () => {
    for (const section of selected) for (const b of section.plan?.(config) ?? []) trainer.prefetch?.(b.label, b.tasks);
  };
  if (lastTimed < 0) prefetchAll(); // (the first section's wait for data lets the pool start them)
  // the workers start now, while the data loads and the first sections run (they need no data to
  // start: each task brings it), and are up before a timed section runs: a worker's start needs this
  // thread's event loop, which a section's computation holds
  const warm = selected.some((s) => s.plan !== undefined) ? trainer.warmUp?.().catch(() => {}) : undefined;
  const report: SectionRecord[] = [];
  const earlierValues = new Map<string, Record<string, unknown>>();
  try {
    for (const section of selected) {
      if (section.timed === true) await warm;
      process.stdout.write(`\n=== ${section.title} (${section.cells}) ===\n`);
      const entry = await runSection(section, {
        config, data, trainer, earlier: (id) => earlierValues.get(id), echo: (line) => process.stdout.write(`${line}\n`),
      });
      if (entry.status === 'failed') process.stderr.write(`${section.id} failed: ${entry.message}\n`);
      else earlierValues.set(section.id, entry.values);
      for (const f of entry.figures) await writeFileAtomic(path.join(runDir, 'figures', `${f.id}.svg`), f.svg);
      report.push(entry);
      if (selected.indexOf(section) === lastTimed) {
        prefetchAll();
        // let the pool hand the first tasks to the workers before the next section holds this thread
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  } finally {
    await trainer.close();
  }

  const loaded = dataPromise as Promise<NotebookData> | null; // set inside data(), which TS cannot see
  const source = loaded === null ? null : (await loaded).source;
  const totalSeconds = (performance.now() - t0) / 1000;
  const command = ['node', 'dist/notebook/main.js', ...argv].join(' ');
  const html = renderReport({
    title: 'Batch Normalization — the cs231n notebook, run with tapegrad',
    command,
    startedAt: started.toISOString(),
    totalSeconds,
    data: source?.description ?? 'no section of this run used CIFAR-10',
    synthetic: source?.kind === 'synthetic',
    syntheticReason: source?.reason ?? null,
    quick,
    machine: `${os.availableParallelism()} cores, ${workers === 0 ? 'trainings in the main thread' : `${workers} worker threads`}, Node ${process.version}`,
  }, report);
  await writeFileAtomic(path.join(runDir, 'index.html'), html);
  const results = resultsDocument({ command, startedAt: started.toISOString(), totalSeconds, quick, workers, source: source ?? null, config }, report);
  await writeFileAtomic(path.join(runDir, 'results.json'), `${JSON.stringify(results, null, 1)}\n`);
  process.stdout.write(`\nReport: ${path.join(runDir, 'index.html')} (${totalSeconds.toFixed(1)} s)\n`);
  return report.some((s) => s.status === 'failed') ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
