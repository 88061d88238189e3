/**
 * Runs a {@link ConformanceCase} in the PTX emulator: one EmuMemory holding every buffer
 * (256-byte aligned like cuMemAlloc), pointer tables filled with the emulated addresses, the
 * launches in order, then the outputs read back as bytes.
 */
import { emulate } from '../emu/emulate.js';
import { EmuMemory } from '../emu/memory.js';
import { type ConformanceCase, ConformanceCaseError, argBuffer, bufferBytes, caseBytes, orderedArgs } from './conformance-case.js';

/** Output bytes by output index, and the emulated instruction count. */
export interface CaseRun {
  readonly outputs: readonly Uint8Array[];
  readonly instructions: number;
}

/** The bytes an output of `c` occupies. */
export function outputBytes(c: ConformanceCase, i: number): number {
  return c.outputs[i].ref.length * 4;
}

/** Executes `c` in the emulator. */
export function runCaseEmulated(c: ConformanceCase): CaseRun {
  const mem = new EmuMemory(caseBytes(c) + 256 * (c.buffers.length + 2));
  const addr = new Map<string, number>();
  for (const b of c.buffers) {
    const bytes = Math.max(bufferBytes(b.init), 1);
    if (typeof b.init === 'number') addr.set(b.name, mem.alloc(bytes));
    else if (ArrayBuffer.isView(b.init)) addr.set(b.name, mem.upload(b.init));
    else addr.set(b.name, mem.alloc(bytes));
  }
  for (const b of c.buffers) {
    if (typeof b.init === 'number' || ArrayBuffer.isView(b.init)) continue;
    const table = new BigUint64Array(
      b.init.pointers.map((p) => {
        const a = addr.get(p);
        if (a === undefined) throw new ConformanceCaseError(`pointer table '${b.name}' names buffer '${p}', which the case does not declare`);
        return BigInt(a);
      }),
    );
    mem.bytes.set(new Uint8Array(table.buffer), addr.get(b.name)!);
  }
  let instructions = 0;
  for (const l of c.launches) {
    const params: Record<string, number> = {};
    for (const { name, arg } of orderedArgs(l)) {
      const b = argBuffer(c, l.kernel, name, arg);
      params[name] = b && typeof arg !== 'number' ? addr.get(b.name)! + (arg.offset ?? 0) : (arg as number);
    }
    instructions += emulate(l.kernel, { grid: [...l.grid], block: [...l.block], memory: mem, params, maxStepsPerThread: 1e8 }).instructions;
  }
  const outputs = c.outputs.map((o, i) => {
    const at = addr.get(o.buf);
    if (at === undefined) throw new ConformanceCaseError(`output names buffer '${o.buf}', which the case does not declare`);
    return mem.readBytes(at + (o.offset ?? 0), outputBytes(c, i));
  });
  return { outputs, instructions };
}
