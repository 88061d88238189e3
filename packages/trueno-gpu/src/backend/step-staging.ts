/**
 * The per-token inputs of a recorded decode step — the token's embedding rows, RoPE positions,
 * KV-store rows, attention lengths — packed into one staging area: JS writes the host side
 * during the step, and ONE copy (a memcpy node of the step's graph, or a queued copy when the
 * step runs eagerly) moves it to the device side, which the kernels read. Kernel parameters only
 * hold addresses inside the area, so they are the same every token and a graph can bake them in.
 *
 * Regions are handed out in op order from offset 0 each step, one per call, never shared by
 * value: equal op sequences get equal offsets whatever the values (two sequences of a batch at
 * equal positions must not change the layout, or the step would not match its graph). A layer's
 * few u32 regions cost 16 bytes each. When a step needs more than the area holds, the region
 * call returns undefined (the backend then runs the rest of the step eagerly) and the next
 * {@link StepStaging.begin} reallocates at twice the size asked.
 */
import type { DeviceAddress, DeviceStaging, GpuDevice } from './gpu-device.js';

/** Bytes of the first staging area: a decode token of a 4096-wide model and its small inputs. */
const INITIAL_BYTES = 32 << 10;
/** Region alignment (the kernels load rows with 16-byte vector loads). */
const ALIGN = 16;

/** The staging area of one backend (see the module comment). */
export class StepStaging {
  /** Bytes written this step (the copy's length). */
  used = 0;
  private area: DeviceStaging | undefined;
  private u32: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  private f32: Float32Array<ArrayBufferLike> = new Float32Array(0);
  private want = INITIAL_BYTES;

  constructor(private readonly device: GpuDevice) {}

  /** The current area (allocated by {@link begin}). */
  get current(): DeviceStaging {
    if (!this.area) throw new Error('StepStaging used before begin()');
    return this.area;
  }

  /**
   * Starts a step: reallocates when the last step ran out of room (returns true then: recorded
   * graphs copy from the old area and must go), and waits until no queued copy reads the host side.
   */
  begin(): boolean {
    let moved = false;
    if (!this.area || this.area.bytes < this.want) {
      if (this.area) this.device.freeStaging(this.area);
      this.area = undefined;
      const a = this.device.allocStaging(this.want);
      this.area = a;
      this.u32 = new Uint32Array(a.host.buffer, a.host.byteOffset, a.bytes >> 2);
      this.f32 = new Float32Array(a.host.buffer, a.host.byteOffset, a.bytes >> 2);
      moved = true;
    }
    this.device.stagingIdle();
    this.used = 0;
    return moved;
  }

  /** `values[0..n)` as u32 in a new region; its device address, or undefined when the area is full. */
  u32s(values: ArrayLike<number>, n: number): DeviceAddress | undefined {
    const off = this.region(4 * n);
    if (off === undefined) return undefined;
    const at = off >> 2;
    for (let i = 0; i < n; i++) this.u32[at + i] = values[i];
    return this.current.addr + off;
  }

  /** A region of `n` f32 for JS to fill (`host`) and its device address, or undefined when the area is full. */
  floats(n: number): { addr: DeviceAddress; host: Float32Array } | undefined {
    const off = this.region(4 * n);
    if (off === undefined) return undefined;
    return { addr: this.current.addr + off, host: this.f32.subarray(off >> 2, (off >> 2) + n) };
  }

  /** Frees the area. */
  dispose(): void {
    if (this.area) this.device.freeStaging(this.area);
    this.area = undefined;
  }

  private region(bytes: number): number | undefined {
    const off = Math.ceil(this.used / ALIGN) * ALIGN;
    if (off + bytes > this.current.bytes) {
      this.want = Math.max(this.want, 2 * (off + bytes));
      return undefined;
    }
    this.used = off + bytes;
    return off;
  }
}
