import { defineConfig, type Options } from 'tsup';

/** Shared tsup settings: ESM for Node 20, declarations, no bundling of dependencies. */
export function tsupPreset(entry: Record<string, string>, extra: Partial<Options> = {}) {
  return defineConfig({
    entry,
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: true,
    treeshake: false,
    ...extra,
  });
}
