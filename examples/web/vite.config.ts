/**
 * The web page's build: `pnpm web:build` writes dist/ (any static host serves it; see README.md for
 * the headers that give it one training worker per core). Workers are ES modules, so the worker
 * script loads each role's code (the notebook's sections and vega, or the training code) only when
 * that role starts. No aliases and no stubs: the page uses the packages' public entry points as a
 * user's bundler sees them.
 */
import { defineConfig } from 'vite';

/**
 * Named chunks, so the bundle's parts can be measured (the browser test reports them): `tapegrad`
 * is the packages' code (packages/core, nn, optim, data), `vega` the plotting libraries (vega,
 * vega-lite, d3: only the notebook worker loads them), the rest the page's and the notebook's own
 * code and the packages' small dependencies (ndarray).
 */
const tapegradDeps = /[\\/](ndarray|ndarray-ops|iota-array|is-buffer|cwise-compiler|uniq)@/;
const output = {
  // classes keep their names through minification: the packages' messages and Module.toString say
  // `BatchNorm1d(...)`, `BatchNorm1d.to: ...`, from `this.constructor.name`
  keepNames: true,
  codeSplitting: {
    groups: [
      { name: 'tapegrad', test: /[\\/]packages[\\/](core|nn|optim|data)[\\/]/ },
      { name: 'vega', test: (id: string) => /[\\/]node_modules[\\/]/.test(id) && !tapegradDeps.test(id) },
    ],
  },
};

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1200,
    reportCompressedSize: false,
    rolldownOptions: { output },
  },
  worker: {
    format: 'es',
    rolldownOptions: { output },
  },
});
