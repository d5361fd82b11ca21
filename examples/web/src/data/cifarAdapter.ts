/**
 * The one place the page reaches CIFAR-10 loading: the names @tapegrad/data is getting
 * (`ByteSource`, `loadCIFAR10FromFiles`, `loadCIFAR10FromArchive`, `splitCIFAR10Data`, `DataError`).
 *
 * STAND-IN, TO BE SWAPPED AT MERGE. @tapegrad/data's entry point does not load in a browser yet (its
 * Node-only modules come with it: tar's stream classes fail at import with "Class extends value
 * undefined"), and those four names are being added by another branch. Until both land, they come
 * from ./standIn/, which parses the official batch files (as `parseCIFAR10Batch` does), reads a
 * .tar.gz with DecompressionStream, and preprocesses as `getCIFAR10Data` does. At merge this file
 * becomes:
 *
 *   export { DataError, loadCIFAR10FromArchive, loadCIFAR10FromFiles, splitCIFAR10Data } from '@tapegrad/data';
 *   export type { ByteSource, CIFAR10, CIFAR10Splits } from '@tapegrad/data';
 *
 * and ./standIn/ is deleted.
 * @module
 */
export { DataError, loadCIFAR10FromArchive, loadCIFAR10FromFiles, splitCIFAR10Data } from './standIn/cifarStandIn.js';
export type { ByteSource, CIFAR10, CIFAR10Splits } from './standIn/cifarStandIn.js';
