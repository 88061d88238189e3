/**
 * One streamed OpenAI request, timed chunk by chunk: the send time, the arrival time of every
 * chunk that carries generated text (chat `delta.content` or completions `text`), the end, and the
 * server's usage counts (`stream_options.include_usage`).
 */
import type { RequestSample } from './serve-stats.js';
import { SseParser } from './sse-parser.js';

/** Where and how to send. */
export interface StreamTarget {
  /** Server base URL, e.g. `http://127.0.0.1:8080`. */
  readonly baseUrl: string;
  readonly endpoint: 'chat' | 'completions';
  readonly apiKey?: string;
}

interface StreamChunk {
  choices?: Array<{ delta?: { content?: string | null }; text?: string; finish_reason?: string | null }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string } | string;
}

/** The URL path of an endpoint. */
export function endpointPath(endpoint: StreamTarget['endpoint']): string {
  return endpoint === 'chat' ? '/v1/chat/completions' : '/v1/completions';
}

/**
 * Sends `body` (stream forced on, usage requested) and measures it. Never throws: failures come
 * back as a sample with `error` set, so one bad request does not abort a benchmark level.
 */
export async function streamRequest(target: StreamTarget, body: Record<string, unknown>, signal?: AbortSignal): Promise<RequestSample> {
  const startMs = performance.now();
  const tokenTimesMs: number[] = [];
  let textChunks = 0;
  let usage: StreamChunk['usage'] = null;
  let error: string | undefined;
  try {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'text/event-stream' };
    if (target.apiKey) headers.Authorization = `Bearer ${target.apiKey}`;
    const res = await fetch(new URL(endpointPath(target.endpoint), target.baseUrl), {
      method: 'POST',
      headers,
      body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }),
      signal,
    });
    if (!res.ok || !res.body) {
      const text = await res.text().catch(() => '');
      throw new Error(`HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
    }
    const parser = new SseParser((ev) => {
      if (ev.data === '[DONE]') return;
      const chunk = JSON.parse(ev.data) as StreamChunk;
      if (chunk.error) throw new Error(typeof chunk.error === 'string' ? chunk.error : (chunk.error.message ?? 'error event in the stream'));
      if (chunk.usage) usage = chunk.usage;
      const c = chunk.choices?.[0];
      const text = c?.delta?.content ?? c?.text;
      if (typeof text === 'string' && text !== '') {
        tokenTimesMs.push(performance.now());
        textChunks++;
      }
    });
    const decoder = new TextDecoder();
    for await (const bytes of res.body as unknown as AsyncIterable<Uint8Array>) parser.push(decoder.decode(bytes, { stream: true }));
    parser.push(decoder.decode());
    parser.end();
  } catch (e) {
    error = (e as Error).message;
  }
  const u = usage as StreamChunk['usage'];
  return {
    startMs,
    firstTokenMs: tokenTimesMs[0] ?? null,
    tokenTimesMs,
    endMs: performance.now(),
    completionTokens: u?.completion_tokens ?? textChunks,
    promptTokens: u?.prompt_tokens ?? null,
    ...(error !== undefined ? { error } : {}),
  };
}
