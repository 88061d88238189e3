/**
 * sha256 digests in the OCI spelling `sha256:<hex>`; blob files are named `sha256-<hex>` (a colon
 * is not portable in file names, as in Ollama's store).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

/** True for `sha256:` followed by 64 lowercase hex digits. */
export function isDigest(s: string): boolean {
  return DIGEST_RE.test(s);
}

/** `sha256:<hex>` → `sha256-<hex>` (the blob's file name). */
export function blobFileName(digest: string): string {
  return digest.replace(':', '-');
}

/** The blob file name back to a digest, or undefined for any other file (temp files, strays). */
export function digestOfBlobName(name: string): string | undefined {
  const d = name.replace(/^sha256-/, 'sha256:');
  return d !== name && isDigest(d) ? d : undefined;
}

/** sha256 of the bytes (`sha256:<hex>`). */
export function sha256Bytes(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Streams the file through sha256 (constant memory, any size). */
export async function sha256File(path: string): Promise<{ digest: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { digest: `sha256:${h.digest('hex')}`, size };
}

/** First 12 hex digits, the ID `apr list` shows (as `ollama list` does). */
export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}
