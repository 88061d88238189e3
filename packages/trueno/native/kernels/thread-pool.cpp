#include "thread-pool.h"

#include <chrono>
#include <cstdio>
#include <set>
#include <utility>

#if defined(__linux__)
#include <sched.h>
#endif

namespace trueno {

ThreadPool::ThreadPool(int nThreads) { start(nThreads < 1 ? 1 : nThreads); }

ThreadPool::~ThreadPool() { stop(); }

void ThreadPool::start(int n) {
  nth_ = n;
  quit_.store(false);
  // The epoch is read here, not in the new thread: a thread that starts late must still see the
  // first job (or stop) published after this point as new.
  const uint64_t epoch = epoch_.load(std::memory_order_acquire);
  for (int i = 1; i < n; ++i) threads_.emplace_back(&ThreadPool::worker, this, i, epoch);
}

void ThreadPool::stop() {
  quit_.store(true, std::memory_order_seq_cst);
  epoch_.fetch_add(1, std::memory_order_seq_cst);
  { std::lock_guard<std::mutex> lock(mu_); }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void ThreadPool::resize(int n) {
  if (n < 1) n = 1;
  if (n == nth_) return;
  stop();
  start(n);
}

void ThreadPool::run(JobFn fn, void* ctx) {
  if (nth_ == 1) {
    fn(ctx, 0, 1);
    return;
  }
  fn_ = fn;
  ctx_ = ctx;
  // seq_cst pairs with the sleepers_ increment in worker(): either the worker sees the new epoch
  // before it waits, or we see it counted as a sleeper and wake it.
  const uint64_t e = epoch_.fetch_add(1, std::memory_order_seq_cst) + 1;
  if (sleepers_.load(std::memory_order_seq_cst) > 0) {
    { std::lock_guard<std::mutex> lock(mu_); }
    cv_.notify_all();
  }
  fn(ctx, 0, nth_);
  // The work is done. A worker that has not entered fn yet must not (ctx dies when we return);
  // one that has entered is waited for. finished_ and active_ form a Dekker pair (seq_cst): a
  // worker either sees finished_ == e and stays out, or we see it in active_.
  finished_.store(e, std::memory_order_seq_cst);
  spin_until([&] { return active_.load(std::memory_order_seq_cst) == 0; });
}

void ThreadPool::worker(int tid, uint64_t seen) {
  for (;;) {
    // Spin for the next job, checking the clock every 256 pauses.
    const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(spinUs_.load(std::memory_order_relaxed));
    uint64_t e = epoch_.load(std::memory_order_acquire);
    for (uint32_t i = 1; e == seen; ++i) {
      TRUENO_PAUSE();
      e = epoch_.load(std::memory_order_acquire);
      if ((i & 255) == 0 && std::chrono::steady_clock::now() > until) break;
    }
    if (e == seen) {
      sleepers_.fetch_add(1, std::memory_order_seq_cst);
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return epoch_.load(std::memory_order_seq_cst) != seen; });
      }
      sleepers_.fetch_sub(1, std::memory_order_relaxed);
      e = epoch_.load(std::memory_order_acquire);
    }
    seen = e;
    if (quit_.load(std::memory_order_acquire)) return;
    active_.fetch_add(1, std::memory_order_seq_cst);
    // Enter only if job e is still the current one and its work is not complete.
    if (epoch_.load(std::memory_order_seq_cst) == e && finished_.load(std::memory_order_seq_cst) != e) fn_(ctx_, tid, nth_);
    active_.fetch_sub(1, std::memory_order_release);
  }
}

int physical_cores() {
  int logical = (int)std::thread::hardware_concurrency();
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    std::set<std::pair<int, int>> cores;
    int allowed = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (!CPU_ISSET(cpu, &set)) continue;
      ++allowed;
      char path[128];
      int pkg = 0, core = cpu;
      std::snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/physical_package_id", cpu);
      if (FILE* f = std::fopen(path, "r")) {
        if (std::fscanf(f, "%d", &pkg) != 1) pkg = 0;
        std::fclose(f);
      }
      std::snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/core_id", cpu);
      if (FILE* f = std::fopen(path, "r")) {
        if (std::fscanf(f, "%d", &core) != 1) core = cpu;
        std::fclose(f);
      }
      cores.insert({pkg, core});
    }
    if (!cores.empty()) return (int)cores.size();
    if (allowed > 0) return allowed;
  }
#endif
  return logical > 0 ? logical : 1;
}

}  // namespace trueno
