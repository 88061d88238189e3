/**
 * Compute backends: the {@link Backend} interface, the always-present {@link refBackend} (pure TS,
 * ggml-cpu semantics) and backend selection ({@link selectBackend}, {@link backendInfo}).
 */
export { BackendArgumentError } from './backend.js';
export type { AttentionParams, Backend, RopeMode, RopeParams } from './backend.js';
export { RefBackend, refBackend } from './ref-backend.js';
export {
  BACKEND_NAMES,
  UnknownBackendError,
  backendInfo,
  registerBackend,
  selectBackend,
} from './registry.js';
export type { BackendInfo, BackendName, BackendProbe, BackendProvider, BackendSelection } from './registry.js';
export { Scratch } from './scratch.js';
export { yarnCorrDims } from './ref-rope.js';
