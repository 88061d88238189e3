// AMX-INT8 matmul for Q8_0-family weights (Q8_0, Q4_0, Q5_0) against Q8_0 activations.
//
// Numerics: every 32-value block has its own scales (d_w per weight row, d_y per token), so one
// tdpbssd covers exactly one block: A = 16 weight rows x 32 int8, B = 32 int8 of 16 tokens in
// AMX's VNNI layout (8 rows x 64 bytes: row k holds bytes 4k..4k+3 of each token), C = 16 x 16
// int32 block sums, exact and equal to the VNNI kernels' (|sum| <= 32 * 128 * 127). The sums are
// then converted and accumulated in float, acc += (d_y * d_w) * sum, one block at a time in
// block order: the same terms as the reference, only the float rounding of their sum differs.
//
// Layout: weights are the A side because they can stay row-major (a Q4_0/Q5_0 block is unpacked
// to 32 int8, a Q8_0 block copied), and activations the B side because they are re-laid out once
// per call anyway (they are quantized per call). The price is a 16 x 16 transpose of each output
// tile, once per tile rather than once per block.
//
// The tile instructions are inline asm with fixed tmm registers (GCC 12 miscompiles the AMX
// intrinsics); tmm0/tmm1 hold C, tmm2/tmm3 A and tmm4/tmm5 B, two blocks per asm statement.
// Cost per 16 x 16 x 32 block, measured on the L1-resident kernel: ~10 ns of tile work (loads,
// tdpbssd, tilestored) plus ~9 ns of float epilogue (convert, scale, FMA: 3 AVX-512 ops per 16
// outputs); the two do not overlap on this core, so ~400 GMAC/s per core is the ceiling of this
// per-block scheme, and unpacking, quantizing and weight streaming take the rest (~250 GMAC/s
// per core end to end at 128 tokens, against ~38 for the VNNI kernels).
//
// Each pool thread configures its tiles (ldtilecfg) when it takes its first chunk and releases
// them (tilerelease) when the job ends, so no thread keeps 8 KiB of tile state across context
// switches between calls.
#include "matmul-amx.h"

#if defined(__x86_64__) || defined(_M_X64)

#include <atomic>

#include "quantize-impl.h"
#include "simd-avx2.h"

namespace trueno {

namespace {

// A grow-only, 64-byte aligned byte buffer (raw new[]: no std template shared with other TUs).
struct AlignedBuffer {
  uint8_t* mem = nullptr;
  uint8_t* p = nullptr;
  size_t cap = 0;
  AlignedBuffer() = default;
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer() { delete[] mem; }
  /** Takes o's memory, leaving o empty. */
  void take(AlignedBuffer& o) {
    delete[] mem;
    mem = o.mem, p = o.p, cap = o.cap;
    o.mem = o.p = nullptr, o.cap = 0;
  }
  uint8_t* get(size_t bytes) {
    if (bytes > cap) {
      size_t c = cap + cap / 2;
      if (c < bytes) c = bytes;
      delete[] mem;
      mem = new uint8_t[c + 64];
      p = mem + ((64 - (reinterpret_cast<uintptr_t>(mem) & 63)) & 63);
      cap = c;
    }
    return p;
  }
};

constexpr int TILE = 16;            // weight rows per A tile, tokens per B tile
constexpr size_t TILE_QS = 512;     // int8 bytes of one 16 x 32 tile
constexpr size_t TILE_BLOCK = 576;  // one tile block: 512 int8 bytes, then 16 float scales
constexpr int TOKEN_GROUP = 4;      // token tiles per sweep over a chunk's weight panels
// A chunk's unpacked weights (~1.1 bytes per weight) should stay in the 2 MiB L2 while every
// token group sweeps them.
constexpr size_t CHUNK_BYTES = 640 * 1024;
constexpr double MIN_PARALLEL_WORK = 65536;  // as in matmul.cpp

// ldtilecfg's 64-byte operand (palette 1).
struct alignas(64) TileConfig {
  uint8_t palette;
  uint8_t startRow;
  uint8_t reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
};

TileConfig make_config() {
  TileConfig c = {};
  c.palette = 1;
  for (int t = 0; t < 2; ++t) c.rows[t] = 16, c.colsb[t] = 64;          // C: 16 rows x 16 int32
  for (int t = 2; t < 4; ++t) c.rows[t] = 16, c.colsb[t] = 32;          // A: 16 rows x 32 int8
  for (int t = 4; t < 6; ++t) c.rows[t] = 8, c.colsb[t] = 64;           // B: 8 rows x 64 int8
  return c;
}

void tiles_configure() {
  static const TileConfig cfg = make_config();
  __asm__ volatile("ldtilecfg %0" ::"m"(cfg));
}

void tiles_release() { __asm__ volatile("tilerelease" ::: "memory"); }

// C0 = A0 . B0 and C1 = A1 . B1 for two tile blocks, stored to c0 and c1 (16 x 16 int32 each).
inline void dot_tiles2(const uint8_t* a0, const uint8_t* b0, const uint8_t* a1, const uint8_t* b1, int32_t* c0, int32_t* c1) {
  __asm__ volatile(
      "tileloadd (%[a0],%[sa],1), %%tmm2\n\t"
      "tileloadd (%[b0],%[sb],1), %%tmm4\n\t"
      "tilezero %%tmm0\n\t"
      "tdpbssd %%tmm4, %%tmm2, %%tmm0\n\t"
      "tileloadd (%[a1],%[sa],1), %%tmm3\n\t"
      "tileloadd (%[b1],%[sb],1), %%tmm5\n\t"
      "tilezero %%tmm1\n\t"
      "tdpbssd %%tmm5, %%tmm3, %%tmm1\n\t"
      "tilestored %%tmm0, (%[c0],%[sb],1)\n\t"
      "tilestored %%tmm1, (%[c1],%[sb],1)\n\t"
      :
      : [a0] "r"(a0), [b0] "r"(b0), [a1] "r"(a1), [b1] "r"(b1), [c0] "r"(c0), [c1] "r"(c1), [sa] "r"((size_t)32),
        [sb] "r"((size_t)64)
      : "memory");
}

inline void dot_tiles1(const uint8_t* a0, const uint8_t* b0, int32_t* c0) {
  __asm__ volatile(
      "tileloadd (%[a0],%[sa],1), %%tmm2\n\t"
      "tileloadd (%[b0],%[sb],1), %%tmm4\n\t"
      "tilezero %%tmm0\n\t"
      "tdpbssd %%tmm4, %%tmm2, %%tmm0\n\t"
      "tilestored %%tmm0, (%[c0],%[sb],1)\n\t"
      :
      : [a0] "r"(a0), [b0] "r"(b0), [c0] "r"(c0), [sa] "r"((size_t)32), [sb] "r"((size_t)64)
      : "memory");
}

// acc[n] (lanes = tokens) += (d_y * d_w[n]) * C[n] for one block.
inline void accumulate(__m512 (&acc)[TILE], const int32_t* c, const float* dw, __m512 dy) {
#pragma GCC unroll 16
  for (int n = 0; n < TILE; ++n) {
    const __m512 s = _mm512_mul_ps(dy, _mm512_set1_ps(dw[n]));
    acc[n] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_load_si512((const void*)(c + TILE * n))), s, acc[n]);
  }
}

// In-register 16 x 16 transpose: r[i][j] -> r[j][i] (unpack, then 128-bit lane shuffles).
inline void transpose16(__m512 (&r)[TILE]) {
  __m512 t[TILE], u[TILE];
  for (int i = 0; i < TILE; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  // u[4g + c], lane L = column 4L + c, rows 4g..4g+3.
  for (int g = 0; g < 4; ++g) {
    u[4 * g + 0] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
    u[4 * g + 1] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
    u[4 * g + 2] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
    u[4 * g + 3] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
  }
  for (int c = 0; c < 4; ++c) {
    const __m512 e01 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88), o01 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xDD);
    const __m512 e23 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88), o23 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xDD);
    r[c] = _mm512_shuffle_f32x4(e01, e23, 0x88);
    r[4 + c] = _mm512_shuffle_f32x4(o01, o23, 0x88);
    r[8 + c] = _mm512_shuffle_f32x4(e01, e23, 0xDD);
    r[12 + c] = _mm512_shuffle_f32x4(o01, o23, 0xDD);
  }
}

// Software prefetch of the next weight panel's raw rows into L2, a few lines per block step of
// the current panel's tiles: the unpack then reads L2 instead of waiting on memory, and the
// memory traffic overlaps the tile work.
struct Prefetch {
  const char* p = nullptr;
  const char* end = nullptr;
  int perStep = 0;  // 64-byte lines per block step
  void step() {
    for (int i = 0; i < perStep && p < end; ++i, p += 64) _mm_prefetch(p, _MM_HINT_T1);
  }
};

// One 16-row x 16-token output tile over all nb blocks: `wp` is a weight panel and `ap` a token
// tile, both nb tile blocks; writes the first nToks tokens x nRows rows at out (ldo floats apart).
void tile_kernel(const uint8_t* wp, const uint8_t* ap, int nb, float* out, size_t ldo, int nRows, int nToks, Prefetch& pf) {
  __m512 acc[TILE];
  for (int n = 0; n < TILE; ++n) acc[n] = _mm512_setzero_ps();
  alignas(64) int32_t c[2][TILE * TILE];
  int ib = 0;
  for (; ib + 2 <= nb; ib += 2) {
    const uint8_t* w0 = wp + ib * TILE_BLOCK;
    const uint8_t* a0 = ap + ib * TILE_BLOCK;
    dot_tiles2(w0, a0, w0 + TILE_BLOCK, a0 + TILE_BLOCK, c[0], c[1]);
    pf.step();
    accumulate(acc, c[0], (const float*)(w0 + TILE_QS), _mm512_load_ps((const float*)(a0 + TILE_QS)));
    accumulate(acc, c[1], (const float*)(w0 + TILE_BLOCK + TILE_QS), _mm512_load_ps((const float*)(a0 + TILE_BLOCK + TILE_QS)));
  }
  if (ib < nb) {
    const uint8_t* w0 = wp + ib * TILE_BLOCK;
    const uint8_t* a0 = ap + ib * TILE_BLOCK;
    dot_tiles1(w0, a0, c[0]);
    accumulate(acc, c[0], (const float*)(w0 + TILE_QS), _mm512_load_ps((const float*)(a0 + TILE_QS)));
  }
  transpose16(acc);  // acc[t] lane n = token t, weight row n
  const __mmask16 m = (__mmask16)((1u << nRows) - 1u);
  for (int t = 0; t < nToks; ++t) _mm512_mask_storeu_ps(out + (size_t)t * ldo, m, acc[t]);
}

// Unpacks nRows (<= 16) weight rows of nb blocks into a panel of nb tile blocks: 16 rows x 32
// int8 (rows past nRows zero) and the 16 row scales as floats.
template <typename U>
void unpack_panel(const uint8_t* w, size_t rowBytes, int nRows, int nb, uint8_t* panel) {
  // Block-major: each tile block is written in one sequential 576-byte run.
  for (int ib = 0; ib < nb; ++ib) {
    uint8_t* blk = panel + (size_t)ib * TILE_BLOCK;
    float* dw = (float*)(blk + TILE_QS);
    const uint8_t* b = w + (size_t)ib * U::BYTES;
    int n = 0;
    for (; n < nRows; ++n, b += rowBytes) {
      _mm256_store_si256((__m256i*)(blk + QK8_0 * n), U::load(b));
      dw[n] = f16s(b);
    }
    for (; n < TILE; ++n) {
      _mm256_store_si256((__m256i*)(blk + QK8_0 * n), _mm256_setzero_si256());
      dw[n] = 0.0f;
    }
  }
}

using UnpackFn = void (*)(const uint8_t* w, size_t rowBytes, int nRows, int nb, uint8_t* panel);

// Q8_0-quantizes activation row x (token t) straight into its token tile: the 32 quants of a
// block go to B's VNNI layout (dword k of the block to row k, column t % 16), the fp16-rounded
// scale to the float column. Bytes and scales are those of quantize_q8_0_impl (the reference
// quantize_row_q8_0_ref), with the same float operations in 16 lanes: amax over |x| (order-free
// without NaNs: a block holding one takes the scalar code, whose MAX() order matters), d = amax /
// 127, q = x * (1 / d) rounded half away from zero as trunc + compare of the exact fraction, then
// truncated to int32 as cvttps does (NaN and out-of-range give INT32_MIN, low byte 0).
void quantize_row_to_tile(const float* x, int nb, int t, uint8_t* act) {
  uint8_t* tile = act + (size_t)(t / TILE) * nb * TILE_BLOCK;
  const int col = t % TILE;
  const __m512 half = _mm512_set1_ps(0.5f), mhalf = _mm512_set1_ps(-0.5f), one = _mm512_set1_ps(1.0f);
  const __m256i rowOffsets = _mm256_setr_epi32(0, 64, 128, 192, 256, 320, 384, 448);
  for (int ib = 0; ib < nb; ++ib) {
    const float* xb = x + (size_t)ib * QK8_0;
    uint8_t* dst = tile + (size_t)ib * TILE_BLOCK;
    const __m512 v0 = _mm512_loadu_ps(xb), v1 = _mm512_loadu_ps(xb + 16);
    if (_mm512_cmp_ps_mask(v0, v0, _CMP_UNORD_Q) | _mm512_cmp_ps_mask(v1, v1, _CMP_UNORD_Q)) {
      uint8_t blk[Q8_0_BYTES];
      quantize_q8_0_impl(xb, blk, QK8_0);
      for (int k = 0; k < QK8_0 / 4; ++k) std::memcpy(dst + 64 * k + 4 * col, blk + 2 + 4 * k, 4);
      ((float*)(dst + TILE_QS))[col] = fp16_to_fp32(load_u16(blk));
      continue;
    }
    const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
    const float d = amax / 127.0f;
    const __m512 id = _mm512_set1_ps(d != 0.0f ? 1.0f / d : 0.0f);
    __m128i q[2];
    for (int h = 0; h < 2; ++h) {
      const __m512 v = _mm512_mul_ps(h ? v1 : v0, id);
      __m512 r = _mm512_roundscale_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
      const __m512 frac = _mm512_sub_ps(v, r);
      r = _mm512_mask_add_ps(r, _mm512_cmp_ps_mask(frac, half, _CMP_GE_OQ), r, one);
      r = _mm512_mask_sub_ps(r, _mm512_cmp_ps_mask(frac, mhalf, _CMP_LE_OQ), r, one);
      q[h] = _mm512_cvtepi32_epi8(_mm512_cvttps_epi32(r));
    }
    _mm256_i32scatter_epi32(dst + 4 * col, rowOffsets, _mm256_set_m128i(q[1], q[0]), 1);
    // F16C rounds to nearest even like ggml's fp32_to_fp16 (d is never NaN here).
    ((float*)(dst + TILE_QS))[col] = _cvtsh_ss(_cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT));
  }
}

// Work items claimed in order from one counter, as in matmul.cpp's MatmulJob: the activation
// rows to quantize, then the output-row chunks (which wait for every quantization item).
struct AmxJob {
  UnpackFn unpack;
  const uint8_t* w;
  size_t wRowBytes;
  int nb;
  int nOut;
  int nTok;
  int nTiles;
  const float* x;
  uint8_t* act;  // (nTiles, nb) tile blocks
  float* out;
  AlignedBuffer* panels;
  int chunk;
  int nChunks;
  alignas(64) std::atomic<int> next{0};
  alignas(64) std::atomic<int> quantDone{0};
  alignas(64) std::atomic<int> chunksDone{0};
};

void run_chunk(const AmxJob& j, uint8_t* panels, int r0, int r1) {
  const int nPanels = (r1 - r0 + TILE - 1) / TILE;
  const size_t panelBytes = (size_t)j.nb * TILE_BLOCK;
  // The first token group unpacks panel p + 1 after computing panel p, which prefetched it.
  j.unpack(j.w + (size_t)r0 * j.wRowBytes, j.wRowBytes, r1 - r0 < TILE ? r1 - r0 : TILE, j.nb, panels);
  for (int tg = 0; tg < j.nTiles; tg += TOKEN_GROUP) {
    const int te = tg + TOKEN_GROUP < j.nTiles ? tg + TOKEN_GROUP : j.nTiles;
    for (int p = 0; p < nPanels; ++p) {
      const int r = r0 + p * TILE;
      const int nRows = r1 - r < TILE ? r1 - r : TILE;
      const int rNext = r + TILE;
      const int nNext = r1 - rNext < TILE ? r1 - rNext : TILE;
      Prefetch pf;
      if (tg == 0 && nNext > 0) {
        pf.p = (const char*)(j.w + (size_t)rNext * j.wRowBytes);
        pf.end = pf.p + (size_t)nNext * j.wRowBytes;
        const int steps = (te - tg) * (j.nb / 2) > 0 ? (te - tg) * (j.nb / 2) : 1;
        pf.perStep = (int)((pf.end - pf.p + 64 * (size_t)steps - 1) / (64 * (size_t)steps));
      }
      for (int tt = tg; tt < te; ++tt) {
        const int nToks = j.nTok - tt * TILE < TILE ? j.nTok - tt * TILE : TILE;
        tile_kernel(panels + p * panelBytes, j.act + (size_t)tt * panelBytes, j.nb, j.out + (size_t)tt * TILE * j.nOut + r,
                    (size_t)j.nOut, nRows, nToks, pf);
      }
      if (tg == 0 && nNext > 0) j.unpack(j.w + (size_t)rNext * j.wRowBytes, j.wRowBytes, nNext, j.nb, panels + (p + 1) * panelBytes);
    }
  }
}

void amx_job(void* p, int tid, int) {
  AmxJob& j = *static_cast<AmxJob*>(p);
  const int total = j.nTok + j.nChunks;
  uint8_t* panels = nullptr;
  for (;;) {
    const int c = j.next.fetch_add(1, std::memory_order_relaxed);
    if (c >= total) break;
    if (c < j.nTok) {
      quantize_row_to_tile(j.x + (size_t)c * j.nb * QK8_0, j.nb, c, j.act);
      j.quantDone.fetch_add(1, std::memory_order_release);
      continue;
    }
    spin_until([&] { return j.quantDone.load(std::memory_order_acquire) == j.nTok; });
    if (!panels) {
      panels = j.panels[tid].get((size_t)(j.chunk / TILE) * j.nb * TILE_BLOCK);
      tiles_configure();
    }
    const int r0 = (c - j.nTok) * j.chunk;
    run_chunk(j, panels, r0, r0 + j.chunk < j.nOut ? r0 + j.chunk : j.nOut);
    j.chunksDone.fetch_add(1, std::memory_order_release);
  }
  if (panels) tiles_release();
  if (tid == 0) spin_until([&] { return j.chunksDone.load(std::memory_order_acquire) == j.nChunks; });
}

UnpackFn unpacker(int kind) {
  switch (kind) {
    case K_Q4_0: return unpack_panel<UnpackQ4_0>;
    case K_Q5_0: return unpack_panel<UnpackQ5_0>;
    default: return unpack_panel<UnpackQ8_0>;
  }
}

}  // namespace

struct AmxMatmul::Scratch {
  AlignedBuffer act;                // (nTiles, nb) tile blocks of the current call
  AlignedBuffer* panels = nullptr;  // by pool thread id
  int nPanels = 0;
  ~Scratch() { delete[] panels; }
  AlignedBuffer* per_thread(int n) {
    if (n > nPanels) {
      AlignedBuffer* grown = new AlignedBuffer[n];
      for (int i = 0; i < nPanels; ++i) grown[i].take(panels[i]);
      delete[] panels;
      panels = grown;
      nPanels = n;
    }
    return panels;
  }
};

AmxMatmul::AmxMatmul() : scratch_(new Scratch) {}

AmxMatmul::~AmxMatmul() { delete scratch_; }

size_t AmxMatmul::scratch_bytes() const {
  size_t n = scratch_->act.cap;
  for (int i = 0; i < scratch_->nPanels; ++i) n += scratch_->panels[i].cap;
  return n;
}

void AmxMatmul::matmul(ThreadPool& pool, int kind, const uint8_t* w, int nIn, int nOut, const float* x, int nTok, float* out) {
  AmxJob job;
  job.unpack = unpacker(kind);
  job.w = w;
  job.wRowBytes = row_bytes(kind, (size_t)nIn);
  job.nb = nIn / QK8_0;
  job.nOut = nOut;
  job.nTok = nTok;
  job.nTiles = (nTok + TILE - 1) / TILE;
  job.x = x;
  job.out = out;
  const size_t tileBytes = (size_t)job.nb * TILE_BLOCK;
  job.act = scratch_->act.get(tileBytes * job.nTiles);
  // Tokens past nTok in the last tile contribute zero quants and scales (their outputs are not
  // stored, but they must not be NaN garbage either).
  if (nTok % TILE != 0) std::memset(job.act + tileBytes * (job.nTiles - 1), 0, tileBytes);

  const int nth = pool.size();
  const bool serial = nth == 1 || (double)nIn * nOut * nTok < MIN_PARALLEL_WORK || nOut <= TILE;
  // About four chunks per thread, in whole tiles, capped so that a chunk's panels stay in L2.
  int chunk = serial ? nOut : (nOut + 4 * nth - 1) / (4 * nth);
  const int cap = (int)(CHUNK_BYTES / tileBytes) * TILE;
  if (chunk > cap) chunk = cap > TILE ? cap : TILE;
  chunk = (chunk + TILE - 1) / TILE * TILE;
  job.chunk = chunk;
  job.nChunks = (nOut + chunk - 1) / chunk;
  job.panels = scratch_->per_thread(nth);
  if (serial) amx_job(&job, 0, 1);
  else pool.run(amx_job, &job);
}

}  // namespace trueno

#else  // not x86-64: amx_support() is never ok, so Engine never creates an AmxMatmul.

namespace trueno {

struct AmxMatmul::Scratch {};
AmxMatmul::AmxMatmul() : scratch_(nullptr) {}
AmxMatmul::~AmxMatmul() = default;
void AmxMatmul::matmul(ThreadPool&, int, const uint8_t*, int, int, const float*, int, float*) {}
size_t AmxMatmul::scratch_bytes() const { return 0; }

}  // namespace trueno

#endif
