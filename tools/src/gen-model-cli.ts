/**
 * The gen-model command line (the entry point `gen-model.ts` only calls {@link main}).
 *
 * CLI: `gen-model --preset <id> --type <type> --out <file.gguf> [--seed N] [--vocab-from F.gguf]
 * [--recipe pure|llama] [--split-max-tensors N]`. Progress goes to stderr, the summary line to stdout.
 *
 * Run after `pnpm build` as `pnpm gen-model …` (node tools/dist/gen-model.js), or from source with
 * `npx tsx --conditions=source tools/src/gen-model.ts …`.
 */
import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { splitGGUF } from '@sovereign/realizar';
import { dtypeInfo } from '@sovereign/trueno';
import { UnknownModelTypeError, UnknownPresetError, GeneratorOptionError } from './errors.js';
import { type GenerateProgress, generateModel, summarizeTypes } from './generate-model.js';
import { presetIds } from './model-presets.js';
import { type RecipeKind, modelTypeNames } from './model-types.js';

const USAGE = `usage: gen-model --preset <id> --type <type> --out <file.gguf> [options]

Writes a GGUF model of a preset shape with seeded random weights and the real Qwen2.5 tokenizer.

  --preset <id>         ${presetIds().join(' | ')}
  --type <type>         ${modelTypeNames().join(' | ')}
                        plain tensor types are "pure" (every weight in that type; K types fall back
                        as llama.cpp does for rows not a multiple of 256); q*_k_s/m/l apply
                        llama.cpp's llama-quantize recipe
  --out <file>          output path (written atomically)
  --seed <n>            32-bit unsigned seed (default 42); same arguments give the same bytes
  --recipe <r>          pure | llama: override the type's default recipe
  --vocab-from <file>   copy all tokenizer.* keys from this GGUF (vocab size follows it)
  --threads <n>         worker threads (default: CPU count, at most 8; 1 = main thread only)
  --split-max-tensors <n>
                        write the model as llama.cpp gguf-split shards of at most n tensors each,
                        <out without .gguf>-00001-of-0000N.gguf …, instead of one file
  --quiet               no progress output
  -h, --help            this text`;

/** Thrown for bad command lines; printed with the usage text. */
class UsageError extends Error {
  override name = 'UsageError';
}

function formatMB(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

function progressPrinter(): (p: GenerateProgress) => void {
  const tty = process.stderr.isTTY === true;
  let lastDecile = -1;
  return (p) => {
    const line =
      `[${String(p.index).padStart(String(p.count).length)}/${p.count}] ${p.name} ${dtypeInfo(p.type).name} ` +
      `[${p.dims.join(', ')}]  ${formatMB(p.bytesDone)}/${formatMB(p.bytesTotal)} MB`;
    if (tty) {
      process.stderr.write(`\r\x1b[2K${line}${p.index === p.count ? '\n' : ''}`);
      return;
    }
    // Logs (CI, pipes): about ten lines per model.
    const decile = Math.floor((10 * p.bytesDone) / Math.max(1, p.bytesTotal));
    if (decile !== lastDecile || p.index === p.count) {
      lastDecile = decile;
      process.stderr.write(`${line}\n`);
    }
  };
}

function parseSeed(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  if (!/^\d+$/.test(s) || Number(s) > 0xffff_ffff) {
    throw new UsageError(`--seed must be an integer in 0..4294967295, got '${s}'`);
  }
  return Number(s);
}

function parseThreads(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  if (!/^\d+$/.test(s) || Number(s) < 1) throw new UsageError(`--threads must be a positive integer, got '${s}'`);
  return Number(s);
}

function parseSplitMax(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  if (!/^\d+$/.test(s) || Number(s) < 1) throw new UsageError(`--split-max-tensors must be a positive integer, got '${s}'`);
  return Number(s);
}

function parseRecipe(s: string | undefined): RecipeKind | undefined {
  if (s === undefined || s === 'pure' || s === 'llama') return s;
  throw new UsageError(`--recipe must be 'pure' or 'llama', got '${s}'`);
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      options: {
        preset: { type: 'string' },
        type: { type: 'string' },
        out: { type: 'string' },
        seed: { type: 'string' },
        recipe: { type: 'string' },
        'vocab-from': { type: 'string' },
        threads: { type: 'string' },
        'split-max-tensors': { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    process.stderr.write(`gen-model: ${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const missing = (['preset', 'type', 'out'] as const).filter((k) => !args[k]);
    if (missing.length > 0) throw new UsageError(`missing ${missing.map((k) => `--${k}`).join(', ')}`);
    const splitMax = parseSplitMax(args['split-max-tensors']);
    const result = await generateModel({
      preset: args.preset!,
      type: args.type!,
      out: args.out!,
      seed: parseSeed(args.seed),
      recipe: parseRecipe(args.recipe),
      vocabFrom: args['vocab-from'],
      threads: parseThreads(args.threads),
      onProgress: args.quiet ? undefined : progressPrinter(),
    });
    process.stdout.write(
      `wrote ${result.path}: ${result.preset.id} ${result.type.name} (recipe ${result.type.recipe}, ` +
        `general.file_type ${result.type.ftype}), ${result.tensors.length} tensors (${summarizeTypes(result.tensors)}), ` +
        `vocab ${result.vocabSize}, ${formatMB(result.bytes)} MB in ${result.seconds.toFixed(1)} s ` +
        `(${result.workers > 0 ? `${result.workers} worker threads` : 'main thread'}), seed ${result.seed}\n`,
    );
    if (splitMax !== undefined) {
      const shards = await splitGGUF(result.path, { maxTensorsPerShard: splitMax });
      await rm(result.path);
      process.stdout.write(`split into ${shards.length} shard(s): ${shards.join(', ')}\n`);
    }
    return 0;
  } catch (e) {
    const usage =
      e instanceof UsageError ||
      e instanceof UnknownPresetError ||
      e instanceof UnknownModelTypeError ||
      e instanceof GeneratorOptionError;
    process.stderr.write(`gen-model: ${(e as Error).message}\n${e instanceof UsageError ? `\n${USAGE}\n` : ''}`);
    return usage ? 2 : 1;
  }
}
