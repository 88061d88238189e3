// ggml get_rows (the token embedding lookup): dequantize whole rows. Each dequantizer is ggml's
// dequantize_row_* in the float order of the reference (src/quant/*.ts): for the legacy quants
// an int times an fp16 scale is exact in float; for the k-quants (d * scale) is rounded first,
// as in ggml. So the rows are bit-identical to the reference's on every ISA, and one plain C++
// version is enough (the lookup is a few microseconds per token). The type table is this file's
// own: get_rows covers types that matmul does not need native kernels for (bf16).
#include "common.h"
#include "ops.h"

namespace trueno {
namespace {

constexpr int GGML_BF16_ID = 30;

void rows_f32(const uint8_t* x, float* y, int n) { std::memcpy(y, x, (size_t)n * 4); }

void rows_f16(const uint8_t* x, float* y, int n) {
  for (int i = 0; i < n; ++i) y[i] = fp16_to_fp32(load_u16(x + 2 * i));
}

void rows_bf16(const uint8_t* x, float* y, int n) {
  for (int i = 0; i < n; ++i) y[i] = f32_from_bits((uint32_t)load_u16(x + 2 * i) << 16);
}

void rows_q8_0(const uint8_t* x, float* y, int n) {
  for (int ib = 0; ib < n / QK8_0; ++ib) {
    const uint8_t* b = x + ib * Q8_0_BYTES;
    const float d = load_fp16(b);
    for (int j = 0; j < QK8_0; ++j) y[ib * QK8_0 + j] = (float)(int8_t)b[2 + j] * d;
  }
}

void rows_q4_0(const uint8_t* x, float* y, int n) {
  for (int ib = 0; ib < n / QK8_0; ++ib) {
    const uint8_t* b = x + ib * Q4_0_BYTES;
    const float d = load_fp16(b);
    float* o = y + ib * QK8_0;
    for (int j = 0; j < 16; ++j) {
      o[j] = (float)((b[2 + j] & 0x0F) - 8) * d;
      o[j + 16] = (float)((b[2 + j] >> 4) - 8) * d;
    }
  }
}

void rows_q5_0(const uint8_t* x, float* y, int n) {
  for (int ib = 0; ib < n / QK8_0; ++ib) {
    const uint8_t* b = x + ib * Q5_0_BYTES;
    const float d = load_fp16(b);
    const uint32_t qh = load_u32(b + 2);
    float* o = y + ib * QK8_0;
    for (int j = 0; j < 16; ++j) {
      const int xh0 = ((qh >> j) << 4) & 0x10;
      const int xh1 = (qh >> (j + 12)) & 0x10;
      o[j] = (float)(((b[6 + j] & 0x0F) | xh0) - 16) * d;
      o[j + 16] = (float)(((b[6 + j] >> 4) | xh1) - 16) * d;
    }
  }
}

// get_scale_min_k4: 6-bit scale / min j (0..7) of a K4 scale block.
inline int scale_k4(int j, const uint8_t* q) { return j < 4 ? (q[j] & 63) : ((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4)); }
inline int min_k4(int j, const uint8_t* q) { return j < 4 ? (q[j + 4] & 63) : ((q[j + 4] >> 4) | ((q[j] >> 6) << 4)); }

void rows_q4_K(const uint8_t* x, float* y, int n) {
  for (int i = 0; i < n / QK_K; ++i) {
    const uint8_t* b = x + i * Q4_K_BYTES;
    const float d = load_fp16(b);
    const float dmin = load_fp16(b + 2);
    const uint8_t* sc = b + 4;
    const uint8_t* q = b + 16;
    float* o = y + i * QK_K;
    for (int is = 0; is < 8; is += 2, q += 32, o += 64) {
      const float d1 = d * (float)scale_k4(is, sc), m1 = dmin * (float)min_k4(is, sc);
      const float d2 = d * (float)scale_k4(is + 1, sc), m2 = dmin * (float)min_k4(is + 1, sc);
      for (int l = 0; l < 32; ++l) o[l] = d1 * (float)(q[l] & 0xF) - m1;
      for (int l = 0; l < 32; ++l) o[32 + l] = d2 * (float)(q[l] >> 4) - m2;
    }
  }
}

void rows_q6_K(const uint8_t* x, float* y, int n) {
  for (int i = 0; i < n / QK_K; ++i) {
    const uint8_t* b = x + i * Q6_K_BYTES;
    const float d = load_fp16(b + 208);
    const uint8_t* ql = b;
    const uint8_t* qh = b + 128;
    const int8_t* sc = (const int8_t*)(b + 192);
    float* o = y + i * QK_K;
    for (int half = 0; half < 2; ++half, ql += 64, qh += 32, sc += 8, o += 128) {
      for (int l = 0; l < 32; ++l) {
        const int is = l >> 4;
        const int q1 = ((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        // (d * sc) * q, left to right in float.
        o[l] = (d * (float)sc[is]) * (float)q1;
        o[l + 32] = (d * (float)sc[is + 2]) * (float)q2;
        o[l + 64] = (d * (float)sc[is + 4]) * (float)q3;
        o[l + 96] = (d * (float)sc[is + 6]) * (float)q4;
      }
    }
  }
}

struct RowType {
  int type;
  int blockSize;
  size_t blockBytes;
  void (*dequantize)(const uint8_t* x, float* y, int n);
};

const RowType kRowTypes[] = {
    {GGML_F32, 1, 4, rows_f32},
    {GGML_F16, 1, 2, rows_f16},
    {GGML_BF16_ID, 1, 2, rows_bf16},
    {GGML_Q4_0, QK8_0, Q4_0_BYTES, rows_q4_0},
    {GGML_Q5_0, QK8_0, Q5_0_BYTES, rows_q5_0},
    {GGML_Q8_0, QK8_0, Q8_0_BYTES, rows_q8_0},
    {GGML_Q4_K, QK_K, Q4_K_BYTES, rows_q4_K},
    {GGML_Q6_K, QK_K, Q6_K_BYTES, rows_q6_K},
};

const RowType* find(int type) {
  for (const RowType& r : kRowTypes) {
    if (r.type == type) return &r;
  }
  return nullptr;
}

}  // namespace

bool get_rows_supports(int type) { return find(type) != nullptr; }

int get_rows_block_size(int type) { return find(type)->blockSize; }

size_t get_rows_row_bytes(int type, size_t n) {
  const RowType* r = find(type);
  return n / r->blockSize * r->blockBytes;
}

void get_rows_types(int* out, int* count) {
  int i = 0;
  for (const RowType& r : kRowTypes) out[i++] = r.type;
  *count = i;
}

void get_rows(int type, const uint8_t* w, int n, const int32_t* ids, int nIds, float* out) {
  const RowType* r = find(type);
  const size_t rowBytes = (size_t)n / r->blockSize * r->blockBytes;
  for (int t = 0; t < nIds; ++t) r->dequantize(w + (size_t)ids[t] * rowBytes, out + (size_t)t * n, n);
}

}  // namespace trueno
