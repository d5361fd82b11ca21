/**
 * The page's main thread as Chromium's own trace records it: every task it ran (the scheduler's
 * `ThreadControllerImpl::RunTask`, category `toplevel`) with its wall time (`dur`) and the CPU time
 * the thread itself spent in it (`tdur`), and the page's `performance.mark`s (`blink.user_timing`),
 * all on one clock. A task's wall time also counts the time the operating system ran other threads
 * instead (on a loaded machine, most of it); its CPU time is the work the page gave its main thread.
 * What ran inside a task (a script, a style or layout pass, a paint, a garbage collection, a
 * compile, a message) is told by the events nested in it ({@link MainThreadTrace.inside}), and where
 * the task was posted from by its `src_file`/`src_func`.
 * @module
 */

/**
 * The trace categories {@link mainThreadTasks} reads: the tasks and marks, and, to tell what a task
 * did, DevTools' timeline events (scripts, message and timer handlers, style, layout, paint, HTML
 * parsing, compiles, V8's collections and their phases); V8's and Blink's own categories, which
 * add events on every traced thread, told nothing more in the runs read (bench/README.md).
 */
export const TRACE_CATEGORIES = ['toplevel', 'blink.user_timing', '__metadata', 'devtools.timeline'];

interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { src_file?: string; src_func?: string };
}

/** One main-thread task, times in milliseconds. */
export interface MainThreadTask {
  start: number;
  wallMs: number;
  cpuMs: number;
  /** Where Chromium posted it from (`file.cc:Function`), or `''` when the trace does not say. */
  postedFrom: string;
}

/** An event that ran inside a task: its name and category, wall and CPU time in ms (null: not recorded). */
export interface NestedEvent {
  name: string;
  cat: string;
  wallMs: number;
  cpuMs: number | null;
}

/** What the page's main thread did, times in milliseconds on the trace's clock. */
export interface MainThreadTrace {
  tasks: MainThreadTask[];
  /** The page's marks by name, in order. */
  marks: Map<string, number[]>;
  /** The `count` longest complete events nested in `task` (one of {@link tasks}), longest first. */
  inside(task: MainThreadTask, count: number): NestedEvent[];
}

/** A C++ signature's function name: `void v8::internal::MinorGCJob::TryScheduleTask()` → `v8::internal::MinorGCJob::TryScheduleTask`. */
const postingFunction = (signature: string): string => signature.replace(/\(.*$/s, '').trim().split(' ').pop() ?? '';

/**
 * The page's main thread in a trace taken with {@link TRACE_CATEGORIES}: the thread that made the
 * mark `anchor` (so other renderers, the browser and the workers are left out). Chromium leaves out
 * the CPU time of an odd task (2 of ~1600 in one run on a loaded machine): such a task counts its
 * wall time as its CPU time, an upper bound, so a check of CPU times can only get stricter.
 * @throws Error when no event is named `anchor`, or more than 1% of the tasks carry no CPU time.
 */
export function mainThreadTasks(traceJson: string, anchor: string): MainThreadTrace {
  const parsed = JSON.parse(traceJson) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
  const mark = events.find((e) => e.name === anchor && e.cat.includes('blink.user_timing'));
  if (mark === undefined) throw new Error(`mainThreadTasks: the mark ${anchor} in the trace (got ${events.length} events without it)`);
  const mine = events.filter((e) => e.pid === mark.pid && e.tid === mark.tid);
  const runs = mine.filter((e) => e.name === 'ThreadControllerImpl::RunTask' && e.ph === 'X' && e.dur !== undefined);
  const tasks = runs.map((e) => ({
    start: e.ts / 1000, wallMs: e.dur! / 1000, cpuMs: (e.tdur ?? e.dur!) / 1000,
    postedFrom: e.args?.src_file ? `${e.args.src_file.split('/').pop()}:${postingFunction(e.args.src_func ?? '')}` : '',
  }));
  const withoutCpu = runs.filter((e) => e.tdur === undefined).length;
  if (tasks.length === 0 || withoutCpu > tasks.length / 100) {
    throw new Error(`mainThreadTasks: main-thread tasks with CPU times, all but at most 1% (got ${tasks.length} tasks, ${withoutCpu} without tdur)`);
  }
  const marks = new Map<string, number[]>();
  for (const e of mine) {
    if (e.cat.includes('blink.user_timing') && e.ph === 'I') marks.set(e.name, [...(marks.get(e.name) ?? []), e.ts / 1000]);
  }
  const spans = mine.filter((e) => e.ph === 'X' && e.dur !== undefined && e.name !== 'ThreadControllerImpl::RunTask');
  const inside = (task: MainThreadTask, count: number): NestedEvent[] => spans
    // on the trace's clock (us), half a microsecond either side for the conversion to ms
    .filter((e) => e.ts >= task.start * 1000 - 0.5 && e.ts + e.dur! <= (task.start + task.wallMs) * 1000 + 0.5)
    .sort((a, b) => b.dur! - a.dur!).slice(0, count)
    .map((e) => ({ name: e.name, cat: e.cat, wallMs: e.dur! / 1000, cpuMs: e.tdur === undefined ? null : e.tdur / 1000 }));
  return { tasks, marks, inside };
}
