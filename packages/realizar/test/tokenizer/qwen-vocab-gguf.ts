/**
 * Writes a vocab-only GGUF holding the Qwen2 tokenizer (as convert_hf_to_gguf lays it out:
 * `gpt2` model, `qwen2` pre-tokenizer, added tokens CONTROL/USER_DEFINED) plus the minimal qwen2
 * hyper-parameters llama.cpp reads before it sees that there are no tensors, so that llama.cpp can
 * load it with `vocabOnly` and serve as the oracle for the 151k-token BPE vocabulary.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gguf, writeGGUF } from '../../src/gguf/index.js';
import { qwenTokenizerFiles } from './vocab-fixtures.js';

interface Json {
  model: { vocab: Record<string, number>; merges: (string | [string, string])[] };
  added_tokens: { id: number; content: string; special: boolean }[];
}

/** Path of a fresh temporary Qwen2 vocab-only GGUF. */
export function writeQwenVocabGGUF(): string {
  const json = qwenTokenizerFiles().json as Json;
  let size = 0;
  for (const t in json.model.vocab) size = Math.max(size, json.model.vocab[t] + 1);
  for (const a of json.added_tokens) size = Math.max(size, a.id + 1);
  const tokens = new Array<string>(size).fill('');
  const types = new Int32Array(size).fill(5);
  for (const t in json.model.vocab) {
    tokens[json.model.vocab[t]] = t;
    types[json.model.vocab[t]] = 1;
  }
  for (const a of json.added_tokens) {
    tokens[a.id] = a.content;
    types[a.id] = a.special || (a.content.startsWith('<|') && a.content.endsWith('|>')) ? 3 : 4;
  }
  for (let i = 0; i < size; i++) if (tokens[i] === '') tokens[i] = `[PAD${i}]`;
  const merges = json.model.merges.map((m) => (typeof m === 'string' ? m : `${m[0]} ${m[1]}`));
  const bytes = writeGGUF({
    metadata: [
      ['general.architecture', gguf.str('qwen2')],
      ['qwen2.context_length', gguf.u32(4096)],
      ['qwen2.embedding_length', gguf.u32(64)],
      ['qwen2.block_count', gguf.u32(1)],
      ['qwen2.feed_forward_length', gguf.u32(128)],
      ['qwen2.attention.head_count', gguf.u32(4)],
      ['qwen2.attention.head_count_kv', gguf.u32(2)],
      ['qwen2.attention.layer_norm_rms_epsilon', gguf.f32(1e-6)],
      ['tokenizer.ggml.model', gguf.str('gpt2')],
      ['tokenizer.ggml.pre', gguf.str('qwen2')],
      ['tokenizer.ggml.tokens', gguf.arrStr(tokens)],
      ['tokenizer.ggml.token_type', gguf.arrI32(types)],
      ['tokenizer.ggml.merges', gguf.arrStr(merges)],
      ['tokenizer.ggml.eos_token_id', gguf.u32(151645)],
      ['tokenizer.ggml.padding_token_id', gguf.u32(151643)],
      ['tokenizer.ggml.bos_token_id', gguf.u32(151643)],
      ['tokenizer.ggml.add_bos_token', gguf.bool(false)],
    ],
    tensors: [],
  });
  const path = join(mkdtempSync(join(tmpdir(), 'apr-tok-')), 'qwen2-vocab.gguf');
  writeFileSync(path, bytes);
  return path;
}
