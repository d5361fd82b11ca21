/**
 * @tapegrad/nn: PyTorch-style modules on @tapegrad/core tensors.
 * @packageDocumentation
 */
export { Module, type LoadStateDictOptions, type LoadStateDictResult } from './module.js';
export { Parameter, Buffer } from './parameter.js';
export { setBackwardMode, type BackwardMode, type HasBackwardMode } from './backwardMode.js';
