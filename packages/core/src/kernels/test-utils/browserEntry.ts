/**
 * The entry of the browser tests' bundle (esbuild, ES module). On a page it installs
 * `globalThis.tapegradTest`: `run(name, ...args)` runs a scenario of `browserScenarios.ts` on the
 * page, `inWorker(name, ...args)` in a dedicated module Worker made from this same bundle (one per
 * page, so kernel choices persist between calls). In that Worker it answers those requests.
 */
import { scenarios } from './browserScenarios.js';

type Name = keyof typeof scenarios;
interface Request { id: number; name: Name; args: unknown[] }
type Reply = { id: number; value: unknown } | { id: number; error: string };

interface WorkerLike {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: Reply }) => void) | null;
  onerror: ((event: { message: string }) => void) | null;
}
const scope = globalThis as unknown as {
  document?: unknown;
  postMessage(message: unknown): void;
  onmessage: ((event: { data: Request }) => void) | null;
  Worker: new (url: URL, opts: { type: 'module' }) => WorkerLike;
  tapegradTest?: unknown;
};

async function run(name: Name, args: unknown[]): Promise<unknown> {
  const scenario = scenarios[name] as (...a: unknown[]) => unknown;
  if (typeof scenario !== 'function') throw new Error(`browserEntry: no scenario ${String(name)}`);
  return scenario(...args);
}

if (scope.document === undefined) {
  scope.onmessage = (event) => {
    const { id, name, args } = event.data;
    run(name, args).then(
      (value) => scope.postMessage({ id, value }),
      (e: Error) => scope.postMessage({ id, error: String(e?.stack ?? e) }),
    );
  };
} else {
  let worker: WorkerLike | null = null;
  let nextId = 0;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  scope.tapegradTest = {
    run: (name: Name, ...args: unknown[]) => run(name, args),
    inWorker(name: Name, ...args: unknown[]): Promise<unknown> {
      if (worker === null) {
        worker = new scope.Worker(new URL(import.meta.url), { type: 'module' });
        worker.onmessage = ({ data }) => {
          const p = pending.get(data.id);
          pending.delete(data.id);
          if ('error' in data) p?.reject(new Error(data.error));
          else p?.resolve(data.value);
        };
        worker.onerror = (e) => {
          for (const p of pending.values()) p.reject(new Error(`worker error: ${e.message}`));
          pending.clear();
        };
      }
      const id = nextId++;
      const reply = new Promise<unknown>((resolve, reject) => pending.set(id, { resolve, reject }));
      worker.postMessage({ id, name, args });
      return reply;
    },
  };
}
