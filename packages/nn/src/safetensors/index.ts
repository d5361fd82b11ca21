/**
 * State dicts as safetensors files: {@link save} / {@link load} (Node), and the pure byte codec
 * {@link encodeSafetensors} / {@link decodeSafetensors} (browser-friendly).
 * @module
 */
export { SafetensorsError } from './errors.js';
export {
  decodeSafetensors, parseSafetensors, MAX_HEADER_BYTES, MAX_RANK,
  type DecodeOptions, type SafetensorsContents,
} from './decode.js';
export { encodeSafetensors, type EncodeOptions } from './encode.js';
export { save, load, type SaveOptions } from './file.js';
