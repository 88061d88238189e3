/**
 * The minimal shapes the generation loop needs from a model session and a tokenizer. They are
 * structural so that the real `Session` (src/model) and `Tokenizer` (src/tokenizer) plug in without
 * this module importing them, and so that tests can use small deterministic fakes.
 */

/** A sequence's KV cache plus forward pass: `forward` appends tokens and returns the last token's logits. */
export interface LogitsSession {
  /** Number of tokens already in the KV cache (the next token's position). */
  readonly position: number;
  /** Capacity of the KV cache in tokens, when the session knows it. */
  readonly contextLength?: number;
  /** Feeds `tokens` at `position…` and returns the logits after the last one (vocab-sized). */
  forward(tokens: readonly number[]): Float32Array;
  /**
   * Optional: `forward` then the greedy token, computed where the logits are (a GPU session sends
   * back only the index). The generation loop uses it when its sampler is a plain argmax.
   */
  forwardGreedy?(tokens: readonly number[]): number;
  /** Empties the KV cache (position → 0). */
  reset(): void;
  /** Drops everything from `position` on, keeping the prefix (optional; enables prefix reuse). */
  truncate?(position: number): void;
}

/** Incremental detokenizer: returns only complete UTF-8 characters, holding back partial ones. */
export interface StreamDecoder {
  push(id: number): string;
  flush(): string;
}

/** What {@link generate} needs from a tokenizer. */
export interface GenerationTokenizer {
  /** True for end-of-generation tokens (EOS, EOT, `<|im_end|>`, ...). */
  isEog(id: number): boolean;
  createStreamDecoder(): StreamDecoder;
}

/** What a chat session needs from a tokenizer, on top of {@link GenerationTokenizer}. */
export interface ChatTokenizer extends GenerationTokenizer {
  /** BOS token id, if the vocabulary has one. */
  readonly bos?: number | null;
  /** Whether prompts start with BOS (`tokenizer.ggml.add_bos_token`). */
  readonly addBos: boolean;
  encode(text: string, opts?: { addSpecial?: boolean; parseSpecial?: boolean }): number[];
}
