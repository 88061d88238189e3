/**
 * Request bodies of the OpenAI, Ollama and llama-server endpoints as zod schemas. Objects strip
 * unknown fields (clients send many we do not use); types and ranges are checked so that a wrong
 * value is a 400 naming the field, never a silent default.
 */
import { z } from 'zod';

const stop = z.union([z.string(), z.array(z.string()).max(16)]).nullish();
const nonNeg = z.number().int().min(0);
const only1 = z.number().int().refine((v) => v === 1, { message: 'only n = 1 is supported (one choice per request); send several requests instead' });

/** Fields shared by /v1/chat/completions and /v1/completions. */
const openAiSampling = {
  model: z.string().optional(),
  max_tokens: nonNeg.nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  top_k: z.number().int().nullish(), // llama-server extension
  min_p: z.number().min(0).max(1).nullish(), // llama-server extension
  seed: z.number().int().min(0).nullish(),
  stop,
  n: only1.nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  repeat_penalty: z.number().gt(0).nullish(), // llama-server extension
  ignore_eos: z.boolean().nullish(), // llama-server extension (benchmarks: generate max_tokens)
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  user: z.string().optional(),
};

const responseFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({ name: z.string().optional(), schema: z.record(z.string(), z.unknown()).optional(), strict: z.boolean().nullish() }),
  }),
]);

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const toolCall = z.object({
  id: z.string().optional(),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

/** One message of a chat request. `content` may be text parts (only text is supported). */
export const chatMessage = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(textPart)]).nullish(),
  name: z.string().optional(),
  tool_calls: z.array(toolCall).optional(),
  tool_call_id: z.string().optional(),
});

const tool = z.object({
  type: z.literal('function'),
  function: z.object({ name: z.string().min(1), description: z.string().optional(), parameters: z.record(z.string(), z.unknown()).optional(), strict: z.boolean().nullish() }),
});

/** POST /v1/chat/completions. */
export const chatCompletionBody = z.object({
  ...openAiSampling,
  messages: z.array(chatMessage).min(1),
  max_completion_tokens: nonNeg.nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  response_format: responseFormat.nullish(),
  tools: z.array(tool).nullish(),
  tool_choice: z
    .union([z.enum(['none', 'auto', 'required']), z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) })])
    .nullish(),
  parallel_tool_calls: z.boolean().nullish(),
});
export type ChatCompletionBody = z.output<typeof chatCompletionBody>;

/** POST /v1/completions. `prompt`: text, one-element text array, or token ids. */
export const completionBody = z.object({
  ...openAiSampling,
  prompt: z.union([z.string(), z.array(z.string()).length(1, { message: 'only one prompt per request is supported' }), z.array(nonNeg).min(1)]),
  logprobs: z.number().int().min(0).max(5).nullish(),
  echo: z.boolean().nullish(),
  suffix: z.string().nullish(),
  response_format: responseFormat.nullish(),
});
export type CompletionBody = z.output<typeof completionBody>;

/** POST /v1/embeddings. */
export const embeddingBody = z.object({
  model: z.string().optional(),
  input: z.union([z.string(), z.array(z.string()).min(1), z.array(nonNeg).min(1), z.array(z.array(nonNeg).min(1)).min(1)]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().positive().optional(),
});
export type EmbeddingBody = z.output<typeof embeddingBody>;

/** Ollama `options` (the ones that map to the engine; others are ignored as Ollama ignores unknown ones). */
const ollamaOptions = z
  .object({
    temperature: z.number().min(0).optional(),
    top_k: z.number().int().optional(),
    top_p: z.number().min(0).max(1).optional(),
    min_p: z.number().min(0).max(1).optional(),
    seed: z.number().int().optional(),
    num_predict: z.number().int().min(-2).optional(),
    num_ctx: z.number().int().positive().optional(),
    stop: z.array(z.string()).optional(),
    repeat_penalty: z.number().gt(0).optional(),
    repeat_last_n: z.number().int().min(-1).optional(),
    presence_penalty: z.number().optional(),
    frequency_penalty: z.number().optional(),
  })
  .nullish();

const ollamaFormat = z.union([z.literal('json'), z.literal(''), z.record(z.string(), z.unknown())]).nullish();

/** POST /api/generate. */
export const ollamaGenerateBody = z.object({
  model: z.string().optional(),
  prompt: z.string().optional(),
  suffix: z.string().optional(),
  system: z.string().optional(),
  template: z.string().optional(),
  raw: z.boolean().optional(),
  stream: z.boolean().optional(),
  format: ollamaFormat,
  options: ollamaOptions,
  keep_alive: z.union([z.string(), z.number()]).optional(),
});
export type OllamaGenerateBody = z.output<typeof ollamaGenerateBody>;

const ollamaMessage = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string(),
  images: z.array(z.string()).optional(),
  tool_calls: z.array(z.object({ function: z.object({ name: z.string(), arguments: z.record(z.string(), z.unknown()) }) })).optional(),
});

/** POST /api/chat. */
export const ollamaChatBody = z.object({
  model: z.string().optional(),
  messages: z.array(ollamaMessage),
  stream: z.boolean().optional(),
  format: ollamaFormat,
  options: ollamaOptions,
  tools: z.array(tool).optional(),
  keep_alive: z.union([z.string(), z.number()]).optional(),
});
export type OllamaChatBody = z.output<typeof ollamaChatBody>;

/** POST /api/show. */
export const ollamaShowBody = z.object({ model: z.string().optional(), name: z.string().optional(), verbose: z.boolean().optional() });

/** POST /tokenize (llama-server). */
export const tokenizeBody = z.object({ content: z.string(), add_special: z.boolean().optional(), parse_special: z.boolean().optional(), with_pieces: z.boolean().optional() });

/** POST /detokenize (llama-server). */
export const detokenizeBody = z.object({ tokens: z.array(nonNeg) });
