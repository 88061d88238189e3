/**
 * Ollama-compatible endpoints: /api/generate, /api/chat (NDJSON streaming unless `stream: false`),
 * /api/tags, /api/show, /api/version. Errors use Ollama's shape `{"error": "message"}` (what the
 * ollama clients read), with the same status codes as the OpenAI routes.
 */
import type { Context, Hono } from 'hono';
import type { ChatMessage, ChatTool } from '../chat/chat-types.js';
import { ApiError, toApiError } from './api-error.js';
import type { ConstraintSpec, ServeEvent, ServeRequest, ServeSampling } from './engine-api.js';
import { readJson } from './request-body.js';
import { type OllamaChatBody, ollamaChatBody, ollamaGenerateBody, ollamaShowBody } from './schemas.js';
import { Generation, requestId, type ServerContext } from './server-context.js';
import { requestAbort, streamResponse } from './stream-body.js';
import { parseToolCalls } from './tool-call-parser.js';

type Options = OllamaChatBody['options'];
type Done = Extract<ServeEvent, { type: 'done' }>;

function sampling(o: Options): ServeSampling {
  if (!o) return {};
  return {
    ...(o.temperature !== undefined ? { temperature: o.temperature } : {}),
    ...(o.top_k !== undefined ? { topK: o.top_k } : {}),
    ...(o.top_p !== undefined ? { topP: o.top_p } : {}),
    ...(o.min_p !== undefined ? { minP: o.min_p } : {}),
    ...(o.seed !== undefined && o.seed >= 0 ? { seed: o.seed } : {}),
    ...(o.repeat_penalty !== undefined ? { repeatPenalty: o.repeat_penalty } : {}),
    ...(o.presence_penalty !== undefined ? { presencePenalty: o.presence_penalty } : {}),
    ...(o.frequency_penalty !== undefined ? { frequencyPenalty: o.frequency_penalty } : {}),
  };
}

function constraint(format: OllamaChatBody['format']): ConstraintSpec | undefined {
  if (format === 'json') return { kind: 'json_object' };
  if (format && typeof format === 'object') return { kind: 'json_schema', schema: format };
  return undefined;
}

/** Ollama's final-object statistics (durations in ns). */
function stats(ev: Done, t0: number): Record<string, unknown> {
  const ns = (ms: number): number => Math.round(ms * 1e6);
  return {
    done_reason: ev.finishReason === 'length' ? 'length' : 'stop',
    total_duration: ns(performance.now() - t0),
    load_duration: 0, // the model stays loaded: no load happens per request
    prompt_eval_count: ev.promptTokens,
    prompt_eval_duration: ns(ev.timings.promptMs),
    eval_count: ev.completionTokens,
    eval_duration: ns(ev.timings.decodeMs),
  };
}

/** Ollama error response. */
export function ollamaError(c: Context, e: unknown): Response {
  const a = toApiError(e);
  return c.json({ error: a.message }, a.status, a.headers);
}

/** Registers the Ollama routes on `app`. */
export function ollamaRoutes(app: Hono, ctx: ServerContext, version: string): void {
  const modelName = (): string => `${ctx.need().modelId}:latest`;
  const details = () => {
    const m = ctx.need().engine.model;
    const p = m.parameters;
    const size = p >= 1e9 ? `${(p / 1e9).toFixed(1)}B` : `${Math.round(p / 1e6)}M`;
    return { parent_model: '', format: 'gguf', family: m.architecture, families: [m.architecture], parameter_size: size, quantization_level: m.quantization };
  };

  app.get('/api/version', (c) => c.json({ version }));

  app.get('/api/tags', (c) => {
    const m = ctx.need().engine.model;
    return c.json({ models: [{ name: modelName(), model: modelName(), modified_at: new Date().toISOString(), size: m.fileBytes, digest: '', details: details() }] });
  });

  app.post('/api/show', async (c) => {
    const b = await readJson(c, ollamaShowBody, ctx.maxBodyBytes);
    ctx.checkModel(b.model ?? b.name);
    const { engine, prompts } = ctx.need();
    const m = engine.model;
    return c.json({
      license: '',
      modelfile: `FROM ${m.path}\n`,
      parameters: `num_ctx ${m.slotContext}`,
      template: prompts.templateSource ?? '',
      details: details(),
      model_info: {
        'general.architecture': m.architecture,
        'general.parameter_count': m.parameters,
        [`${m.architecture}.context_length`]: m.contextLength,
        [`${m.architecture}.embedding_length`]: m.embeddingLength,
        'tokenizer.ggml.vocab_size': m.vocabSize,
      },
      capabilities: prompts.templateSource ? ['completion', 'tools'] : ['completion'],
      modified_at: new Date().toISOString(),
    });
  });

  /** Runs one request and answers in Ollama's NDJSON or single-object form. */
  /**
   * `piece` shapes a streamed token's text; `whole` shapes the full reply (the single object, or
   * the last NDJSON line when `streamTokens` is false, e.g. tool calls parsed from the whole reply).
   */
  const run = async (
    c: Context,
    req: ServeRequest,
    stream: boolean,
    t0: number,
    piece: (text: string) => Record<string, unknown>,
    whole: (all: string) => Record<string, unknown>,
    streamTokens = true,
  ): Promise<Response> => {
    const ac = requestAbort(c.req.raw);
    const gen = await Generation.start(ctx, req, ac.signal);
    const model = modelName();
    const at = (): string => new Date().toISOString();
    if (stream) {
      return streamResponse('application/x-ndjson', ac, async (write) => {
        const line = (o: unknown): void => write(`${JSON.stringify(o)}\n`);
        let all = '';
        try {
          for await (const ev of gen.events()) {
            if (ev.type === 'token') {
              all += ev.text;
              if (ev.text !== '' && streamTokens) line({ model, created_at: at(), ...piece(ev.text), done: false });
            } else if (ev.finishReason === 'error') {
              line({ error: `generation failed: ${ev.error?.message ?? 'unknown'}` });
            } else {
              line({ model, created_at: at(), ...(streamTokens ? piece('') : whole(all)), done: true, ...stats(ev, t0) });
            }
          }
        } catch (e) {
          line({ error: toApiError(e).message });
        }
      });
    }
    let all = '';
    for await (const ev of gen.events()) {
      if (ev.type === 'token') {
        all += ev.text;
        continue;
      }
      if (ev.finishReason === 'error') throw new ApiError(500, `generation failed: ${ev.error?.message ?? 'unknown'}`, 'server_error');
      return c.json({ model, created_at: at(), ...whole(all), done: true, ...stats(ev, t0) });
    }
    throw new ApiError(500, 'the engine ended the request without a done event', 'server_error');
  };

  app.post('/api/generate', async (c) => {
    const t0 = performance.now();
    const b = await readJson(c, ollamaGenerateBody, ctx.maxBodyBytes);
    ctx.checkModel(b.model);
    const { prompts } = ctx.need();
    if (!b.prompt) {
      // Ollama: an empty prompt loads the model and answers done at once.
      return c.json({ model: modelName(), created_at: new Date().toISOString(), response: '', done: true, done_reason: 'load' });
    }
    let prompt: number[];
    if (b.raw || !prompts.templateSource) prompt = await prompts.tokenizeRaw(b.prompt);
    else {
      const msgs: ChatMessage[] = [...(b.system ? [{ role: 'system' as const, content: b.system }] : []), { role: 'user', content: b.prompt }];
      prompt = await prompts.tokenizeChat(prompts.renderChat(msgs));
    }
    const c0 = constraint(b.format);
    const req: ServeRequest = {
      id: requestId('gen'),
      prompt,
      maxTokens: ctx.maxTokens(prompt.length, b.options?.num_predict, 'options.num_predict'),
      sampling: sampling(b.options),
      ...(b.options?.stop ? { stop: b.options.stop } : {}),
      ...(c0 ? { constraint: c0 } : {}),
    };
    return run(c, req, b.stream !== false, t0, (text) => ({ response: text }), (all) => ({ response: all }));
  });

  app.post('/api/chat', async (c) => {
    const t0 = performance.now();
    const b = await readJson(c, ollamaChatBody, ctx.maxBodyBytes);
    ctx.checkModel(b.model);
    const { prompts } = ctx.need();
    const msgs: ChatMessage[] = b.messages.map((m) => ({
      role: m.role,
      content: m.content,
      ...(m.tool_calls ? { tool_calls: m.tool_calls.map((t) => ({ type: 'function' as const, function: { name: t.function.name, arguments: t.function.arguments } })) } : {}),
    }));
    const tools = b.tools && b.tools.length > 0 ? (b.tools as unknown as ChatTool[]) : undefined;
    const prompt = await prompts.tokenizeChat(prompts.renderChat(msgs, tools));
    const c0 = constraint(b.format);
    const req: ServeRequest = {
      id: requestId('chat'),
      prompt,
      maxTokens: ctx.maxTokens(prompt.length, b.options?.num_predict, 'options.num_predict'),
      sampling: sampling(b.options),
      ...(b.options?.stop ? { stop: b.options.stop } : {}),
      ...(c0 ? { constraint: c0 } : {}),
    };
    return run(
      c,
      req,
      b.stream !== false,
      t0,
      (text) => ({ message: { role: 'assistant', content: text } }),
      (all) => {
        if (!tools) return { message: { role: 'assistant', content: all } };
        const p = parseToolCalls(all);
        const calls = p.toolCalls.map((t) => ({ function: { name: t.name, arguments: safeJson(t.arguments) } }));
        return { message: { role: 'assistant', content: p.content ?? '', ...(calls.length ? { tool_calls: calls } : {}) } };
      },
      !tools, // with tools, the reply is parsed whole and sent as the last line
    );
  });
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return {};
  }
}
