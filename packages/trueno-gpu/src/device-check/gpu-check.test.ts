import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCudaDriver } from '../driver/load-cuda-driver.js';
import { GPU_CHECK_EXIT, GpuCheckUsageError, gpuCheck, parseGpuCheckArgs } from './gpu-check.js';

const dir = mkdtempSync(join(tmpdir(), 'gpu-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('gpu-check', () => {
  it('parses its flags and rejects unknown ones with the usage', async () => {
    const a = parseGpuCheckArgs(['--json', '/x.json', '--only', 'gemv', '--samples', '3', '--scale', 'emu', '--no-emu', '--device', '1']);
    expect(a).toMatchObject({ json: '/x.json', samples: 3, scale: 'emu', emu: false, device: true, ordinal: 1 });
    expect(a.only?.test('gemv_q8_0')).toBe(true);
    expect(() => parseGpuCheckArgs(['--bogus'])).toThrow(GpuCheckUsageError);
    expect(() => parseGpuCheckArgs(['--samples', '-1'])).toThrow(/non-negative integer/);
    expect(() => parseGpuCheckArgs(['--scale', 'huge'])).toThrow(/emu or device/);
    expect(await gpuCheck(['--bogus'], () => {})).toBe(GPU_CHECK_EXIT.usage);
  });

  it('runs the emulator table, then says why there is no device (exit 3) or checks the device, and writes the JSON', async () => {
    const lines: string[] = [];
    const json = join(dir, 'gpu-check.json');
    const code = await gpuCheck(['--only', '^(add_f32|argmax.*)$', '--samples', '1', '--json', json], (l) => lines.push(l));
    const out = JSON.parse(readFileSync(json, 'utf8')) as { emu: { ok: boolean; rows: unknown[] }; driver: { reason?: string }; host: { node: string } };
    expect(out.emu.ok).toBe(true);
    expect(out.emu.rows.length).toBe(4);
    expect(out.host.node).toBe(process.version);
    const text = lines.join('\n');
    expect(text).toMatch(/4\/4 cases within bounds/);
    const cuda = loadCudaDriver();
    if (cuda.driver) {
      expect(code).toBe(GPU_CHECK_EXIT.ok);
    } else {
      expect(code).toBe(GPU_CHECK_EXIT.noDevice);
      expect(out.driver.reason).toBe(cuda.reason);
      expect(text).toContain(`gpu-check: ${cuda.reason}`);
    }
  });
});
