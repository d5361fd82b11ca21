/**
 * The two kinds of model the Solver trains, behind one interface: a cs231n model updated by a cs231n
 * rule with one config per parameter, and a module with a loss function and an Optimizer.
 * @module
 * @internal
 */
import { ShapeError, Tensor, formatShape, noGrad, sameShape } from '@tapegrad/core';
import type { Module } from '@tapegrad/nn';
import { copyOptimConfig, cs231nUpdateRules, type Cs231nOptimConfig, type Cs231nRuleName } from '../cs231nUpdateRules.js';
import { describeValue } from '../options.js';
import type { OptimizerStateDict } from '../stateDict.js';
import type { Cs231nModel, ModuleSetup } from './types.js';
import { CheckpointError } from './errors.js';

/** What the Solver needs from what it trains. @internal */
export interface Learner {
  readonly kind: 'cs231n' | 'module';
  /**
   * One training step on a minibatch: returns the loss and, only when it is finite, updates the
   * parameters (and the optimizer's state).
   */
  step(X: Tensor, y: Tensor): number;
  /** The class scores `[N, C]`, in test mode, without a graph. */
  scores(X: Tensor): Tensor;
  /** The learnable parameters by name (these are what `bestParams` keeps). */
  namedParameters(): [string, Tensor][];
  /** Multiplies the learning rate of every parameter (config or param group) by `factor`. */
  decayLearningRate(factor: number): void;
  /** The cs231n configs by parameter name (empty for a module). */
  readonly optimConfigs: Record<string, Cs231nOptimConfig>;
  /** The model's state for a checkpoint (parameters, and buffers when it has them); shares data. */
  modelState(): Record<string, Tensor>;
  /** @throws CheckpointError when `state` does not fit the model. */
  loadModelState(state: Record<string, Tensor>, where: string): void;
  /** The optimizer's state for a checkpoint: tensors inside plain JSON values. */
  optimizerState(): unknown;
  /** @throws CheckpointError when `state` does not fit the optimizer. */
  loadOptimizerState(state: unknown, where: string): void;
}

/** Copies `values` into the parameters in place, by name. */
export function copyIntoParameters(params: [string, Tensor][], values: Readonly<Record<string, Tensor>>): void {
  noGrad(() => {
    for (const [name, p] of params) {
      const v = values[name];
      if (v !== undefined) p.copy_(v);
    }
  });
}

/** Checks that `given` holds exactly the parameters' names with their shapes. */
function checkSameTensors(where: string, what: string, params: [string, Tensor][], given: Readonly<Record<string, Tensor>>): void {
  const expected = params.map(([n]) => n);
  const got = Object.keys(given);
  if (expected.length !== got.length || expected.some((n) => !Object.hasOwn(given, n))) {
    throw new CheckpointError(`${where}: expected the ${what} ${expected.join(', ')} (got ${got.join(', ') || 'none'})`);
  }
  for (const [name, p] of params) {
    const t = given[name]!;
    if (!sameShape(t.shape, p.shape)) {
      throw new CheckpointError(`${where}: ${what} ${name} must have shape ${formatShape(p.shape)} (got ${formatShape(t.shape)})`);
    }
  }
}

interface StateDictModel {
  stateDict(): Record<string, Tensor>;
  loadStateDict(sd: Record<string, Tensor>): unknown;
}

function hasStateDict(model: object): model is StateDictModel {
  const m = model as Partial<StateDictModel>;
  return typeof m.stateDict === 'function' && typeof m.loadStateDict === 'function';
}

type Rule = (w: Tensor, dw: Tensor, config: Cs231nOptimConfig) => Cs231nOptimConfig;

/** A cs231n model stepped by a cs231n update rule, one config per parameter. @internal */
export class RuleLearner implements Learner {
  readonly kind = 'cs231n' as const;
  readonly optimConfigs: Record<string, Cs231nOptimConfig> = {};
  private readonly rule: Rule;

  constructor(
    private readonly model: Cs231nModel,
    readonly updateRule: Cs231nRuleName,
    optimConfig: Cs231nOptimConfig,
  ) {
    if (!Object.hasOwn(cs231nUpdateRules, updateRule)) {
      throw new RangeError(`Solver: updateRule must be one of ${Object.keys(cs231nUpdateRules).join(', ')} (got ${describeValue(updateRule)})`);
    }
    this.rule = cs231nUpdateRules[updateRule] as unknown as Rule;
    // the rule checks its ranges at the first step; a NaN or Infinity is refused now
    for (const [key, value] of Object.entries(optimConfig ?? {})) {
      if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError(`Solver: optimConfig.${key} must be a finite number (got ${value})`);
    }
    const names = this.namedParameters();
    if (names.length === 0) throw new RangeError('Solver: the model has no parameters (model.params is empty)');
    for (const [name] of names) this.optimConfigs[name] = copyOptimConfig(optimConfig);
  }

  namedParameters(): [string, Tensor][] {
    const params: unknown = this.model.params;
    if (params === null || typeof params !== 'object') throw new TypeError(`Solver: model.params must be an object of tensors (got ${describeValue(params)})`);
    const out = Object.entries(params as Record<string, unknown>);
    for (const [name, p] of out) {
      if (!(p instanceof Tensor)) throw new TypeError(`Solver: model.params.${name} must be a Tensor (got ${describeValue(p)})`);
    }
    return out as [string, Tensor][];
  }

  step(X: Tensor, y: Tensor): number {
    const out: unknown = this.model.loss(X, y);
    const result = out as { loss?: unknown; grads?: unknown } | null;
    if (out instanceof Tensor || result === null || typeof result !== 'object' || typeof result.loss !== 'number' || result.grads === null || typeof result.grads !== 'object') {
      throw new TypeError(`Solver: model.loss(X, y) must return { loss: number, grads } (got ${describeValue(out)})`);
    }
    const loss = result.loss;
    if (!Number.isFinite(loss)) return loss;
    const grads = result.grads as Record<string, unknown>;
    for (const [name, w] of this.namedParameters()) {
      const dw = grads[name];
      if (!(dw instanceof Tensor)) throw new TypeError(`Solver: model.loss(X, y) returned no gradient for parameter ${name} (got ${describeValue(dw)})`);
      const config = this.optimConfigs[name];
      if (config === undefined) throw new RangeError(`Solver: parameter ${name} appeared after the Solver was made (it has no optim config)`);
      this.optimConfigs[name] = this.rule(w, dw, config);
    }
    // applied: the model may reuse the gradients' arrays for the next step
    if (typeof this.model.releaseGrads === 'function') this.model.releaseGrads(grads as Record<string, Tensor>);
    return loss;
  }

  scores(X: Tensor): Tensor {
    const out: unknown = noGrad(() => this.model.loss(X));
    if (!(out instanceof Tensor)) throw new TypeError(`Solver: model.loss(X) must return the scores as a Tensor (got ${describeValue(out)})`);
    return out;
  }

  decayLearningRate(factor: number): void {
    for (const config of Object.values(this.optimConfigs)) {
      // every rule has filled in its learningRate at the first step, before any epoch ends
      config.learningRate = (config.learningRate ?? Number.NaN) * factor;
    }
  }

  modelState(): Record<string, Tensor> {
    return hasStateDict(this.model) ? this.model.stateDict() : Object.fromEntries(this.namedParameters());
  }

  loadModelState(state: Record<string, Tensor>, where: string): void {
    if (hasStateDict(this.model)) {
      try {
        this.model.loadStateDict(state);
      } catch (e) {
        throw new CheckpointError(`${where}: the model does not fit the checkpoint: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      return;
    }
    const params = this.namedParameters();
    checkSameTensors(where, 'parameters', params, state);
    copyIntoParameters(params, state);
  }

  optimizerState(): unknown {
    return this.optimConfigs;
  }

  loadOptimizerState(state: unknown, where: string): void {
    if (state === null || typeof state !== 'object' || Array.isArray(state)) {
      throw new CheckpointError(`${where}: expected the optim configs by parameter name (got ${describeValue(state)})`);
    }
    const given = state as Record<string, unknown>;
    const params = this.namedParameters();
    const names = Object.keys(given);
    if (names.length !== params.length || params.some(([n]) => !Object.hasOwn(given, n))) {
      throw new CheckpointError(`${where}: expected optim configs for ${params.map(([n]) => n).join(', ')} (got ${names.join(', ') || 'none'})`);
    }
    const configs: Record<string, Cs231nOptimConfig> = {};
    for (const [name, p] of params) {
      const raw = given[name];
      let config: Cs231nOptimConfig;
      try {
        config = copyOptimConfig(raw as Cs231nOptimConfig);
      } catch (e) {
        throw new CheckpointError(`${where}: the optim config of ${name} is invalid: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      for (const [key, value] of Object.entries(config)) {
        if (value instanceof Tensor) {
          if (!sameShape(value.shape, p.shape)) {
            throw new CheckpointError(`${where}: ${key} of the optim config of ${name} must have shape ${formatShape(p.shape)} (got ${formatShape(value.shape)})`);
          }
        } else if (typeof value !== 'number' || !Number.isFinite(value)) {
          throw new CheckpointError(`${where}: ${key} of the optim config of ${name} must be a finite number (got ${describeValue(value)})`);
        }
      }
      configs[name] = config;
    }
    for (const name of Object.keys(this.optimConfigs)) delete this.optimConfigs[name];
    Object.assign(this.optimConfigs, configs);
  }
}

/** A module with a loss function and an Optimizer, PyTorch-style. @internal */
export class ModuleLearner implements Learner {
  readonly kind = 'module' as const;
  readonly optimConfigs: Record<string, Cs231nOptimConfig> = {};

  constructor(private readonly setup: ModuleSetup) {
    const { module, lossFn, optimizer } = setup;
    if (module === null || typeof module !== 'object' || typeof module.forward !== 'function' || typeof module.namedParameters !== 'function') {
      throw new TypeError(`Solver: module must be a Module (got ${describeValue(module)})`);
    }
    if (typeof lossFn !== 'function') throw new TypeError(`Solver: lossFn must be a function (scores, y) => loss (got ${describeValue(lossFn)})`);
    if (optimizer === null || typeof optimizer !== 'object' || typeof optimizer.step !== 'function' || !Array.isArray(optimizer.paramGroups)) {
      throw new TypeError(`Solver: optimizer must be an Optimizer (got ${describeValue(optimizer)})`);
    }
    const params = new Set<Tensor>(module.parameters());
    const optimized = optimizer.paramGroups.flatMap((g) => g.params);
    if (optimized.some((p) => !params.has(p))) {
      throw new RangeError(`Solver: the optimizer updates tensors that are not parameters of the module (give it module.parameters())`);
    }
  }

  private get module(): Module {
    return this.setup.module;
  }

  namedParameters(): [string, Tensor][] {
    return this.module.namedParameters();
  }

  step(X: Tensor, y: Tensor): number {
    const { module, lossFn, optimizer } = this.setup;
    module.train();
    optimizer.zeroGrad();
    const loss: unknown = lossFn(module.forward(X), y);
    if (!(loss instanceof Tensor) || loss.size !== 1) {
      throw new ShapeError(`Solver: lossFn must return a one-element tensor (got ${loss instanceof Tensor ? formatShape(loss.shape) : describeValue(loss)})`);
    }
    const value = loss.item();
    if (!Number.isFinite(value)) return value;
    loss.backward();
    optimizer.step();
    return value;
  }

  scores(X: Tensor): Tensor {
    const module = this.module;
    const wasTraining = module.training;
    module.eval();
    try {
      return noGrad(() => module.forward(X));
    } finally {
      module.train(wasTraining);
    }
  }

  decayLearningRate(factor: number): void {
    for (const group of this.setup.optimizer.paramGroups) group.lr *= factor;
  }

  modelState(): Record<string, Tensor> {
    return this.module.stateDict();
  }

  loadModelState(state: Record<string, Tensor>, where: string): void {
    try {
      this.module.loadStateDict(state);
    } catch (e) {
      throw new CheckpointError(`${where}: the module does not fit the checkpoint: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  optimizerState(): unknown {
    return this.setup.optimizer.stateDict();
  }

  loadOptimizerState(state: unknown, where: string): void {
    try {
      this.setup.optimizer.loadStateDict(state as OptimizerStateDict);
    } catch (e) {
      throw new CheckpointError(`${where}: the optimizer does not fit the checkpoint: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
}
