/** `GET /`: the built-in web page (see page.ts). */
import type { Env, Hono, Schema } from 'hono';
import { WEB_PAGE_CSP, WEB_PAGE_HTML } from './page.js';

/**
 * Serves the web page at `GET /` on `app`. The page calls `/v1/models`, `/v1/chat/completions` and
 * `/metrics` on the same origin, sending `Authorization: Bearer <key>` when the user enters an API
 * key; `GET /` itself must stay reachable without a key so a browser can load the page.
 */
export function registerWebRoutes<E extends Env, S extends Schema, B extends string>(app: Hono<E, S, B>): void {
  app.get('/', (c) => {
    c.header('Content-Security-Policy', WEB_PAGE_CSP);
    c.header('Cache-Control', 'no-cache');
    c.header('X-Content-Type-Options', 'nosniff');
    return c.html(WEB_PAGE_HTML);
  });
}
