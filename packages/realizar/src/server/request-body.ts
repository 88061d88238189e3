/**
 * Reading a JSON request body strictly: a byte limit (413), UTF-8 that must be valid (400, not
 * silently replaced by U+FFFD), JSON that must parse (400), and a zod schema whose first issue
 * names the offending field (400 with `param`). Unknown fields pass (OpenAI clients send many).
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import { ApiError } from './api-error.js';

/** Default request body limit: 8 MiB (long prompts and embedding batches fit). */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Reads, decodes and validates the body of `c` against `schema`. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S, maxBytes: number): Promise<z.output<S>> {
  const declared = Number(c.req.header('content-length') ?? NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const bytes = await readLimited(c.req.raw, maxBytes);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ApiError(400, 'the request body is not valid UTF-8: send JSON encoded as UTF-8', 'invalid_request_error', null, 'invalid_encoding');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ApiError(400, `the request body is not valid JSON (${(e as Error).message})`, 'invalid_request_error', null, 'invalid_json');
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    const param = issue.path.map(String).join('.') || null;
    throw new ApiError(400, `invalid request: ${param ?? 'body'}: ${issue.message}`, 'invalid_request_error', param, 'invalid_value');
  }
  return r.data;
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, `the request body exceeds ${maxBytes} bytes; send a shorter one or start the server with a larger body limit`, 'invalid_request_error', null, 'body_too_large');
}

/** The body's bytes, failing with 413 as soon as more than `maxBytes` arrived. */
async function readLimited(req: Request, maxBytes: number): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.byteLength;
    if (n > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    parts.push(value);
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}
