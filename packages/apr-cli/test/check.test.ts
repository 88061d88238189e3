/**
 * `apr check`: PASS with exit 0 on a generated model, FAIL with exit 1 when the two engines do
 * not see the same model (a planted defect: ours reads a copy with one tensor's rows reversed,
 * llama.cpp the original) and when a weight tensor is scrambled in place (both engines then
 * produce non-finite logits); `--layers` names the layer where a defect enters; usage errors.
 * The missing-node-llama-cpp message is not tested (the package is a devDependency here).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, openGGUF } from '@sovereign/realizar';
import { generateModel } from '@sovereign/tools';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareLayers } from '../src/check/layer-compare.js';
import { aprCheck } from './parity/check-cli.js';
import { loadReferenceOrSkip } from './parity/cases.js';
import { reverseRows, scrambleBytes, withTensorBytes } from './parity/gguf-edit.js';

const reference = await loadReferenceOrSkip();
const dir = mkdtempSync(join(tmpdir(), 'apr-check-'));
const model = join(dir, 'tiny-f32.gguf');
beforeAll(async () => {
  await generateModel({ preset: 'tiny', type: 'f32', out: model });
}, 60_000);
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await reference?.dispose();
});

describe.skipIf(!reference)('apr check against llama.cpp', () => {
  it('tiny f32: prints the per-position table, PASS and exits 0 [F-CHECK-1]', { timeout: 60_000 }, async () => {
    const r = await aprCheck(model, '--ref', 'llama.cpp');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^pos\s+token\s+ours top-1\s+llama\.cpp top-1\s+max\|Δlogit\|/m);
    expect(r.stdout).toMatch(/^argmax agreement:\s+(\d+)\/\1$/m);
    expect(r.stdout).toMatch(/^NMSE:\s+\S+ \(tolerance 1\.0e-9; f32 weights/m);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('PASS');
  });

  it('tiny f32 --json --tokens: one object with the numbers and pass true [F-CHECK-1]', { timeout: 60_000 }, async () => {
    const r = await aprCheck(model, '--tokens', '9707,11,1879', '-n', '8', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ pass: true, promptTokens: 3, nPredict: 8, prompt: null, ourLogits: 'sequence', arch: 'qwen2' });
    expect(report.tokens.slice(0, 3)).toEqual([9707, 11, 1879]);
    expect(report.logits.positions).toHaveLength(11);
    expect(report.logits.argmaxAgree).toBe(11);
    expect(report.logits.nmse).toBeLessThan(1e-9);
    expect(report.tolerance.weightClass).toBe('f32');
  });

  it('planted defect (ours reads a copy with blk.1.attn_v rows reversed): prints FAIL and exits 1 [F-CHECK-2]', { timeout: 60_000 }, async () => {
    const broken = join(dir, 'tiny-f32-broken.gguf');
    withTensorBytes(model, broken, 'blk.1.attn_v.weight', reverseRows);
    const r = await aprCheck(broken, '--ref-model', model, '-n', '16');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL: .*NMSE \S+ > 1e-9/m);
    expect(r.stderr.trim()).toMatch(/^apr: check FAILED against llama\.cpp/);
    const json = await aprCheck(broken, '--ref-model', model, '-n', '16', '--json');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report.pass).toBe(false);
    expect(report.logits.nmse).toBeGreaterThan(1e-2);
  });

  it('weight bytes scrambled in place (both engines read it): prints FAIL and exits 1 [F-CHECK-2]', { timeout: 60_000 }, async () => {
    const scrambled = join(dir, 'tiny-f32-scrambled.gguf');
    withTensorBytes(model, scrambled, 'blk.0.attn_q.weight', scrambleBytes);
    const r = await aprCheck(scrambled, '-n', '4', '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.pass).toBe(false);
    expect(report.logits.finite).toBe(false);
    expect(report.logits.reasons.join('; ')).toMatch(/non-finite logits/);
  });

  it('tiny f32 --layers: every layer within tolerance of the float64 reference [F-CHECK-3]', { timeout: 60_000 }, async () => {
    const r = await aprCheck(model, '--layers', '-n', '8');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^layers vs float64 reference \(max rel error, tolerance 1\.0e-4\):$/m);
    expect(r.stdout).toMatch(/^ {2}layer 0 +\S+$/m);
    expect(r.stdout).toMatch(/^ {2}layer 1 +\S+$/m);
  });
});

describe('layer localisation', () => {
  it('a defect injected into the backend at layer 1 is named as the first layer over tolerance [F-CHECK-3]', () => {
    const file = openGGUF(model);
    const good = loadModel(file);
    // Wrap the backend: SwiGLU runs once per layer per pass; corrupt its second call (layer 1).
    let calls = 0;
    const backend = Object.create(good.backend) as typeof good.backend;
    backend.swiglu = (gate, up, n, out) => {
      good.backend.swiglu(gate, up, n, out);
      if (calls++ === 1) for (let i = 0; i < n; i += 7) out[i] *= 1.5;
    };
    const r = compareLayers(loadModel(file, { backend }), [9707, 11, 1879, 1052]);
    expect(r.layers[0].pass).toBe(true);
    expect(r.firstFailing).toBe(1);
    expect(r.pass).toBe(false);
    expect(compareLayers(good, [9707, 11, 1879, 1052]).pass).toBe(true);
  });
});

describe('apr check usage errors', () => {
  for (const [args, pattern] of [
    [['--ref', 'vllm'], /unknown reference 'vllm'/],
    [['--prompt', 'hi', '--tokens', '1'], /either --prompt or --tokens/],
    [['--tokens', '1,x'], /--tokens: expected comma-separated token ids/],
    [['--tokens', '999999999'], /not an id of this model/],
    [['-n', '1.5'], /--n-predict: expected an integer/],
  ] as const) {
    it(`${args.join(' ')}: exits 1 with one line naming the problem`, async () => {
      const r = await aprCheck(model, ...args);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    });
  }

  it('a missing model file: exits 1 with "no such file"', async () => {
    const r = await aprCheck(join(dir, 'missing.gguf'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no such file/);
  });
});
