/**
 * conv.json (PyTorch 1.13 and cs231n's numpy, see test-support/reference/README.upstream.md) through
 * the functional API: every nn.Conv2d, MaxPool2d, AvgPool2d, BatchNorm2d, GroupNorm and RMSNorm case
 * and every cs231n spatial batch/group norm case, in both forms where there are two, on the active
 * kernel set (the suite also runs with TAPEGRAD_KERNELS=js). Tolerances: the README's elementwise
 * row for every output; the reduction row for the warm-up rebuilt from the seeded RNG.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { Generator, Tensor, fromArray, ones, zeros } from '@tapegrad/core';
import {
  avgPool2d, batchNorm2dComposed, batchNorm2dFused, conv2dComposed, conv2dFused, groupNormComposed, groupNormFused,
  maxPool2d, rmsNormComposed, rmsNormFused,
} from '@tapegrad/nn';
import { loadReference, type Case, type ReferenceArray } from '@tapegrad/test-support/reference';
import { referenceFile } from '@tapegrad/test-support/paths';
import { toleranceFor } from '@tapegrad/test-support/allclose';

const cases = loadReference<Record<string, unknown>>('conv.json');
const ofKind = (kind: string) => cases.filter((c) => c.kind === kind);

/** A reference array as a tensor of `dtype` (float32 values are exact in float32). */
function load(a: ReferenceArray, dtype: string, requiresGrad = false): Tensor {
  const values = dtype === 'float32' ? Float32Array.from(a.data) : Float64Array.from(a.data);
  const t = fromArray(values, a.shape);
  t.requiresGrad = requiresGrad;
  return t;
}

/** Input `name` of case `c` as a fresh leaf. */
const input = (c: Case, name: string, requiresGrad = true) => load(c.inputs[name]!, c.dtype, requiresGrad);
const expectOutput = (c: Case, got: Tensor | null | undefined, key: string) => {
  expect(got, `${c.name}: ${key}`).toBeInstanceOf(Tensor);
  expect(got!, `${c.name}: ${key}`).toBeAllclose(c.outputs[key]!, toleranceFor(c.dtype, 'elementwise'));
};

test('conv.json is the file the manifest describes', () => {
  const manifest = JSON.parse(readFileSync(referenceFile('conv-manifest.json'), 'utf8'));
  const bytes = readFileSync(referenceFile('conv.json'));
  const entry = manifest.files['conv.json'];
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry.sha256);
  expect(cases.length).toBe(entry.cases);
  for (const [kind, count] of Object.entries(entry.kinds as Record<string, number>)) expect(ofKind(kind).length, kind).toBe(count);
});

describe.each([['fused', conv2dFused], ['composed', conv2dComposed]] as const)('nn.Conv2d through conv2d%s', (_, conv) => {
  test.each(ofKind('nn.Conv2d').map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const cfg = c.config as { stride: [number, number]; padding: [number, number] | 'same' | 'valid'; dilation: [number, number]; groups: number; bias: boolean };
    const x = input(c, 'x'), weight = input(c, 'weight'), bias = cfg.bias ? input(c, 'bias') : null;
    const out = conv(x, weight, bias, { stride: cfg.stride, padding: cfg.padding, dilation: cfg.dilation, groups: cfg.groups });
    out.backward(input(c, 'G', false));
    expectOutput(c, out, 'out');
    expectOutput(c, x.grad, 'dx');
    expectOutput(c, weight.grad, 'dweight');
    if (bias) expectOutput(c, bias.grad, 'dbias');
  });
});

describe('pools', () => {
  test.each(ofKind('nn.MaxPool2d').map((c) => [c.name, c] as const))('nn.MaxPool2d %s', (_name, c) => {
    const cfg = c.config as { kernel_size: [number, number]; stride: [number, number]; stride_given: boolean; padding: [number, number] };
    const x = input(c, 'x');
    const out = maxPool2d(x, cfg.kernel_size, { padding: cfg.padding, ...(cfg.stride_given ? { stride: cfg.stride } : {}) });
    out.backward(input(c, 'G', false));
    expectOutput(c, out, 'out');
    expectOutput(c, x.grad, 'dx');
  });

  test.each(ofKind('nn.AvgPool2d').map((c) => [c.name, c] as const))('nn.AvgPool2d %s', (_name, c) => {
    const cfg = c.config as { kernel_size: [number, number]; stride: [number, number]; stride_given: boolean; padding: [number, number]; count_include_pad: boolean };
    const x = input(c, 'x');
    const out = avgPool2d(x, cfg.kernel_size, { padding: cfg.padding, countIncludePad: cfg.count_include_pad, ...(cfg.stride_given ? { stride: cfg.stride } : {}) });
    out.backward(input(c, 'G', false));
    expectOutput(c, out, 'out');
    expectOutput(c, x.grad, 'dx');
  });
});

describe.each([['Fused', batchNorm2dFused], ['Composed', batchNorm2dComposed]] as const)('batch norm through batchNorm2d%s', (_, bn) => {
  test.each(ofKind('nn.BatchNorm2d').map((c) => [c.name, c] as const))('nn.BatchNorm2d %s (PyTorch: train, two more batches, eval)', (_name, c) => {
    const cfg = c.config as { eps: number; momentum: number | null; affine: boolean };
    const weight = cfg.affine ? input(c, 'weight') : null, bias = cfg.affine ? input(c, 'bias') : null;
    const runningMean = input(c, 'running_mean', false), runningVar = input(c, 'running_var', false);
    const train = (x: Tensor, t: number) =>
      bn(x, weight, bias, { runningMean, runningVar, eps: cfg.eps, momentum: cfg.momentum ?? 1 / t });
    const x = input(c, 'x');
    const out = train(x, 1);
    out.backward(input(c, 'G', false));
    expectOutput(c, out, 'out');
    expectOutput(c, x.grad, 'dx');
    if (cfg.affine) {
      expectOutput(c, weight!.grad, 'dweight');
      expectOutput(c, bias!.grad, 'dbias');
    }
    expectOutput(c, runningMean, 'running_mean_after1');
    expectOutput(c, runningVar, 'running_var_after1');
    train(input(c, 'x2', false), 2);
    train(input(c, 'x3', false), 3);
    expectOutput(c, runningMean, 'running_mean_after3');
    expectOutput(c, runningVar, 'running_var_after3');
    const leaf = (t: Tensor | null) => (t === null ? null : new Tensor(t.data, { requiresGrad: true }));
    const [w2, b2, xe] = [leaf(weight), leaf(bias), input(c, 'x_eval')];
    const evalOut = bn(xe, w2, b2, { training: false, runningMean, runningVar, eps: cfg.eps });
    evalOut.backward(input(c, 'G_eval', false));
    expectOutput(c, evalOut, 'eval_out');
    expectOutput(c, xe.grad, 'eval_dx');
    if (cfg.affine) {
      expectOutput(c, w2!.grad, 'eval_dweight');
      expectOutput(c, b2!.grad, 'eval_dbias');
    }
  });

  /** cs231n's bn_param: momentum 0.9 decays the old value (= 0.1 weight of the new), biased running var, stats start at 0. */
  const cs231n = { momentum: 1 - 0.9, unbiasedRunningVar: false, eps: 1e-5 };

  test.each(ofKind('cs231n.spatial_batchnorm').map((c) => [c.name, c] as const))('cs231n.spatial_batchnorm %s', (_name, c) => {
    const C = c.inputs.gamma!.shape[0]!;
    const runningMean = zeros([C], { dtype: 'float64' }), runningVar = zeros([C], { dtype: 'float64' });
    const x = input(c, 'x'), gamma = input(c, 'gamma'), beta = input(c, 'beta');
    const out = bn(x, gamma, beta, { ...cs231n, runningMean, runningVar });
    out.backward(input(c, 'dout', false));
    expectOutput(c, out, 'out');
    expectOutput(c, x.grad, 'dx');
    expectOutput(c, gamma.grad, 'dgamma');
    expectOutput(c, beta.grad, 'dbeta');
    expectOutput(c, runningMean, 'running_mean_after1');
    expectOutput(c, runningVar, 'running_var_after1');
    const warmup = input(c, 'x_warmup', false);
    for (let k = 0; k < warmup.shape[0]!; k++) bn(warmup.index([k]).reshape(warmup.shape.slice(1)), gamma, beta, { ...cs231n, runningMean, runningVar });
    expectOutput(c, runningMean, 'running_mean');
    expectOutput(c, runningVar, 'running_var');
    expectOutput(c, bn(input(c, 'x_test', false), gamma, beta, { ...cs231n, training: false, runningMean, runningVar }), 'test_out');
  });

  test.each(ofKind('cs231n.spatial_batchnorm_warmup').map((c) => [c.name, c] as const))('%s: the notebook\'s test-time cell from the seeded RNG', (_name, c) => {
    const cfg = c.config as { np_seed: number; N: number; C: number; H: number; W: number; iterations: number; scale: number; shift: number };
    const g = new Generator(cfg.np_seed);
    const shape = [cfg.N, cfg.C, cfg.H, cfg.W];
    const gamma = ones([cfg.C], { dtype: 'float64' }), beta = zeros([cfg.C], { dtype: 'float64' });
    const runningMean = zeros([cfg.C], { dtype: 'float64' }), runningVar = zeros([cfg.C], { dtype: 'float64' });
    for (let i = 0; i < cfg.iterations; i++) bn(g.randn(shape, { dtype: 'float64' }).mul(cfg.scale).add(cfg.shift), gamma, beta, { ...cs231n, runningMean, runningVar });
    const test = bn(g.randn(shape, { dtype: 'float64' }).mul(cfg.scale).add(cfg.shift), gamma, beta, { ...cs231n, training: false, runningMean, runningVar });
    const tol = toleranceFor('float64', 'reduction');
    expect(runningMean, 'running_mean').toBeAllclose(c.outputs.running_mean!, tol);
    expect(runningVar, 'running_var').toBeAllclose(c.outputs.running_var!, tol);
    expect(test.mean([0, 2, 3]), 'test_out_mean').toBeAllclose(c.outputs.test_out_mean!, tol);
    expect(test.sub(test.mean([0, 2, 3], true)).pow(2).mean([0, 2, 3]).sqrt(), 'test_out_std').toBeAllclose(c.outputs.test_out_std!, tol);
  });
});

describe.each([['Fused', groupNormFused], ['Composed', groupNormComposed]] as const)('group norm through groupNorm%s', (_, gn) => {
  test.each(ofKind('nn.GroupNorm').map((c) => [c.name, c] as const))('nn.GroupNorm %s', (_name, c) => {
    const cfg = c.config as { num_groups: number; eps: number; affine: boolean };
    const x = input(c, 'x'), weight = cfg.affine ? input(c, 'weight') : null, bias = cfg.affine ? input(c, 'bias') : null;
    const out = gn(x, cfg.num_groups, weight, bias, cfg.eps);
    out.backward(input(c, 'G', false));
    expectOutput(c, out, 'out');
    expectOutput(c, x.grad, 'dx');
    if (cfg.affine) {
      expectOutput(c, weight!.grad, 'dweight');
      expectOutput(c, bias!.grad, 'dbias');
    }
  });

  test.each(ofKind('cs231n.spatial_groupnorm').map((c) => [c.name, c] as const))('cs231n.spatial_groupnorm %s', (_name, c) => {
    const cfg = c.config as { G: number; gn_param: { eps: number } };
    const C = c.inputs.gamma!.shape[1]!;
    const x = input(c, 'x');
    const gamma = new Tensor(input(c, 'gamma', false).reshape([C]).data, { requiresGrad: true });
    const beta = new Tensor(input(c, 'beta', false).reshape([C]).data, { requiresGrad: true });
    const out = gn(x, cfg.G, gamma, beta, cfg.gn_param.eps);
    out.backward(input(c, 'dout', false));
    expectOutput(c, out, 'out');
    expectOutput(c, x.grad, 'dx');
    expectOutput(c, gamma.grad!.reshape([1, C, 1, 1]), 'dgamma');
    expectOutput(c, beta.grad!.reshape([1, C, 1, 1]), 'dbeta');
  });
});

describe.each([['Fused', rmsNormFused], ['Composed', rmsNormComposed]] as const)('RMS norm through rmsNorm%s', (_, rms) => {
  test.each(ofKind('nn.RMSNorm').map((c) => [c.name, c] as const))('nn.RMSNorm %s', (_name, c) => {
    const cfg = c.config as { normalized_shape: number[]; eps_given: number | null; eps: number; elementwise_affine: boolean };
    const x = input(c, 'x'), weight = cfg.elementwise_affine ? input(c, 'weight') : null;
    const out = rms(x, cfg.normalized_shape, weight, cfg.eps_given);
    out.backward(input(c, 'G', false));
    expectOutput(c, out, 'out');
    expectOutput(c, x.grad, 'dx');
    if (weight) expectOutput(c, weight.grad, 'dweight');
  });
});

test('float32 cases run in float32', () => {
  const c = cases.find((k) => k.dtype === 'float32' && k.kind === 'nn.Conv2d')!;
  expect(conv2dFused(input(c, 'x', false), input(c, 'weight', false)).dtype).toBe('float32');
});
