import { type Command, InvalidArgumentError, Option } from 'commander';
import type { SamplingParams } from '@sovereign/realizar';

/** Sampling and generation flags shared by `apr run` and `apr chat` (llama.cpp's names and defaults). */
export interface GenerationFlags {
  maxTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  repeatPenalty: number;
  repeatLastN: number;
  presencePenalty: number;
  frequencyPenalty: number;
  seed?: number;
  ctx?: number;
  stop?: string[];
  system?: string;
  chatTemplate?: string;
  backend?: string;
  /** --gpu (true) / --no-gpu (false); undefined when neither is given. */
  gpu?: boolean;
  threads?: number;
}

function number(kind: 'int' | 'float', min?: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || (kind === 'int' && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`expected ${kind === 'int' ? 'an integer' : 'a number'}, got '${value}'`);
    }
    if (min !== undefined && n < min) throw new InvalidArgumentError(`must be ≥ ${min}, got ${n}`);
    return n;
  };
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Adds the generation flags to `cmd`; `maxTokensDefault` differs between one-shot run and chat. */
export function addGenerationFlags(cmd: Command, maxTokensDefault: number): Command {
  return cmd
    .addOption(new Option('-n, --max-tokens <n>', 'most tokens to generate (-1: until the context is full)').argParser(number('int', -1)).default(maxTokensDefault))
    .addOption(new Option('--temperature <t>', 'sampling temperature; 0 = greedy').argParser(number('float', 0)).default(0.8))
    .addOption(new Option('--top-k <k>', 'keep the k most likely tokens (0 = off)').argParser(number('int', 0)).default(40))
    .addOption(new Option('--top-p <p>', 'nucleus sampling threshold (1 = off)').argParser(number('float', 0)).default(0.95))
    .addOption(new Option('--min-p <p>', 'drop tokens below p × the top probability (0 = off)').argParser(number('float', 0)).default(0.05))
    .addOption(new Option('--repeat-penalty <x>', 'penalise repeated tokens (1 = off)').argParser(number('float', 0)).default(1))
    .addOption(new Option('--repeat-last-n <n>', 'tokens the penalties look back over (-1 = all)').argParser(number('int', -1)).default(64))
    .addOption(new Option('--presence-penalty <x>', 'OpenAI-style presence penalty').argParser(number('float')).default(0))
    .addOption(new Option('--frequency-penalty <x>', 'OpenAI-style frequency penalty').argParser(number('float')).default(0))
    .addOption(new Option('--seed <s>', 'random seed (default: random; printed with --verbose)').argParser(number('int', 0)))
    .addOption(new Option('-c, --ctx <n>', 'context length (KV cache size); default min(model, 4096)').argParser(number('int', 1)))
    .addOption(new Option('--stop <text>', 'stop when this text appears (repeatable)').argParser(collect))
    .option('--system <text>', 'system message (chat)')
    .option('--backend <name>', 'compute backend: auto (native SIMD when built, else ref), cuda (= --gpu), native, ref', 'auto')
    .option('--gpu', 'run on the GPU (the cuda backend); fails with the reason when CUDA cannot run here')
    .option('--no-gpu', 'never use the GPU (auto picks native or ref)')
    .addOption(new Option('-t, --threads <n>', 'threads of the native backend (default: all cores)').argParser(number('int', 1)))
    .option('--chat-template <name>', "chat template: 'chatml', 'llama2', 'qwen2.5' or a Jinja source; default from the model");
}

/** The sampler parameters of the parsed flags. */
export function samplingParams(f: GenerationFlags): Partial<SamplingParams> {
  return {
    temperature: f.temperature,
    topK: f.topK,
    topP: f.topP,
    minP: f.minP,
    repeatPenalty: f.repeatPenalty,
    penaltyLastN: f.repeatLastN,
    presencePenalty: f.presencePenalty,
    frequencyPenalty: f.frequencyPenalty,
    ...(f.seed !== undefined ? { seed: f.seed } : {}),
  };
}
