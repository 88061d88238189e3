/**
 * Global-memory access statistics of an emulated launch, per warp-level request: the lanes of a
 * warp executing one load/store instruction for the n-th time form one request (as the hardware's
 * coalescer sees it), and the request costs one transaction per distinct 32-byte sector touched.
 * `bytes / (sectors·32)` is the coalescing efficiency (above 1 when lanes read the same bytes,
 * e.g. broadcast block scales). This is an L1/LSU-level count: repeated sectors across requests
 * usually hit in cache and do not each cost DRAM bandwidth.
 */

/** Counters of one access kind. */
export interface AccessCounters {
  /** Warp-level requests (instruction executions by a warp). */
  requests: number;
  /** 32-byte sectors touched, summed over requests. */
  sectors: number;
  /** Bytes the lanes asked for, summed. */
  bytes: number;
}

/** Load and store counters of global memory, in total and per instruction (compiled step index). */
export interface MemoryStats {
  readonly loads: AccessCounters;
  readonly stores: AccessCounters;
  readonly byStep: Map<number, AccessCounters>;
}

/** A fresh, zeroed {@link MemoryStats}. */
export function emptyMemoryStats(): MemoryStats {
  return { loads: { requests: 0, sectors: 0, bytes: 0 }, stores: { requests: 0, sectors: 0, bytes: 0 }, byStep: new Map() };
}

/** Collects one block's requests; {@link flush} adds them to a launch's totals. */
export class BlockMemoryRecorder {
  private readonly pending = new Map<string, { pc: number; sectors: Set<number>; bytes: number; store: boolean }>();

  /** Records `bytes` at `addr` by a lane of `warp` on its `visit`-th execution of step `pc`. */
  record(warp: number, pc: number, visit: number, addr: number, bytes: number, store: boolean): void {
    const key = `${warp}:${pc}:${visit}`;
    let r = this.pending.get(key);
    if (!r) this.pending.set(key, (r = { pc, sectors: new Set(), bytes: 0, store }));
    r.bytes += bytes;
    for (let s = Math.floor(addr / 32); s <= Math.floor((addr + bytes - 1) / 32); s++) r.sectors.add(s);
  }

  /** Adds the block's requests to `into` and clears. */
  flush(into: MemoryStats): void {
    for (const r of this.pending.values()) {
      let step = into.byStep.get(r.pc);
      if (!step) into.byStep.set(r.pc, (step = { requests: 0, sectors: 0, bytes: 0 }));
      for (const c of [r.store ? into.stores : into.loads, step]) {
        c.requests++;
        c.sectors += r.sectors.size;
        c.bytes += r.bytes;
      }
    }
    this.pending.clear();
  }
}
