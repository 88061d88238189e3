import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FormatError, LockError, NotFoundError, RefError } from '../src/errors.js';
import { sha256File } from '../src/digest.js';
import { withLock } from '../src/lock.js';
import { MEDIA_TYPES } from '../src/manifest.js';
import { Store, defaultPachaHome } from '../src/store.js';
import { fakeGGUF, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;
let store: Store;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  store = new Store(join(dir, 'home'));
});
afterEach(() => cleanup());

function blobs(): string[] {
  const d = store.blobsDir;
  return existsSync(d) ? readdirSync(d).sort() : [];
}

/** Every file under `root` whose name marks it as a temp file (none may survive an operation). */
function tempFiles(root: string): string[] {
  if (!existsSync(root)) return [];
  return (readdirSync(root, { recursive: true }) as string[]).filter((p) => /\.tmp-/.test(p));
}

describe('pacha store', () => {
  it('defaultPachaHome: $PACHA_HOME, else ~/.cache/pacha', () => {
    expect(defaultPachaHome({ PACHA_HOME: '/x/y' })).toBe('/x/y');
    expect(defaultPachaHome({})).toMatch(/\.cache\/pacha$/);
  });

  it('import copies into blobs/sha256-<hex> and writes the manifest JSON', async () => {
    const file = fakeGGUF(join(dir, 'a.gguf'));
    const r = await store.import(file, 'mymodel:v1');
    const { digest, size } = await sha256File(file);
    expect(r).toMatchObject({ digest, size, linked: false, deduplicated: false });
    expect(blobs()).toEqual([digest.replace(':', '-')]);
    expect(readFileSync(store.blobPath(digest)).equals(readFileSync(file))).toBe(true);
    const path = join(store.root, 'manifests/registry.ollama.ai/library/mymodel/v1');
    const m = JSON.parse(readFileSync(path, 'utf8'));
    expect(m).toMatchObject({ schemaVersion: 2, layers: [{ mediaType: MEDIA_TYPES.model, digest, size }] });
    expect(Number.isNaN(Date.parse(m.created))).toBe(false);
    expect(tempFiles(store.root)).toEqual([]);
  });

  it('identical files are stored once; list shows both names with ID, size and time', async () => {
    const file = fakeGGUF(join(dir, 'a.gguf'), 1000);
    await store.import(file, 'one');
    const r2 = await store.import(file, 'team/two:x');
    expect(r2.deduplicated).toBe(true);
    expect(blobs()).toHaveLength(1);
    const rows = await store.list();
    expect(rows.map((r) => r.display).sort()).toEqual(['one:latest', 'team/two:x']);
    for (const row of rows) {
      expect(row.id).toMatch(/^[0-9a-f]{12}$/);
      expect(row.size).toBe(1004);
      expect(Date.now() - row.modified.getTime()).toBeLessThan(60_000);
    }
  });

  it('cp shares blobs; rm removes a blob only when no manifest references it', async () => {
    const a = fakeGGUF(join(dir, 'a.gguf'));
    const b = fakeGGUF(join(dir, 'b.gguf'));
    const ra = await store.import(a, 'a');
    await store.import(b, 'b');
    await store.cp('a', 'copy:1');
    expect(blobs()).toHaveLength(2);
    expect((await store.show('copy:1')).modelDigest).toBe(ra.digest);
    expect((await store.show('copy:1')).id).toBe((await store.show('a')).id);

    expect((await store.rm('a')).blobsRemoved).toEqual([]); // copy:1 still references it
    expect(blobs()).toHaveLength(2);
    expect((await store.rm('copy:1')).blobsRemoved).toEqual([ra.digest]);
    expect(blobs()).toHaveLength(1);
    expect((await store.list()).map((r) => r.display)).toEqual(['b:latest']);
    // Empty name directories go with the last tag.
    expect(existsSync(join(store.manifestsDir, 'registry.ollama.ai/library/a'))).toBe(false);
    await expect(store.rm('a')).rejects.toThrow(NotFoundError);
    await expect(store.show('nope:1')).rejects.toThrow(/not in the store/);
  });

  it('re-importing a name replaces its manifest and collects the orphaned blob', async () => {
    await store.import(fakeGGUF(join(dir, 'a.gguf')), 'm');
    const r = await store.import(fakeGGUF(join(dir, 'b.gguf')), 'm');
    expect(blobs()).toEqual([r.digest.replace(':', '-')]);
  });

  it('--link: no blob, the manifest points at the file in place with size, mtime and digest', async () => {
    const file = fakeGGUF(join(dir, 'linked.gguf'));
    const r = await store.import(file, 'linked', { link: true });
    expect(r.linked).toBe(true);
    expect(blobs()).toEqual([]);
    const s = await store.show('linked');
    expect(s).toMatchObject({ modelPath: file, linked: true, modelDigest: r.digest });
    expect(s.manifest.layers[0]).toMatchObject({ path: file, size: r.size, mtimeMs: statSync(file).mtimeMs });
    expect((await store.verify()).problems).toEqual([]);
    // Changing the linked file is noticed by verify.
    const bytes = readFileSync(file);
    bytes[10] ^= 1;
    writeFileSync(file, bytes);
    const v = await store.verify();
    expect(v.problems).toHaveLength(1);
    expect(v.problems[0].reason).toMatch(/linked file changed/);
  });

  it('verify re-hashes every blob and reports one flipped byte', async () => {
    const ra = await store.import(fakeGGUF(join(dir, 'a.gguf'), 100_000), 'a');
    await store.import(fakeGGUF(join(dir, 'b.gguf')), 'b');
    const ok = await store.verify();
    expect(ok).toMatchObject({ checked: 2, problems: [] });
    const p = store.blobPath(ra.digest);
    const bytes = readFileSync(p);
    bytes[54_321] ^= 0x40;
    const { mtime } = statSync(p);
    writeFileSync(p, bytes);
    utimesSync(p, mtime, mtime); // same size and time: only the hash can tell
    const v = await store.verify();
    expect(v.problems).toEqual([{ digest: ra.digest, path: p, reason: expect.stringMatching(/^content hashes to sha256:/) }]);
  });

  it('verify reports a blob a manifest references but that is gone', async () => {
    const r = await store.import(fakeGGUF(join(dir, 'a.gguf')), 'a');
    await import('node:fs/promises').then((fs) => fs.rm(store.blobPath(r.digest)));
    expect((await store.verify()).problems).toEqual([{ digest: r.digest, path: store.blobPath(r.digest), reason: 'missing (referenced by a:latest)' }]);
  });

  it('rejects files that are not GGUF and malformed names, writing nothing', async () => {
    writeFileSync(join(dir, 'x.bin'), 'not a model');
    await expect(store.import(join(dir, 'x.bin'), 'x')).rejects.toThrow(FormatError);
    await expect(store.import(fakeGGUF(join(dir, 'a.gguf')), '../evil')).rejects.toThrow(RefError);
    expect(blobs()).toEqual([]);
  });

  it('a malformed manifest is reported with a fix', async () => {
    await store.import(fakeGGUF(join(dir, 'a.gguf')), 'a');
    writeFileSync(store.manifestPath({ host: 'registry.ollama.ai', namespace: 'library', name: 'a', tag: 'latest' }), '{"schemaVersion":1}');
    await expect(store.show('a')).rejects.toThrow(/schemaVersion is 1, expected 2; remove it with 'apr rm'/);
  });
});

describe('pacha store lock', () => {
  it('serialises writers in one process', async () => {
    const lock = join(dir, '.lock');
    const order: string[] = [];
    const slow = (tag: string) =>
      withLock(lock, async () => {
        order.push(`${tag}<`);
        await new Promise((r) => setTimeout(r, 20));
        order.push(`>${tag}`);
      });
    await Promise.all([slow('a'), slow('b'), slow('c')]);
    for (let i = 0; i < order.length; i += 2) expect(order[i].slice(0, 1)).toBe(order[i + 1].slice(1));
    expect(existsSync(lock)).toBe(false);
  });

  it('breaks a stale lock left by a dead process; times out on a live one', async () => {
    const lock = join(dir, '.lock');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const { hostname } = await import('node:os');
    writeFileSync(lock, JSON.stringify({ pid: Number(dead.stdout), host: hostname(), created: Date.now() }));
    expect(await withLock(lock, async () => 42, { timeoutMs: 2000 })).toBe(42);

    // An empty lock file (creator died before writing) is stale once it is a few seconds old.
    writeFileSync(lock, '');
    await expect(withLock(lock, async () => 1, { timeoutMs: 100 })).rejects.toThrow(/held by pid \?/);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    expect(await withLock(lock, async () => 43, { timeoutMs: 2000 })).toBe(43);

    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), created: Date.now() }));
    await expect(withLock(lock, async () => 1, { timeoutMs: 100 })).rejects.toThrow(LockError);
    await expect(withLock(lock, async () => 1, { timeoutMs: 100 })).rejects.toThrow(/held by pid \d+/);
  });

  it('concurrent imports from two processes leave a consistent store', async () => {
    const home = join(dir, 'home');
    const shared = fakeGGUF(join(dir, 'shared.gguf'), 200_000);
    const argsFor = (p: string) => [
      `${shared}=shared-${p}`,
      // Each import is followed by an import + rm of a scratch name: the rm's GC races with the
      // other process's blob commits, which only the lock keeps apart.
      ...Array.from({ length: 4 }, (_, i) => [
        `${fakeGGUF(join(dir, `${p}${i}.gguf`), 50_000)}=${p}:${i}`,
        `${fakeGGUF(join(dir, `${p}${i}-scratch.gguf`), 20_000)}=scratch-${p}:${i}`,
        `-scratch-${p}:${i}`,
      ]).flat(),
      `${fakeGGUF(join(dir, `${p}-same.gguf`), new Uint8Array(30_000).fill(7))}=same:${p}`,
    ];
    const run = promisify(execFile);
    const child = join(import.meta.dirname, 'import-child.ts');
    await Promise.all(
      ['p', 'q'].map((p) =>
        run(process.execPath, ['--import', 'tsx', child, ...argsFor(p)], { env: { ...process.env, PACHA_HOME: home }, cwd: import.meta.dirname }),
      ),
    );
    const s = new Store(home);
    const names = (await s.list()).map((r) => r.display).sort();
    expect(names).toEqual(['p:0', 'p:1', 'p:2', 'p:3', 'q:0', 'q:1', 'q:2', 'q:3', 'same:p', 'same:q', 'shared-p:latest', 'shared-q:latest']);
    // 8 distinct files + one shared + one identical content under two names = 10 blobs.
    expect(readdirSync(s.blobsDir).sort()).toHaveLength(10);
    expect(await s.verify()).toMatchObject({ checked: 10, problems: [] });
    expect(tempFiles(home)).toEqual([]);
    expect(existsSync(join(home, '.lock'))).toBe(false);
  }, 30_000);
});
