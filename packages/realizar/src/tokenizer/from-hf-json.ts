/**
 * Builds a {@link Tokenizer} from a Hugging Face `tokenizer.json` (+ optional
 * `tokenizer_config.json`) holding a byte-level BPE model (GPT-2, Qwen2, Llama 3 style). The input is
 * translated to the same {@link VocabSource} convert_hf_to_gguf would write, so the result behaves
 * like the GGUF converted from it: added tokens become CONTROL when flagged special or when they
 * look like control tokens (`<|…|>`), USER_DEFINED otherwise; a Split pre-tokenizer's regex selects
 * the same code path as the matching `tokenizer.ggml.pre` (e.g. Qwen2's regex → `qwen2`).
 */
import { LlamaTokenizer } from './llama-tokenizer.js';
import { type PreTokenizerInfo, customPreTokenizer, preTokenizerInfo } from './pre-tokenizer-table.js';
import { RE_GPT2, RE_LLAMA3, RE_LLAMA3_HF, RE_QWEN2, RE_QWEN2_HF } from './regex-split-custom.js';
import { TokenizerConfigError } from './tokenizer-errors.js';
import { TokenAttr, TokenType, type Tokenizer } from './tokenizer.js';
import { type SpecialRole, Vocab } from './vocab.js';

interface HFAddedToken {
  id: number;
  content: string;
  special?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
}

interface HFPreTokenizer {
  type?: string;
  pretokenizers?: HFPreTokenizer[];
  pattern?: { Regex?: string; String?: string };
  behavior?: string;
  invert?: boolean;
  use_regex?: boolean;
  individual_digits?: boolean;
}

interface HFTokenizerJson {
  model?: {
    type?: string;
    vocab?: Record<string, number>;
    merges?: (string | [string, string])[];
    ignore_merges?: boolean;
  };
  added_tokens?: HFAddedToken[];
  pre_tokenizer?: HFPreTokenizer | null;
  decoder?: { type?: string; decoders?: { type?: string }[] } | null;
}

type TokenRef = string | { content?: string } | null | undefined;

interface HFTokenizerConfig {
  bos_token?: TokenRef;
  eos_token?: TokenRef;
  unk_token?: TokenRef;
  pad_token?: TokenRef;
  add_bos_token?: boolean;
  add_eos_token?: boolean;
  clean_up_tokenization_spaces?: boolean;
}

function configError(key: string, expected: string, actual: string): TokenizerConfigError {
  return new TokenizerConfigError(`tokenizer.json: '${key}': expected ${expected}, got ${actual}`, { key, expected, actual });
}

/** convert_hf_to_gguf's `does_token_look_special`. */
function looksSpecial(t: string): boolean {
  if (['<pad>', '<mask>', '<2mass>', '[@BOS@]'].includes(t)) return true;
  if (t.startsWith('<|') && t.endsWith('|>')) return true;
  if (t.startsWith('<｜') && t.endsWith('｜>')) return true;
  return t.startsWith('<unused') && t.endsWith('>');
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** The pre-tokenizer patterns of a tokenizer.json, in application order. */
function collectPatterns(p: HFPreTokenizer | null | undefined, out: string[]): void {
  if (!p) return;
  switch (p.type) {
    case 'Sequence':
      for (const q of p.pretokenizers ?? []) collectPatterns(q, out);
      return;
    case 'Split': {
      if ((p.behavior ?? 'Isolated') !== 'Isolated' || p.invert) {
        throw configError('pre_tokenizer.behavior', "'Isolated' without invert", `${p.behavior}${p.invert ? ' (invert)' : ''}`);
      }
      const re = p.pattern?.Regex ?? (p.pattern?.String !== undefined ? escapeRegex(p.pattern.String) : undefined);
      if (re === undefined) throw configError('pre_tokenizer.pattern', 'a Regex or String', JSON.stringify(p.pattern));
      // Map tokenizer.json spellings to the ones llama.cpp dispatches to its hand-written splitters.
      out.push(re === RE_QWEN2_HF ? RE_QWEN2 : re === RE_LLAMA3_HF ? RE_LLAMA3 : re);
      return;
    }
    case 'ByteLevel':
      if (p.use_regex ?? true) out.push(RE_GPT2);
      return;
    case 'Digits':
      out.push(p.individual_digits ? '\\p{N}' : '\\p{N}+');
      return;
    default:
      throw configError('pre_tokenizer.type', "'Sequence', 'Split', 'ByteLevel' or 'Digits'", JSON.stringify(p.type));
  }
}

/** The llama.cpp pre-tokenizer with exactly these patterns, if any (for its flags). */
function knownPre(patterns: readonly string[]): PreTokenizerInfo | undefined {
  for (const name of ['gpt-2', 'qwen2', 'llama3', 'default', 'starcoder', 'deepseek-coder', 'deepseek-llm', 'deepseek-v3']) {
    const info = preTokenizerInfo(name)!;
    if (info.regexes.length === patterns.length && info.regexes.every((r, i) => r === patterns[i])) return info;
  }
  return undefined;
}

function isByteLevel(json: HFTokenizerJson): boolean {
  const d = json.decoder;
  if (d?.type === 'ByteLevel') return true;
  return d?.type === 'Sequence' && (d.decoders ?? []).some((x) => x.type === 'ByteLevel');
}

/**
 * A tokenizer for a Hugging Face byte-level BPE `tokenizer.json`; `tokenizerConfig`
 * (`tokenizer_config.json`) supplies BOS/EOS/UNK/PAD and `add_bos_token`/`add_eos_token`.
 *
 * @throws TokenizerConfigError for a non-BPE or non-byte-level model, or an unsupported pre-tokenizer.
 */
export function tokenizerFromHFJson(tokenizerJson: object, tokenizerConfig?: object): Tokenizer {
  const json = tokenizerJson as HFTokenizerJson;
  const cfg = (tokenizerConfig ?? {}) as HFTokenizerConfig;
  const model = json.model;
  if (model?.type !== 'BPE') throw configError('model.type', "'BPE'", JSON.stringify(model?.type));
  if (!model.vocab || typeof model.vocab !== 'object') throw configError('model.vocab', 'an object', typeof model.vocab);
  if (!Array.isArray(model.merges)) throw configError('model.merges', 'an array', typeof model.merges);
  if (!isByteLevel(json)) {
    throw configError('decoder.type', "'ByteLevel' (only byte-level BPE is supported)", JSON.stringify(json.decoder?.type));
  }

  const added = json.added_tokens ?? [];
  let size = 0;
  // One for..in pass: Object.entries on a 150k-key object costs ~3x more, and construction time
  // is budgeted.
  const vocabObj = model.vocab;
  const texts: string[] = [];
  const textIds: number[] = [];
  for (const text in vocabObj) {
    const id = vocabObj[text];
    if (!Number.isInteger(id) || id < 0) throw configError(`model.vocab[${JSON.stringify(text)}]`, 'a non-negative integer id', String(id));
    texts.push(text);
    textIds.push(id);
    if (id >= size) size = id + 1;
  }
  for (const t of added) size = Math.max(size, t.id + 1);
  const tokens = new Array<string>(size).fill('');
  const types = new Int32Array(size).fill(TokenType.UNUSED);
  for (let i = 0; i < texts.length; i++) {
    tokens[textIds[i]] = texts[i];
    types[textIds[i]] = TokenType.NORMAL;
  }
  const extraAttrs = new Map<number, number>();
  for (const t of added) {
    tokens[t.id] = t.content;
    types[t.id] = t.special || looksSpecial(t.content) ? TokenType.CONTROL : TokenType.USER_DEFINED;
    const bits = (t.lstrip ? TokenAttr.LSTRIP : 0) | (t.rstrip ? TokenAttr.RSTRIP : 0);
    if (bits) extraAttrs.set(t.id, bits);
  }
  // Holes in the id space: convert_hf_to_gguf writes `[PAD<id>]` UNUSED fillers.
  for (let id = 0; id < size; id++) if (tokens[id] === '') tokens[id] = `[PAD${id}]`;

  const patterns: string[] = [];
  collectPatterns(json.pre_tokenizer, patterns);
  const known = knownPre(patterns);
  const base = known ?? customPreTokenizer(patterns, cfg.clean_up_tokenization_spaces ?? false);
  const preTokenizer: PreTokenizerInfo = { ...base, ignoreMerges: model.ignore_merges ?? base.ignoreMerges, addBos: undefined, noBos: undefined };

  const idOf = (ref: TokenRef): number | null => {
    const text = typeof ref === 'string' ? ref : ref?.content;
    if (text === undefined || text === null) return null;
    const id = tokens.indexOf(text);
    return id >= 0 ? id : null;
  };
  const ids: Partial<Record<SpecialRole, number | null>> = {
    bos: idOf(cfg.bos_token),
    eos: idOf(cfg.eos_token),
    unk: idOf(cfg.unk_token),
    pad: idOf(cfg.pad_token),
  };
  const vocab = new Vocab({
    model: 'gpt2',
    preTokenizer,
    tokens,
    tokenTypes: types,
    merges: model.merges,
    ids,
    addBos: cfg.add_bos_token ?? false,
    addEos: cfg.add_eos_token ?? false,
    extraAttrs,
    source: 'tokenizer.json',
  });
  return new LlamaTokenizer(vocab);
}
