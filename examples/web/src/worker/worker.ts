/**
 * The page's one worker script. Its first message ({@link InitMessage}) names its role and the
 * kernels; the role's module is then loaded (so a training worker never loads vega) and handles
 * every later message, those that came while it loaded included.
 * @module
 */
import { setKernels } from '@tapegrad/core';
import type { InitMessage } from '../protocol.js';

/** Posts a message to the page, moving `transfer`'s buffers. */
export type Post = (message: unknown, transfer?: Transferable[]) => void;

/** A role: given how to post, it returns what handles the page's messages. */
export type Role = (post: Post) => (message: never) => void | Promise<void>;

const post: Post = (message, transfer = []) => self.postMessage(message, { transfer });
const waiting: unknown[] = [];
let handle: ((message: unknown) => void | Promise<void>) | null = null;

async function start(init: InitMessage): Promise<void> {
  setKernels(init.kernels);
  const load = {
    notebook: () => import('./notebookRole.js'),
    train: () => import('./trainRole.js'),
    compare: () => import('./compareRole.js'),
  }[init.role];
  const role = (await load()).role as Role;
  handle = role(post) as (message: unknown) => void | Promise<void>;
  for (const m of waiting.splice(0)) void handle(m);
}

self.onmessage = (e: MessageEvent) => {
  const data = e.data as { type?: string };
  if (handle !== null) void handle(data);
  else if (data.type === 'init') {
    start(data as InitMessage).catch((err: unknown) => {
      post({ type: 'fatal', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    });
  } else waiting.push(data);
};
