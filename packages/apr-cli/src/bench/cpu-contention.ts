/**
 * How much CPU other processes used while the bench ran. On a shared machine this is what makes
 * rates irreproducible — llama.cpp's most, since its threads spin on barriers and one descheduled
 * thread stalls them all — so the bench measures it instead of guessing from the load average
 * (which also counts the bench's own earlier work).
 *
 * Linux only: busy ticks of all CPUs (/proc/stat) minus this process's own ticks, its threads
 * and its finished children (llama-bench) included (/proc/self/stat utime, stime, cutime, cstime),
 * over the elapsed ticks of one CPU. Both files count in the same USER_HZ ticks.
 */
import { readFileSync } from 'node:fs';

/** Other processes' CPU use (in CPUs) above which a run is flagged as skewed. */
export const BUSY_CPUS = 0.2;

/** A reading of the counters. */
export interface CpuSnapshot {
  /** Busy ticks summed over all CPUs. */
  readonly busy: number;
  /** All ticks summed over all CPUs. */
  readonly all: number;
  /** Ticks of this process and its reaped children. */
  readonly self: number;
  readonly cpus: number;
}

/** Parses the aggregate `cpu` line of /proc/stat and this process's times (exported for tests). */
export function parseSnapshot(procStat: string, selfStat: string): CpuSnapshot {
  const lines = procStat.split('\n');
  const f = lines[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
  const busy = user + nice + system + irq + softirq + steal;
  // Fields after the command name (which may hold spaces): state is field 3, utime field 14.
  const rest = selfStat.slice(selfStat.lastIndexOf(')') + 2).split(' ').map(Number);
  const self = rest[11] + rest[12] + rest[13] + rest[14];
  const cpus = lines.filter((l) => /^cpu\d+ /.test(l)).length || 1;
  return { busy, all: busy + idle + iowait, self, cpus };
}

/** The counters now, or undefined where /proc is not available. */
export function cpuSnapshot(): CpuSnapshot | undefined {
  try {
    return parseSnapshot(readFileSync('/proc/stat', 'utf8'), readFileSync('/proc/self/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * CPUs other processes kept busy between two snapshots, on average (0.9: about one core's worth);
 * undefined when unknown.
 */
export function otherCpuLoad(a: CpuSnapshot | undefined, b: CpuSnapshot | undefined): number | undefined {
  if (!a || !b || b.all <= a.all) return undefined;
  const elapsedPerCpu = (b.all - a.all) / b.cpus;
  return Math.max(0, (b.busy - a.busy - (b.self - a.self)) / elapsedPerCpu);
}
