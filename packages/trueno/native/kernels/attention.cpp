// The attention driver: splits a batch's causal GQA attention into (query token, head) work items
// run on the engine's thread pool, each one a call of the ISA's attn_head kernel over the KV
// head's cached rows. Work items are claimed from an atomic counter (the pattern of matmul.cpp),
// most expensive first: token t attends to pos0 + t + 1 positions, so the last tokens of a prompt
// cost the most, and handing them out first leaves the cheap ones to even out the finish.
// Also the ops-table dispatch (ops_kernels_for).
#include <atomic>
#include <cstring>

#include "ops.h"

namespace trueno {
namespace {

// Below this many multiply-adds (q.k and p.V together) the caller runs the batch alone: waking
// the pool costs about a microsecond.
constexpr double kMinParallelWork = 32768;
// About this many claims per thread: enough to balance a noisy neighbour, few atomic round trips.
constexpr int kClaimsPerThread = 32;

struct AttnJob {
  const OpsKernels* ks;
  AttnShape s;
  const float* q;
  const float* k;
  const float* v;
  float* out;
  float* scratch;
  size_t stride;
  int nItems;
  int chunk;
  int nChunks;
  alignas(64) std::atomic<int> next{0};
  alignas(64) std::atomic<int> done{0};
};

// Item c: token nTok - 1 - c / nHeads (largest first), head c % nHeads.
void run_item(const AttnJob& j, int c, float* scratch) {
  const AttnShape& s = j.s;
  const int t = s.nTok - 1 - c / s.nHeads;
  const int h = c % s.nHeads;
  const int kvHead = h / (s.nHeads / s.nKvHeads);  // GQA: nHeads / nKvHeads query heads per KV head
  const size_t qDim = (size_t)s.nHeads * s.headDim;
  const size_t qo = t * qDim + (size_t)h * s.headDim;
  const size_t base = (size_t)kvHead * s.ctxLen * s.headDim;
  j.ks->attn_head(j.q + qo, j.k + base, j.v + base, s.pos0 + t + 1, s.headDim, s.scale, scratch, j.out + qo);
}

void attention_job(void* p, int tid, int) {
  AttnJob& j = *static_cast<AttnJob*>(p);
  float* scratch = j.scratch + (size_t)tid * j.stride;
  for (;;) {
    const int c = j.next.fetch_add(1, std::memory_order_relaxed);
    if (c >= j.nChunks) break;
    const int i0 = c * j.chunk;
    const int i1 = i0 + j.chunk < j.nItems ? i0 + j.chunk : j.nItems;
    for (int i = i0; i < i1; ++i) run_item(j, i, scratch);
    j.done.fetch_add(1, std::memory_order_release);
  }
  // The caller returns only when every item is written (see ThreadPool::run).
  if (tid == 0) spin_until([&] { return j.done.load(std::memory_order_acquire) == j.nChunks; });
}

}  // namespace

void attention(ThreadPool& pool, const OpsKernels& ks, const AttnShape& s, const float* q, const float* kCache,
               const float* vCache, float* out, float* scratch, size_t stride) {
  AttnJob job;
  job.ks = &ks;
  job.s = s;
  job.q = q;
  job.k = kCache;
  job.v = vCache;
  job.out = out;
  job.scratch = scratch;
  job.stride = stride;
  job.nItems = s.nTok * s.nHeads;
  // Sum over tokens of the positions each attends to, times heads and 2 * headDim.
  const double positions = (double)s.nTok * s.pos0 + (double)s.nTok * (s.nTok + 1) / 2;
  const double work = positions * s.nHeads * 2.0 * s.headDim;
  const int nth = pool.size();
  if (nth == 1 || work < kMinParallelWork || job.nItems == 1) {
    for (int i = 0; i < job.nItems; ++i) run_item(job, i, scratch);
    return;
  }
  int chunk = job.nItems / (nth * kClaimsPerThread);
  job.chunk = chunk < 1 ? 1 : chunk;
  job.nChunks = (job.nItems + job.chunk - 1) / job.chunk;
  pool.run(attention_job, &job);
}

const OpsKernels* ops_kernels_for(const char* isa) {
#if defined(__x86_64__) || defined(_M_X64)
  if (std::strcmp(isa, "avx512") == 0) return ops_avx512();
  if (std::strcmp(isa, "avx2") == 0) return ops_avx2();
#endif
  return ops_generic();
}

}  // namespace trueno
