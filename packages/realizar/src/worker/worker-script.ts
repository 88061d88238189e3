/**
 * Where the model worker's script is. From the built package it is `worker-entry.js` beside the
 * bundle (tsup builds it as its own entry). From TypeScript sources (vitest, tsx) there is only
 * `worker-entry.ts`, which a worker thread cannot load by itself: the thread first registers tsx's
 * ESM hooks, then imports it, with the `source` export condition so that `@sovereign/*` resolve
 * to their sources too, as they do in the calling thread.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Arguments of `new Worker(script, { eval, execArgv })`. */
export interface WorkerScript {
  readonly script: string | URL;
  /** True when `script` is code, not a file. */
  readonly eval: boolean;
  readonly execArgv?: string[];
}

/** The worker script for the module at `here` (defaults to this one's URL). */
export function modelWorkerScript(here: string = import.meta.url): WorkerScript {
  if (!here.endsWith('.ts')) return { script: new URL('./worker-entry.js', here), eval: false };
  let api: string;
  try {
    const tsxRoot = dirname(createRequire(here).resolve('tsx/package.json'));
    api = pathToFileURL(join(tsxRoot, 'dist', 'esm', 'api', 'index.mjs')).href;
  } catch {
    throw new Error(
      'the model worker runs from TypeScript sources here and needs tsx to load them: install tsx, or use the built package (pnpm build)',
    );
  }
  const entry = new URL('./worker-entry.ts', here).href;
  const code = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return { script: code, eval: true, execArgv: ['--conditions=source'] };
}
