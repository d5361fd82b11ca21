import { describe, expect, test } from 'vitest';
import { mainThreadTasks } from './mainThreadTrace.js';

/** A trace of `n` page tasks of 2 ms wall and 1 ms CPU (the first `missing` without a CPU time), a mark, and another thread's task. */
function trace(n: number, missing: number): string {
  const task = (i: number) => ({
    name: 'ThreadControllerImpl::RunTask', cat: 'toplevel', ph: 'X', pid: 1, tid: 7, ts: i * 10_000, dur: 2000,
    ...(i < missing ? {} : { tdur: 1000 }),
  });
  const events = [
    ...Array.from({ length: n }, (_, i) => task(i)),
    { name: 'tapegrad-run-start', cat: 'blink.user_timing', ph: 'I', pid: 1, tid: 7, ts: 5000 },
    { name: 'ThreadControllerImpl::RunTask', cat: 'toplevel', ph: 'X', pid: 1, tid: 8, ts: 0, dur: 9000 }, // a worker
  ];
  return JSON.stringify({ traceEvents: events });
}

describe('mainThreadTasks', () => {
  test("the anchor's thread only, with each task's wall and CPU time and the marks", () => {
    const { tasks, marks } = mainThreadTasks(trace(3, 0), 'tapegrad-run-start');
    expect(tasks).toEqual([0, 10, 20].map((start) => ({ start, wallMs: 2, cpuMs: 1 })));
    expect(marks.get('tapegrad-run-start')).toEqual([5]);
  });

  test('a task without a CPU time counts its wall time; more than 1% of them without is an error', () => {
    const { tasks } = mainThreadTasks(trace(200, 2), 'tapegrad-run-start');
    expect(tasks.slice(0, 3).map((t) => t.cpuMs)).toEqual([2, 2, 1]);
    expect(() => mainThreadTasks(trace(200, 3), 'tapegrad-run-start')).toThrow(/200 tasks, 3 without tdur/);
    expect(() => mainThreadTasks(trace(0, 0), 'tapegrad-run-start')).toThrow(/got 0 tasks/);
    expect(() => mainThreadTasks(trace(3, 0), 'other-mark')).toThrow(/the mark other-mark/);
  });
});
