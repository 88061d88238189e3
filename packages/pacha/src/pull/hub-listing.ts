/**
 * A Hugging Face repository's file listing (`/api/models/<org>/<repo>/tree/main?recursive=true`).
 * The hub answers a page at a time (1000 entries) and names the next page in a
 * `Link: <url>; rel="next"` header, as GitHub's API does; a repo with many files (a split GGUF of
 * every quant, say) spans pages, and the quant asked for may be on any of them.
 */
import { RemoteFormatError } from './errors.js';
import { openRequest, readBody } from './http.js';
import { withRetries } from './retry.js';
import type { PullOptions } from './pull.js';

/** More pages than any real repository has: a server that links pages in a cycle stops here. */
export const MAX_LISTING_PAGES = 100;

/** The `rel="next"` URL of a `Link` header (RFC 8288), resolved against `base`; undefined when none. */
export function nextPageUrl(link: string | string[] | undefined, base: string): string | undefined {
  const value = Array.isArray(link) ? link.join(',') : link;
  if (!value) return undefined;
  for (const part of value.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    const rel = m && /;\s*rel\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(m[2]);
    if (m && rel && (rel[1] ?? rel[2]).toLowerCase().split(/\s+/).includes('next')) return new URL(m[1], base).href;
  }
  return undefined;
}

/**
 * Every entry of the listing at `url`, following `rel="next"` pages. `absent` statuses of the first
 * page (e.g. 404 from a mirror without the API) give undefined; any other failure throws. The
 * headers (the hub token) go to pages on the listing's own host only.
 */
export async function fetchHubListing(
  url: string,
  headers: Readonly<Record<string, string>>,
  o: PullOptions,
  absent: readonly number[],
): Promise<unknown[] | undefined> {
  const stallMs = o.stallMs ?? 30_000;
  const host = new URL(url).host;
  const entries: unknown[] = [];
  const seen = new Set<string>();
  for (let next: string | undefined = url; next !== undefined; ) {
    const pageUrl: string = next;
    if (seen.size >= MAX_LISTING_PAGES || seen.has(pageUrl)) {
      throw new RemoteFormatError(`${url}: the file listing does not end (over ${seen.size} pages or a page linked twice); check HF_ENDPOINT points at a Hugging Face hub`);
    }
    const first = seen.size === 0;
    seen.add(pageUrl);
    const page = await withRetries(
      async () => {
        const r = await openRequest(pageUrl, { headers: new URL(pageUrl).host === host ? headers : {}, signal: o.signal, stallMs, okStatus: first ? [...absent] : [] });
        if (r.status !== 200) {
          r.res.resume();
          return undefined;
        }
        return { body: await readBody(r.res, stallMs), link: r.headers.link };
      },
      o,
      `GET ${pageUrl}`,
    );
    if (page === undefined) return undefined;
    let list: unknown;
    try {
      list = JSON.parse(page.body.toString('utf8'));
    } catch {
      throw new RemoteFormatError(`${pageUrl} did not answer with JSON; check HF_ENDPOINT points at a Hugging Face hub`);
    }
    if (!Array.isArray(list)) throw new RemoteFormatError(`${pageUrl}: expected a JSON array of files`);
    entries.push(...list);
    next = nextPageUrl(page.link, pageUrl);
  }
  return entries;
}
