import { createHash } from 'node:crypto';
import { GGUFValueType } from '@sovereign/realizar/gguf';
import { describe, expect, it } from 'vitest';
import {
  QWEN25_ADDED_TOKENS,
  QWEN25_CHAT_TEMPLATE,
  QWEN25_VOCAB_SIZE,
  TokenType,
  doesTokenLookSpecial,
  loadQwen2Vocab,
  qwen2TokenizerMetadata,
} from '../src/index.js';

describe('Qwen2.5 vocabulary', () => {
  it('qwen2-vocab: 151936 tokens, BPE then added then [PAD] fillers, with Qwen2.5 special ids [F-GEN-8]', () => {
    const v = loadQwen2Vocab();
    expect(v.tokens.length).toBe(QWEN25_VOCAB_SIZE);
    expect(v.tokenTypes.length).toBe(QWEN25_VOCAB_SIZE);
    // Well-known ids of the Qwen2 BPE vocabulary (llama.cpp's ggml-vocab-qwen2 vectors use them).
    expect(v.tokens[9707]).toBe('Hello');
    expect(v.tokens[1879]).toBe('Ġworld');
    expect(v.tokens[220]).toBe('Ġ');
    expect(v.tokens[151643]).toBe('<|endoftext|>');
    expect(v.tokens[151644]).toBe('<|im_start|>');
    expect(v.tokens[151645]).toBe('<|im_end|>');
    expect(v.tokens[151664]).toBe('<|file_sep|>');
    expect(v.tokens[151665]).toBe('[PAD151665]'); // Qwen3's <tool_response> is not a Qwen2.5 token
    expect(v.tokens[151935]).toBe('[PAD151935]');
    expect(v.tokenTypes[9707]).toBe(TokenType.NORMAL);
    expect(v.tokenTypes[151643]).toBe(TokenType.CONTROL);
    expect(v.tokenTypes[151657]).toBe(TokenType.USER_DEFINED); // <tool_call>: not special, not <|…|>
    expect(v.tokenTypes[151659]).toBe(TokenType.CONTROL); // <|fim_prefix|>: looks special
    expect(v.tokenTypes[151700]).toBe(TokenType.UNUSED);
    expect(v.merges.length).toBe(151387);
    expect(v.merges[0]).toBe('Ġ Ġ');
    expect(v.merges.every((m) => m.split(' ').length === 2)).toBe(true);
    expect(new Set(v.tokens).size).toBe(QWEN25_VOCAB_SIZE);
    expect(QWEN25_ADDED_TOKENS.length).toBe(22);
  });

  it('does_token_look_special follows convert_hf_to_gguf', () => {
    expect(doesTokenLookSpecial('<|fim_pad|>')).toBe(true);
    expect(doesTokenLookSpecial('<tool_call>')).toBe(false);
    expect(doesTokenLookSpecial('<unused12>')).toBe(true);
  });

  it('tokenizer metadata has the keys and ids llama.cpp reads for Qwen2.5', () => {
    const m = new Map(qwen2TokenizerMetadata().entries);
    expect(m.get('tokenizer.ggml.model')).toEqual({ type: GGUFValueType.STRING, value: 'gpt2' });
    expect(m.get('tokenizer.ggml.pre')).toEqual({ type: GGUFValueType.STRING, value: 'qwen2' });
    expect(m.get('tokenizer.ggml.bos_token_id')).toEqual({ type: GGUFValueType.UINT32, value: 151643 });
    expect(m.get('tokenizer.ggml.eos_token_id')).toEqual({ type: GGUFValueType.UINT32, value: 151645 });
    expect(m.get('tokenizer.ggml.padding_token_id')).toEqual({ type: GGUFValueType.UINT32, value: 151643 });
    expect(m.get('tokenizer.ggml.add_bos_token')).toEqual({ type: GGUFValueType.BOOL, value: false });
    const tokens = m.get('tokenizer.ggml.tokens');
    expect(tokens?.type === GGUFValueType.ARRAY && tokens.itemType).toBe(GGUFValueType.STRING);
    const types = m.get('tokenizer.ggml.token_type');
    expect(types?.type === GGUFValueType.ARRAY && types.itemType).toBe(GGUFValueType.INT32);
  });

  it('chat template is Qwen2.5-Instruct/Coder-Instruct verbatim', () => {
    const sha = createHash('sha256').update(QWEN25_CHAT_TEMPLATE).digest('hex');
    expect(sha).toBe('cd8e9439f0570856fd70470bf8889ebd8b5d1107207f67a5efb46e342330527f');
    expect(QWEN25_CHAT_TEMPLATE.startsWith('{%- if tools %}\n')).toBe(true);
    expect(QWEN25_CHAT_TEMPLATE).toContain('You are Qwen, created by Alibaba Cloud. You are a helpful assistant.');
    expect(QWEN25_CHAT_TEMPLATE).toContain('<tool_response>');
  });
});
