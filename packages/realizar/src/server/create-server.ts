/**
 * The HTTP application: OpenAI, Ollama and llama-server endpoints over a {@link ServeEngine}, as a
 * hono app (use `app.fetch` with any runtime, or {@link startServer} for Node). The engine may be
 * a promise: the app answers /health 503 `{"status":"loading"}` (and other endpoints 503) until it
 * resolves, so a server can listen while the model loads.
 */
import { registerWebRoutes } from './web/route.js';
import { timingSafeEqual } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { ApiError, toApiError } from './api-error.js';
import type { ServeEngine } from './engine-api.js';
import { ServerMetrics } from './metrics.js';
import { ollamaError, ollamaRoutes } from './ollama-routes.js';
import { openAiRoutes } from './openai-routes.js';
import { PromptBuilder } from './prompt-builder.js';
import { DEFAULT_MAX_BODY_BYTES, readJson } from './request-body.js';
import { detokenizeBody, tokenizeBody } from './schemas.js';
import { ServerContext, type ServerOptions } from './server-context.js';

/** Version reported by /api/version when none is given. */
export const SERVER_VERSION = '0.1.0';

/** Endpoints counted by name in /metrics (others count as `other`, bounding label cardinality). */
const ENDPOINTS = new Set([
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/models',
  '/v1/embeddings',
  '/api/generate',
  '/api/chat',
  '/api/tags',
  '/api/show',
  '/api/version',
  '/health',
  '/metrics',
  '/tokenize',
  '/detokenize',
  '/',
]);

/** Paths open without the API key. */
const OPEN_PATHS = new Set(['/health', '/']);

/** The app and what it serves. */
export interface AprServer {
  readonly app: Hono;
  readonly context: ServerContext;
  /** Resolves with the engine once loaded (rejects when loading failed). */
  readonly engine: Promise<ServeEngine>;
}

function keyMatches(header: string | undefined, key: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1].trim());
  const b = Buffer.from(key);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Builds the app over `engine` (or a promise of it). */
export function createServer(engine: ServeEngine | Promise<ServeEngine>, opts: ServerOptions = {}): AprServer {
  const metrics = new ServerMetrics();
  const ctx = new ServerContext(metrics, opts, opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  const loaded = Promise.resolve(engine).then(async (e) => {
    const prompts = await PromptBuilder.create(e);
    ctx.ready = { engine: e, prompts, modelId: opts.modelId ?? e.model.id };
    return e;
  });
  loaded.catch((e: unknown) => {
    ctx.loadError = e instanceof Error ? e : new Error(String(e));
  });

  const app = new Hono();
  const isOllama = (c: Context): boolean => c.req.path.startsWith('/api/');

  app.use('*', async (c, next) => {
    try {
      if (opts.apiKey !== undefined && !OPEN_PATHS.has(c.req.path) && !keyMatches(c.req.header('authorization'), opts.apiKey)) {
        throw new ApiError(401, 'invalid or missing API key: send the header `Authorization: Bearer <key>` with the key the server was started with (--api-key)', 'authentication_error', null, 'invalid_api_key');
      }
      await next();
    } finally {
      const p = c.req.path;
      metrics.countRequest(ENDPOINTS.has(p) ? p : 'other', c.res.status);
    }
  });

  app.onError((err, c) => {
    if (isOllama(c)) return ollamaError(c, err);
    const a = toApiError(err);
    return c.json(a.body(), a.status, a.headers);
  });
  app.notFound((c) => {
    const a = new ApiError(404, `no endpoint ${c.req.method} ${c.req.path}`, 'not_found_error', null, 'unknown_endpoint');
    return isOllama(c) ? c.json({ error: a.message }, 404) : c.json(a.body(), 404);
  });

  registerWebRoutes(app); // the chat and live-metrics page at `/`

  app.get('/health', (c) => {
    if (ctx.ready) return c.json({ status: 'ok' });
    if (ctx.loadError) return c.json({ status: 'error', error: ctx.loadError.message }, 500);
    return c.json({ status: 'loading' }, 503);
  });

  app.get('/metrics', (c) => {
    const text = metrics.render(ctx.ready ? ctx.ready.engine.stats() : null);
    return c.text(text, 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
  });

  app.post('/tokenize', async (c) => {
    const b = await readJson(c, tokenizeBody, ctx.maxBodyBytes);
    const { engine } = ctx.need();
    const tokens = await engine.tokenize(b.content, { addSpecial: b.add_special ?? false, parseSpecial: b.parse_special ?? true });
    if (!b.with_pieces) return c.json({ tokens });
    const pieces = await Promise.all(tokens.map(async (id) => ({ id, piece: await engine.detokenize([id]) })));
    return c.json({ tokens: pieces });
  });

  app.post('/detokenize', async (c) => {
    const b = await readJson(c, detokenizeBody, ctx.maxBodyBytes);
    const { engine } = ctx.need();
    const bad = b.tokens.findIndex((t) => t >= engine.model.vocabSize);
    if (bad >= 0) throw new ApiError(400, `tokens.${bad} = ${b.tokens[bad]} is not a token id (vocabulary of ${engine.model.vocabSize})`, 'invalid_request_error', `tokens.${bad}`, 'invalid_value');
    return c.json({ content: await engine.detokenize(b.tokens) });
  });

  openAiRoutes(app, ctx);
  ollamaRoutes(app, ctx, opts.version ?? SERVER_VERSION);
  return { app, context: ctx, engine: loaded };
}
