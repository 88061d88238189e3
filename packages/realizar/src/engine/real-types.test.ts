/**
 * Compile-time check (run by `tsc`, trivial at run time) that the real tokenizer satisfies the
 * structural interfaces the engine and chat code are written against.
 */
import { describe, expect, it } from 'vitest';
import type { SpecialTokenText } from '../chat/resolve-chat-template.js';
import type { LlamaTokenizer } from '../tokenizer/index.js';
import type { ChatTokenizer, GenerationTokenizer } from './types.js';

type Assignable<A, B> = [A] extends [B] ? true : false;

describe('structural interfaces', () => {
  it('LlamaTokenizer is a ChatTokenizer, a GenerationTokenizer and a SpecialTokenText', () => {
    const checks: [
      Assignable<LlamaTokenizer, ChatTokenizer>,
      Assignable<LlamaTokenizer, GenerationTokenizer>,
      Assignable<LlamaTokenizer, SpecialTokenText>,
    ] = [true, true, true];
    expect(checks).toEqual([true, true, true]);
  });
});
