import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type HubOptions, type LoopbackHub, seededBytes, startLoopbackHub } from '../src/testing/loopback-hub.js';
import { Store } from '../src/store.js';
import { tempDir } from './helpers.js';

/** A GGUF-looking file: magic + seeded bytes. */
export function ggufBytes(n: number, seed = 1): Buffer {
  const b = seededBytes(n, seed);
  b.write('GGUF', 0, 'latin1');
  return b;
}

/** A hub and a fresh store; `env` points HF_ENDPOINT / PACHA_OLLAMA_REGISTRY at the hub. */
export async function hubAndStore(o: HubOptions): Promise<{ hub: LoopbackHub; store: Store; env: NodeJS.ProcessEnv; home: string; done: () => Promise<void> }> {
  const hub = await startLoopbackHub(o);
  const t = tempDir('pacha-pull-');
  const home = join(t.dir, 'home');
  return {
    hub,
    store: new Store(home),
    home,
    env: { HF_ENDPOINT: hub.url, PACHA_OLLAMA_REGISTRY: hub.url },
    done: async () => {
      await hub.close();
      t.cleanup();
    },
  };
}

/** Fast settings for tests: small parts, short stall timeout, tiny backoff. */
export const FAST = { minPartBytes: 16 << 10, stallMs: 300, backoffMs: 5, maxDelayMs: 50, retries: 8 } as const;

/** Names in blobs/ (blobs and hidden partial/lock entries). */
export function blobDir(home: string): { blobs: string[]; hidden: string[] } {
  let names: string[] = [];
  try {
    names = readdirSync(join(home, 'blobs'));
  } catch {
    /* none */
  }
  return { blobs: names.filter((n) => n.startsWith('sha256-')), hidden: names.filter((n) => n.startsWith('.')) };
}
