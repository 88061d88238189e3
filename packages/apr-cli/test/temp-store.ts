/**
 * A temporary pacha store per test: `$PACHA_HOME` points into a fresh temp folder before each test
 * and is restored (and the folder removed) after it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';

/** The current test's folders: `dir` (scratch) and `home` (`$PACHA_HOME`, inside `dir`). */
export interface TempStore {
  readonly dir: string;
  readonly home: string;
}

/** Registers the before/after hooks; read `dir`/`home` from the returned object inside tests. */
export function useTempStore(prefix: string): TempStore {
  const state = { dir: '', home: '' };
  const saved = process.env.PACHA_HOME;
  beforeEach(() => {
    state.dir = mkdtempSync(join(tmpdir(), prefix));
    state.home = join(state.dir, 'pacha');
    process.env.PACHA_HOME = state.home;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.PACHA_HOME;
    else process.env.PACHA_HOME = saved;
    rmSync(state.dir, { recursive: true, force: true });
  });
  return state;
}
