/**
 * `tokenizer.ggml.pre` → pre-tokenizer patterns and flags, transcribed from llama.cpp's
 * `llama_vocab::impl::load` and `llm_tokenizer_bpe`. Names whose splitting llama.cpp implements with
 * bespoke code we do not port (kimi-k2, afmoe, tiny_aya, gemma4, …) are rejected by the caller.
 */
import { RE_GPT2, RE_LLAMA3, RE_QWEN2 } from './regex-split-custom.js';

/** How one BPE pre-tokenizer type behaves. */
export interface PreTokenizerInfo {
  /** llama.cpp's pre-type name (`LLAMA_VOCAB_PRE_TYPE_<name>`), for messages. */
  readonly type: string;
  /** Patterns applied in sequence. */
  readonly regexes: readonly string[];
  /** `clean_spaces` (default true for BPE). */
  readonly cleanSpaces: boolean;
  /** `ignore_merges`: a word that is itself a token is emitted whole. */
  readonly ignoreMerges: boolean;
  /** Some types force `add_bos` before the `add_bos_token` key is read. */
  readonly addBos?: boolean;
  /** Some types disable the default BOS id. */
  readonly noBos?: boolean;
}

const DEFAULT = ['[\\p{P}\\$\\+<=>\\^~\\|]+', RE_GPT2, '\\p{N}+', '[0-9][0-9][0-9]'];
const STARCODER = ['\\p{N}', RE_GPT2];
const DEEPSEEK_CODER = ['[\r\n]', '\\s?\\p{L}+', '\\s?\\p{P}+', '[一-龥ࠀ-一가-퟿]+', '\\p{N}'];
const DEEPSEEK_LLM = [
  '[\r\n]',
  '\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+',
  '\\s?[!-/:-~！-／：-～‘-‟　-。]+',
  '\\s+$',
  '[一-龥ࠀ-一가-퟿]+',
  '\\p{N}+',
];
const DEEPSEEK3 = [
  '\\p{N}{1,3}',
  '[一-龥぀-ゟ゠-ヿ]+',
  "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+",
];
const FALCON = [
  '[\\p{P}\\$\\+<=>\\^~\\|`]+',
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)",
  '[0-9][0-9][0-9]',
];
const QWEN35 = [
  "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
];
const PORO = [' ?[^(\\s|.,!?…。，、।۔،)]+'];
const VIKING = [' ?[^(\\s|.,!?…。，、।۔،)]+', '\\p{N}'];
const TEKKEN = [
  '[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+',
];
const GPT4O = [
  "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
];
const SEED_CODER = [
  "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
];
const BAILINGMOE = [
  "'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+",
];
const UFAKZEKA = [
  '[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+',
];
const SUPERBPE = ['\\p{N}+', '(?=(\\d{3})+(?!\\d))'];

function info(
  type: string,
  regexes: readonly string[],
  flags: { clean?: boolean; ignoreMerges?: boolean; addBos?: boolean; noBos?: boolean } = {},
): PreTokenizerInfo {
  return {
    type,
    regexes,
    cleanSpaces: flags.clean ?? true,
    ignoreMerges: flags.ignoreMerges ?? false,
    addBos: flags.addBos,
    noBos: flags.noBos,
  };
}

const NO_CLEAN = { clean: false };

const TABLE: ReadonlyArray<readonly [readonly string[], PreTokenizerInfo]> = [
  [['default'], info('DEFAULT', DEFAULT)],
  [
    ['llama3', 'llama-v3', 'llama-bpe', 'falcon3', 'falcon-h1', 'pixtral', 'midm-2.0', 'lfm2', 'jina-v5-nano'],
    info('LLAMA3', [RE_LLAMA3], { ignoreMerges: true, addBos: true }),
  ],
  [['deepseek-llm'], info('DEEPSEEK_LLM', DEEPSEEK_LLM, NO_CLEAN)],
  [['deepseek-coder'], info('DEEPSEEK_CODER', DEEPSEEK_CODER, NO_CLEAN)],
  [['deepseek-v3'], info('DEEPSEEK3_LLM', DEEPSEEK3, NO_CLEAN)],
  [['falcon'], info('FALCON', FALCON)],
  [['mpt'], info('MPT', [RE_GPT2])],
  [['starcoder'], info('STARCODER', STARCODER)],
  [
    ['gpt-2', 'phi-2', 'jina-es', 'jina-de', 'gigachat', 'jina-v2-es', 'jina-v2-de', 'a.x-4.0', 'mellum', 'modern-bert'],
    info('GPT2', [RE_GPT2]),
  ],
  [['jina-v1-en', 'jina-v2-code', 'roberta-bpe'], info('GPT2', [RE_GPT2])],
  [['refact'], info('REFACT', STARCODER)],
  [['command-r'], info('COMMAND_R', STARCODER, NO_CLEAN)],
  [['qwen2', 'deepseek-r1-qwen', 'kormo', 'f2llmv2', 'megrez'], info('QWEN2', [RE_QWEN2], NO_CLEAN)],
  [['qwen35'], info('QWEN35', QWEN35, NO_CLEAN)],
  [['stablelm2'], info('STABLELM2', [RE_QWEN2])],
  [['olmo'], info('OLMO', [RE_GPT2])],
  [['dbrx'], info('DBRX', [RE_LLAMA3])],
  [['smaug-bpe'], info('SMAUG', [RE_LLAMA3])],
  [['poro-chat'], info('PORO', PORO, NO_CLEAN)],
  [['glm4', 'chatglm-bpe'], info('CHATGLM4', [RE_LLAMA3], { noBos: true })],
  [['viking'], info('VIKING', VIKING, NO_CLEAN)],
  [['jais'], info('JAIS', [RE_GPT2])],
  [['tekken'], info('TEKKEN', TEKKEN, { clean: false, ignoreMerges: true })],
  [['smollm'], info('SMOLLM', STARCODER, NO_CLEAN)],
  [['codeshell'], info('CODESHELL', STARCODER)],
  [['bloom'], info('BLOOM', PORO)],
  [['gpt3-finnish'], info('GPT3_FINNISH', PORO)],
  [['exaone'], info('EXAONE', STARCODER)],
  [['exaone4'], info('GPT2', [RE_GPT2])],
  [['minerva-7b'], info('MINERVA', STARCODER)],
  [['gpt-4o', 'llama4', 'kanana2', 'talkie', 'minimax-m2'], info('GPT4O', GPT4O, NO_CLEAN)],
  [['superbpe'], info('SUPERBPE', SUPERBPE, NO_CLEAN)],
  [['trillion'], info('TRILLION', [RE_GPT2], NO_CLEAN)],
  [['granite-docling'], info('GRANITE_DOCLING', [RE_GPT2], NO_CLEAN)],
  [['bailingmoe', 'bailingmoe2', 'llada-moe'], info('BAILINGMOE', BAILINGMOE, NO_CLEAN)],
  [['seed-coder'], info('SEED_CODER', SEED_CODER, NO_CLEAN)],
  [['hunyuan', 'solar-open'], info('QWEN2', [RE_QWEN2], NO_CLEAN)],
  [['hunyuan-dense', 'hy_v4', 'joyai-llm'], info('DEEPSEEK3_LLM', DEEPSEEK3, NO_CLEAN)],
  [['ufakzeka'], info('UFAKZEKA', UFAKZEKA, NO_CLEAN)],
  [['grok-2'], info('GROK_2', [RE_QWEN2], NO_CLEAN)],
];

const BY_NAME = new Map<string, PreTokenizerInfo>(TABLE.flatMap(([names, i]) => names.map((n) => [n, i] as const)));

/** The pre-tokenizer for `tokenizer.ggml.pre` (empty or missing → `default`), or undefined. */
export function preTokenizerInfo(name: string | undefined): PreTokenizerInfo | undefined {
  return BY_NAME.get(name === undefined || name === '' ? 'default' : name);
}

/** Every supported `tokenizer.ggml.pre` name (for error messages). */
export function supportedPreTokenizers(): string[] {
  return [...BY_NAME.keys()];
}

/** A pre-tokenizer from explicit patterns (tokenizer.json), with BPE defaults for the flags. */
export function customPreTokenizer(regexes: readonly string[], cleanSpaces: boolean): PreTokenizerInfo {
  return info('CUSTOM', regexes, { clean: cleanSpaces });
}
