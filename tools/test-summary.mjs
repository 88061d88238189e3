#!/usr/bin/env node
// Adds up the vitest JSON reports of every package's `test` target (written by tools/vitest.preset.ts
// to <package>/reports/vitest-test.json) and prints one closing line: "Tests: N passed, N failed, N skipped".
// `pnpm check` runs only the test target, which includes every falsification test (`[F-…]` in its
// name); they are counted from the same reports. A separate falsify run's report is listed, not added.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dirs = [...readdirSync(join(root, 'packages')).map((d) => join(root, 'packages', d)), join(root, 'tools')];
const total = { passed: 0, failed: 0, skipped: 0 };
let falsified = 0;
for (const dir of dirs) {
  for (const [target, add] of [['test', true], ['falsify', false]]) {
    const file = join(dir, 'reports', `vitest-${target}.json`);
    if (!existsSync(file)) continue;
    const r = JSON.parse(readFileSync(file, 'utf8'));
    const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    const line = `${dir.slice(root.length + 1)} ${target}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`;
    console.log(`  ${line}`);
    if (add) {
      for (const f of r.testResults ?? []) for (const a of f.assertionResults ?? []) if (a.status === 'passed' && /\[F-/.test(a.title ?? '')) falsified++;
      total.passed += r.numPassedTests;
      total.failed += r.numFailedTests;
      total.skipped += skipped;
    }
  }
}
console.log(`(falsification suite: ${falsified} [F-…] tests passed, counted above)`);
console.log(`Tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
