import { describe, expect, it } from 'vitest';
import { formatDuration } from '@tapegrad/data';
import { ProgressBar, RateMeter, formatBytes, formatProgressLine, type DownloadProgress } from './progress.js';

describe('formatting', () => {
  it('formats bytes with binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(170052171)).toBe('162.2 MiB');
  });
  it('formats durations', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(83)).toBe('1:23');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(null)).toBe('--:--');
    expect(formatDuration(Infinity)).toBe('--:--');
  });
  it('draws a bar with bytes, rate and ETA', () => {
    const p: DownloadProgress = { received: 512, total: 1024, elapsedMs: 1000, rate: 512, etaSeconds: 1, done: false };
    expect(formatProgressLine('a.tar.gz', p)).toBe(
      'a.tar.gz  50% [###############---------------] 512 B/1.0 KiB  512 B/s  ETA 0:01',
    );
    expect(formatProgressLine('a.tar.gz', p).length).toBeLessThan(80);
  });
  it('shows bytes and rate only when the total is unknown', () => {
    const p: DownloadProgress = { received: 2048, total: null, elapsedMs: 1000, rate: 2048, etaSeconds: null, done: false };
    expect(formatProgressLine('x', p)).toBe('x  2.0 KiB  2.0 KiB/s');
  });
  it('shows the elapsed time when done', () => {
    const p: DownloadProgress = { received: 10, total: 10, elapsedMs: 65000, rate: 1, etaSeconds: 0, done: true };
    expect(formatProgressLine('x', p)).toMatch(/100% \[#+\] 10 B\/10 B {2}1 B\/s {2}in 1:05$/);
  });
  it('shrinks the bar to a narrow terminal', () => {
    const p: DownloadProgress = { received: 5, total: 10, elapsedMs: 1000, rate: 5, etaSeconds: 1, done: false };
    expect(formatProgressLine('x', p, 50).length).toBeLessThanOrEqual(50);
  });
});

describe('RateMeter', () => {
  it('measures the rate over the recent window and estimates the time left', () => {
    let t = 0;
    const meter = new RateMeter(() => t, 5000);
    t = 1000;
    expect(meter.update(1000, 10000).rate).toBe(1000);
    t = 2000;
    const p = meter.update(2000, 10000);
    expect(p.rate).toBe(1000);
    expect(p.etaSeconds).toBe(8);
    expect(p.elapsedMs).toBe(2000);
    // samples older than the window leave it, except the last one before it (from t = 2000 here)
    t = 10000;
    meter.update(4000, 10000);
    t = 11000;
    const q = meter.update(9000, 10000);
    expect(q.rate).toBeCloseTo((7000 / 9000) * 1000, 9);
    expect(q.etaSeconds).toBeCloseTo(1000 / ((7000 / 9000) * 1000), 9);
  });
  it('has no ETA without a total', () => {
    let t = 0;
    const meter = new RateMeter(() => t);
    t = 500;
    expect(meter.update(100, null).etaSeconds).toBeNull();
  });
});

describe('ProgressBar', () => {
  it('redraws in place at most every interval and ends the line when done', () => {
    let t = 0;
    const out: string[] = [];
    const bar = new ProgressBar({ write: (s: string) => out.push(s), columns: 80 }, 'f', 100, () => t);
    const p = (received: number, done = false): DownloadProgress => ({ received, total: 100, elapsedMs: t, rate: 10, etaSeconds: 1, done });
    bar.update(p(10));
    t = 50;
    bar.update(p(20)); // too soon: skipped
    t = 150;
    bar.update(p(30));
    t = 160;
    bar.update(p(100, true)); // the last one is always drawn
    expect(out.length).toBe(3);
    expect(out.every((s) => s.startsWith('\r'))).toBe(true);
    expect(out[0]).toContain(' 10%');
    expect(out[1]).toContain(' 30%');
    expect(out[2]).toContain('100%');
    expect(out[2]?.endsWith('\n')).toBe(true);
  });
});
