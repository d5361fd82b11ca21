/**
 * The notebook's data in the page's notebook worker: CIFAR-10 served beside the page or dropped on
 * it, read by @tapegrad/data's bytes readers (`loadCIFAR10FromFiles`, `loadCIFAR10FromArchive`: the
 * same rules, limits and hardened tar reader as the terminal demo's folder reader) and split as
 * `pnpm demo` splits it (notebookData.ts, `splitCIFAR10Data`), or the labelled synthetic stand-in. A
 * file that is not CIFAR-10 is @tapegrad/data's DataError, which the page shows as it is.
 * @module
 */
import {
  cifarDescription, splitSizes, syntheticData, type NotebookData,
} from '../../../notebook/notebookData.js';
import type { DataRequest } from '../protocol.js';
import { DataError, loadCIFAR10FromArchive, loadCIFAR10FromFiles, splitCIFAR10Data, type CIFAR10 } from '@tapegrad/data';

const isArchive = (name: string): boolean => /\.(tar\.gz|tgz|tar)$/i.test(name);

/** The notebook's splits of loaded CIFAR-10, described with `where` it came from. */
function notebookSplits(cifar: CIFAR10, where: string): NotebookData {
  const trainRecords = cifar.XTrain.shape[0]!;
  if (trainRecords < 2000) throw new DataError(`loadNotebookData: at least 2000 training records in ${where} (got ${trainRecords})`);
  const sizes = splitSizes(trainRecords, cifar.XTest.shape[0]!);
  const { numTraining, numValidation, numTest } = sizes;
  const s = splitCIFAR10Data(cifar, { numTraining, numValidation, numTest, dtype: 'float32' });
  return {
    XTrain: s.XTrain, yTrain: s.yTrain, XVal: s.XVal, yVal: s.yVal, XTest: s.XTest, yTest: s.yTest,
    source: { kind: 'cifar10', dir: null, reason: null, description: cifarDescription(where, trainRecords, sizes) },
  };
}

/** Loads what `request` names. A file that is not CIFAR-10 is a DataError naming it. */
export async function loadData(request: DataRequest): Promise<NotebookData> {
  switch (request.kind) {
    case 'synthetic':
      return syntheticData(request.reason);
    case 'served': {
      const files = await Promise.all(request.files.map(async (name) => ({ name, data: await fetch(`${request.base}${name}`) })));
      return notebookSplits(await loadCIFAR10FromFiles(files), request.where);
    }
    case 'files': {
      const names = request.files.map((f) => f.name);
      const archives = request.files.filter((f) => isArchive(f.name));
      if (archives.length > 0 && request.files.length > 1) {
        throw new DataError(`loadData: one .tar.gz, or batch .bin files (got ${names.join(', ')})`);
      }
      const cifar = archives.length === 1
        ? await loadCIFAR10FromArchive(archives[0]!.data)
        : await loadCIFAR10FromFiles(request.files);
      return notebookSplits(cifar, `${names.join(', ')} (dropped on the page, read in this browser)`);
    }
  }
}
