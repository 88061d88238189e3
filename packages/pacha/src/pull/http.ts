/**
 * HTTP on node:http/https (not fetch, so that sockets are ours to destroy on a stall): one request
 * that follows redirects, keeping the hub's `X-Linked-Etag` / `X-Linked-Size` from the first hop
 * (Hugging Face puts the LFS sha256 and size on its 302 to the CDN). An `Authorization` header goes
 * to the original host only, never to a redirect target on another host (as curl and browsers do).
 */
import { type IncomingHttpHeaders, type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { HttpStatusError, PullAbortedError, RemoteFormatError, StallError, TruncatedError } from './errors.js';

/** Headers of the first redirect hop that carried them (HF's 302 to its CDN). */
export interface LinkedInfo {
  /** sha256 hex (quotes and `W/` stripped) when the hop published one. */
  readonly sha256?: string;
  readonly size?: number;
}

/** An open response: status 2xx or any status the caller asked to see via `okStatus`. */
export interface OpenResponse {
  readonly res: IncomingMessage;
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** URL after redirects. */
  readonly url: string;
  readonly linked: LinkedInfo;
}

/** Options of {@link openRequest}. */
export interface RequestOptions {
  readonly method?: 'GET' | 'HEAD';
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** Destroy the request when no response headers arrive for this long. */
  readonly stallMs?: number;
  readonly maxRedirects?: number;
  /** Non-2xx statuses returned instead of thrown (e.g. 404 for an optional `.sig`). */
  readonly okStatus?: readonly number[];
}

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `"abc…"`, `W/"abc…"` → `abc…` when it is 64 hex digits. */
export function parseLinkedEtag(v: string | undefined): string | undefined {
  const s = v?.replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
  return s && /^[0-9a-f]{64}$/.test(s) ? s : undefined;
}

/** `Retry-After` (delta seconds or an HTTP date) in ms, undefined when absent or unparsable. */
export function parseRetryAfter(v: string | undefined, now = Date.now()): number | undefined {
  if (v === undefined) return undefined;
  if (/^\s*\d+\s*$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

function once(method: string, url: URL, headers: Record<string, string>, o: RequestOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method, headers, signal: o.signal }, resolve);
    req.on('error', (err) => reject(o.signal?.aborted ? new PullAbortedError() : err));
    if (o.stallMs !== undefined) {
      const ms = o.stallMs;
      req.setTimeout(ms, () => req.destroy(new StallError(`${method} ${url.href}: no response for ${ms} ms`)));
    }
    req.end();
  });
}

/**
 * Sends one request, following up to `maxRedirects` (default 10) redirects. Throws
 * {@link HttpStatusError} for a final status outside 2xx and `okStatus` (its body is drained).
 */
export async function openRequest(url: string, o: RequestOptions = {}): Promise<OpenResponse> {
  const method = o.method ?? 'GET';
  const origin = new URL(url);
  let current = origin;
  let linked: LinkedInfo | undefined;
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = { 'user-agent': 'pacha/0.1 (apr)', ...o.headers };
    if (current.host !== origin.host) {
      for (const k of Object.keys(headers)) if (k.toLowerCase() === 'authorization') delete headers[k];
    }
    const res = await once(method, current, headers, o);
    // Node keeps the stall timer on the socket; clear it here, the body reader runs its own.
    res.socket?.setTimeout(0);
    const status = res.statusCode ?? 0;
    const etag = parseLinkedEtag(header(res.headers, 'x-linked-etag'));
    const size = header(res.headers, 'x-linked-size');
    if (!linked && (etag || size)) linked = { sha256: etag, size: size !== undefined && /^\d+$/.test(size) ? Number(size) : undefined };
    const location = header(res.headers, 'location');
    if (status >= 300 && status < 400 && location) {
      res.resume();
      if (hop >= (o.maxRedirects ?? 10)) throw new HttpStatusError(url, status);
      current = new URL(location, current);
      continue;
    }
    if ((status < 200 || status >= 300) && !o.okStatus?.includes(status)) {
      res.resume();
      throw new HttpStatusError(current.href, status, parseRetryAfter(header(res.headers, 'retry-after')));
    }
    return { res, status, headers: res.headers, url: current.href, linked: linked ?? {} };
  }
}

/** Reads a whole (small) response body, with stall detection. */
export async function readBody(res: IncomingMessage, stallMs: number, limit = 64 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of withStall(res, stallMs)) {
    n += chunk.length;
    if (n > limit) {
      res.destroy();
      throw new RemoteFormatError(`a response of over ${limit} bytes came where a small JSON listing or signature was expected; check HF_ENDPOINT / PACHA_OLLAMA_REGISTRY`);
    }
    chunks.push(chunk);
  }
  if (!res.complete) throw new TruncatedError('response body ended before its Content-Length');
  return Buffer.concat(chunks);
}

/** Iterates the body's chunks; destroys the response with {@link StallError} after `stallMs` of silence. */
export async function* withStall(res: IncomingMessage, stallMs: number): AsyncGenerator<Buffer> {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => res.destroy(new StallError(`no bytes for ${stallMs} ms`)), stallMs);
  };
  arm();
  try {
    for await (const chunk of res) {
      arm();
      yield chunk as Buffer;
    }
  } finally {
    clearTimeout(timer);
  }
}
