// A training run in its own process, for solver.kill.test.ts: started, killed with SIGKILL, resumed.
// It imports the built packages (packages/*/dist; the test builds them first with `tsc -b`).
//
//   node solverChild.mjs '{"mode":"run","checkpointName":"/tmp/x/run"}'        train from the start
//   node solverChild.mjs '{"mode":"resume","path":"/tmp/x/run_epoch_2.safetensors"}'
//   ... "killDuringWrite": 2   SIGKILL itself while the epoch-2 checkpoint is being written: at the
//                              "killAtEvent"-th file event on its temporary file (default 1: its creation)
//
// Prints `epoch <e> <checkpoint path or ->` after each accuracy check (the checkpoint is complete by
// then) and, at the end, `result <json>` with the histories and the final model state.
import { watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { Generator, manualSeed } from '@tapegrad/core';
import { FullyConnectedNet } from '@tapegrad/nn';
import { Solver } from '@tapegrad/optim';

const config = JSON.parse(process.argv[2] ?? '{}');

// The same data and model in every process: data from their own stream, the model from manualSeed.
const g = new Generator(42);
const data = { XTrain: g.randn([100, 500]), yTrain: g.randint(0, 10, [100]), XVal: g.randn([60, 500]), yVal: g.randint(0, 10, [60]) };
const makeModel = () => new FullyConnectedNet([256, 128], { inputDim: 500, weightScale: 5e-2, normalization: 'batchnorm' });
const options = {
  updateRule: 'adam', optimConfig: { learningRate: 2e-3 }, lrDecay: 0.95, batchSize: 20, numEpochs: 6,
  numTrainSamples: 50, numValSamples: 40, verbose: false,
};

const onEpoch = (info) => process.stdout.write(`epoch ${info.epoch} ${info.checkpoint ?? '-'}\n`);

if (config.killDuringWrite !== undefined) {
  // The checkpoint is written to a hidden temporary file first; die as soon as that file appears.
  const prefix = `.${basename(config.checkpointName)}_epoch_${config.killDuringWrite}.safetensors.`;
  let events = 0;
  watch(dirname(config.checkpointName), (_event, file) => {
    if (typeof file === 'string' && file.startsWith(prefix) && ++events >= (config.killAtEvent ?? 1)) process.kill(process.pid, 'SIGKILL');
  });
}

let solver;
if (config.mode === 'resume') {
  solver = await Solver.resume(config.path, makeModel(), data, { onEpoch });
} else {
  manualSeed(231);
  solver = new Solver(makeModel(), data, { ...options, checkpointName: config.checkpointName ?? null, onEpoch });
}
const model = solver.model;
await solver.train();

const arrays = (record) => Object.fromEntries(Object.entries(record).map(([k, t]) => [k, Array.from(t.toFloat64Array())]));
const result = {
  lossHistory: solver.lossHistory,
  trainAccHistory: solver.trainAccHistory,
  valAccHistory: solver.valAccHistory,
  bestValAcc: solver.bestValAcc,
  state: arrays(model.stateDict()),
  bestParams: arrays(solver.bestParams),
};
process.stdout.write(`result ${JSON.stringify(result)}\n`);
process.exit(0);
