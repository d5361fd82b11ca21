import { describe, expect, test } from 'vitest';
import { mainThreadTasks } from './mainThreadTrace.js';

/**
 * A trace of `n` page tasks of 2 ms wall and 1 ms CPU (the first `missing` without a CPU time),
 * the first posted from a timer and holding a script that ran a GC, the second from V8's GC job, a
 * mark, and another thread's task.
 */
function trace(n: number, missing: number): string {
  const task = (i: number) => ({
    name: 'ThreadControllerImpl::RunTask', cat: 'toplevel', ph: 'X', pid: 1, tid: 7, ts: i * 10_000, dur: 2000,
    ...(i < missing ? {} : { tdur: 1000 }),
    ...(i === 0 ? { args: { src_file: 'third_party/blink/renderer/core/scheduler/dom_timer.cc', src_func: 'DOMTimer' } } : {}),
    ...(i === 1 ? { args: { src_file: 'v8/src/heap/minor-gc-job.cc', src_func: 'void v8::internal::MinorGCJob::TryScheduleTask(int, std::optional<int>)' } } : {}),
  });
  const nested = (name: string, cat: string, ts: number, dur: number, tdur?: number) => ({ name, cat, ph: 'X', pid: 1, tid: 7, ts, dur, tdur });
  const events = [
    ...Array.from({ length: n }, (_, i) => task(i)),
    nested('FunctionCall', 'devtools.timeline', 100, 1900, 900),
    nested('MinorGC', 'devtools.timeline,v8', 1000, 600, 500),
    nested('Layout', 'devtools.timeline', 10_100, 500), // in the second task
    { name: 'MajorGC', cat: 'devtools.timeline,v8', ph: 'X', pid: 1, tid: 8, ts: 200, dur: 1000 }, // a worker's
    { name: 'tapegrad-run-start', cat: 'blink.user_timing', ph: 'I', pid: 1, tid: 7, ts: 5000 },
    { name: 'ThreadControllerImpl::RunTask', cat: 'toplevel', ph: 'X', pid: 1, tid: 8, ts: 0, dur: 9000 }, // a worker
  ];
  return JSON.stringify({ traceEvents: events });
}

describe('mainThreadTasks', () => {
  test("the anchor's thread only, with each task's wall and CPU time and the marks", () => {
    const { tasks, marks } = mainThreadTasks(trace(3, 0), 'tapegrad-run-start');
    expect(tasks).toEqual([0, 10, 20].map((start) => ({ start, wallMs: 2, cpuMs: 1, postedFrom: ['dom_timer.cc:DOMTimer', 'minor-gc-job.cc:v8::internal::MinorGCJob::TryScheduleTask', ''][start / 10] })));
    expect(marks.get('tapegrad-run-start')).toEqual([5]);
  });

  test("what ran inside a task: its thread's events within it, longest first, at most `count`", () => {
    const t = mainThreadTasks(trace(3, 0), 'tapegrad-run-start');
    expect(t.inside(t.tasks[0]!, 5)).toEqual([
      { name: 'FunctionCall', cat: 'devtools.timeline', wallMs: 1.9, cpuMs: 0.9 },
      { name: 'MinorGC', cat: 'devtools.timeline,v8', wallMs: 0.6, cpuMs: 0.5 },
    ]);
    expect(t.inside(t.tasks[0]!, 1).map((e) => e.name)).toEqual(['FunctionCall']);
    expect(t.inside(t.tasks[1]!, 5)).toEqual([{ name: 'Layout', cat: 'devtools.timeline', wallMs: 0.5, cpuMs: null }]);
    expect(t.inside(t.tasks[2]!, 5)).toEqual([]);
  });

  test('a task without a CPU time counts its wall time; more than 1% of them without is an error', () => {
    const { tasks } = mainThreadTasks(trace(200, 2), 'tapegrad-run-start');
    expect(tasks.slice(0, 3).map((t) => t.cpuMs)).toEqual([2, 2, 1]);
    expect(() => mainThreadTasks(trace(200, 3), 'tapegrad-run-start')).toThrow(/200 tasks, 3 without tdur/);
    expect(() => mainThreadTasks(trace(0, 0), 'tapegrad-run-start')).toThrow(/got 0 tasks/);
    expect(() => mainThreadTasks(trace(3, 0), 'other-mark')).toThrow(/the mark other-mark/);
  });
});
