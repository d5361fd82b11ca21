/**
 * Where downloaded data sets are kept (Node only).
 * @module
 */
import { BYTES_ALTERNATIVE, nodeOnly } from './nodeBuiltins.js';

/**
 * The folder tapegrad keeps downloaded data sets in: `$TAPEGRAD_DATA` when set, else the user's
 * cache folder: `$XDG_CACHE_HOME/tapegrad` when that is set (and absolute), else
 * `~/Library/Caches/tapegrad` on macOS, `%LOCALAPPDATA%\tapegrad` on Windows, `~/.cache/tapegrad`
 * elsewhere. The folder is not created here.
 *
 * @returns An absolute path.
 * @throws {@link PlatformError} in a browser (no Node), naming `loadCIFAR10FromArchive` to use on fetched bytes instead.
 * @example
 * ```ts
 * import { dataCacheDir } from '@tapegrad/data';
 * console.log(dataCacheDir()); // e.g. '/home/ada/.cache/tapegrad'
 * ```
 * @category Download
 */
export function dataCacheDir(): string {
  const { os } = nodeOnly('dataCacheDir', BYTES_ALTERNATIVE.archive);
  return cacheDirFor(process.env, process.platform, os.homedir());
}

/** {@link dataCacheDir} for a given environment, platform and home folder. @internal */
export function cacheDirFor(env: Readonly<Record<string, string | undefined>>, platform: string, home: string): string {
  const { path } = nodeOnly('dataCacheDir', BYTES_ALTERNATIVE.archive);
  const explicit = env['TAPEGRAD_DATA'];
  if (explicit) return path.resolve(explicit);
  if (platform === 'win32') {
    const local = env['LOCALAPPDATA'];
    return path.win32.join(local && path.win32.isAbsolute(local) ? local : path.win32.join(home, 'AppData', 'Local'), 'tapegrad');
  }
  const xdg = env['XDG_CACHE_HOME'];
  if (xdg && path.posix.isAbsolute(xdg)) return path.posix.join(xdg, 'tapegrad');
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Caches', 'tapegrad');
  return path.posix.join(home, '.cache', 'tapegrad');
}
