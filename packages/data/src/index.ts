/**
 * @tapegrad/data: CIFAR-10 from its official binary files and PyTorch-style `TensorDataset` /
 * `DataLoader`. From bytes, in browsers and in Node: {@link loadCIFAR10FromFiles},
 * {@link loadCIFAR10FromArchive} and {@link splitCIFAR10Data}. From the file system, Node only: the
 * folder reader, the downloader with progress, checksum and cache, and cs231n's preprocessing in one
 * call; in a browser they throw an Error naming the bytes alternative. The entry bundles for browsers
 * as it is: Node's modules are looked up when a Node-only function runs, never imported.
 * @module
 */
export { DataError, PlatformError } from './errors.js';
export {
  CIFAR10_CLASSES,
  CIFAR10_IMAGE_BYTES,
  CIFAR10_IMAGE_SHAPE,
  CIFAR10_RECORD_BYTES,
  parseCIFAR10Batch,
  parseCIFAR10Meta,
  type CIFAR10Records,
} from './cifar10Format.js';
export {
  getCIFAR10Data,
  loadCIFAR10,
  splitCIFAR10Data,
  type CIFAR10,
  type CIFAR10Splits,
  type GetCIFAR10DataOptions,
  type SplitCIFAR10DataOptions,
} from './cifar10.js';
export { loadCIFAR10FromArchive, loadCIFAR10FromFiles } from './cifar10Bytes.js';
export type { ByteSource } from './byteSource.js';
export { resolveCIFAR10Dir, type ResolveCIFAR10Options } from './source.js';
export { CIFAR10_FOLDER } from './cifar10Files.js';
export { CIFAR10_MD5, CIFAR10_URL, downloadCIFAR10, type DownloadCIFAR10Options } from './download.js';
export { dataCacheDir } from './cacheDir.js';
export { formatBytes, formatProgressLine, type DownloadProgress } from './progress.js';
/** core's `formatDuration`, also exported here as before: seconds as `m:ss` or `h:mm:ss`, `--:--` when unknown. */
export { formatDuration } from '@tapegrad/core';
export { DataLoader, TensorDataset, type BatchDataset, type DataLoaderOptions } from './loader.js';
