/**
 * Runs a notebook section that needs no data and no training (the RNG-only cells, the gradient
 * checks), with quick sizes, for the sections' tests.
 * @module
 */
import { Printer } from '../shared/printer.js';
import { runConfig } from '../notebook/config.js';
import type { Section, SectionContext } from '../notebook/section.js';

/** What the section printed (whole and by line) and what it returned. */
export async function runSectionAlone(section: Section) {
  const printer = new Printer();
  const ctx: SectionContext = {
    print: (...args) => printer.print(...args),
    config: runConfig({ quick: true, workers: 0 }),
    data: () => Promise.reject(new Error('no data in this test')),
    trainer: { runTasks: () => Promise.reject(new Error('no training in this test')), close: async () => {} },
    earlier: () => undefined,
  };
  const out = await section.run(ctx);
  return { text: printer.text, lines: printer.text.split('\n'), out };
}
