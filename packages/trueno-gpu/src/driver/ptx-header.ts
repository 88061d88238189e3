/**
 * What the binding reads from a PTX module's text before handing it to the driver: the ISA
 * `.version`, the `.target` architecture and each `.entry` with its parameter types. Used to
 * check kernel arguments at launch (the driver reads each parameter at the width the kernel
 * declares and would read past a short argument list) and to explain JIT failures.
 */

/** A PTX scalar parameter type, e.g. `u64`, `f32` (without the dot). */
export type PtxParamType = `${'u' | 's' | 'b' | 'f'}${8 | 16 | 32 | 64}`;

/** One `.entry` of a module. */
export interface PtxEntry {
  readonly name: string;
  /** Parameter types in order; `undefined` where a parameter is not a scalar (an aligned byte array). */
  readonly params: readonly (PtxParamType | undefined)[];
}

/** The header facts of a PTX module. */
export interface PtxHeader {
  /** `.version 8.0` → `{ major: 8, minor: 0 }`. */
  readonly version?: { readonly major: number; readonly minor: number };
  /** `.target sm_89` → 89 (`sm_90a` → 90). */
  readonly targetSm?: number;
  readonly entries: readonly PtxEntry[];
}

const PARAM = /\.param\s+(?:\.align\s+\d+\s+)?\.([usbf](?:8|16|32|64))\s+[%\w$]+(\s*\[)?/;

/** Parses the header facts of `ptx`; tolerant: anything not found is left out. */
export function parsePtxHeader(ptx: string): PtxHeader {
  const text = ptx.replace(/\/\/[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
  const v = /\.version\s+(\d+)\.(\d+)/.exec(text);
  const t = /\.target\s+sm_(\d+)/.exec(text);
  const entries: PtxEntry[] = [];
  const entryRe = /\.entry\s+([\w$]+)\s*(\(([^)]*)\))?/g;
  for (let m = entryRe.exec(text); m; m = entryRe.exec(text)) {
    const list = m[3]?.trim() ? m[3].split(',') : [];
    const params = list.map((p) => {
      const pm = PARAM.exec(p);
      return pm && !pm[2] ? (pm[1] as PtxParamType) : undefined;
    });
    entries.push({ name: m[1], params });
  }
  return {
    version: v ? { major: Number(v[1]), minor: Number(v[2]) } : undefined,
    targetSm: t ? Number(t[1]) : undefined,
    entries,
  };
}

/**
 * The oldest CUDA driver version (cuDriverGetVersion form, 12040 = 12.4) that loads PTX of ISA
 * `major.minor`, from NVIDIA's PTX release history; `undefined` below ISA 7.0 (every driver that
 * runs this binding's targets loads those).
 */
export function minDriverForPtx(major: number, minor: number): number | undefined {
  if (major === 7) return 11000 + minor * 10;
  if (major === 8) return minor <= 5 ? 12000 + minor * 10 : 12000 + (minor + 1) * 10;  // 8.6 → 12.7, 8.7 → 12.8, 8.8 → 12.9
  if (major >= 9) return (major + 4) * 1000 + minor * 10;  // 9.0 → 13.0, 9.1 → 13.1
  return undefined;
}

/** `12040` → `12.4`. */
export function formatDriverVersion(v: number): string {
  return `${Math.floor(v / 1000)}.${Math.floor((v % 1000) / 10)}`;
}

/**
 * Advice for a module the JIT rejected, from the PTX header, the device and the driver: the
 * target newer than the GPU, or an ISA newer than the driver knows; '' when neither explains it.
 */
export function jitAdvice(header: PtxHeader, deviceSm: number, driverVersion: number): string {
  if (header.targetSm !== undefined && header.targetSm > deviceSm) {
    return `PTX .target sm_${header.targetSm} is newer than this GPU (sm_${deviceSm}): generate the kernels for sm_${deviceSm} or lower`;
  }
  const v = header.version;
  const need = v ? minDriverForPtx(v.major, v.minor) : undefined;
  if (v && need !== undefined && need > driverVersion) {
    return `update the NVIDIA driver: PTX ISA ${v.major}.${v.minor} needs a driver for CUDA ≥ ${formatDriverVersion(need)}, this one supports CUDA ${formatDriverVersion(driverVersion)} (or emit an older .version)`;
  }
  return 'the PTX is invalid: fix the generator (the ptxas log below gives the line)';
}
