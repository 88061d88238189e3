/**
 * Decode steps as replayed graphs. The caller brackets a step (`begin(key)` … `end()`; realizar's
 * session does it around a one-token forward through trueno's optional `Backend.stepBegin` /
 * `stepEnd` hooks). Inside a step the backend's ops do not launch: each op appends its launch
 * (kernel, geometry, parameter values) to a pending list and writes its per-token inputs into
 * the step's staging area (step-staging.ts). When the step closes — at `end()`, or at a device
 * argmax whose 4-byte result must come back — the pending list is compared with the graphs
 * recorded under the same key:
 *
 * - equal launches (same kernels, geometry and every parameter value, staging length included):
 *   a hit, the graph is replayed by one device call — the staging copy then every kernel;
 * - otherwise a miss: the list is captured as a new graph (CUDA stream capture, or the
 *   emulator's list), which then runs this step. LRU of `maxGraphs` graphs over all keys.
 *
 * Why compare instead of trusting the key: a graph bakes in device addresses (activations, KV
 * caches, scratch) and scalars (shapes, the split-K plan), and a hit is exactly "this step would
 * issue these launches", so a stale or shared key can cost a capture but never replay the wrong
 * work. The per-token values live only in the staging bytes, so equal steps at different
 * positions compare equal; the attention split plan is chosen per power-of-two context bucket
 * (gpu-backend.ts), so a graph serves every step of a bucket and a new bucket is one new capture.
 *
 * Steps that cannot be captured run eagerly: a CPU fallback (the op needs the host data in the
 * middle of the step; the key is then remembered as not capturable), a host read or device copy
 * inside the step, a staging area that ran out of room, a capture the driver refused. What was
 * pending is issued in order (staging copy first) and the rest of the step launches op by op.
 */
import type { DeviceGraph, DeviceLaunch, GpuDevice } from './gpu-device.js';
import { StepStaging } from './step-staging.js';

/** Graph counters of a backend (GpuBackendStats.graphs). */
export interface StepGraphStats {
  /** Whether steps are recorded and replayed at all. */
  readonly enabled: boolean;
  /** Why not, when not enabled. */
  readonly reason?: string;
  /** Steps replayed from a recorded graph. */
  readonly hits: number;
  /** Steps recorded as a new graph (and run through it). */
  readonly misses: number;
  /** Steps (or their remainder) run op by op, by reason. */
  readonly eagerSteps: number;
  readonly eagerReasons: Readonly<Record<string, number>>;
  /** Kernel launches run inside replayed graphs (none of them issued from JS). */
  readonly replayedLaunches: number;
  /** Graphs held now, and dropped so far (LRU, or a reallocated staging area). */
  readonly cached: number;
  readonly evicted: number;
}

/** Options of {@link StepGraphs}. */
export interface StepGraphOptions {
  /** Why graphs are off (undefined: on). */
  readonly disabled?: string;
  /** Graphs kept (LRU). */
  readonly maxGraphs: number;
  /** Issues one launch eagerly (the backend counts it). */
  readonly issue: (l: DeviceLaunch) => void;
  /** Counts a staging copy (bytes) as the step's per-token upload. */
  readonly staged: (bytes: number) => void;
  /** Called when a step starts deferring, and when its deferred launches have all been issued. */
  readonly deferring: (on: boolean) => void;
}

interface Entry {
  readonly key: string;
  readonly launches: readonly DeviceLaunch[];
  readonly stagingBytes: number;
  readonly graph: DeviceGraph;
}

/** The step recorder of one backend (see the module comment). */
export class StepGraphs {
  readonly staging: StepStaging;
  private depth = 0;
  private mode: 'off' | 'defer' | 'eager' = 'off';
  private key = '';
  private pending: DeviceLaunch[] = [];
  /** Recorded graphs, least recently used first. */
  private entries: Entry[] = [];
  private readonly notCapturable = new Map<string, string>();
  private readonly reasons = new Map<string, number>();
  private hits = 0;
  private misses = 0;
  private eager = 0;
  private replayed = 0;
  private evicted = 0;

  constructor(
    private readonly device: GpuDevice,
    private readonly opts: StepGraphOptions,
  ) {
    this.staging = new StepStaging(device);
  }

  /** True while ops must append their launches ({@link add}) and stage their per-token inputs. */
  get deferring(): boolean {
    return this.mode === 'defer';
  }

  /** Starts a step of shape `key` (nested calls are part of the outer step). */
  begin(key: string): void {
    if (this.depth++ > 0 || this.opts.disabled !== undefined) return;
    this.key = key;
    const why = this.notCapturable.get(key);
    if (why !== undefined) {
      this.mode = 'eager';
      this.count(why);
      return;
    }
    if (this.staging.begin()) this.dropAll();
    this.mode = 'defer';
    this.opts.deferring(true);
  }

  /** Appends a launch of the step (only while {@link deferring}). */
  add(l: DeviceLaunch): void {
    this.pending.push(l);
  }

  /** Ends the capturable part of the step: replays or records what is pending; later ops of the step run eagerly. */
  close(): void {
    if (this.mode !== 'defer') return;
    this.mode = 'eager';
    const launches = this.pending;
    this.pending = [];
    const bytes = this.staging.used;
    if (launches.length > 0) {
      const i = this.entries.findIndex((e) => e.key === this.key && e.stagingBytes === bytes && sameLaunches(e.launches, launches));
      if (i >= 0) {
        const e = this.entries[i];
        this.entries.splice(i, 1);
        this.entries.push(e);
        e.graph.launch();
        this.opts.staged(bytes);
        this.hits++;
        this.replayed += launches.length;
      } else {
        let graph: DeviceGraph;
        try {
          graph = this.device.captureGraph(this.staging.current, bytes, launches);
        } catch (err) {
          const why = `capture failed: ${(err as Error).message.split('\n')[0]}`;
          this.notCapturable.set(this.key, why);
          this.count(why);
          this.issue(launches, bytes);
          this.opts.deferring(false);
          return;
        }
        this.entries.push({ key: this.key, launches, stagingBytes: bytes, graph });
        while (this.entries.length > this.opts.maxGraphs) this.drop(0);
        graph.launch();
        this.opts.staged(bytes);
        this.misses++;
      }
    }
    this.opts.deferring(false);
  }

  /**
   * Runs the step eagerly from here: issues what is pending (staging copy first). `sticky`: every
   * later step of this key runs eagerly too (a CPU fallback recurs at the same op every step).
   */
  flush(reason: string, sticky = false): void {
    if (this.mode !== 'defer') return;
    this.mode = 'eager';
    if (sticky) this.notCapturable.set(this.key, reason);
    this.count(reason);
    const launches = this.pending;
    this.pending = [];
    this.issue(launches, this.staging.used);
    this.opts.deferring(false);
  }

  /** Ends the step (the outermost {@link begin}'s). */
  end(): void {
    if (this.depth === 0) throw new Error('stepEnd() without stepBegin()');
    if (--this.depth > 0) return;
    this.close();
    this.mode = 'off';
  }

  snapshot(): StepGraphStats {
    return {
      enabled: this.opts.disabled === undefined,
      ...(this.opts.disabled !== undefined ? { reason: this.opts.disabled } : {}),
      hits: this.hits,
      misses: this.misses,
      eagerSteps: this.eager,
      eagerReasons: Object.fromEntries(this.reasons),
      replayedLaunches: this.replayed,
      cached: this.entries.length,
      evicted: this.evicted,
    };
  }

  /** Frees the graphs and the staging area. */
  dispose(): void {
    this.dropAll();
    this.staging.dispose();
  }

  private issue(launches: readonly DeviceLaunch[], bytes: number): void {
    if (bytes > 0) {
      this.device.stage(this.staging.current, bytes);
      this.opts.staged(bytes);
    }
    for (const l of launches) this.opts.issue(l);
  }

  private count(reason: string): void {
    this.eager++;
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
  }

  private dropAll(): void {
    while (this.entries.length > 0) this.drop(0);
  }

  private drop(i: number): void {
    const [e] = this.entries.splice(i, 1);
    e.graph.dispose();
    this.evicted++;
  }
}

/** True when both lists launch the same kernels with the same geometry and parameter values. */
export function sameLaunches(a: readonly DeviceLaunch[], b: readonly DeviceLaunch[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.kernel !== y.kernel || (x.sharedBytes ?? 0) !== (y.sharedBytes ?? 0)) return false;
    for (let d = 0; d < 3; d++) if (x.grid[d] !== y.grid[d] || x.block[d] !== y.block[d]) return false;
    for (const p of x.kernel.params) if (x.params[p.name] !== y.params[p.name]) return false;
  }
  return true;
}
