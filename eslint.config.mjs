// Lint: typescript-eslint's recommended rules plus Nx module boundaries, which enforce the layering
// of DESIGN.md (nothing imports upward; see the `tags` in each package.json).
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const layer = (name, allowed) => ({
  sourceTag: `layer:${name}`,
  onlyDependOnLibsWithTags: [`layer:${name}`, ...allowed.map((a) => `layer:${a}`)],
});

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.nx/**', '**/*.config.ts', 'tools/*.preset.ts'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          banTransitiveDependencies: false,
          depConstraints: [
            layer('trueno', []),
            layer('pacha', []),
            layer('trueno-gpu', ['trueno']),
            layer('aprender', ['trueno']),
            layer('realizar', ['trueno', 'trueno-gpu', 'aprender']),
            layer('cbtop', ['realizar', 'trueno']),
            layer('apr-cli', ['realizar', 'pacha', 'cbtop', 'aprender']),
            layer('tools', ['realizar', 'trueno']),
          ],
        },
      ],
    },
  },
);
