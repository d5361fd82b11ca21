import { describe, expect, it } from 'vitest';
import { runSectionAlone as run } from '../../test-utils/runSectionAlone.js';
import { bnBackwardAlt } from './bnBackwardAlt.js';
import { bnTestTime } from './bnTestTime.js';
import { fcNetGradCheck } from './fcNetGradCheck.js';
import { sections } from './index.js';
import { bnForward, lnForward } from './normForward.js';
import { bnGradCheck, lnGradCheck } from './normGradCheck.js';
import { runConfig } from '../config.js';
import type { SectionContext } from '../section.js';
import type { TaskBatch } from '../training.js';


describe('the sections print what the notebook printed', () => {
  it('bn-forward: the stats before batchnorm and with gamma/beta are the notebook\'s, digit for digit', async () => {
    const { lines } = await run(bnForward);
    expect(lines.slice(0, 4)).toEqual([
      'Before batch normalization:',
      '  means: [ -2.3814598  -13.18038246   1.91780462]',
      '  stds:  [27.18502186 34.21455511 37.68611762]',
      '',
    ]);
    expect(lines[4]).toBe('After batch normalization (gamma=1, beta=0)');
    expect(lines[6]).toBe('  stds:  [0.99999999 1.         1.        ]');
    expect(lines[8]).toBe('After batch normalization (gamma= [1. 2. 3.] , beta= [11. 12. 13.] )');
    expect(lines[9]).toBe('  means: [11. 12. 13.]');
    expect(lines[10]).toBe('  stds:  [0.99999999 1.99999999 2.99999999]');
  });

  it('bn-forward: the means after batchnorm are zero up to rounding', async () => {
    const { out } = await run(bnForward);
    const plain = out.values!['plain'] as { means: number[] };
    for (const m of plain.means) expect(Math.abs(m)).toBeLessThan(1e-15);
  });

  it('bn-test-time: 50 warm-up passes, then the notebook\'s test-time stats', async () => {
    const { lines } = await run(bnTestTime);
    expect(lines.slice(0, 3)).toEqual([
      'After batch normalization (test-time):',
      '  means: [-0.03927354 -0.04349152 -0.10452688]',
      '  stds:  [1.01531428 1.01238373 0.97819988]',
    ]);
  });

  it('bn-gradcheck and ln-gradcheck: three errors each, in the notebook\'s format and range', async () => {
    for (const section of [bnGradCheck, lnGradCheck]) {
      const { lines, out } = await run(section);
      expect(lines.map((l) => l.split(':')[0])).toEqual(['dx error', 'dgamma error', 'dbeta error']);
      for (const l of lines) expect(l).toMatch(/^d\w+ error: {2}\d\.\d+e-\d\d$/);
      const tape = out.values!['tape'] as Record<string, number>;
      for (const e of Object.values(tape)) expect(e).toBeLessThan(1e-7);
    }
  });

  it('bn-gradcheck: dbeta\'s error is the notebook\'s, digit for digit', async () => {
    const { lines } = await run(bnGradCheck);
    expect(lines[2]).toBe('dbeta error:  2.8795057655839487e-12');
  });

  it('bn-backward-alt: the fused and tape gradients agree, with a speedup line', async () => {
    const { lines, out } = await run(bnBackwardAlt);
    expect(lines[3]).toMatch(/^speedup: \d+\.\d\dx$/);
    for (const k of ['dx', 'dgamma', 'dbeta']) expect(out.values![k] as number).toBeLessThan(1e-10);
  });

  it('fc-gradcheck: the notebook\'s initial losses and W1 errors, and ten sorted names per reg', async () => {
    const { lines } = await run(fcNetGradCheck);
    expect(lines[0]).toBe('Running check with reg =  0');
    expect(lines[1]).toBe('Initial loss:  2.2611955101340957');
    expect(lines[2]).toBe('W1 relative error: 1.10e-04');
    expect(lines.slice(2, 12).map((l) => l.split(' ')[0])).toEqual(['W1', 'W2', 'W3', 'b1', 'b2', 'b3', 'beta1', 'beta2', 'gamma1', 'gamma2']);
    expect(lines[12]).toBe('');
    expect(lines[13]).toBe('Running check with reg =  3.14');
    expect(Number(lines[14]!.split('  ')[1])).toBeCloseTo(6.996533220108303, 13);
    expect(lines[15]).toBe('W1 relative error: 1.98e-06');
  });

  it('ln-forward: the stats before layernorm and with gamma/beta are the notebook\'s', async () => {
    const { lines } = await run(lnForward);
    expect(lines.slice(0, 3)).toEqual([
      'Before layer normalization:',
      '  means: [-59.06673243 -47.60782686 -43.31137368 -26.40991744]',
      '  stds:  [10.07429373 28.39478981 35.28360729  4.01831507]',
    ]);
    expect(lines[6]).toBe('  stds:  [0.99999995 0.99999999 1.         0.99999969]');
    expect(lines[8]).toBe('After layer normalization (gamma= [3. 3. 3.] , beta= [5. 5. 5.] )');
    expect(lines[9]).toBe('  means: [5. 5. 5. 5.]');
    expect(lines[10]).toBe('  stds:  [2.99999985 2.99999998 2.99999999 2.99999907]');
  });
});

describe('the section list', () => {
  it('follows the notebook\'s order, with unique ids', () => {
    expect(sections.map((s) => s.id)).toEqual([
      'data', 'bn-forward', 'bn-test-time', 'bn-gradcheck', 'bn-backward-alt', 'fc-gradcheck', 'deep-nets', 'weight-scale',
      'batch-size-bn', 'norm-analogies', 'ln-forward', 'ln-gradcheck', 'batch-size-ln', 'ln-limits',
      'sbn-forward', 'sbn-test-time', 'sbn-gradcheck', 'sgn-forward', 'sgn-gradcheck', 'convnets',
    ]);
  });
});

describe('the sections that train', () => {
  /** The batches a section's run hands to runTasks (the fake trainer stops it at the first). */
  async function askedFor(section: (typeof sections)[number], quick: boolean): Promise<TaskBatch[]> {
    const asked: TaskBatch[] = [];
    const ctx: SectionContext = {
      print: () => {},
      config: runConfig({ quick, workers: 0 }),
      data: () => Promise.reject(new Error('no data in this test')),
      trainer: {
        runTasks: (label, tasks) => {
          asked.push({ label, tasks });
          return Promise.reject(new Error('stop here'));
        },
        close: async () => {},
      },
      earlier: () => undefined,
    };
    await expect(section.run(ctx)).rejects.toThrow('stop here');
    return asked;
  }

  it('plan exactly the batches they ask the trainer for, so that the runner can queue them early', async () => {
    const training = sections.filter((s) => s.trains);
    expect(training.map((s) => s.id)).toEqual(['deep-nets', 'weight-scale', 'batch-size-bn', 'batch-size-ln', 'ln-limits', 'convnets']);
    for (const quick of [true, false]) {
      for (const section of training) {
        const planned = section.plan!(runConfig({ quick, workers: 0 }));
        expect(planned.length).toBeGreaterThan(0);
        expect(await askedFor(section, quick)).toEqual(planned); // (a plan of two batches would need a fake that goes on)
      }
    }
  });

  it('are the only ones with a plan, and bn-backward-alt (its timings) is the only timed one', () => {
    expect(sections.filter((s) => s.plan !== undefined).every((s) => s.trains)).toBe(true);
    expect(sections.filter((s) => s.timed).map((s) => s.id)).toEqual(['bn-backward-alt']);
  });
});
