/**
 * The loaded vocabulary: token strings, scores, attributes, merges, special ids and flags, with the
 * defaults and fix-ups of llama.cpp's `llama_vocab::impl::load`. Both `tokenizerFromGGUF` and
 * `tokenizerFromHFJson` describe their input as a {@link VocabSource} and build it here, so the two
 * paths share every rule.
 */
import { type PreTokenizerInfo, preTokenizerInfo, supportedPreTokenizers } from './pre-tokenizer-table.js';
import { checkPatterns } from './pre-tokenizer.js';
import { type SpecialIds, detectSpecialTokens, specialTokenCache } from './special-tokens.js';
import { TokenizerConfigError } from './tokenizer-errors.js';
import { TokenAttr, attrFromTokenType } from './tokenizer.js';

/** The two tokenizer algorithms supported. */
export type VocabType = 'spm' | 'bpe';

/** A special-token role whose id the metadata may give. */
export type SpecialRole = keyof SpecialIds;

/** Everything a vocabulary is built from (GGUF `tokenizer.ggml.*` or tokenizer.json, normalised). */
export interface VocabSource {
  /** `tokenizer.ggml.model`: `llama` (SPM) or `gpt2` (byte-level BPE). */
  readonly model: string;
  /** `tokenizer.ggml.pre` (BPE only; missing means `default`). */
  readonly pre?: string;
  /** Patterns to use instead of the `pre` table (tokenizer.json's Split regexes). */
  readonly preTokenizer?: PreTokenizerInfo;
  readonly tokens: readonly string[];
  readonly scores?: ArrayLike<number>;
  readonly tokenTypes?: ArrayLike<number>;
  /** BPE merges in rank order: `"a b"` strings or `[a, b]` pairs. */
  readonly merges?: readonly (string | readonly [string, string])[];
  /**
   * Ids from the metadata; out-of-range ids are ignored (the default stays), as in llama.cpp.
   * `null` means "explicitly none" (tokenizer.json sources, which have no llama.cpp defaults).
   */
  readonly ids?: Partial<Record<SpecialRole, number | null>>;
  readonly addBos?: boolean;
  readonly addEos?: boolean;
  readonly addSpacePrefix?: boolean;
  /** Extra attribute bits per id (e.g. LSTRIP/RSTRIP from tokenizer.json added tokens). */
  readonly extraAttrs?: ReadonlyMap<number, number>;
  /** Where the values came from, for messages (e.g. the file path). */
  readonly source?: string;
}

/** A built vocabulary (read-only after construction). */
export class Vocab {
  readonly type: VocabType;
  readonly tokens: readonly string[];
  readonly scores: Float32Array;
  readonly attrs: Uint16Array;
  readonly tokenToId: Map<string, number>;
  /** BPE: `"left right"` → rank. */
  readonly bpeRanks: Map<string, number>;
  readonly pre: PreTokenizerInfo | undefined;
  readonly ids: SpecialIds;
  readonly addBos: boolean;
  readonly addEos: boolean;
  readonly addSpacePrefix: boolean;
  readonly cleanSpaces: boolean;
  readonly ignoreMerges: boolean;
  readonly eog: ReadonlySet<number>;
  /** Ids matched as strings before SPM/BPE, longest first. */
  readonly specialCache: readonly number[];

  constructor(src: VocabSource) {
    const where = src.source ? `${src.source}: ` : '';
    const ids: SpecialIds = {
      bos: null, eos: null, eot: null, eom: null, unk: null, sep: null, pad: null, mask: null,
      fimPre: null, fimSuf: null, fimMid: null, fimPad: null, fimRep: null, fimSep: null,
    };
    let addBos = false;
    let addEos = false;
    let addSpacePrefix = false;
    let cleanSpaces: boolean;
    let ignoreMerges = false;
    if (src.model === 'llama') {
      this.type = 'spm';
      Object.assign(ids, { bos: 1, eos: 2, unk: 0 });
      addSpacePrefix = true;
      cleanSpaces = false;
      addBos = true;
      this.pre = undefined;
    } else if (src.model === 'gpt2') {
      this.type = 'bpe';
      Object.assign(ids, { bos: 11, eos: 11 });
      const pre = src.preTokenizer ?? preTokenizerInfo(src.pre);
      if (!pre) {
        throw new TokenizerConfigError(
          `${where}key 'tokenizer.ggml.pre': unknown pre-tokenizer ${JSON.stringify(src.pre)} ` +
            `(expected one of ${supportedPreTokenizers().join(', ')})`,
          { key: 'tokenizer.ggml.pre', expected: 'a known pre-tokenizer name', actual: String(src.pre) },
        );
      }
      const bad = checkPatterns(pre.regexes);
      if (bad) {
        throw new TokenizerConfigError(`${where}pre-tokenizer pattern does not compile: ${bad}`, {
          key: 'tokenizer.ggml.pre',
          expected: 'a valid pattern',
          actual: bad,
        });
      }
      this.pre = pre;
      cleanSpaces = pre.cleanSpaces;
      ignoreMerges = pre.ignoreMerges;
      if (pre.addBos) addBos = true;
      if (pre.noBos) ids.bos = null;
    } else {
      throw new TokenizerConfigError(
        `${where}key 'tokenizer.ggml.model': unsupported tokenizer ${JSON.stringify(src.model)} ` +
          `(expected 'llama' (SentencePiece) or 'gpt2' (byte-level BPE))`,
        { key: 'tokenizer.ggml.model', expected: "'llama' or 'gpt2'", actual: JSON.stringify(src.model) },
      );
    }
    if (src.addSpacePrefix !== undefined) addSpacePrefix = src.addSpacePrefix;

    const n = src.tokens.length;
    if (n === 0) {
      throw new TokenizerConfigError(`${where}key 'tokenizer.ggml.tokens': the token list is empty`, {
        key: 'tokenizer.ggml.tokens',
        expected: 'at least one token',
        actual: '0 tokens',
      });
    }
    for (const [key, arr] of [['tokenizer.ggml.scores', src.scores], ['tokenizer.ggml.token_type', src.tokenTypes]] as const) {
      if (arr && arr.length < n) {
        throw new TokenizerConfigError(`${where}key '${key}': ${arr.length} entries for ${n} tokens`, {
          key,
          expected: `>= ${n} entries`,
          actual: `${arr.length}`,
        });
      }
    }
    const tokens = new Array<string>(n);
    const tokenToId = new Map<string, number>();
    this.scores = new Float32Array(n);
    this.attrs = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      const word = src.tokens[i] === '' ? `[EMPTY_${i}]` : src.tokens[i];
      tokens[i] = word;
      tokenToId.set(word, i);
      if (src.scores) this.scores[i] = src.scores[i];
      this.attrs[i] = src.tokenTypes ? attrFromTokenType(src.tokenTypes[i]) : TokenAttr.NORMAL;
    }
    if (src.extraAttrs) for (const [id, bits] of src.extraAttrs) if (id >= 0 && id < n) this.attrs[id] |= bits;
    this.tokens = tokens;
    this.tokenToId = tokenToId;

    this.bpeRanks = new Map();
    if (this.type === 'bpe') {
      if (!src.merges) {
        throw new TokenizerConfigError(`${where}key 'tokenizer.ggml.merges': missing (a 'gpt2' vocabulary needs merges)`, {
          key: 'tokenizer.ggml.merges',
          expected: 'arr[str]',
          actual: 'missing',
        });
      }
      // Walk backwards and always set, so the first rank of a duplicate pair wins (as in llama.cpp)
      // with one hash operation per merge.
      const ranks = this.bpeRanks;
      const merges = src.merges;
      for (let rank = merges.length - 1; rank >= 0; rank--) {
        const m = merges[rank];
        // llama.cpp splits "a b" at the first space after position 0; no space gives ("", "").
        ranks.set(typeof m === 'string' ? (m.indexOf(' ', 1) < 0 ? ' ' : m) : `${m[0]} ${m[1]}`, rank);
      }
    }

    // Default ids out of range are disabled; metadata ids out of range keep the default.
    for (const role of Object.keys(ids) as SpecialRole[]) {
      const d = ids[role];
      if (d !== null && d >= n) ids[role] = null;
      const given = src.ids?.[role];
      if (given === null) ids[role] = null;
      else if (given !== undefined && Number.isInteger(given) && given >= 0 && given < n) ids[role] = given;
    }
    if (src.addBos !== undefined) addBos = src.addBos;
    if (src.addEos !== undefined) addEos = src.addEos;

    this.eog = detectSpecialTokens(tokenToId, tokens, this.attrs, ids);
    this.specialCache = specialTokenCache(tokens, this.attrs);
    this.ids = ids;
    this.addBos = addBos;
    this.addEos = addEos;
    this.addSpacePrefix = addSpacePrefix;
    this.cleanSpaces = cleanSpaces;
    this.ignoreMerges = ignoreMerges;
  }

  get size(): number {
    return this.tokens.length;
  }
}
