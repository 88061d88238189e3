/**
 * A loopback server for tests that emulates the Hugging Face hub and the Ollama registry, with
 * scheduled faults. Routes:
 *
 *   HEAD/GET /<org>/<repo>/resolve/main/<path>   .gguf: 302 → /cdn/<sha> with X-Linked-Etag/-Size
 *                                                (as the hub's LFS redirect); other files: 200 inline
 *   GET      /api/models/<org>/<repo>/tree/main  JSON [{type, path, size, oid, lfs?: {oid, size}}]
 *   HEAD/GET /cdn/<sha>                          the bytes, Range → 206 + Content-Range
 *   HEAD/GET /files/<name>                       a plain file (no published digest), Range as /cdn
 *   GET      /v2/<ns>/<name>/manifests/<tag>     Ollama registry manifest
 *   GET      /v2/<ns>/<name>/blobs/<digest>      307 → /cdn/<sha>
 *
 * Faults apply to data GETs (/cdn and /files), numbered from 0 in arrival order. Bytes written per
 * blob are counted so tests can assert what a resume fetched again.
 */
import { createHash } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scheduled fault. */
export interface HubFault {
  /**
   * reset: destroy the socket at byte `at`; truncate: end the socket cleanly at `at` although
   * Content-Length promised more; stall: stop sending for `ms` at `at`; flip: invert the byte at
   * `at`; status: answer `status` (429/503 with `retryAfter` seconds); ignore-range: answer 200 with
   * the whole body.
   */
  readonly kind: 'reset' | 'truncate' | 'stall' | 'flip' | 'status' | 'ignore-range';
  /** Only the data GET with this index (0-based); default any. */
  readonly request?: number;
  /** Absolute file offset of reset/truncate/stall/flip; fires on a response whose range holds it (default: the range's first byte). */
  readonly at?: number;
  readonly ms?: number;
  readonly status?: number;
  readonly retryAfter?: number;
  /** How many times it fires (default 1; Infinity = always). */
  readonly times?: number;
  /** Only the blob with this sha256 hex. */
  readonly blob?: string;
}

/** An Ollama registry layer. */
export interface HubLayer {
  readonly mediaType: string;
  readonly data: Buffer;
}

/** Options of {@link startLoopbackHub}. */
export interface HubOptions {
  /** Hub files by `org/repo/path`. */
  readonly files?: Readonly<Record<string, Buffer>>;
  /** Plain files served at `/files/<name>` with no digest headers. */
  readonly plain?: Readonly<Record<string, Buffer>>;
  /** Registry models by `ns/name:tag`. */
  readonly ollama?: Readonly<Record<string, readonly HubLayer[]>>;
  readonly faults?: readonly HubFault[];
  /** Per-response throttle in bytes per second (default unthrottled). */
  readonly bytesPerSec?: number;
  /** Send X-Linked-Etag/X-Linked-Size on the resolve redirect (default true). */
  readonly linkedEtag?: boolean;
  /** Include `lfs` in tree listings (default true). */
  readonly lfs?: boolean;
  /** Host name in redirects to /cdn (e.g. 'localhost', to make the CDN another host than 127.0.0.1). */
  readonly cdnHost?: string;
  /** Answer 404 to tree listings (a mirror that serves `resolve/` but not the hub's API). */
  readonly noListing?: boolean;
  /**
   * Entries per tree-listing page (default: all in one). Later pages are reached as the hub does:
   * a `Link: <…?cursor=N>; rel="next"` header on each page that has a successor.
   */
  readonly listingPageSize?: number;
}

/** One request the hub saw. */
export interface HubRequest {
  readonly method: string;
  readonly path: string;
  readonly range?: string;
  readonly authorization?: string;
  readonly host?: string;
}

/** A running hub. */
export interface LoopbackHub {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Body bytes written per blob (sha256 hex). */
  readonly sent: Map<string, number>;
  readonly requests: HubRequest[];
  /** Data GETs answered so far (the next fault index). */
  dataRequests(): number;
  /** Replaces the fault schedule (the request counter keeps going). */
  setFaults(faults: readonly HubFault[]): void;
  /** sha256 hex of bytes. */
  sha(data: Buffer): string;
  close(): Promise<void>;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Deterministic bytes from a seed (xorshift32), for test files. */
export function seededBytes(n: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Writes `buf`; resolves false when the client went away (no hang on a destroyed socket). */
function write(res: ServerResponse, buf: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    if (res.destroyed || !res.writable) return resolve(false);
    const onClose = () => resolve(false);
    res.once('close', onClose);
    res.write(buf, (err) => {
      res.off('close', onClose);
      resolve(!err);
    });
  });
}

/** Starts the hub on 127.0.0.1 (a free port). */
export async function startLoopbackHub(o: HubOptions = {}): Promise<LoopbackHub> {
  const blobs = new Map<string, Buffer>();
  const add = (b: Buffer) => {
    const h = sha(b);
    blobs.set(h, b);
    return h;
  };
  for (const b of Object.values(o.files ?? {})) add(b);
  for (const layers of Object.values(o.ollama ?? {})) for (const l of layers) add(l.data);
  const sent = new Map<string, number>();
  const requests: HubRequest[] = [];
  let faults = (o.faults ?? []).map((f) => ({ ...f, left: f.times ?? 1 }));
  let dataIndex = 0;
  let base = '';
  let cdnBase = '';

  const json = (res: ServerResponse, status: number, body: unknown) => {
    const s = Buffer.from(JSON.stringify(body));
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': s.length }).end(s);
  };

  async function serveData(req: IncomingMessage, res: ServerResponse, data: Buffer, key: string): Promise<void> {
    const size = data.length;
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'content-length': size, 'accept-ranges': 'bytes' }).end();
      return;
    }
    const idx = dataIndex++;
    const mine = faults.filter((f) => f.left > 0 && (f.request === undefined || f.request === idx) && (f.blob === undefined || f.blob === key));
    const fire = (f: (typeof faults)[number]) => {
      f.left--;
    };
    const statusFault = mine.find((f) => f.kind === 'status');
    if (statusFault) {
      fire(statusFault);
      const headers: Record<string, string | number> = { 'content-length': 0 };
      if (statusFault.retryAfter !== undefined) headers['retry-after'] = statusFault.retryAfter;
      res.writeHead(statusFault.status ?? 503, headers).end();
      return;
    }
    let start = 0;
    let end = size - 1;
    let ranged = false;
    const m = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
    if (m) {
      start = Number(m[1]);
      end = m[2] === '' ? size - 1 : Math.min(size - 1, Number(m[2]));
      if (start >= size && size > 0) {
        res.writeHead(416, { 'content-range': `bytes */${size}`, 'content-length': 0 }).end();
        return;
      }
      ranged = true;
    }
    const ignore = mine.find((f) => f.kind === 'ignore-range');
    if (ignore && ranged) {
      fire(ignore);
      ranged = false;
      start = 0;
      end = size - 1;
    }
    const headers: Record<string, string | number> = { 'content-length': Math.max(0, end - start + 1), 'accept-ranges': 'bytes' };
    if (ranged) headers['content-range'] = `bytes ${start}-${end}/${size}`;
    res.writeHead(ranged ? 206 : 200, headers);
    // Offset faults inside this response, in byte order.
    const offs = mine
      .filter((f) => f.kind !== 'status' && f.kind !== 'ignore-range')
      .map((f) => ({ f, at: f.at === undefined ? start : f.at }))
      .filter((x) => x.at >= start && x.at <= end)
      .sort((a, b) => a.at - b.at);
    const chunk = o.bytesPerSec ? Math.max(1024, Math.min(64 << 10, Math.floor(o.bytesPerSec / 20))) : 64 << 10;
    let pos = start;
    while (pos <= end) {
      const next = offs.find((x) => x.at >= pos && x.f.left > 0);
      if (next && next.at === pos) {
        const f = next.f;
        if (f.kind === 'reset') {
          fire(f);
          res.socket?.destroy();
          return;
        }
        if (f.kind === 'truncate') {
          fire(f);
          res.socket?.end();
          return;
        }
        if (f.kind === 'stall') {
          fire(f);
          await sleep(f.ms ?? 1000);
          if (res.destroyed) return;
        }
      }
      const stop = Math.min(end + 1, pos + chunk, next && next.at > pos && next.f.kind !== 'flip' ? next.at : Infinity);
      let buf = data.subarray(pos, stop);
      const flips = offs.filter((x) => x.f.kind === 'flip' && x.f.left > 0 && x.at >= pos && x.at < stop);
      if (flips.length) {
        buf = Buffer.from(buf);
        for (const x of flips) {
          buf[x.at - pos] = buf[x.at - pos]! ^ 0xff;
          fire(x.f);
        }
      }
      if (!(await write(res, buf))) return;
      sent.set(key, (sent.get(key) ?? 0) + buf.length);
      pos = stop;
      if (o.bytesPerSec) await sleep((buf.length / o.bytesPerSec) * 1000);
    }
    res.end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const path = decodeURIComponent(url.pathname);
    requests.push({ method: req.method ?? 'GET', path, range: req.headers.range, authorization: req.headers.authorization, host: req.headers.host });
    let m: RegExpExecArray | null;
    if ((m = /^\/cdn\/([0-9a-f]{64})$/.exec(path))) {
      const data = blobs.get(m[1]!);
      if (!data) return json(res, 404, { error: 'no such blob' });
      return serveData(req, res, data, m[1]!);
    }
    if ((m = /^\/files\/(.+)$/.exec(path))) {
      const data = o.plain?.[m[1]!];
      if (!data) return json(res, 404, { error: 'not found' });
      return serveData(req, res, data, sha(data));
    }
    if ((m = /^\/([^/]+)\/([^/]+)\/resolve\/main\/(.+)$/.exec(path))) {
      const data = o.files?.[`${m[1]}/${m[2]}/${m[3]}`];
      if (!data) {
        res.writeHead(404, { 'x-error-code': 'EntryNotFound', 'content-length': 0 }).end();
        return;
      }
      if (!m[3]!.endsWith('.gguf')) {
        res.writeHead(200, { 'content-length': data.length });
        res.end(req.method === 'HEAD' ? undefined : data);
        return;
      }
      const h = sha(data);
      const headers: Record<string, string | number> = { location: `${cdnBase}/cdn/${h}`, 'content-length': 0 };
      if (o.linkedEtag !== false) Object.assign(headers, { 'x-linked-etag': `"${h}"`, 'x-linked-size': data.length });
      res.writeHead(302, headers).end();
      return;
    }
    if ((m = /^\/api\/models\/([^/]+)\/([^/]+)\/tree\/main$/.exec(path))) {
      if (o.noListing) return json(res, 404, { error: 'Not Found' });
      const prefix = `${m[1]}/${m[2]}/`;
      const list = Object.entries(o.files ?? {})
        .filter(([k]) => k.startsWith(prefix))
        .map(([k, d]) => {
          const p = k.slice(prefix.length);
          const lfs = p.endsWith('.gguf') && o.lfs !== false ? { lfs: { oid: sha(d), size: d.length, pointerSize: 134 } } : {};
          return { type: 'file', oid: sha(d).slice(0, 40), size: d.length, path: p, ...lfs };
        });
      const size = o.listingPageSize ?? list.length;
      const cursor = Number(url.searchParams.get('cursor') ?? 0);
      if (cursor + size < list.length) {
        const next = new URL(url.href);
        next.searchParams.set('cursor', String(cursor + size));
        res.setHeader('link', `<${next.pathname}${next.search}>; rel="next"`);
      }
      return json(res, 200, list.slice(cursor, cursor + size));
    }
    if ((m = /^\/v2\/([^/]+)\/([^/]+)\/manifests\/([^/]+)$/.exec(path))) {
      const layers = o.ollama?.[`${m[1]}/${m[2]}:${m[3]}`];
      if (!layers) return json(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] });
      const config = Buffer.from('{"model_format":"gguf"}');
      add(config);
      return json(res, 200, {
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: `sha256:${sha(config)}`, size: config.length },
        layers: layers.map((l) => ({ mediaType: l.mediaType, digest: `sha256:${sha(l.data)}`, size: l.data.length })),
      });
    }
    if ((m = /^\/v2\/([^/]+)\/([^/]+)\/blobs\/sha256:([0-9a-f]{64})$/.exec(path))) {
      if (!blobs.has(m[3]!)) return json(res, 404, { errors: [{ code: 'BLOB_UNKNOWN' }] });
      res.writeHead(307, { location: `${cdnBase}/cdn/${m[3]}`, 'content-length': 0 }).end();
      return;
    }
    json(res, 404, { error: `no route ${path}` });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) json(res, 500, { error: String(err) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  cdnBase = o.cdnHost ? `http://${o.cdnHost}:${port}` : base;
  return {
    url: base,
    sent,
    requests,
    dataRequests: () => dataIndex,
    setFaults: (f) => {
      faults = f.map((x) => ({ ...x, left: x.times ?? 1 }));
    },
    sha,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
