import { describe, expect, it } from 'vitest';
import { withoutBuiltins, withoutProperty } from '@tapegrad/test-support/platform';
import {
  DataError, PlatformError, dataCacheDir, downloadCIFAR10, getCIFAR10Data, loadCIFAR10, loadCIFAR10FromArchive, resolveCIFAR10Dir,
} from '@tapegrad/data';
import { readCIFAR10Archive } from './cifar10Bytes.js';
import { validArchive, validTar } from './test-utils/hostileArchives.js';

/** The error `run` throws or rejects with. */
async function errorOf(run: () => unknown): Promise<Error> {
  try {
    await run();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error (got none)');
}

/** Runs `fn` with no `DecompressionStream`, as in a runtime without one, and puts it back afterwards. */
function withoutDecompressionStream<T>(fn: () => Promise<T>): Promise<T> {
  return withoutProperty(globalThis, 'DecompressionStream', fn);
}

const runtime = '(got a runtime without process.getBuiltinModule, such as a browser)';
const needs = 'Node.js 20.16 or later, for its file system and network; from bytes,';

describe('what a runtime without Node gets', () => {
  it('the Node-only functions throw a PlatformError naming what reads the same from bytes', async () => {
    const errors = await withoutBuiltins(async () => Promise.all([
      errorOf(() => loadCIFAR10('/data')),
      errorOf(() => getCIFAR10Data()),
      errorOf(() => downloadCIFAR10()),
      errorOf(() => resolveCIFAR10Dir()),
      errorOf(() => dataCacheDir()),
    ]));
    for (const e of errors) {
      expect(e).toBeInstanceOf(PlatformError);
      expect(e).not.toBeInstanceOf(DataError);
      expect(e.name).toBe('PlatformError');
    }
    expect(errors.map((e) => e.message)).toEqual([
      `loadCIFAR10: ${needs} loadCIFAR10FromFiles(files) or loadCIFAR10FromArchive(archive) ${runtime}`,
      `getCIFAR10Data: ${needs} splitCIFAR10Data(await loadCIFAR10FromArchive(archive), opts) ${runtime}`,
      `downloadCIFAR10: ${needs} loadCIFAR10FromArchive(await fetch(url)) on an archive your server serves ${runtime}`,
      `resolveCIFAR10Dir: ${needs} loadCIFAR10FromArchive(await fetch(url)) on an archive your server serves ${runtime}`,
      `dataCacheDir: ${needs} loadCIFAR10FromArchive(await fetch(url)) on an archive your server serves ${runtime}`,
    ]);
  });

  it('a gzipped archive with neither DecompressionStream nor zlib is a PlatformError naming the plain .tar; the plain .tar loads', async () => {
    const [gzipped, plain] = await withoutBuiltins(() => withoutDecompressionStream(async () => [
      await errorOf(() => loadCIFAR10FromArchive(validArchive)),
      await loadCIFAR10FromArchive(validTar),
    ] as const));
    expect(gzipped).toBeInstanceOf(PlatformError);
    expect(gzipped.message).toBe(
      "loadCIFAR10FromArchive: DecompressionStream or Node's zlib to gunzip the archive, or the plain .tar instead (got a runtime with neither)",
    );
    expect(plain.yTrain.shape).toEqual((await loadCIFAR10FromArchive(validArchive)).yTrain.shape);
  });

  it("zlib asked for where there is none is a PlatformError", async () => {
    const error = await withoutBuiltins(() => errorOf(() => readCIFAR10Archive(validArchive, 'loadCIFAR10FromArchive', 'zlib')));
    expect(error).toBeInstanceOf(PlatformError);
    expect(error.message).toBe("loadCIFAR10FromArchive: Node's zlib to gunzip the archive (got a runtime without it)");
  });
});
