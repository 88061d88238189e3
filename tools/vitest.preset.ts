import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

const workspaceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Resolves `@sovereign/<pkg>[/<subpath>]` to the package's TypeScript source, so that tests
 * run against source without building first. Subpath `x` maps to `src/x/index.ts` or `src/x.ts`.
 */
export function workspaceSource(): { name: string; enforce: 'pre'; resolveId(id: string): string | null } {
  return {
    name: 'workspace-source',
    enforce: 'pre',
    resolveId(id) {
      const m = /^@sovereign\/([a-z0-9-]+)(?:\/(.+))?$/.exec(id);
      if (!m) return null;
      const src = join(workspaceRoot, m[1] === 'tools' ? 'tools' : join('packages', m[1]), 'src');
      if (!m[2]) return join(src, 'index.ts');
      for (const candidate of [join(src, m[2], 'index.ts'), join(src, `${m[2]}.ts`)]) {
        if (existsSync(candidate)) return candidate;
      }
      return null;
    },
  };
}

/**
 * Shared vitest settings. The package scripts `test` and `falsify` (the latter runs only tests whose
 * names carry an `[F-…]` id) also write a JSON report to `reports/vitest-<script>.json`, which
 * `tools/test-summary.mjs` adds up into the one closing line CI prints.
 */
export function vitestPreset(overrides: ViteUserConfig['test'] = {}): ViteUserConfig {
  const script = process.env.npm_lifecycle_event;
  const report = script === 'test' || script === 'falsify' ? `reports/vitest-${script}.json` : undefined;
  return defineConfig({
    plugins: [workspaceSource()],
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      setupFiles: [join(workspaceRoot, 'tools/vitest-setup.ts')],
      reporters: report ? ['default', 'json'] : ['default'],
      outputFile: report ? { json: report } : undefined,
      testTimeout: 60_000,
      hookTimeout: 120_000,
      pool: 'forks',
      ...overrides,
    },
  });
}
