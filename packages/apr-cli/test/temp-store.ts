/**
 * A temporary pacha store per test: `$PACHA_HOME` points into a fresh temp folder before each test
 * and is restored (and the folder removed) after it; with {@link useLoopbackHub}, also a loopback hub
 * that HF_ENDPOINT and PACHA_OLLAMA_REGISTRY point at.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LoopbackHub, startLoopbackHub } from '@sovereign/pacha/testing';
import { afterEach, beforeEach } from 'vitest';

type HubOptions = Parameters<typeof startLoopbackHub>[0];

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

/** The current test's store folder and loopback hub, and the function that starts them. */
export interface HubStore {
  readonly dir: string;
  readonly hub: LoopbackHub | undefined;
  /** Starts a hub with `o`, makes a temp store, and points PACHA_HOME, HF_ENDPOINT and PACHA_OLLAMA_REGISTRY at them. */
  setup(o: HubOptions): Promise<LoopbackHub>;
}

const HUB_ENV = ['PACHA_HOME', 'HF_ENDPOINT', 'PACHA_OLLAMA_REGISTRY'] as const;

/**
 * Registers an after-each hook that restores the environment, closes the hub and removes the
 * folder; call `setup` inside a test (each test may start its own hub).
 */
export function useLoopbackHub(prefix: string): HubStore {
  let restore = (): void => undefined;
  const state: { dir: string; hub: LoopbackHub | undefined; setup: HubStore['setup'] } = {
    dir: '',
    hub: undefined,
    async setup(o) {
      const saved = Object.fromEntries(HUB_ENV.map((k) => [k, process.env[k]]));
      state.dir = mkdtempSync(join(tmpdir(), prefix));
      const hub = await startLoopbackHub(o);
      state.hub = hub;
      process.env.PACHA_HOME = join(state.dir, 'pacha');
      process.env.HF_ENDPOINT = hub.url;
      process.env.PACHA_OLLAMA_REGISTRY = hub.url;
      restore = () => {
        for (const k of HUB_ENV) {
          if (saved[k] === undefined) delete process.env[k];
          else process.env[k] = saved[k];
        }
      };
      return hub;
    },
  };
  afterEach(async () => {
    restore();
    restore = () => undefined;
    await state.hub?.close();
    state.hub = undefined;
    if (state.dir) rmSync(state.dir, { recursive: true, force: true });
  });
  return state;
}
