/**
 * The kernels a {@link GpuBackend} launches, built from the PTX builder for one SM target on
 * first use and kept (the devices cache their compiled form per kernel object, so building each
 * once is what makes a module load once).
 */
import type { GGMLType, RopeMode } from '@sovereign/trueno';
import type { Kernel, SmTarget } from '../ptx/kernel.js';
import { buildAdd, buildAddBias } from '../kernels/add.js';
import { buildArgmaxPartial, buildArgmaxReduce } from '../kernels/argmax.js';
import type { AttentionHeadDim } from '../kernels/attention-common.js';
import { buildAttentionDecode } from '../kernels/attention-decode.js';
import { buildAttentionDecodePartial, buildAttentionDecodeReduce } from '../kernels/attention-decode-split.js';
import { buildGemv } from '../kernels/gemv-common.js';
import { type GemmTileM, buildGemmMma } from '../kernels/gemm-mma.js';
import { GEMM_FORMATS } from '../kernels/gemm-mma-formats.js';
import { buildGemmSplitKReduce } from '../kernels/gemm-splitk-reduce.js';
import { GEMV_FORMATS } from '../kernels/gemv-formats.js';
import { buildRmsNorm } from '../kernels/rms-norm.js';
import { buildRope } from '../kernels/rope.js';
import { buildSwiglu } from '../kernels/swiglu.js';
import { buildAttentionPrefill } from '../kernels/attention-prefill.js';
import { buildKvStore } from '../kernels/kv-store.js';
import { buildCopyB32 } from './staging-copy-kernel.js';

/** Lazily built kernels for one target. */
export class KernelSet {
  private readonly cache = new Map<string, Kernel>();

  constructor(readonly sm: SmTarget) {}

  /** True when weights of `type` have a GEMV kernel. */
  hasGemv(type: GGMLType): boolean {
    return GEMV_FORMATS.has(type);
  }

  /** GEMV of `type` for `batch` rows of x (1..MAX_GEMV_BATCH). */
  gemv(type: GGMLType, batch: number): Kernel {
    return this.get(`gemv ${type} ${batch}`, () => buildGemv(GEMV_FORMATS.get(type)!, { sm: this.sm, batch }));
  }

  /** True when weights of `type` have a tensor-core GEMM kernel (gemm-mma.ts). */
  hasGemm(type: GGMLType): boolean {
    return GEMM_FORMATS.has(type);
  }

  /** Tensor-core GEMM of `type` with `tileM`-token tiles (launch with gemmThreads(tileM) threads). */
  gemm(type: GGMLType, tileM: GemmTileM): Kernel {
    return this.get(`gemm ${type} ${tileM}`, () => buildGemmMma({ sm: this.sm, type, tileM }));
  }

  /** Second pass of a split-K GEMM: sums the workspace's slices in order. */
  get gemmReduce(): Kernel {
    return this.get('gemm_splitk_reduce', () => buildGemmSplitKReduce({ sm: this.sm }));
  }

  get rmsNorm(): Kernel {
    return this.get('rms_norm', () => buildRmsNorm({ sm: this.sm }));
  }

  get add(): Kernel {
    return this.get('add', () => buildAdd({ sm: this.sm }));
  }

  get addBias(): Kernel {
    return this.get('add_bias', () => buildAddBias({ sm: this.sm }));
  }

  get swiglu(): Kernel {
    return this.get('swiglu', () => buildSwiglu({ sm: this.sm }));
  }

  rope(mode: RopeMode): Kernel {
    return this.get(`rope ${mode}`, () => buildRope({ sm: this.sm, mode }));
  }

  get argmaxPartial(): Kernel {
    return this.get('argmax_partial', () => buildArgmaxPartial({ sm: this.sm }));
  }

  get argmaxReduce(): Kernel {
    return this.get('argmax_reduce', () => buildArgmaxReduce({ sm: this.sm }));
  }

  attentionDecode(headDim: AttentionHeadDim): Kernel {
    return this.get(`attention ${headDim}`, () => buildAttentionDecode({ sm: this.sm, headDim }));
  }

  /** Split-K decode attention: per-split partial records, then their reduction. */
  attentionSplit(headDim: AttentionHeadDim): { partial: Kernel; reduce: Kernel } {
    return {
      partial: this.get(`attention partial ${headDim}`, () => buildAttentionDecodePartial({ sm: this.sm, headDim })),
      reduce: this.get(`attention reduce ${headDim}`, () => buildAttentionDecodeReduce({ sm: this.sm, headDim })),
    };
  }

  attentionPrefill(headDim: AttentionHeadDim): Kernel {
    return this.get(`attention prefill ${headDim}`, () => buildAttentionPrefill({ sm: this.sm, headDim }));
  }

  /** Word copy: a recorded step's embedding rows from its staging area to the residual stream. */
  get copyB32(): Kernel {
    return this.get('copy_b32', () => buildCopyB32({ sm: this.sm }));
  }

  get kvStore(): Kernel {
    return this.get('kv_store', () => buildKvStore({ sm: this.sm }));
  }

  private get(key: string, build: () => Kernel): Kernel {
    let k = this.cache.get(key);
    if (!k) {
      k = build();
      this.cache.set(key, k);
    }
    return k;
  }
}
