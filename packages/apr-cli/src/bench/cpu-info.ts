/**
 * The machine a benchmark ran on: CPU model, physical cores and the SIMD extensions that matter
 * for llama.cpp-style kernels. Linux reads /proc/cpuinfo; elsewhere the fields fall back to
 * node:os (no ISA flags).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';

/** ISA flags worth reporting, in the order they are printed. */
export const REPORTED_ISA = [
  'sse4_2', 'avx', 'f16c', 'fma', 'avx2', 'avx_vnni', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_vnni', 'avx512_bf16', 'amx_tile', 'amx_int8', 'amx_bf16', 'asimd', 'sve',
] as const;

/** Facts about the CPU. */
export interface MachineInfo {
  readonly cpu: string;
  /** Distinct (physical id, core id) pairs; logical CPUs when unknown. */
  readonly physicalCores: number;
  readonly logicalCpus: number;
  /** The subset of {@link REPORTED_ISA} this CPU has. */
  readonly isa: string[];
}

/** Parses the text of /proc/cpuinfo (exported for tests). */
export function parseCpuinfo(text: string): Omit<MachineInfo, 'logicalCpus'> & { logical: number } {
  let cpu = '';
  const cores = new Set<string>();
  let flags = new Set<string>();
  let logical = 0;
  let phys = '0';
  for (const block of text.split(/\n\s*\n/)) {
    if (!/^processor\s*:/m.test(block)) continue;
    logical++;
    for (const line of block.split('\n')) {
      const m = /^([^:]+?)\s*:\s*(.*)$/.exec(line);
      if (!m) continue;
      const [, k, v] = m;
      if (k === 'model name' && !cpu) cpu = v;
      else if (k === 'physical id') phys = v;
      else if (k === 'core id') cores.add(`${phys}/${v}`);
      else if ((k === 'flags' || k === 'Features') && flags.size === 0) flags = new Set(v.split(/\s+/));
    }
  }
  return { cpu, physicalCores: cores.size || logical, logical, isa: REPORTED_ISA.filter((f) => flags.has(f)) };
}

/** This machine's {@link MachineInfo}. */
export function machineInfo(): MachineInfo {
  const logicalCpus = availableParallelism();
  try {
    const p = parseCpuinfo(readFileSync('/proc/cpuinfo', 'utf8'));
    // A container may be limited to fewer CPUs than the host's cpuinfo lists.
    return { cpu: p.cpu || cpus()[0]?.model || 'unknown', physicalCores: Math.min(p.physicalCores, logicalCpus), logicalCpus, isa: p.isa };
  } catch {
    return { cpu: cpus()[0]?.model ?? 'unknown', physicalCores: logicalCpus, logicalCpus, isa: [] };
  }
}
