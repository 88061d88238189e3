/** Shared helpers of the generator tests: temp dirs, fixture lookup, hashing. */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (/work/main in the dev container). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `shared/fixtures` next to the repository root, or undefined (with the reason printed) when absent. */
export function fixturesDir(): string | undefined {
  const dir = join(REPO_ROOT, '..', 'shared', 'fixtures');
  if (existsSync(dir)) return dir;
  console.warn(`skipping fixture-based tests: ${dir} does not exist`);
  return undefined;
}

/** A fresh temporary directory and a function that removes it. */
export function tempDir(prefix = 'gen-model-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** sha256 of a file, hex. */
export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
