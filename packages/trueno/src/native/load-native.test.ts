/**
 * The loader never throws: a disabled, missing or broken addon gives `addon: null` and a reason
 * that names what is wrong.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadNative } from './load-native.js';

const saved = { ...process.env };

afterEach(() => {
  for (const k of ['TRUENO_NATIVE', 'TRUENO_NATIVE_PATH', 'TRUENO_THREADS']) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  loadNative({ reload: true });
});

describe('loadNative', () => {
  it('returns null with the reason when disabled by TRUENO_NATIVE=0 [F-NATIVE-6]', () => {
    process.env.TRUENO_NATIVE = '0';
    const r = loadNative({ reload: true });
    expect(r.addon).toBeNull();
    expect(r.addon === null && r.reason).toMatch(/disabled by TRUENO_NATIVE=0/);
  });

  it('returns null naming the file when the addon path does not exist', () => {
    delete process.env.TRUENO_NATIVE;
    process.env.TRUENO_NATIVE_PATH = join(tmpdir(), 'no-such-dir', 'trueno_native.node');
    const r = loadNative({ reload: true });
    expect(r.addon).toBeNull();
    expect(r.addon === null && r.reason).toContain('no-such-dir');
  });

  it('returns null when the file is not a loadable addon', () => {
    const bogus = join(tmpdir(), `trueno-bogus-${process.pid}.node`);
    writeFileSync(bogus, 'not an ELF file');
    delete process.env.TRUENO_NATIVE;
    process.env.TRUENO_NATIVE_PATH = bogus;
    const r = loadNative({ reload: true });
    expect(r.addon).toBeNull();
    expect(r.addon === null && r.reason).toMatch(/failed to load/);
  });

  it('returns the addon with ISA and thread count, or a reason, and caches the result', () => {
    delete process.env.TRUENO_NATIVE;
    const r = loadNative({ reload: true });
    if (r.addon) {
      expect(r.isa).toMatch(/^(avx512|avx2|generic)$/);
      expect(r.threads).toBeGreaterThanOrEqual(1);
    } else {
      expect(r.reason).toMatch(/native addon/);
    }
    expect(loadNative()).toBe(r);
  });

  it('applies TRUENO_THREADS', () => {
    delete process.env.TRUENO_NATIVE;
    process.env.TRUENO_THREADS = '3';
    const r = loadNative({ reload: true });
    if (r.addon) expect(r.threads).toBe(3);
  });
});
