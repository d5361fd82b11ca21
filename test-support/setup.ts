/**
 * The setup file of every test project (vitest.config.ts): registers `toBeAllclose`.
 * @module
 */
import { expect } from 'vitest';
import { allcloseMatchers } from './matchers.js';

expect.extend(allcloseMatchers);
