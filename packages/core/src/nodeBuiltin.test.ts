import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withoutBuiltins } from '@tapegrad/test-support/platform';
import { nodeBuiltin } from './nodeBuiltin.js';

describe('nodeBuiltin', () => {
  it("gives Node's own module on Node", () => {
    expect(nodeBuiltin<typeof path>('node:path')?.join).toBe(path.join);
  });

  it('gives undefined where process.getBuiltinModule is missing (a browser, Node before 20.16)', async () => {
    expect(await withoutBuiltins(async () => nodeBuiltin('node:path'))).toBeUndefined();
    expect(nodeBuiltin('node:path')).toBeDefined();
  });
});
