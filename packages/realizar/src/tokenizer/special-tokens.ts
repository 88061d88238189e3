/**
 * Special tokens, as llama.cpp's vocab loader and `tokenizer_st_partition` treat them:
 * - finding EOT/EOM/FIM tokens by their text when the metadata does not name them, and the set of
 *   end-of-generation (EOG) tokens;
 * - splitting input text around special-token strings before SPM/BPE sees it.
 */
import { TokenAttr } from './tokenizer.js';

/** Ids llama.cpp tracks for special roles (null: none). */
export interface SpecialIds {
  bos: number | null;
  eos: number | null;
  eot: number | null;
  eom: number | null;
  unk: number | null;
  sep: number | null;
  pad: number | null;
  mask: number | null;
  fimPre: number | null;
  fimSuf: number | null;
  fimMid: number | null;
  fimPad: number | null;
  fimRep: number | null;
  fimSep: number | null;
}

/** Texts that identify a role when the metadata has no id for it (llama.cpp's lists, in order). */
const BY_TEXT: ReadonlyArray<readonly [keyof SpecialIds, readonly string[]]> = [
  [
    'eot',
    ['<|eot_id|>', '<|im_end|>', '<|end|>', '<end_of_turn>', '<|endoftext|>', '<|end_of_text|>', '<EOT>', '_<EOT>', '[EOT]',
      '<｜end▁of▁sentence｜>', '<end_of_utterance>'],
  ],
  ['eom', ['<|eom_id|>']],
  ['fimPre', ['<|fim_prefix|>', '<fim-prefix>', '<fim_prefix>', '<｜fim▁begin｜>', '<PRE>', '▁<PRE>', '<|code_prefix|>', '<|prefix|>']],
  ['fimSuf', ['<|fim_suffix|>', '<fim-suffix>', '<fim_suffix>', '<｜fim▁hole｜>', '<SUF>', '▁<SUF>', '<|code_suffix|>', '<|suffix|>']],
  ['fimMid', ['<|fim_middle|>', '<fim-middle>', '<fim_middle>', '<｜fim▁end｜>', '<MID>', '▁<MID>', '<|code_middle|>', '<|middle|>']],
  ['fimPad', ['<|fim_pad|>', '<fim-pad>', '<fim_pad>', '<PAD>', '[PAD]']],
  ['fimRep', ['<|fim_repo|>', '<|repo_name|>', '<fim-repo>', '<REPO>', '<reponame>']],
  ['fimSep', ['<|file_sep|>']],
];

/** Token texts llama.cpp always treats as end of generation. */
const EOG_TEXTS = [
  '<|eot_id|>', '<|im_end|>', '<|end|>', '<|return|>', '<|call|>', '<|flush|>', '<|calls|>', '<end_of_turn>',
  '<|endoftext|>', '</s>', '<|eom_id|>', '<EOT>', '_<EOT>', '[EOT]', '[EOS]', '<|end_of_text|>', '<end_of_utterance>',
  '<eos>', '<turn|>', '<|tool_response>', '<｜end▁of▁sentence｜>', '[e~[',
];

/**
 * Fills unset EOT/EOM/FIM ids from token texts, forcing those tokens to CONTROL (as llama.cpp does,
 * with a warning, for "control-looking" tokens), marks CONTROL tokens named `*unused*` UNUSED, and
 * returns the EOG set. Unlike llama.cpp, which walks a hash map, the first text in list order wins
 * when several candidates exist (so Qwen's EOT is `<|im_end|>`, deterministically).
 */
export function detectSpecialTokens(
  tokenToId: ReadonlyMap<string, number>,
  tokens: readonly string[],
  attrs: Uint16Array,
  ids: SpecialIds,
): Set<number> {
  const forceControl = (id: number) => {
    attrs[id] |= TokenAttr.CONTROL;
  };
  for (const [role, texts] of BY_TEXT) {
    if (ids[role] !== null) continue;
    for (const t of texts) {
      const id = tokenToId.get(t);
      if (id === undefined) continue;
      ids[role] = id;
      forceControl(id);
      break;
    }
  }
  for (let id = 0; id < tokens.length; id++) {
    if (attrs[id] & TokenAttr.CONTROL && tokens[id].includes('unused') && tokenToId.get(tokens[id]) === id) attrs[id] |= TokenAttr.UNUSED;
  }
  const eog = new Set<number>();
  for (const role of ['fimPad', 'fimRep', 'fimSep'] as const) {
    if (ids[role] !== null) eog.add(ids[role]);
  }
  for (const t of EOG_TEXTS) {
    const id = tokenToId.get(t);
    if (id === undefined) continue;
    eog.add(id);
    forceControl(id);
  }
  // gpt-oss: these must always be rendered.
  for (const t of ['<|channel|>', '<|message|>', '<|start|>', '<|constrain|>']) {
    const id = tokenToId.get(t);
    if (id !== undefined) attrs[id] = TokenAttr.USER_DEFINED;
  }
  for (const role of ['eos', 'eot', 'eom'] as const) {
    if (ids[role] !== null) eog.add(ids[role]);
  }
  // o200k_harmony / solar-open: `<|end|>` is not EOG when `<|return|>`+`<|call|>` (or
  // `<|calls|>`+`<|flush|>`) exist.
  const has = (t: string) => {
    const id = tokenToId.get(t);
    return id !== undefined && eog.has(id);
  };
  const endId = tokenToId.get('<|end|>');
  if (endId !== undefined && eog.has(endId) && ((has('<|return|>') && has('<|call|>')) || (has('<|calls|>') && has('<|flush|>')))) {
    eog.delete(endId);
    attrs[endId] = TokenAttr.USER_DEFINED;
  }
  return eog;
}

/** Ids matched as whole strings before SPM/BPE: CONTROL, USER_DEFINED and UNKNOWN tokens, longest first. */
export function specialTokenCache(tokens: readonly string[], attrs: Uint16Array): number[] {
  const mask = TokenAttr.CONTROL | TokenAttr.USER_DEFINED | TokenAttr.UNKNOWN;
  const ids: number[] = [];
  const bytes = new Map<number, number>();
  const enc = new TextEncoder();
  for (let id = 0; id < tokens.length; id++) {
    if (attrs[id] & mask) {
      ids.push(id);
      bytes.set(id, enc.encode(tokens[id]).length);
    }
  }
  // llama.cpp sorts by byte length, longest first (std::sort; ties keep id order here).
  return ids.sort((a, b) => bytes.get(b)! - bytes.get(a)! || a - b);
}

/** A piece of the input after special-token partitioning: raw text, or one token id. */
export type Fragment = { readonly text: string } | { readonly id: number };

function isCSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * llama.cpp's `tokenizer_st_partition`: for each special token (longest first), split every raw
 * fragment at each occurrence. CONTROL and UNKNOWN tokens take part only with `parseSpecial`;
 * USER_DEFINED always do. LSTRIP/RSTRIP attributes eat adjacent whitespace.
 */
export function partitionSpecial(
  text: string,
  cache: readonly number[],
  tokens: readonly string[],
  attrs: Uint16Array,
  parseSpecial: boolean,
): Fragment[] {
  let frags: Fragment[] = text.length > 0 ? [{ text }] : [];
  for (const id of cache) {
    const attr = attrs[id];
    if (!parseSpecial && attr & (TokenAttr.CONTROL | TokenAttr.UNKNOWN)) continue;
    const needle = tokens[id];
    if (needle.length === 0) continue;
    let changed = false;
    const next: Fragment[] = [];
    for (const f of frags) {
      if (!('text' in f) || !f.text.includes(needle)) {
        next.push(f);
        continue;
      }
      changed = true;
      const raw = f.text;
      let from = 0;
      for (let at = raw.indexOf(needle, from); at >= 0; at = raw.indexOf(needle, from)) {
        let leftEnd = at;
        if (attr & TokenAttr.LSTRIP) while (leftEnd > from && isCSpace(raw.charCodeAt(leftEnd - 1))) leftEnd--;
        if (leftEnd > from) next.push({ text: raw.slice(from, leftEnd) });
        next.push({ id });
        from = at + needle.length;
        if (attr & TokenAttr.RSTRIP) while (from < raw.length && isCSpace(raw.charCodeAt(from))) from++;
      }
      if (from < raw.length) next.push({ text: raw.slice(from) });
    }
    if (changed) frags = next;
  }
  return frags;
}
