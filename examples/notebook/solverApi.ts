/**
 * The one place the examples meet cs231n's `Solver` from @tapegrad/optim: the part of its API the
 * notebook uses, and where to get it. Until @tapegrad/optim exports `Solver`, the training sections
 * stop with a plain message instead of the examples failing to build.
 * @module
 */
import * as optim from '@tapegrad/optim';
import type { Tensor } from '@tapegrad/core';
import type { FullyConnectedNet } from '@tapegrad/nn';

/** cs231n's `small_data` dict. */
export interface SolverData {
  XTrain: Tensor;
  yTrain: Tensor;
  XVal: Tensor;
  yVal: Tensor;
}

/** The Solver options the notebook passes (camelCase cs231n names). */
export interface SolverOptions {
  updateRule: 'sgd' | 'sgd_momentum' | 'rmsprop' | 'adam';
  optimConfig: { learningRate: number };
  numEpochs: number;
  batchSize: number;
  printEvery: number;
  verbose: boolean;
  onIteration?: () => void;
}

/** What the notebook reads from a Solver. */
export interface SolverLike {
  train(): unknown;
  readonly lossHistory: readonly number[];
  readonly trainAccHistory: readonly number[];
  readonly valAccHistory: readonly number[];
  readonly bestValAcc: number;
}

/** The Solver's constructor. */
export type SolverConstructor = new (model: FullyConnectedNet, data: SolverData, opts: SolverOptions) => SolverLike;

/** Thrown when @tapegrad/optim has no Solver yet. */
export class SolverMissingError extends Error {
  constructor() {
    super('the training sections need cs231n\'s Solver from @tapegrad/optim, which does not export it yet');
    this.name = 'SolverMissingError';
  }
}

/** Whether @tapegrad/optim exports a Solver. */
export function hasSolver(): boolean {
  return typeof (optim as unknown as Record<string, unknown>)['Solver'] === 'function';
}

/** @tapegrad/optim's Solver. @throws SolverMissingError when it does not export one. */
export async function solverClass(): Promise<SolverConstructor> {
  const Solver = (optim as unknown as Record<string, unknown>)['Solver'];
  if (typeof Solver !== 'function') throw new SolverMissingError();
  return Solver as SolverConstructor;
}
