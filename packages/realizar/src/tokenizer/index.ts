/**
 * Tokenizers built from a model file (`@sovereign/realizar` tokenizer module), with llama.cpp's
 * semantics: SentencePiece (`llama`) and byte-level BPE (`gpt2`) vocabularies, special tokens,
 * streaming detokenization.
 */
export type { DecodeOptions, EncodeOptions, StreamDecoder, Tokenizer } from './tokenizer.js';
export { TokenAttr, TokenType } from './tokenizer.js';
export { TokenIdError, TokenizerConfigError, TokenizerError } from './tokenizer-errors.js';
export type { TokenizerErrorDetails } from './tokenizer-errors.js';
export { tokenizerFromGGUF } from './from-gguf.js';
export { tokenizerFromHFJson } from './from-hf-json.js';
export { LlamaTokenizer } from './llama-tokenizer.js';
export { preTokenize } from './pre-tokenizer.js';
export { supportedPreTokenizers } from './pre-tokenizer-table.js';
