/**
 * Starts the page's worker in one of its roles (protocol.ts). The one place a Worker is made, so
 * that Vite bundles the worker script once.
 * @module
 */
import type { InitMessage, KernelChoice } from '../protocol.js';

export function spawnWorker(role: InitMessage['role'], kernels: KernelChoice): Worker {
  const worker = new Worker(new URL('../worker/worker.ts', import.meta.url), { type: 'module', name: `tapegrad-${role}` });
  const init: InitMessage = { type: 'init', role, kernels };
  worker.postMessage(init);
  return worker;
}
