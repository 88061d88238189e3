/**
 * Which host buffers have a device copy and which side is newer. Every host ArrayBuffer an
 * activation, logits or KV-cache argument lives in gets one device allocation of the same size,
 * so a view maps to (mirror address + byteOffset) and a whole session's buffers stay on the device
 * between ops: nothing crosses PCIe unless JavaScript reads (`download`) or writes (`invalidate`)
 * a buffer, or an op falls back to the CPU. State per buffer:
 *
 * - `host`: the host copy is newer (new buffer, or JS wrote it): uploaded whole before a device op uses it.
 * - `device`: a device op wrote it: downloaded whole before the host reads it.
 * - `both`: equal.
 *
 * Device memory is freed when the host buffer is garbage-collected (FinalizationRegistry), so
 * sessions that come and go do not leak device memory.
 */
import type { DeviceAddress, GpuDevice } from './gpu-device.js';
import type { TransferCounter } from './gpu-stats.js';

/** Which copy of a mirrored buffer is current. */
export type MirrorState = 'host' | 'device' | 'both';

/** One host buffer's device copy. */
export interface Mirror {
  readonly addr: DeviceAddress;
  readonly bytes: number;
  state: MirrorState;
}

/** Transfer counters the table adds to. */
export interface MirrorCounters {
  /** Whole-buffer host→device syncs. */
  readonly uploads: TransferCounter;
  /** Whole-buffer device→host syncs asked by `download` (JS reads a result). */
  readonly downloads: TransferCounter;
  /** Whole-buffer device→host syncs forced by a CPU fallback op. */
  readonly fallbackDownloads: TransferCounter;
}

/** The mirrors of one device (see the module comment). */
export class DeviceMirrors {
  private readonly mirrors = new WeakMap<ArrayBufferLike, Mirror>();
  private readonly finalizer: FinalizationRegistry<{ addr: DeviceAddress; bytes: number }>;
  private live = 0;
  private liveBytes = 0;
  private disposed = false;

  constructor(
    private readonly device: GpuDevice,
    private readonly counters: MirrorCounters,
  ) {
    this.finalizer = new FinalizationRegistry(({ addr, bytes }) => {
      if (this.disposed) return;
      this.live--;
      this.liveBytes -= bytes;
      try {
        this.device.free(addr);
      } catch {
        // A device torn down meanwhile: its memory is gone already.
      }
    });
  }

  /** Mirrored buffers alive, and their device bytes. */
  get size(): { buffers: number; bytes: number } {
    return { buffers: this.live, bytes: this.liveBytes };
  }

  /** The mirror of `x`'s buffer, if one exists. */
  find(x: ArrayBufferView): Mirror | undefined {
    return this.mirrors.get(x.buffer);
  }

  /** Device address of view `x`, with the device copy current (uploads the buffer when the host is newer). */
  read(x: ArrayBufferView): DeviceAddress {
    const m = this.mirror(x.buffer);
    if (m.state === 'host') {
      this.device.upload(m.addr, new Uint8Array(x.buffer, 0, m.bytes));
      this.counters.uploads.add(m.bytes);
      m.state = 'both';
    }
    return m.addr + x.byteOffset;
  }

  /**
   * Device address of view `x` for an op that writes it: the device copy is made current first
   * (ops write only a prefix), and the buffer is then marked device-newer.
   */
  write(x: ArrayBufferView): DeviceAddress {
    const a = this.read(x);
    this.mirror(x.buffer).state = 'device';
    return a;
  }

  /** Makes the host copy of `x`'s buffer current (`fallback`: counted as a CPU fallback's transfer). */
  toHost(x: ArrayBufferView, fallback = false): void {
    const m = this.mirrors.get(x.buffer);
    if (!m || m.state !== 'device') return;
    this.device.download(new Uint8Array(x.buffer, 0, m.bytes), m.addr);
    (fallback ? this.counters.fallbackDownloads : this.counters.downloads).add(m.bytes);
    m.state = 'both';
  }

  /** The host wrote `x`'s buffer: its device copy is stale. */
  hostWrote(x: ArrayBufferView): void {
    const m = this.mirrors.get(x.buffer);
    if (m) m.state = 'host';
  }

  /** Stops freeing on garbage collection (the device is being disposed with all its memory). */
  dispose(): void {
    this.disposed = true;
  }

  private mirror(buf: ArrayBufferLike): Mirror {
    let m = this.mirrors.get(buf);
    if (!m) {
      const bytes = buf.byteLength;
      m = { addr: this.device.alloc(Math.max(bytes, 4)), bytes, state: 'host' };
      this.mirrors.set(buf, m);
      this.live++;
      this.liveBytes += bytes;
      this.finalizer.register(buf, { addr: m.addr, bytes });
    }
    return m;
  }
}
