// A persistent thread pool in ggml's style. The calling thread is worker 0 and n - 1 threads are
// kept alive between calls. Between jobs a worker spins on an epoch counter for a while (decode
// issues a matmul every few microseconds; waking a sleeping thread costs tens of them), then
// sleeps on a condition variable, so an idle process burns no CPU.
//
// Jobs are written as work loops over chunks claimed from an atomic counter, and the caller never
// waits for a worker that has not claimed work: on a loaded machine (more runnable threads than
// cores) a descheduled worker simply takes no chunks and the caller does them, instead of holding
// everyone at a barrier for a whole scheduler time slice.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace trueno {

class ThreadPool {
 public:
  using JobFn = void (*)(void* ctx, int tid, int nth);

  explicit ThreadPool(int nThreads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  /** Threads that may run a job, the caller included. */
  int size() const { return nth_; }
  /** Stops the workers and starts n - 1 new ones (n >= 1). Not callable from inside a job. */
  void resize(int n);
  /**
   * Runs fn(ctx, 0, nth) on the caller and fn(ctx, tid, nth) on every worker that wakes while the
   * job is live. fn must claim its work from shared counters in ctx, and the caller's call
   * (tid 0) must return only when all the job's work is complete; workers that wake after that
   * do not run fn. Returns when the caller's fn has returned and no worker is inside fn.
   */
  void run(JobFn fn, void* ctx);
  /** Microseconds a worker spins for the next job before it sleeps. */
  void set_spin_us(int us) { spinUs_.store(us, std::memory_order_relaxed); }

 private:
  void start(int n);
  void stop();
  void worker(int tid, uint64_t seen);

  int nth_ = 1;
  std::vector<std::thread> threads_;
  JobFn fn_ = nullptr;
  void* ctx_ = nullptr;
  alignas(64) std::atomic<uint64_t> epoch_{0};     // bumped once per job (and on stop)
  alignas(64) std::atomic<uint64_t> finished_{0};  // epoch of the last job whose work is complete
  alignas(64) std::atomic<int> active_{0};         // workers inside fn
  alignas(64) std::atomic<int> sleepers_{0};
  std::atomic<bool> quit_{false};
  std::atomic<int> spinUs_{1000};
  std::mutex mu_;
  std::condition_variable cv_;
};

/** Spin-waits (pause, then yield) until `cond()` holds: for short dependency waits inside jobs. */
template <typename F>
inline void spin_until(F cond);

/** Physical cores this process may use: distinct (package, core) pairs of the allowed CPUs. */
int physical_cores();

}  // namespace trueno

#include "thread-pool-inl.h"
