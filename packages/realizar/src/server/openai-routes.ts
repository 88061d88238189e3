/**
 * OpenAI-compatible endpoints: /v1/chat/completions, /v1/completions, /v1/models, /v1/embeddings.
 * Non-streaming answers are one JSON object; streaming answers are server-sent events
 * (`data: {chunk}` … `data: [DONE]`), with a final usage chunk when
 * `stream_options.include_usage` is set. Usage counts are the exact token counts of the prompt
 * sent to the engine and of the tokens it generated.
 */
import type { Hono } from 'hono';
import type { ChatMessage, ChatTool } from '../chat/chat-types.js';
import { ApiError, toApiError } from './api-error.js';
import type { ConstraintSpec, ServeEvent, ServeFinishReason, ServeRequest, ServeSampling, TokenLogprob } from './engine-api.js';
import { readJson } from './request-body.js';
import { type ChatCompletionBody, type CompletionBody, chatCompletionBody, completionBody, embeddingBody } from './schemas.js';
import { Generation, requestId, type ServerContext } from './server-context.js';
import { requestAbort, streamResponse } from './stream-body.js';
import { parseToolCalls, ToolCallStreamParser } from './tool-call-parser.js';

type Body = ChatCompletionBody | CompletionBody;

/** OpenAI sampling fields → engine sampling. */
export function openAiSampling(b: Body): ServeSampling {
  return {
    ...(b.temperature != null ? { temperature: b.temperature } : {}),
    ...(b.top_p != null ? { topP: b.top_p } : {}),
    ...(b.top_k != null ? { topK: b.top_k } : {}),
    ...(b.min_p != null ? { minP: b.min_p } : {}),
    ...(b.seed != null ? { seed: b.seed } : {}),
    ...(b.presence_penalty != null ? { presencePenalty: b.presence_penalty } : {}),
    ...(b.frequency_penalty != null ? { frequencyPenalty: b.frequency_penalty } : {}),
    ...(b.repeat_penalty != null ? { repeatPenalty: b.repeat_penalty } : {}),
  };
}

function stops(s: string | string[] | null | undefined): string[] | undefined {
  if (s == null) return undefined;
  return typeof s === 'string' ? [s] : s;
}

function constraintOf(rf: Body['response_format']): ConstraintSpec | undefined {
  if (!rf || rf.type === 'text') return undefined;
  if (rf.type === 'json_object') return { kind: 'json_object' };
  return { kind: 'json_schema', schema: rf.json_schema.schema ?? {} };
}

/** `finish_reason` of a finished request. */
function finishReason(r: ServeFinishReason): 'stop' | 'length' {
  return r === 'length' ? 'length' : 'stop';
}

/** OpenAI chat logprob entry of one token. */
function chatLogprob(lp: TokenLogprob): Record<string, unknown> {
  const bytes = (t: string): number[] => Array.from(Buffer.from(t, 'utf8'));
  return {
    token: lp.text,
    logprob: lp.logprob,
    bytes: bytes(lp.text),
    top_logprobs: (lp.top ?? []).map((t) => ({ token: t.text, logprob: t.logprob, bytes: bytes(t.text) })),
  };
}

/** The engine error of a 'done' event as an API error. */
function doneError(ev: Extract<ServeEvent, { type: 'done' }>): ApiError {
  return new ApiError(500, `generation failed: ${ev.error?.name ?? 'Error'}: ${ev.error?.message ?? 'unknown'}`, 'server_error', null, 'generation_failed');
}

/** Normalises OpenAI messages for the chat template. */
function templateMessages(msgs: ChatCompletionBody['messages']): ChatMessage[] {
  return msgs.map((m) => ({
    role: m.role === 'developer' ? 'system' : m.role,
    content: typeof m.content === 'string' ? m.content : (m.content ?? []).map((p) => p.text).join(''),
    ...(m.tool_calls ? { tool_calls: m.tool_calls.map((t) => ({ ...t, type: 'function' as const })) } : {}),
    ...(m.tool_call_id !== undefined ? { tool_call_id: m.tool_call_id } : {}),
    ...(m.name !== undefined ? { name: m.name } : {}),
  }));
}

/** Registers the OpenAI routes on `app`. */
export function openAiRoutes(app: Hono, ctx: ServerContext): void {
  app.get('/v1/models', (c) => {
    const { engine, modelId } = ctx.need();
    const created = Math.floor(Date.now() / 1000);
    return c.json({
      object: 'list',
      data: [{ id: modelId, object: 'model', created, owned_by: 'apr', meta: { n_ctx_train: engine.model.contextLength, n_ctx_slot: engine.model.slotContext, n_embd: engine.model.embeddingLength, n_vocab: engine.model.vocabSize, n_params: engine.model.parameters, size: engine.model.fileBytes } }],
    });
  });

  app.post('/v1/embeddings', async (c) => {
    const b = await readJson(c, embeddingBody, ctx.maxBodyBytes);
    const { engine, prompts, modelId } = ctx.need();
    ctx.checkModel(b.model);
    const inp = b.input;
    let inputs: number[][];
    if (typeof inp === 'string') inputs = [await prompts.tokenizeRaw(inp)];
    else if (inp.every((x) => typeof x === 'string')) inputs = await Promise.all((inp as string[]).map((s) => prompts.tokenizeRaw(s)));
    else if (inp.every((x) => typeof x === 'number')) inputs = [inp as number[]];
    else inputs = inp as number[][];
    if (inputs.some((ids) => ids.length === 0)) throw new ApiError(400, 'an input of `input` is empty', 'invalid_request_error', 'input', 'invalid_value');
    const r = await engine.embed(inputs).catch((e: unknown) => Promise.reject(toApiError(e)));
    return c.json({
      object: 'list',
      model: modelId,
      data: r.embeddings.map((v, index) => ({
        object: 'embedding',
        index,
        embedding: b.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v,
      })),
      usage: { prompt_tokens: r.promptTokens, total_tokens: r.promptTokens },
    });
  });

  app.post('/v1/completions', async (c) => {
    const b = await readJson(c, completionBody, ctx.maxBodyBytes);
    const { prompts, modelId } = ctx.need();
    ctx.checkModel(b.model);
    const prompt = typeof b.prompt === 'string' ? await prompts.tokenizeRaw(b.prompt) : typeof b.prompt[0] === 'string' ? await prompts.tokenizeRaw(b.prompt[0]) : (b.prompt as number[]);
    const maxTokens = ctx.maxTokens(prompt.length, b.max_tokens ?? 16, 'max_tokens');
    const id = requestId('cmpl');
    const constraint = constraintOf(b.response_format);
    const req: ServeRequest = {
      id,
      prompt,
      maxTokens,
      sampling: openAiSampling(b),
      ...(stops(b.stop) ? { stop: stops(b.stop) } : {}),
      ...(b.logprobs != null ? { logprobs: true, topLogprobs: b.logprobs } : {}),
      ...(constraint ? { constraint } : {}),
      ...(b.ignore_eos ? { ignoreEos: true } : {}),
    };
    const ac = requestAbort(c.req.raw);
    const gen = await Generation.start(ctx, req, ac.signal);
    const created = Math.floor(Date.now() / 1000);
    const lpOf = (lps: TokenLogprob[], offset0: number) => {
      let off = offset0;
      return {
        tokens: lps.map((l) => l.text),
        token_logprobs: lps.map((l) => l.logprob),
        top_logprobs: lps.map((l) => Object.fromEntries((l.top ?? []).map((t) => [t.text, t.logprob]))),
        text_offset: lps.map((l) => ((off += l.text.length), off - l.text.length)),
      };
    };
    if (b.stream) {
      const includeUsage = b.stream_options?.include_usage === true;
      return streamResponse('text/event-stream', ac, async (write) => {
        const send = (o: unknown): void => write(`data: ${JSON.stringify(o)}\n\n`);
        let offset = 0;
        try {
          for await (const ev of gen.events()) {
            if (ev.type === 'token') {
              const lp = ev.logprob ? lpOf([ev.logprob], offset) : null;
              offset += ev.text.length;
              if (ev.text === '' && !lp) continue;
              send({ id, object: 'text_completion', created, model: modelId, choices: [{ index: 0, text: ev.text, logprobs: lp, finish_reason: null }] });
            } else {
              if (ev.finishReason === 'error') {
                send(doneError(ev).body());
                break;
              }
              send({ id, object: 'text_completion', created, model: modelId, choices: [{ index: 0, text: '', logprobs: null, finish_reason: finishReason(ev.finishReason) }] });
              if (includeUsage) send({ id, object: 'text_completion', created, model: modelId, choices: [], usage: usage(ev) });
            }
          }
          write('data: [DONE]\n\n');
        } catch (e) {
          send(toApiError(e).body());
        }
      });
    }
    let text = '';
    const lps: TokenLogprob[] = [];
    for await (const ev of gen.events()) {
      if (ev.type === 'token') {
        text += ev.text;
        if (ev.logprob) lps.push(ev.logprob);
        continue;
      }
      if (ev.finishReason === 'error') throw doneError(ev);
      return c.json({
        id,
        object: 'text_completion',
        created,
        model: modelId,
        choices: [{ index: 0, text, logprobs: b.logprobs != null ? lpOf(lps, 0) : null, finish_reason: finishReason(ev.finishReason) }],
        usage: usage(ev),
      });
    }
    throw new ApiError(500, 'the engine ended the request without a done event', 'server_error');
  });

  app.post('/v1/chat/completions', async (c) => {
    const b = await readJson(c, chatCompletionBody, ctx.maxBodyBytes);
    const { prompts, modelId } = ctx.need();
    ctx.checkModel(b.model);
    const useTools = b.tools != null && b.tools.length > 0 && b.tool_choice !== 'none';
    const text = prompts.renderChat(templateMessages(b.messages), useTools ? (b.tools as unknown as ChatTool[]) : undefined);
    const prompt = await prompts.tokenizeChat(text);
    const requested = b.max_completion_tokens ?? b.max_tokens;
    const maxTokens = ctx.maxTokens(prompt.length, requested, b.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens');
    const id = requestId('chatcmpl');
    const constraint = constraintOf(b.response_format);
    const req: ServeRequest = {
      id,
      prompt,
      maxTokens,
      sampling: openAiSampling(b),
      ...(stops(b.stop) ? { stop: stops(b.stop) } : {}),
      ...(b.logprobs ? { logprobs: true, topLogprobs: b.top_logprobs ?? 0 } : {}),
      ...(constraint ? { constraint } : {}),
      ...(b.ignore_eos ? { ignoreEos: true } : {}),
    };
    const ac = requestAbort(c.req.raw);
    const gen = await Generation.start(ctx, req, ac.signal);
    const created = Math.floor(Date.now() / 1000);
    const base = { id, created, model: modelId, system_fingerprint: `apr-${ctx.opts.version ?? '0'}` };
    if (b.stream) {
      const includeUsage = b.stream_options?.include_usage === true;
      return streamResponse('text/event-stream', ac, async (write) => {
        const send = (o: unknown): void => write(`data: ${JSON.stringify(o)}\n\n`);
        const chunk = (delta: Record<string, unknown>, finish: string | null, logprobs: unknown = null): void =>
          send({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs, finish_reason: finish }], ...(includeUsage ? { usage: null } : {}) });
        const parser = useTools ? new ToolCallStreamParser() : null;
        let calls = 0;
        const emit = (piece: { content?: string; toolCallDeltas?: ReadonlyArray<{ index: number; name?: string; arguments?: string }> }, lp: unknown): void => {
          if (piece.content) chunk({ content: piece.content }, null, lp);
          for (const d of piece.toolCallDeltas ?? []) {
            calls = Math.max(calls, d.index + 1);
            chunk({ tool_calls: [{ index: d.index, ...(d.name !== undefined ? { id: `call_${id}_${d.index}`, type: 'function', function: { name: d.name, arguments: d.arguments ?? '' } } : { function: { arguments: d.arguments ?? '' } }) }] }, null);
          }
        };
        try {
          chunk({ role: 'assistant', content: '' }, null);
          for await (const ev of gen.events()) {
            if (ev.type === 'token') {
              const lp = ev.logprob ? { content: [chatLogprob(ev.logprob)] } : null;
              if (parser) emit(parser.push(ev.text), lp);
              else if (ev.text !== '' || lp) chunk({ content: ev.text }, null, lp);
              continue;
            }
            if (ev.finishReason === 'error') {
              send(doneError(ev).body());
              break;
            }
            if (parser) emit(parser.end(), null);
            chunk({}, calls > 0 ? 'tool_calls' : finishReason(ev.finishReason));
            if (includeUsage) send({ ...base, object: 'chat.completion.chunk', choices: [], usage: usage(ev) });
          }
          write('data: [DONE]\n\n');
        } catch (e) {
          send(toApiError(e).body());
        }
      });
    }
    let out = '';
    const lps: TokenLogprob[] = [];
    for await (const ev of gen.events()) {
      if (ev.type === 'token') {
        out += ev.text;
        if (ev.logprob) lps.push(ev.logprob);
        continue;
      }
      if (ev.finishReason === 'error') throw doneError(ev);
      const parsed = useTools ? parseToolCalls(out) : { content: out, toolCalls: [] };
      const toolCalls = parsed.toolCalls.map((t, i) => ({ id: `call_${id}_${i}`, type: 'function', function: { name: t.name, arguments: t.arguments } }));
      return c.json({
        ...base,
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: parsed.content, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
            logprobs: b.logprobs ? { content: lps.map(chatLogprob) } : null,
            finish_reason: toolCalls.length ? 'tool_calls' : finishReason(ev.finishReason),
          },
        ],
        usage: usage(ev),
      });
    }
    throw new ApiError(500, 'the engine ended the request without a done event', 'server_error');
  });
}

function usage(ev: Extract<ServeEvent, { type: 'done' }>): Record<string, unknown> {
  return {
    prompt_tokens: ev.promptTokens,
    completion_tokens: ev.completionTokens,
    total_tokens: ev.promptTokens + ev.completionTokens,
    prompt_tokens_details: { cached_tokens: ev.timings.promptCached },
  };
}
