import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temp directory and its cleanup. */
export function tempDir(prefix = 'pacha-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes a file that starts with the GGUF magic followed by `bytes` random bytes (or the given payload). */
export function fakeGGUF(path: string, payload: Uint8Array | number = 4096): string {
  const body = typeof payload === 'number' ? randomBytes(payload) : payload;
  writeFileSync(path, Buffer.concat([Buffer.from('GGUF', 'latin1'), body]));
  return path;
}
