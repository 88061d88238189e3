import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GGMLType, GGUFValueType, gguf, writeGGUF } from '@sovereign/realizar';
import { describe, expect, it } from 'vitest';
import { apr } from '../../test/cli-harness.js';
import { useTempStore } from '../../test/temp-store.js';
import type { ListJsonRow } from './list.js';
import { humanSize, timeAgo } from './list-store.js';
import type { ShowReport } from './show.js';

const store = useTempStore('apr-store-');

/** A small valid GGUF; `seed` changes the tensor bytes so files differ. */
function model(file: string, seed = 0): string {
  const path = join(store.dir, file);
  writeFileSync(
    path,
    writeGGUF({
      metadata: [
        ['general.architecture', gguf.str('qwen2')],
        ['general.file_type', gguf.u32(7)],
        ['general.license', gguf.str('apache-2.0')],
        ['qwen2.context_length', gguf.u32(4096)],
        ['tokenizer.ggml.tokens', gguf.arr(GGUFValueType.STRING, ['a', 'b'])],
        ['tokenizer.chat_template', gguf.str('{% for m in messages %}{{ m.content }}{% endfor %}')],
      ],
      tensors: [
        { name: 'norm', type: GGMLType.F32, dims: [8], data: new Uint8Array(32).fill(seed) },
        { name: 'w1', type: GGMLType.Q8_0, dims: [64], data: new Uint8Array(68).fill(seed + 1) },
        { name: 'w2', type: GGMLType.Q8_0, dims: [64], data: new Uint8Array(68).fill(seed + 2) },
      ],
    }),
  );
  return path;
}

async function listJson(): Promise<ListJsonRow[]> {
  const r = await apr(['list', '--json']);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as ListJsonRow[];
}

const blobs = () => readdirSync(join(store.home, 'blobs')).filter((f) => f.startsWith('sha256-'));

describe('apr model store commands', () => {
  it('import → list → show → cp → rm (blob collected only when unreferenced) → list --verify', async () => {
    const a = model('a.gguf', 1);
    let r = await apr(['import', a, '--name', 'mine:v1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^imported .*a\.gguf as 'mine:v1' \([0-9a-f]{12}, \d+ B, copied\)\n$/);

    r = await apr(['ls']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+ID\s+SIZE\s+MODIFIED$/);
    expect(lines[1]).toMatch(/^mine:v1\s+[0-9a-f]{12}\s+\d+ B\s+(Less than a second|\d+ seconds?) ago$/);

    r = await apr(['show', 'mine:v1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as ShowReport;
    expect(s).toMatchObject({
      name: 'mine:v1',
      architecture: 'qwen2',
      parameters: 8 + 64 + 64,
      quantization: 'Q8_0',
      contextLength: 4096,
      license: 'apache-2.0',
      chatTemplate: '{% for m in messages %}{{ m.content }}{% endfor %}',
      linked: false,
      size: statSync(a).size,
      layers: ['model'],
    });
    expect(readFileSync(s.path).equals(readFileSync(a))).toBe(true);
    r = await apr(['show', 'mine:v1']);
    expect(r.stdout).toMatch(/architecture\s+qwen2\n[\s\S]*quantization\s+Q8_0\n[\s\S]*context length\s+4096\n[\s\S]*Template\n  \{% for m/);

    expect((await apr(['cp', 'mine:v1', 'other'])).stdout).toBe("copied 'mine:v1' to 'other:latest'\n");
    const b = model('b.gguf', 2);
    expect((await apr(['import', b, '--name', 'b'])).code).toBe(0);
    expect((await listJson()).map((x) => x.name).sort()).toEqual(['b:latest', 'mine:v1', 'other:latest']);
    expect(blobs()).toHaveLength(2);

    r = await apr(['rm', 'mine:v1']);
    expect(r.stdout).toBe("deleted 'mine:v1'\n"); // `other` still uses the blob
    expect(blobs()).toHaveLength(2);
    r = await apr(['rm', 'other']);
    expect(r.stdout).toMatch(/^deleted 'other' \(freed blob [0-9a-f]{12}\)\n$/);
    expect(blobs()).toHaveLength(1);
    expect((await listJson()).map((x) => x.name)).toEqual(['b:latest']);

    r = await apr(['list', '--verify']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/verified 1 file\(s\).*all intact/);

    // One flipped byte (same size, same mtime) is found, and the exit code says so.
    const blob = join(store.home, 'blobs', blobs()[0]);
    const bytes = readFileSync(blob);
    bytes[bytes.length - 5] ^= 1;
    const { mtime } = statSync(blob);
    writeFileSync(blob, bytes);
    utimesSync(blob, mtime, mtime);
    r = await apr(['list', '--verify']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^CORRUPT  sha256:[0-9a-f]{64}  .*: content hashes to sha256:/);
    expect(r.stderr).toMatch(/1 corrupt or missing blob/);
    r = await apr(['list', '--verify', '--json']);
    expect(JSON.parse(r.stdout).problems).toHaveLength(1);
  });

  it('import --link keeps the file in place; identical files share one blob', async () => {
    const a = model('a.gguf', 3);
    let r = await apr(['import', a, '--name', 'linked', '--link', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'linked:latest', linked: true });
    const s = JSON.parse((await apr(['show', 'linked', '--json'])).stdout) as ShowReport;
    expect(s).toMatchObject({ path: a, linked: true });
    expect(readdirSync(join(store.home, 'blobs'))).toEqual([]);

    expect((await apr(['import', a, '--name', 'x:1'])).code).toBe(0);
    r = await apr(['import', a, '--name', 'x:2']);
    expect(r.stdout).toMatch(/blob already stored/);
    expect(blobs()).toHaveLength(1);
  });

  it('clear errors: unknown model, malformed name, missing file, not a GGUF', async () => {
    let r = await apr(['show', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^apr: model 'nope:latest' is not in the store/);
    r = await apr(['rm', 'bad/../name']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid model name/);
    r = await apr(['import', join(store.dir, 'missing.gguf'), '--name', 'm']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no such file/);
    writeFileSync(join(store.dir, 'x.txt'), 'hello world');
    r = await apr(['import', join(store.dir, 'x.txt'), '--name', 'm']);
    expect(r.stderr).toMatch(/is not a GGUF file/);
    r = await apr(['import', model('c.gguf')]);
    expect(r.code).toBe(2); // --name is required
  });

  it('two `apr import` processes at once leave a consistent store', async () => {
    const run = promisify(execFile);
    const mainTs = join(import.meta.dirname, '../main.ts');
    const shared = model('shared.gguf', 9);
    const child = (p: string, seed: number) =>
      run(
        process.execPath,
        ['--conditions=source', '--import', 'tsx', '-e', `
          const { main } = await import(${JSON.stringify(mainTs)});
          const jobs = [[${JSON.stringify(shared)}, 'shared-${p}'], [${JSON.stringify(model(`${p}.gguf`, seed))}, '${p}:1']];
          for (const [f, n] of jobs) { const c = await main(['import', f, '--name', n]); if (c !== 0) process.exit(c); }
        `],
        { env: { ...process.env, PACHA_HOME: store.home }, cwd: import.meta.dirname },
      );
    await Promise.all([child('p', 20), child('q', 40)]);
    expect((await listJson()).map((x) => x.name).sort()).toEqual(['p:1', 'q:1', 'shared-p:latest', 'shared-q:latest']);
    expect(blobs()).toHaveLength(3);
    const v = await apr(['list', '--verify', '--json']);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ checked: 3, problems: [] });
  }, 30_000);

  it('humanSize and timeAgo read like ollama list', () => {
    expect(humanSize(512)).toBe('512 B');
    expect(humanSize(397_807_392)).toBe('398 MB');
    expect(humanSize(4_683_087_332)).toBe('4.7 GB');
    const now = new Date('2026-01-10T00:00:00Z');
    expect(timeAgo(new Date(now.getTime() - 200), now)).toBe('Less than a second ago');
    expect(timeAgo(new Date(now.getTime() - 61_000), now)).toBe('1 minute ago');
    expect(timeAgo(new Date(now.getTime() - 3 * 86_400_000), now)).toBe('3 days ago');
  });
});
