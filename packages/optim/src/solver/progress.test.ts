import { describe, expect, test } from 'vitest';
import { epochLine, formatEta, formatFixed, iterationLine } from '@tapegrad/optim';
import { barReporter, linesReporter } from './progress.js';

describe("formatFixed is Python's %f", () => {
  // printed by Python 3: '%f' % v, '%.0f' % v, '%.2f' % v
  test.each([
    [2.3409741, '2.340974', '2', '2.34'],
    [0.0078125, '0.007812', '0', '0.01'], // an exact tie: halves go to even (toFixed gives 0.007813)
    [0.0234375, '0.023438', '0', '0.02'],
    [-0.0078125, '-0.007812', '-0', '-0.01'],
    [0.5, '0.500000', '0', '0.50'],
    [2.5, '2.500000', '2', '2.50'],
    [1e-7, '0.000000', '0', '0.00'],
    [5e-7, '0.000000', '0', '0.00'],
    [1.5e-6, '0.000002', '0', '0.00'],
    [-0, '-0.000000', '-0', '-0.00'],
    [0, '0.000000', '0', '0.00'],
    [123456.7890125, '123456.789012', '123457', '123456.79'],
    [0.1 + 0.2, '0.300000', '0', '0.30'],
    [0.115, '0.115000', '0', '0.12'],
    [2 / 3, '0.666667', '1', '0.67'],
  ])('%s', (x, f6, f0, f2) => {
    expect([formatFixed(x), formatFixed(x, 0), formatFixed(x, 2)]).toEqual([f6, f0, f2]);
  });

  test('nan and inf as Python spells them', () => {
    expect([formatFixed(Number.NaN), formatFixed(Infinity), formatFixed(-Infinity)]).toEqual(['nan', 'inf', '-inf']);
  });

  test("the notebook's lines", () => {
    expect(iterationLine(21, 200, 1.9994426)).toBe('(Iteration 21 / 200) loss: 1.999443');
    expect(epochLine(10, 10, 0.789, 0.327)).toBe('(Epoch 10 / 10) train acc: 0.789000; val_acc: 0.327000');
  });
});

test('formatEta', () => {
  expect([formatEta(0), formatEta(59.6), formatEta(61), formatEta(3600), formatEta(-1), formatEta(Infinity)]).toEqual(['0:00', '1:00', '1:01', '1:00:00', '?', '?']);
});

describe('reporters', () => {
  const iteration = (i: number, loss = 1) => ({ iteration: i, numIterations: 10, epoch: Math.floor((i - 1) / 5), numEpochs: 2, loss });

  test("lines: an iteration line when (iteration - 1) % printEvery == 0, every accuracy line", () => {
    const lines: string[] = [];
    const r = linesReporter((l) => lines.push(l), 4);
    r.start(0, 10);
    for (let i = 1; i <= 10; i++) r.iteration(iteration(i));
    r.check({ epoch: 2, numEpochs: 2, trainAcc: 0.5, valAcc: 0.25 });
    expect(lines).toEqual([
      '(Iteration 1 / 10) loss: 1.000000',
      '(Iteration 5 / 10) loss: 1.000000',
      '(Iteration 9 / 10) loss: 1.000000',
      '(Epoch 2 / 2) train acc: 0.500000; val_acc: 0.250000',
    ]);
  });

  test('bar: redrawn at most every minIntervalMs and at the last iteration, with rate and ETA from the clock', () => {
    let out = '';
    let clock = 0;
    const r = barReporter({ write: (s) => (out += s), columns: 120 }, { minIntervalMs: 100, now: () => clock });
    r.start(0, 10);
    const frames = () => out.split('\r\x1b[K').filter((f) => f !== '');
    for (let i = 1; i <= 4; i++) {
      clock += 40; // 25 it/s
      r.iteration(iteration(i, 2 - i / 10));
    }
    // drawn at iteration 1 (nothing drawn before) and at iteration 4 (120 ms after the first draw)
    expect(frames()).toHaveLength(2);
    expect(frames()[1]).toBe(`epoch 1/2 [${'█'.repeat(12)}${'░'.repeat(18)}] 4/10 loss 1.600000 25 it/s ETA 0:00`);
    r.check({ epoch: 1, numEpochs: 2, trainAcc: 0.5, valAcc: 0.25 });
    expect(frames()[2]).toBe('(Epoch 1 / 2) train acc: 0.500000; val_acc: 0.250000\n');
    expect(frames()[3]).toContain(' train 0.500 val 0.250 ');
    for (let i = 5; i <= 10; i++) {
      clock += 1;
      r.iteration(iteration(i));
    }
    expect(frames().at(-1)).toMatch(/^epoch 2\/2 \[█{30}\] 10\/10 loss 1\.000000 train 0\.500 val 0\.250 \d+ it\/s ETA 0:00$/);
    r.end();
    expect(out.endsWith('\n')).toBe(true);
  });

  test('bar: fits a narrow terminal', () => {
    let out = '';
    const r = barReporter({ write: (s) => (out += s), columns: 40 });
    r.start(0, 10);
    r.iteration(iteration(1));
    const frame = out.split('\r\x1b[K').at(-1)!;
    expect(frame.length).toBeLessThanOrEqual(39);
    expect(frame.startsWith('epoch 1/2 ')).toBe(true);
  });
});
