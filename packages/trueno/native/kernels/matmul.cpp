#include "matmul.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "amx-detect.h"
#include "matmul-amx.h"

#if defined(__x86_64__) || defined(_M_X64)
#define TRUENO_X86 1
#endif

namespace trueno {
namespace {

// Below this many multiply-adds a call runs on the calling thread alone: waking the pool costs
// about a microsecond, as much as the work.
constexpr double kMinParallelWork = 65536;
// Chunks are multiples of 16 rows (64 bytes of `out`), so when `out` is 64-byte aligned two
// threads never write the same cache line.
constexpr int kRowAlign = 16;
// Batches up to this many rows are quantized by the caller before the job starts.
constexpr int kCallerQuantRows = 4;
// From this many tokens on, Q8_0-family calls take the AMX kernels when the CPU has them. AMX pads
// tokens to tiles of 16, yet it already beats the VNNI kernels from about 5 tokens (1.5-2x at 8,
// 3x at 16, single-thread CPU time, qwen2.5-0.5b FFN shapes; native/bench/matmul-bench.ts --amx).
constexpr int kAmxMinTokens = 8;

// Work items, claimed in order from one counter: first the activation rows to quantize (when
// the caller did not already), then the output-row chunks. A chunk waits only until every
// quantization item is done (claimed work, never a thread that is merely slow to wake).
struct MatmulJob {
  MatmulTask task;
  RowsFn rows;
  QuantizeFn quantize;  // nullptr: activations need no conversion, or the caller converted them
  const float* x;
  int nOut;
  int chunk;
  int nQuant;   // activation rows to quantize inside the job
  int nChunks;  // output-row chunks
  alignas(64) std::atomic<int> next{0};
  alignas(64) std::atomic<int> quantDone{0};
  alignas(64) std::atomic<int> chunksDone{0};
};

void matmul_job(void* p, int tid, int) {
  MatmulJob& j = *static_cast<MatmulJob*>(p);
  const MatmulTask& t = j.task;
  const int total = j.nQuant + j.nChunks;
  for (;;) {
    const int c = j.next.fetch_add(1, std::memory_order_relaxed);
    if (c >= total) break;
    if (c < j.nQuant) {
      j.quantize(j.x + (size_t)c * t.nIn, const_cast<uint8_t*>(t.y) + (size_t)c * t.yRowBytes, t.nIn);
      j.quantDone.fetch_add(1, std::memory_order_release);
      continue;
    }
    if (j.nQuant > 0) spin_until([&] { return j.quantDone.load(std::memory_order_acquire) == j.nQuant; });
    const int r0 = (c - j.nQuant) * j.chunk;
    const int r1 = r0 + j.chunk < j.nOut ? r0 + j.chunk : j.nOut;
    j.rows(t, r0, r1);
    j.chunksDone.fetch_add(1, std::memory_order_release);
  }
  // The caller returns only when every chunk is written (see ThreadPool::run).
  if (tid == 0) spin_until([&] { return j.chunksDone.load(std::memory_order_acquire) == j.nChunks; });
}

}  // namespace

Engine::Engine(const KernelSet* ks, int threads) : ks_(ks), pool_(threads) { set_kernels(ks); }

Engine::~Engine() = default;

void Engine::set_kernels(const KernelSet* ks) {
  ks_ = ks;
  amx_ = AmxState{};
  const char* minEnv = std::getenv("TRUENO_AMX_MIN_TOKENS");
  const int minTok = minEnv && *minEnv ? std::atoi(minEnv) : 0;
  amx_.minTokens = minTok > 0 ? minTok : kAmxMinTokens;
  const char* flag = std::getenv("TRUENO_AMX");
#if defined(TRUENO_X86)
  const bool isAvx512 = ks == kernels_avx512();
#else
  const bool isAvx512 = false;
#endif
  if (flag && (!std::strcmp(flag, "0") || !std::strcmp(flag, "off") || !std::strcmp(flag, "false"))) {
    amx_.reason = std::string("disabled by TRUENO_AMX=") + flag;
  } else if (!isAvx512) {
    amx_.reason = std::string("kernel set ") + ks->name + " does not use AMX (avx512 only)";
  } else if (!amx_support().ok) {
    amx_.reason = amx_support().reason;
  } else {
    amx_.on = true;
  }
}

size_t Engine::scratch_bytes() const {
#if defined(TRUENO_X86)
  if (amxMatmul_) return scratchCap_ + amxMatmul_->scratch_bytes();
#endif
  return scratchCap_;
}

uint8_t* Engine::scratch(size_t bytes) {
  if (bytes > scratchCap_) {
    size_t cap = scratchCap_ + scratchCap_ / 2;
    if (cap < bytes) cap = bytes;
    scratchMem_.reset(new uint8_t[cap + 64]);
    const uintptr_t base = reinterpret_cast<uintptr_t>(scratchMem_.get());
    scratch_ = scratchMem_.get() + ((64 - (base & 63)) & 63);
    scratchCap_ = cap;
  }
  return scratch_;
}

void Engine::quantize(ActFormat f, const float* x, uint8_t* y, int n) const {
  if (QuantizeFn q = act_converter(*ks_, f)) q(x, y, n);
  else std::memcpy(y, x, (size_t)n * 4);
}

void Engine::matmul(int kind, const uint8_t* w, int nIn, int nOut, const float* x, int nTok, float* out) {
#if defined(TRUENO_X86)
  if (amx_.on && nTok >= amx_.minTokens && amx_kind(kind)) {
    if (!amxMatmul_) amxMatmul_ = std::make_unique<AmxMatmul>();
    amxMatmul_->matmul(pool_, kind, w, nIn, nOut, x, nTok, out);
    return;
  }
#endif
  const ActFormat fmt = ks_->act[kind];
  MatmulJob job;
  job.rows = ks_->rows[kind];
  job.x = x;
  job.nOut = nOut;
  MatmulTask& t = job.task;
  t.w = w;
  t.wRowBytes = row_bytes(kind, (size_t)nIn);
  t.nIn = nIn;
  t.nTok = nTok;
  t.out = out;
  t.ldo = (size_t)nOut;
  t.yRowBytes = act_row_bytes(fmt, (size_t)nIn);
  job.quantize = act_converter(*ks_, fmt);
  t.y = fmt == ACT_F32 ? reinterpret_cast<const uint8_t*>(x) : scratch(t.yRowBytes * (size_t)nTok);

  const int nth = pool_.size();
  const double work = (double)nIn * nOut * nTok;
  const bool serial = nth == 1 || work < kMinParallelWork || nOut < 2 * kRowAlign;
  // A few rows quantize in about a microsecond: cheaper on the caller than as work items.
  if (job.quantize && (serial || nTok <= kCallerQuantRows)) {
    for (int tk = 0; tk < nTok; ++tk) job.quantize(x + (size_t)tk * nIn, const_cast<uint8_t*>(t.y) + (size_t)tk * t.yRowBytes, nIn);
    job.quantize = nullptr;
  }
  if (serial) {
    job.rows(t, 0, nOut);
    return;
  }
  // About four chunks per thread balances a noisy neighbour without many atomic round trips.
  int chunk = (nOut + 4 * nth - 1) / (4 * nth);
  chunk = (chunk + kRowAlign - 1) / kRowAlign * kRowAlign;
  job.chunk = chunk;
  job.nChunks = (nOut + chunk - 1) / chunk;
  job.nQuant = job.quantize ? nTok : 0;
  pool_.run(matmul_job, &job);
}

}  // namespace trueno
