/**
 * @tapegrad/data: CIFAR-10 from its official binary files (reader, downloader with progress, checksum
 * and cache, cs231n's preprocessing) and PyTorch-style `TensorDataset` / `DataLoader`. Node only.
 * @module
 */
export { DataError } from './errors.js';
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
  type CIFAR10,
  type CIFAR10Splits,
  type GetCIFAR10DataOptions,
} from './cifar10.js';
export { resolveCIFAR10Dir, type ResolveCIFAR10Options } from './source.js';
export {
  CIFAR10_FOLDER,
  CIFAR10_MD5,
  CIFAR10_URL,
  downloadCIFAR10,
  type DownloadCIFAR10Options,
} from './download.js';
export { dataCacheDir } from './cacheDir.js';
export { formatBytes, formatProgressLine, type DownloadProgress } from './progress.js';
/** core's `formatDuration`, also exported here as before: seconds as `m:ss` or `h:mm:ss`, `--:--` when unknown. */
export { formatDuration } from '@tapegrad/core';
export { DataLoader, TensorDataset, type BatchDataset, type DataLoaderOptions } from './loader.js';
