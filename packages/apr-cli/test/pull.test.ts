import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MEDIA_TYPES } from '@sovereign/pacha';
import { type HubFault, seededBytes } from '@sovereign/pacha/testing';
import { generateModel } from '@sovereign/tools';
import { beforeAll, describe, expect, it } from 'vitest';
import { apr } from './cli-harness.js';
import { useLoopbackHub } from './temp-store.js';

const t = useLoopbackHub('apr-pull-');
const setup = t.setup;

function gguf(n: number, seed: number): Buffer {
  const b = seededBytes(n, seed);
  b.write('GGUF', 0, 'latin1');
  return b;
}

let tiny: Buffer;
beforeAll(async () => {
  const d = mkdtempSync(join(tmpdir(), 'apr-pull-model-'));
  await generateModel({ preset: 'tiny', type: 'q8_0', out: join(d, 'tiny.gguf'), threads: 1 });
  tiny = readFileSync(join(d, 'tiny.gguf'));
  rmSync(d, { recursive: true, force: true });
});

describe('apr pull', () => {
  it('pulls a hub file, lists it; a second pull is already up to date; --json streams NDJSON events', async () => {
    const h = await setup({ files: { 'org/repo/m-q8_0.gguf': gguf(300_000, 1) } });
    let r = await apr(['pull', 'hf://org/repo/m-q8_0.gguf']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^pulled 'hf\.co\/org\/repo:m-q8_0' \([0-9a-f]{12}, 300 KB\)\n$/);
    expect(r.stderr).toContain('pulling manifest\n');
    expect(r.stderr).toMatch(/pulling [0-9a-f]{12}: 100% \(300 KB\/300 KB\)\n/);
    expect(r.stderr).toContain('success\n');
    r = await apr(['list', '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject([{ name: 'hf.co/org/repo:m-q8_0', size: 300_000 }]);
    r = await apr(['pull', 'hf://org/repo/m-q8_0.gguf']);
    expect(r.stdout).toMatch(/already up to date/);
    r = await apr(['pull', 'hf://org/repo/m-q8_0.gguf', '--json']);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { status: string });
    expect(events[0]).toEqual({ status: 'pulling manifest' });
    expect(events.at(-1)).toEqual({ status: 'success' });
    expect(h.sent.get(h.sha(gguf(300_000, 1)))).toBe(300_000);
  });

  it('errors: a missing file is a 404 with a hint; bad --parallel', async () => {
    await setup({});
    let r = await apr(['pull', 'hf://org/repo/none.gguf']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^apr: GET .*\/org\/repo\/resolve\/main\/none\.gguf: HTTP 404; check the model name/m);
    r = await apr(['pull', 'x', '--parallel', '0']);
    expect(r.code).toBe(2);
  });

  it('--require-signature: refuses unsigned, untrusted and tampered models (nothing stored), accepts a trusted .sig sidecar', async () => {
    // A publisher signs the file in its own store and publishes <file>.sig next to it.
    const model = gguf(200_000, 7);
    const pub = mkdtempSync(join(tmpdir(), 'apr-publisher-'));
    const saved = process.env.PACHA_HOME;
    process.env.PACHA_HOME = join(pub, 'pacha');
    writeFileSync(join(pub, 'm.gguf'), model);
    let r = await apr(['keygen']);
    expect(r.code, r.stderr).toBe(0);
    r = await apr(['import', join(pub, 'm.gguf'), '--name', 'pub:m']);
    expect(r.code, r.stderr).toBe(0);
    r = await apr(['sign', 'pub:m', '--sidecar', join(pub, 'm.gguf.sig')]);
    expect(r.code, r.stderr).toBe(0);
    if (saved === undefined) delete process.env.PACHA_HOME;
    else process.env.PACHA_HOME = saved;
    const sig = readFileSync(join(pub, 'm.gguf.sig'));
    const doc = JSON.parse(sig.toString()) as { signature: string };
    const flipped = Buffer.from(doc.signature, 'base64');
    flipped[5] ^= 1;
    const tampered = Buffer.from(JSON.stringify({ ...doc, signature: flipped.toString('base64') }));
    await setup({ files: { 'org/repo/m.gguf': model, 'org/repo/m.gguf.sig': sig, 'org/repo/bad.gguf': model, 'org/repo/bad.gguf.sig': tampered, 'org/repo/plain.gguf': model } });
    const listed = async () => JSON.parse((await apr(['list', '--json'])).stdout) as { name: string }[];

    r = await apr(['pull', 'hf://org/repo/plain.gguf', '--require-signature']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not signed/);
    r = await apr(['pull', 'hf://org/repo/m.gguf', '--require-signature']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/untrusted key/);
    expect(await listed()).toEqual([]);
    expect(readdirSync(join(t.dir, 'pacha', 'blobs')).filter((f) => f.startsWith('sha256-'))).toEqual([]);

    r = await apr(['trust', join(pub, 'pacha', 'keys', 'id_ed25519.pub')]);
    expect(r.code, r.stderr).toBe(0);
    r = await apr(['pull', 'hf://org/repo/bad.gguf', '--require-signature']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/signature/);
    expect(await listed()).toEqual([]);
    r = await apr(['pull', 'hf://org/repo/m.gguf', '--require-signature']);
    expect(r.code, r.stderr).toBe(0);
    r = await apr(['verify', 'hf.co/org/repo:m']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('signed-trusted');
    rmSync(pub, { recursive: true, force: true });
  });

  it('apr run NAME pulls the model from the registry first, then generates', async () => {
    await setup({ ollama: { 'library/tiny:latest': [{ mediaType: MEDIA_TYPES.model, data: tiny }, { mediaType: MEDIA_TYPES.template, data: Buffer.from('{{ .Prompt }}') }] } });
    let r = await apr(['run', 'tiny', '--prompt', 'hi', '-n', '3', '--temperature', '0', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("'tiny' is not in the store; pulling it");
    expect(JSON.parse(r.stdout).tokens).toHaveLength(3);
    r = await apr(['list', '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject([{ name: 'tiny:latest' }]);
    // Now in the store: no pull.
    const before = t.hub!.dataRequests();
    r = await apr(['run', 'tiny:latest', '--prompt', 'hi', '-n', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('pulling');
    expect(t.hub!.dataRequests()).toBe(before);
    // show prints the Ollama layers the pull kept.
    r = await apr(['show', 'tiny', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ layers: ['model', 'template'], templateLayer: '{{ .Prompt }}', paramsLayer: null });
    r = await apr(['show', 'tiny']);
    expect(r.stdout).toContain('Template layer (Ollama Go template');
    // inspect resolves store names too, but never pulls.
    r = await apr(['inspect', 'tiny', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ architecture: expect.any(String) });
    r = await apr(['inspect', 'other:v1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("apr: model 'other:v1' is not in the store; run 'apr pull other:v1' first\n");
    expect(t.hub!.dataRequests()).toBe(before);
  });

  it('acceptance: apr pull of a 200 MB file with a connection reset every 20 MB completes with the right hash', async () => {
    const MB = 1_000_000;
    const SIZE = 200 * MB;
    // A cheap repeated pattern (1 MiB of seeded bytes), so building the file costs nothing.
    const big = Buffer.allocUnsafe(SIZE);
    const unit = seededBytes(1 << 20, 42);
    for (let o = 0; o < SIZE; o += unit.length) unit.copy(big, o, 0, Math.min(unit.length, SIZE - o));
    big.write('GGUF', 0, 'latin1');
    const faults: HubFault[] = [];
    for (let at = 20 * MB; at < SIZE; at += 20 * MB) faults.push({ kind: 'reset', at });
    const h = await setup({ files: { 'org/big/big-f16.gguf': big }, faults });
    const t0 = performance.now();
    const r = await apr(['pull', 'hf://org/big/big-f16.gguf']);
    const seconds = (performance.now() - t0) / 1000;
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse((await apr(['list', '--verify', '--json'])).stdout) as { problems: unknown[]; bytes: number };
    expect(list).toMatchObject({ problems: [], bytes: SIZE });
    // The one blob is named by the hub's sha256 and `--verify` re-hashed it.
    expect(readdirSync(join(process.env.PACHA_HOME!, 'blobs'))).toEqual([`sha256-${h.sha(big)}`]);
    // Every scheduled reset fired: 4 parts + one reconnect per reset.
    expect(h.dataRequests()).toBe(4 + faults.length);
    expect(h.sent.get(h.sha(big))!).toBeGreaterThanOrEqual(SIZE);
    console.log(`acceptance: 200 MB pull with ${faults.length} resets took ${seconds.toFixed(1)} s`);
    expect(seconds).toBeLessThan(30);
  }, 120_000);
});
