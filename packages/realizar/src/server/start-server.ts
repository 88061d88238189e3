/**
 * Listening on a host/port with @hono/node-server. Listening starts before the engine is ready
 * (pass a promise), so /health reports loading; `close()` stops accepting, ends open streams and
 * closes the engine.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { createServer, type AprServer } from './create-server.js';
import type { ServeEngine } from './engine-api.js';
import type { ServerOptions } from './server-context.js';

/** Options of {@link startServer}. */
export interface StartServerOptions extends ServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 8080; 0 picks a free port. */
  readonly port?: number;
}

/** A listening server. */
export interface RunningServer extends AprServer {
  /** `http://host:port` as reachable by clients. */
  readonly url: string;
  readonly port: number;
  /** Stops listening, drops open connections, then closes the engine (if it loaded). */
  close(): Promise<void>;
}

/** Starts listening; resolves once the socket is bound (the engine may still be loading). */
export async function startServer(engine: ServeEngine | Promise<ServeEngine>, opts: StartServerOptions = {}): Promise<RunningServer> {
  const s = createServer(engine, opts);
  const host = opts.host ?? '127.0.0.1';
  const server = await new Promise<ServerType>((resolve, reject) => {
    const srv = serve({ fetch: s.app.fetch, hostname: host, port: opts.port ?? 8080 }, () => resolve(srv));
    srv.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  let closing: Promise<void> | undefined;
  return {
    ...s,
    url: `http://${shown}:${port}`,
    port,
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        });
        const e = await s.engine.catch(() => null);
        await e?.close();
      })()),
  };
}
