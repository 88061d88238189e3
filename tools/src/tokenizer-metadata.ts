/**
 * The `tokenizer.*` metadata of a generated model: Qwen2.5's BPE tokenizer (the default), or every
 * `tokenizer.*` key copied verbatim from another GGUF (`--vocab-from`, e.g. a SentencePiece vocab).
 */
import { type GGUFValue, GGUFValueType, gguf, readGGUFHeaderSync } from '@sovereign/realizar/gguf';
import { VocabSourceError } from './errors.js';
import { QWEN25_CHAT_TEMPLATE } from './qwen2-chat-template.js';
import { QWEN25_BOS_ID, QWEN25_EOS_ID, QWEN25_PAD_ID, loadQwen2Vocab } from './qwen2-vocab.js';

/** Tokenizer key/value pairs plus the vocabulary size they imply (rows of token_embd). */
export interface TokenizerMetadata {
  readonly entries: ReadonlyArray<readonly [string, GGUFValue]>;
  readonly vocabSize: number;
}

/**
 * Qwen2.5's tokenizer, in the key order of convert_hf_to_gguf (`_set_vocab_gpt2` then
 * `SpecialVocab.add_to_gguf`): model `gpt2` with pre-tokenizer `qwen2`, which llama.cpp accepts for
 * both the qwen2 and the llama architecture (as for Llama 3's BPE vocab).
 */
export function qwen2TokenizerMetadata(): TokenizerMetadata {
  const v = loadQwen2Vocab();
  return {
    vocabSize: v.tokens.length,
    entries: [
      ['tokenizer.ggml.model', gguf.str('gpt2')],
      ['tokenizer.ggml.pre', gguf.str('qwen2')],
      ['tokenizer.ggml.tokens', gguf.arrStr(v.tokens)],
      ['tokenizer.ggml.token_type', gguf.arrI32(v.tokenTypes)],
      ['tokenizer.ggml.merges', gguf.arrStr(v.merges)],
      ['tokenizer.ggml.eos_token_id', gguf.u32(QWEN25_EOS_ID)],
      ['tokenizer.ggml.padding_token_id', gguf.u32(QWEN25_PAD_ID)],
      ['tokenizer.ggml.bos_token_id', gguf.u32(QWEN25_BOS_ID)],
      ['tokenizer.ggml.add_bos_token', gguf.bool(false)],
      ['tokenizer.chat_template', gguf.str(QWEN25_CHAT_TEMPLATE)],
    ],
  };
}

/**
 * Every `tokenizer.*` key of the GGUF at `path`, in its order and with its exact value types.
 * The vocabulary size is the length of `tokenizer.ggml.tokens`, which must be present.
 */
export function tokenizerMetadataFrom(path: string): TokenizerMetadata {
  let file;
  try {
    file = readGGUFHeaderSync(path);
  } catch (e) {
    throw new VocabSourceError(`--vocab-from ${path}: cannot read it as GGUF: ${(e as Error).message}`);
  }
  const entries = [...file.metadata].filter(([k]) => k.startsWith('tokenizer.'));
  const tokens = file.get('tokenizer.ggml.tokens');
  if (!tokens || tokens.type !== GGUFValueType.ARRAY || tokens.itemType !== GGUFValueType.STRING) {
    throw new VocabSourceError(
      `--vocab-from ${path}: expected a string array 'tokenizer.ggml.tokens', got ${tokens ? 'another type' : 'none'}`,
    );
  }
  if (tokens.value.length === 0) throw new VocabSourceError(`--vocab-from ${path}: 'tokenizer.ggml.tokens' is empty`);
  return { entries, vocabSize: tokens.value.length };
}
