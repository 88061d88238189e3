/**
 * Locates the shared test fixtures: `shared/fixtures` next to the repository root (the directory
 * holding pnpm-workspace.yaml). Tests skip with a printed reason when it is absent.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function repoRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

const root = repoRoot();

/** Absolute path of the fixtures directory (may not exist). */
export const FIXTURES_DIR = root ? resolve(root, '..', 'shared', 'fixtures') : '';

/** Path of a fixture file, or undefined (with a console warning) when it is missing. */
export function fixture(name: string): string | undefined {
  const p = join(FIXTURES_DIR, name);
  if (FIXTURES_DIR && existsSync(p)) return p;
  console.warn(`skipping tests that need fixture ${name}: not found at ${p || '<no repo root>'}`);
  return undefined;
}
