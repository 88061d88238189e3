/**
 * The content-addressed model store under `$PACHA_HOME` (default `~/.cache/pacha`):
 *
 *   blobs/sha256-<hex>                               one file per distinct content (stored once)
 *   manifests/<host>/<namespace>/<name>/<tag>        JSON {@link Manifest} naming layers by digest
 *   .lock                                            writer lock (see lock.ts)
 *
 * Every write is atomic (temp + fsync + rename). Writers (import, cp, rm) hold the lock while they
 * change manifests or blobs, so a blob GC never runs between a blob's rename and the write of the
 * manifest that references it. Readers take no lock: they only ever see whole files.
 */
import { mkdir, open, readdir, readFile, rm, rmdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { commitTemp, copyHashedToTemp, writeFileAtomic } from './atomic.js';
import { blobFileName, digestOfBlobName, sha256Bytes, sha256File, shortId } from './digest.js';
import { FormatError, NotFoundError } from './errors.js';
import { withLock } from './lock.js';
import { localShards } from './split-names.js';
import { type Layer, MEDIA_TYPES, type Manifest, modelLayer, modelLayers, parseManifest } from './manifest.js';
import { type ModelName, displayModelName, formatModelName, parseModelName } from './model-name.js';
import { pathExists } from './path-exists.js';

/** `$PACHA_HOME`, else `~/.cache/pacha`. */
export function defaultPachaHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.PACHA_HOME && env.PACHA_HOME !== '' ? resolve(env.PACHA_HOME) : join(homedir(), '.cache', 'pacha');
}

/** One row of {@link Store.list}. */
export interface ListEntry {
  readonly name: ModelName;
  /** Short form (`qwen2.5-coder:1.5b`). */
  readonly display: string;
  /** Digest of the manifest bytes; its first 12 hex digits are the ID. */
  readonly digest: string;
  readonly id: string;
  /** Sum of the layer sizes in bytes. */
  readonly size: number;
  /** When the manifest was last written. */
  readonly modified: Date;
}

/** What {@link Store.show} returns. */
export interface ShowResult extends ListEntry {
  readonly manifest: Manifest;
  /** The GGUF on disk: a blob, or the linked file (the first shard of a split model). */
  readonly modelPath: string | undefined;
  readonly modelDigest: string | undefined;
  /** Every model layer's file in order: one path, or the shards of a split model in shard order. */
  readonly modelPaths: readonly string[];
  readonly linked: boolean;
}

/** What {@link Store.import} returns. */
export interface ImportResult {
  readonly name: ModelName;
  /** Digest of the model layer (the first shard's, for a split GGUF). */
  readonly digest: string;
  /** Bytes imported (all shards). */
  readonly size: number;
  readonly linked: boolean;
  /** True when an identical blob was already stored (nothing new written). */
  readonly deduplicated: boolean;
}

/** One problem {@link Store.verify} found. */
export interface VerifyProblem {
  readonly digest: string;
  readonly path: string;
  readonly reason: string;
}

/** What {@link Store.verify} returns. */
export interface VerifyReport {
  /** Files re-hashed (blobs and linked files). */
  readonly checked: number;
  readonly bytes: number;
  readonly problems: readonly VerifyProblem[];
}

const GGUF_MAGIC = Buffer.from('GGUF', 'latin1');

async function assertGGUF(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    if (bytesRead < 4 || !head.equals(GGUF_MAGIC)) {
      throw new FormatError(`${path} is not a GGUF file (its first bytes are not 'GGUF'); import GGUF model files only`);
    }
  } finally {
    await fh.close();
  }
}

function toName(ref: string | ModelName): ModelName {
  return typeof ref === 'string' ? parseModelName(ref) : ref;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => !n.startsWith('.'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** A model store rooted at `root`. */
export class Store {
  readonly root: string;

  constructor(root: string = defaultPachaHome()) {
    this.root = resolve(root);
  }

  get blobsDir(): string {
    return join(this.root, 'blobs');
  }

  get manifestsDir(): string {
    return join(this.root, 'manifests');
  }

  /** Path of the blob with `digest`. */
  blobPath(digest: string): string {
    return join(this.blobsDir, blobFileName(digest));
  }

  /** Path of the manifest file of `name`. */
  manifestPath(name: ModelName): string {
    return join(this.manifestsDir, name.host, name.namespace, name.name, name.tag);
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    return withLock(join(this.root, '.lock'), fn);
  }

  private async ensureRoot(): Promise<void> {
    await mkdir(this.blobsDir, { recursive: true });
    await mkdir(this.manifestsDir, { recursive: true });
  }

  /** Reads the manifest of `ref`; throws {@link NotFoundError} when there is none. */
  async manifest(ref: string | ModelName): Promise<{ name: ModelName; manifest: Manifest; bytes: Buffer; modified: Date }> {
    const name = toName(ref);
    const path = this.manifestPath(name);
    let bytes: Buffer;
    let modified: Date;
    try {
      bytes = await readFile(path);
      modified = (await stat(path)).mtime;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new NotFoundError(`model '${displayModelName(name)}' is not in the store (${this.root}); see 'apr list', or import it with 'apr import FILE --name ${displayModelName(name)}'`);
      }
      throw err;
    }
    return { name, manifest: parseManifest(bytes.toString('utf8'), path), bytes, modified };
  }

  /** Every manifest name in the store, sorted by canonical form. */
  async names(): Promise<ModelName[]> {
    const out: ModelName[] = [];
    for (const host of await listDir(this.manifestsDir)) {
      for (const namespace of await listDir(join(this.manifestsDir, host))) {
        for (const name of await listDir(join(this.manifestsDir, host, namespace))) {
          for (const tag of await listDir(join(this.manifestsDir, host, namespace, name))) out.push({ host, namespace, name, tag });
        }
      }
    }
    return out.sort((a, b) => formatModelName(a).localeCompare(formatModelName(b)));
  }

  private entry(name: ModelName, manifest: Manifest, bytes: Buffer, modified: Date): ListEntry {
    const digest = sha256Bytes(bytes);
    const size = manifest.layers.reduce((s, l) => s + l.size, 0);
    return { name, display: displayModelName(name), digest, id: shortId(digest), size, modified };
  }

  /** The models in the store, newest first (as `ollama list`). */
  async list(): Promise<ListEntry[]> {
    const rows: ListEntry[] = [];
    for (const n of await this.names()) {
      const { manifest, bytes, modified } = await this.manifest(n);
      rows.push(this.entry(n, manifest, bytes, modified));
    }
    return rows.sort((a, b) => b.modified.getTime() - a.modified.getTime() || a.display.localeCompare(b.display));
  }

  /** The manifest of `ref` with the path of its GGUF (the paths of its shards, for a split model). */
  async show(ref: string | ModelName): Promise<ShowResult> {
    const { name, manifest, bytes, modified } = await this.manifest(ref);
    const layer = modelLayer(manifest);
    return {
      ...this.entry(name, manifest, bytes, modified),
      manifest,
      modelPaths: modelLayers(manifest).map((l) => l.path ?? this.blobPath(l.digest)),
      modelPath: layer ? (layer.path ?? this.blobPath(layer.digest)) : undefined,
      modelDigest: layer?.digest,
      linked: layer?.path !== undefined,
    };
  }

  /**
   * Registers the GGUF `file` as `ref`. By default the bytes are copied into `blobs/` (stored once:
   * an identical blob is reused); with `link` the manifest points at the file in place, recording
   * its size, mtime and digest. The first shard of a split GGUF (`<prefix>-00001-of-0000N.gguf`)
   * brings its siblings beside it: one model layer per shard, in shard order. Replacing an existing
   * manifest garbage-collects blobs it alone used. The result's digest is the (first) model layer's,
   * its size the sum over shards.
   */
  async import(file: string, ref: string | ModelName, options: { link?: boolean } = {}): Promise<ImportResult> {
    const name = toName(ref);
    const paths = await localShards(resolve(file));
    for (const p of paths) await assertGGUF(p);
    await this.ensureRoot();
    if (options.link) {
      const layers: Layer[] = [];
      for (const path of paths) {
        const before = await stat(path);
        const { digest, size } = await sha256File(path);
        const after = await stat(path);
        if (after.mtimeMs !== before.mtimeMs || after.size !== size) {
          throw new FormatError(`${path} changed while it was being hashed; import it again once it is complete`);
        }
        layers.push({ mediaType: MEDIA_TYPES.model, digest, size, path, mtimeMs: after.mtimeMs });
      }
      await this.locked(() => this.writeManifest(name, layers));
      return { name, digest: layers[0].digest, size: sumSizes(layers), linked: true, deduplicated: false };
    }
    const temps: Array<{ tmp: string; digest: string; size: number }> = [];
    let deduplicated = true;
    try {
      for (const path of paths) temps.push(await copyHashedToTemp(path, this.blobsDir));
      await this.locked(async () => {
        for (const t of temps) {
          const target = this.blobPath(t.digest);
          if (await pathExists(target)) await rm(t.tmp, { force: true });
          else {
            deduplicated = false;
            await commitTemp(t.tmp, target);
          }
        }
        await this.writeManifest(
          name,
          temps.map((t) => ({ mediaType: MEDIA_TYPES.model, digest: t.digest, size: t.size })),
        );
      });
    } finally {
      for (const t of temps) await rm(t.tmp, { force: true });
    }
    return { name, digest: temps[0].digest, size: sumSizes(temps), linked: false, deduplicated };
  }

  /**
   * Rewrites the manifest of `ref` under the store lock: `edit` gets the current manifest (read
   * inside the lock, so no concurrent writer's change is lost) and returns the new layers plus the
   * bytes of any new blobs they reference; the blobs are written before the manifest, and blobs the
   * old manifest alone used are collected. `apr sign` adds its signature layer this way.
   */
  async editManifest(
    ref: string | ModelName,
    edit: (manifest: Manifest) => Promise<{ layers: Layer[]; blobs?: Uint8Array[] }> | { layers: Layer[]; blobs?: Uint8Array[] },
  ): Promise<{ name: ModelName; manifest: Manifest }> {
    const name = toName(ref);
    await this.ensureRoot();
    return this.locked(async () => {
      const { manifest } = await this.manifest(name);
      const { layers, blobs = [] } = await edit(manifest);
      for (const b of blobs) {
        const target = this.blobPath(sha256Bytes(b));
        if (!(await pathExists(target))) await writeFileAtomic(target, b);
      }
      for (const l of layers) {
        if (l.path === undefined && !(await pathExists(this.blobPath(l.digest)))) {
          throw new FormatError(`layer ${l.digest} has no blob in ${this.blobsDir}; pass its bytes in 'blobs'`);
        }
      }
      return { name, manifest: await this.writeManifest(name, layers) };
    });
  }

  /** Writes a manifest (lock held); collects blobs orphaned when it replaced another. */
  private async writeManifest(name: ModelName, layers: Layer[]): Promise<Manifest> {
    const path = this.manifestPath(name);
    const replaced = await pathExists(path);
    const m: Manifest = { schemaVersion: 2, layers, created: new Date().toISOString() };
    await writeFileAtomic(path, `${JSON.stringify(m, null, 2)}\n`);
    if (replaced) await this.gcLocked();
    return m;
  }

  /** Writes a small blob (content-addressed, atomic; kept when already present) and returns its digest. */
  async putBlob(bytes: Uint8Array): Promise<{ digest: string; size: number }> {
    const digest = sha256Bytes(bytes);
    const path = this.blobPath(digest);
    if (!(await pathExists(path))) await writeFileAtomic(path, bytes);
    return { digest, size: bytes.length };
  }

  /**
   * Writes the manifest of `name` under the lock when every stored (non-linked) layer's blob exists
   * and returns []; otherwise writes nothing and returns the missing digests (a GC took them between
   * their download and now — the caller fetches them again). Used by pull.
   */
  async commitManifest(ref: string | ModelName, layers: Layer[]): Promise<string[]> {
    const name = toName(ref);
    await this.ensureRoot();
    return this.locked(async () => {
      const missing: string[] = [];
      for (const l of layers) if (l.path === undefined && !(await pathExists(this.blobPath(l.digest)))) missing.push(l.digest);
      if (missing.length === 0) await this.writeManifest(name, layers);
      return missing;
    });
  }

  /** Deletes those of `digests` whose blobs no manifest references (a failed pull's downloads); returns them. */
  async dropUnreferenced(digests: readonly string[]): Promise<string[]> {
    if (digests.length === 0) return [];
    return this.locked(async () => {
      const live = new Set<string>();
      for (const n of await this.names()) for (const l of (await this.manifest(n)).manifest.layers) live.add(l.digest);
      const removed = digests.filter((d) => !live.has(d));
      for (const d of removed) await rm(this.blobPath(d), { force: true });
      return removed;
    });
  }

  /** Copies the manifest of `src` to `dst` byte for byte (blobs are shared, nothing is duplicated). */
  async cp(src: string | ModelName, dst: string | ModelName): Promise<ModelName> {
    const to = toName(dst);
    await this.ensureRoot();
    await this.locked(async () => {
      // The same bytes, so the copy has the same ID in `apr list` (as `ollama cp`).
      const { bytes } = await this.manifest(src);
      const path = this.manifestPath(to);
      const replaced = await pathExists(path);
      await writeFileAtomic(path, bytes);
      if (replaced) await this.gcLocked();
    });
    return to;
  }

  /** Deletes the manifest of `ref` and every blob no other manifest references. */
  async rm(ref: string | ModelName): Promise<{ name: ModelName; blobsRemoved: string[] }> {
    const name = toName(ref);
    return this.locked(async () => {
      await this.manifest(name); // NotFoundError when absent
      const path = this.manifestPath(name);
      await rm(path);
      // Drop the now-empty name/namespace/host directories so `names()` stays cheap.
      for (let d = dirname(path); d !== this.manifestsDir; d = dirname(d)) {
        try {
          await rmdir(d);
        } catch {
          break;
        }
      }
      return { name, blobsRemoved: await this.gcLocked() };
    });
  }

  /** Deletes unreferenced blobs and stale temp files; returns the digests removed. */
  async gc(): Promise<string[]> {
    return this.locked(() => this.gcLocked());
  }

  private async gcLocked(): Promise<string[]> {
    const live = new Set<string>();
    for (const n of await this.names()) {
      for (const l of (await this.manifest(n)).manifest.layers) if (l.path === undefined) live.add(l.digest);
    }
    const removed: string[] = [];
    for (const f of await listDir(this.blobsDir)) {
      const d = digestOfBlobName(f);
      if (d && !live.has(d)) {
        await rm(join(this.blobsDir, f), { force: true });
        removed.push(d);
      }
    }
    return removed;
  }

  /**
   * Re-hashes every blob (streaming sha256) and every linked file, and checks that every layer a
   * manifest names exists. Reports blobs whose content no longer matches their name.
   */
  async verify(): Promise<VerifyReport> {
    const problems: VerifyProblem[] = [];
    let checked = 0;
    let bytes = 0;
    const blobs = new Set<string>();
    for (const f of await listDir(this.blobsDir)) {
      const want = digestOfBlobName(f);
      if (!want) continue;
      blobs.add(want);
      const path = join(this.blobsDir, f);
      const { digest, size } = await sha256File(path);
      checked++;
      bytes += size;
      if (digest !== want) problems.push({ digest: want, path, reason: `content hashes to ${digest}` });
    }
    const linked = new Map<string, Layer>();
    for (const n of await this.names()) {
      for (const l of (await this.manifest(n)).manifest.layers) {
        if (l.path !== undefined) linked.set(l.path, l);
        else if (!blobs.has(l.digest)) {
          problems.push({ digest: l.digest, path: this.blobPath(l.digest), reason: `missing (referenced by ${displayModelName(n)})` });
        }
      }
    }
    for (const [path, l] of linked) {
      if (!(await pathExists(path))) {
        problems.push({ digest: l.digest, path, reason: 'linked file is missing' });
        continue;
      }
      const { digest, size } = await sha256File(path);
      checked++;
      bytes += size;
      if (digest !== l.digest) problems.push({ digest: l.digest, path, reason: `linked file changed: content hashes to ${digest}` });
    }
    return { checked, bytes, problems };
  }
}

const sumSizes = (xs: ReadonlyArray<{ size: number }>) => xs.reduce((n, x) => n + x.size, 0);

