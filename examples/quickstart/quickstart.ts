// tapegrad in one page: a PyTorch-style model, a training loop with Adam, and the fused backward
// passes checked against the tape's.   Run: npx tsc -b && node examples/dist/quickstart/quickstart.js
import { Generator, manualSeed, noGrad, type Tensor } from '@tapegrad/core';
import { BatchNorm1d, Linear, ReLU, Sequential, compareGradients, crossEntropy } from '@tapegrad/nn';
import { Adam } from '@tapegrad/optim';
import { DataLoader, TensorDataset } from '@tapegrad/data';

manualSeed(0);
const g = new Generator(0);
const centres = g.randn([4, 20]).mul(0.35); // 4 classes: points in 20-D around 4 random centres
const blobs = (n: number): [Tensor, Tensor] => {
  const y = g.randint(0, 4, [n]);
  return [centres.index(y).add(g.randn([n, 20])), y];
};
const [[Xtr, ytr], [Xval, yval]] = [blobs(1000), blobs(200)];

const model = new Sequential(new Linear(20, 64, { bias: false }), new BatchNorm1d(64), new ReLU(), // no bias before a batchnorm
  new Linear(64, 64, { bias: false }), new BatchNorm1d(64), new ReLU(), new Linear(64, 4));
const optimizer = new Adam(model.parameters(), { lr: 1e-2 });
const loader = new DataLoader(new TensorDataset(Xtr, ytr), { batchSize: 50, shuffle: true, generator: g });
const accuracy = (X: Tensor, y: Tensor): number => {
  const [pred, truth] = [noGrad(() => model.eval().forward(X).argmax(1)).toArray() as number[], y.toArray() as number[]];
  return pred.filter((p, i) => p === truth[i]).length / truth.length;
};

for (let epoch = 1; epoch <= 5; epoch++) {
  let total = 0;
  for (const [xb, yb] of loader) {
    model.train();
    optimizer.zeroGrad();
    const loss = crossEntropy(model.forward(xb!), yb!);
    loss.backward();
    optimizer.step();
    total += loss.item();
  }
  console.log(`epoch ${epoch}  loss ${(total / loader.length).toFixed(4)}  val acc ${accuracy(Xval, yval).toFixed(3)}`);
}
console.log(compareGradients(model.train(), [Xtr]).toString()); // tape vs fused backward: errors, times
