/**
 * Qwen2: the llama block (./llama.ts) with two differences, both traps the spec paid for:
 * - Q, K and V projections carry biases, which must be loaded and added (required here);
 * - RoPE rotates halves (x[i], x[i + nRot/2]) — ggml's NEOX mode — because Qwen2 GGUFs keep the
 *   HF row order of Wq/Wk (no convert-time permutation as for llama); θ is `qwen2.rope.freq_base` (1e6 for Qwen2.5).
 * The output head is `output.weight` or, for the small models, the tied `token_embd.weight`.
 */
import type { ArchitectureSpec } from '../model/architecture.js';
import { forwardLlama } from './llama.js';

/** qwen2: llama's forward with required Q/K/V biases and NEOX RoPE. */
export const qwen2Arch: ArchitectureSpec = {
  name: 'qwen2',
  ropeMode: 'neox',
  qkvBias: 'required',
  forward: forwardLlama,
};
