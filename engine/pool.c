/* pool.c: a persistent pthread pool. Tasks own fixed outputs, so results never
 * depend on which thread ran a task. Idle workers poll briefly, then sleep on a
 * condition variable; the pool measures whether its workers pay and runs jobs on
 * the caller alone when they do not (docs/DECISIONS.md).
 * Without pthreads (single-threaded WASM build) every task runs on the caller. */
#include "internal.h"

#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
#define ENG_NO_THREADS 1
#endif

#ifdef ENG_NO_THREADS
int eng_set_threads(int threads) { (void)threads; return 1; }
int eng_get_threads(void) { return 1; }
int eng_set_thread_policy(int policy) { (void)policy; return ENG_THREADS_ADAPTIVE; }
double eng_thread_alone_share(void) { return 1.0; }
void eng_pool_stop(void) {}
void eng_pool_run_named(const char *name, eng_task_fn fn, void *ctx, int n_tasks) {
  double t0 = eng_profile_on ? eng_seconds() : 0;
  for (int i = 0; i < n_tasks; i++) fn(ctx, i);
  if (eng_profile_on) profile_job(name, eng_seconds() - t0, 0);
}
#else
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

/* Between polls, let other threads of a busy machine run: sched_yield, natively.
 * WASM has no yield. A timed Atomics.wait in its place sleeps tens of
 * microseconds at least (the OS timer's slack), and a worker asleep then misses
 * the start of a step's short jobs: with such a wait every 32,768 polls the W1
 * step measured 1.62x faster on two threads than on one, without it 1.71x
 * (`node tools/bench.js --profile-only`, 2026-11-30). So WASM workers only poll
 * until SPIN_POLLS, then sleep on the condition variable; on a busy machine the
 * adaptive policy below runs jobs on the caller alone and the workers sleep. */
#ifndef __EMSCRIPTEN__
#define YIELD_EVERY 64
#endif
static void let_others_run(int polls) {
#ifdef __EMSCRIPTEN__
  (void)polls;
#else
  if (polls % YIELD_EVERY == YIELD_EVERY - 1) sched_yield();
#endif
}

#define ENG_MAX_THREADS 16
/* An idle worker polls for the next job this many times (a fraction of a
 * millisecond) before it sleeps: the jobs of a training step come back to back
 * and a sleep/wake pair costs more than a small job. Between steps and when
 * nothing trains, workers sleep on the condition variable. */
#define SPIN_POLLS 200000

/* The job ticket packs generation (24 bits), task count (16 bits) and next
 * task index (24 bits) into one word, so a worker claims a task with one
 * compare-and-swap that fails if the job changed in the meantime. The caller
 * never waits for a worker that has not claimed a task: it runs unclaimed tasks
 * itself and waits only for tasks in progress. A worker that wakes late finds
 * the job done and goes back to waiting. */
#define TICKET(gen, n, next) (((uint64_t)(gen) << 40) | ((uint64_t)(n) << 24) | (uint64_t)(next))
#define TICKET_GEN(t) ((uint32_t)((t) >> 40))
#define TICKET_TASKS(t) ((uint32_t)(((t) >> 24) & 0xffff))
#define TICKET_NEXT(t) ((uint32_t)((t) & 0xffffff))
#define MAX_TASKS 0xffff

static struct {
  pthread_t threads[ENG_MAX_THREADS];
  int n_workers; /* threads besides the caller */
  pthread_mutex_t lock;
  pthread_cond_t wake, done;
  _Atomic uint64_t ticket;
  eng_task_fn fn; /* valid while the ticket's job has unfinished tasks */
  void *ctx;
  atomic_int finished;       /* tasks of the current job completed */
  atomic_int sleepers;       /* workers waiting on `wake` */
  atomic_int caller_waiting; /* the caller waits on `done` */
  atomic_bool quit;
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER,
          .wake = PTHREAD_COND_INITIALIZER,
          .done = PTHREAD_COND_INITIALIZER};

/* Claims and runs tasks of job `gen` until none is left. noinline: called once
 * per job so WASM engines tier it up (a long-lived loop stuck in baseline code
 * was measured 2x slower). Returns whether it ran the job's last task. */
__attribute__((noinline)) static void run_tasks(uint32_t gen) {
  for (;;) {
    uint64_t t = atomic_load(&pool.ticket);
    if (TICKET_GEN(t) != gen || TICKET_NEXT(t) >= TICKET_TASKS(t)) return;
    if (!atomic_compare_exchange_weak(&pool.ticket, &t, t + 1)) continue;
    /* The claim succeeded, so the job cannot finish (and fn/ctx cannot change)
     * before this task is done. */
    pool.fn(pool.ctx, (int)TICKET_NEXT(t));
    if (atomic_fetch_add(&pool.finished, 1) + 1 == (int)TICKET_TASKS(t) &&
        atomic_load(&pool.caller_waiting)) {
      pthread_mutex_lock(&pool.lock);
      pthread_cond_signal(&pool.done);
      pthread_mutex_unlock(&pool.lock);
    }
  }
}

static void *worker_main(void *arg) {
  /* The generation current when the thread was created: a job published
   * before it first runs must not be missed. */
  uint32_t seen = (uint32_t)(uintptr_t)arg;
  for (;;) {
    int polls = 0;
    while (TICKET_GEN(atomic_load(&pool.ticket)) == seen && !atomic_load(&pool.quit)) {
      if (++polls < SPIN_POLLS) {
        let_others_run(polls);
        continue;
      }
      /* Sleep. seq_cst: either the caller sees sleepers > 0 after publishing a
       * job, or this thread sees the new ticket below. */
      pthread_mutex_lock(&pool.lock);
      atomic_fetch_add(&pool.sleepers, 1);
      while (TICKET_GEN(atomic_load(&pool.ticket)) == seen && !atomic_load(&pool.quit))
        pthread_cond_wait(&pool.wake, &pool.lock);
      atomic_fetch_sub(&pool.sleepers, 1);
      pthread_mutex_unlock(&pool.lock);
    }
    if (atomic_load(&pool.quit)) break;
    seen = TICKET_GEN(atomic_load(&pool.ticket));
    run_tasks(seen);
  }
  return NULL;
}

void eng_pool_stop(void) {
  pthread_mutex_lock(&pool.lock);
  atomic_store(&pool.quit, true);
  pthread_cond_broadcast(&pool.wake);
  pthread_mutex_unlock(&pool.lock);
  for (int i = 0; i < pool.n_workers; i++) pthread_join(pool.threads[i], NULL);
  pool.n_workers = 0;
  atomic_store(&pool.quit, false);
}

int eng_set_threads(int threads) {
  if (threads < 1) threads = 1;
  if (threads > ENG_MAX_THREADS) threads = ENG_MAX_THREADS;
  if (pool.n_workers == threads - 1) return threads;
  eng_pool_stop();
  for (int i = 0; i < threads - 1; i++) {
    void *start_generation = (void *)(uintptr_t)TICKET_GEN(atomic_load(&pool.ticket));
    if (pthread_create(&pool.threads[i], NULL, worker_main, start_generation) != 0) break;
    pool.n_workers++;
  }
  return pool.n_workers + 1;
}

int eng_get_threads(void) { return pool.n_workers + 1; }

/* Threads that never hurt. On a busy machine (another process holding a core)
 * a worker loses whole time slices while the caller waits for the task it
 * claimed, and idle workers' polling takes CPU from the caller's serial work:
 * two threads measured 1.3x slower than one (issue 14). So the pool measures
 * both ways on the real workload and keeps the faster: a window of jobs with
 * the workers, one with the caller alone (the workers go to sleep), then the
 * faster way for KEEP seconds (doubling while the choice stays the same, so a
 * quiet machine pays little for the check), and again. Progress is counted in
 * tasks, whose mix repeats with every training step; a gap between two jobs
 * counts at most GAP seconds (longer gaps are the host idling, e.g. the page's
 * event loop between training slices). The first WARM seconds use the
 * workers without measuring: a worker's first jobs run colder code than the
 * caller's (measured at a third of its later rate), which made the first
 * decision go alone on a quiet machine. Which thread runs a task never changes
 * its result, so neither does this. */
#define ADAPT_WARM_S 0.3
/* A first or changed choice is checked again this soon, then kept longer: one
 * window can mislead on a noisy machine (a quiet 16-vCPU VM went alone after two
 * of four short runs' first windows; with a core busy, a first choice of the
 * workers kept a third of an epoch on them), and each mistaken choice cost a
 * whole KEEP_MIN. */
#define ADAPT_RECHECK_S 0.25
#define ADAPT_MEASURE_S 0.05
#define ADAPT_KEEP_MIN_S 1.0
#define ADAPT_KEEP_MAX_S 8.0
#define ADAPT_GAP_S 0.005
enum { MEASURE_WORKERS, MEASURE_ALONE, KEEP };
static struct {
  int policy, phase;
  bool alone;               /* jobs run on the caller alone now */
  int kept;                 /* the last choice: 1 alone, 0 the workers, -1 none yet */
  double alone_s, counted_s; /* for eng_thread_alone_share */
  double last, elapsed;     /* time of the last job; time counted in this window */
  double tasks, pending;    /* tasks done in this window; tasks of the last job */
  double rate_workers, keep_s;
} adapt = {.policy = ENG_THREADS_ADAPTIVE, .phase = KEEP, .keep_s = ADAPT_WARM_S, .kept = -1};

/* Called by the caller before each job that could use the workers. */
static bool adapt_alone(int n_tasks) {
  double now = eng_seconds(), gap = adapt.last > 0 ? now - adapt.last : 0;
  adapt.last = now;
  if (gap > ADAPT_GAP_S) gap = ADAPT_GAP_S;
  adapt.counted_s += gap;
  if (adapt.alone) adapt.alone_s += gap;
  if (adapt.policy != ENG_THREADS_ADAPTIVE) return adapt.alone = adapt.policy == ENG_THREADS_ONE;
  adapt.elapsed += gap;
  adapt.tasks += adapt.pending; /* the last job's tasks took (part of) this gap */
  adapt.pending = n_tasks;
  if (adapt.elapsed >= (adapt.phase == KEEP ? adapt.keep_s : ADAPT_MEASURE_S)) {
    double rate = adapt.tasks / adapt.elapsed;
    if (adapt.phase == MEASURE_WORKERS) {
      adapt.rate_workers = rate;
      adapt.phase = MEASURE_ALONE, adapt.alone = true;
    } else if (adapt.phase == MEASURE_ALONE) {
      bool alone = rate > adapt.rate_workers;
      double doubled = adapt.keep_s * 2 < ADAPT_KEEP_MIN_S ? ADAPT_KEEP_MIN_S : adapt.keep_s * 2;
      if (doubled > ADAPT_KEEP_MAX_S) doubled = ADAPT_KEEP_MAX_S;
      adapt.keep_s = (int)alone == adapt.kept ? doubled : ADAPT_RECHECK_S;
      adapt.phase = KEEP, adapt.alone = alone, adapt.kept = alone;
    } else {
      adapt.phase = MEASURE_WORKERS, adapt.alone = false;
    }
    adapt.elapsed = adapt.tasks = 0;
  }
  return adapt.alone;
}

int eng_set_thread_policy(int policy) {
  int old = adapt.policy;
  if (policy >= ENG_THREADS_ADAPTIVE && policy <= ENG_THREADS_ONE && policy != old) {
    adapt.policy = policy;
    /* Adaptive starts over: warm-up with the workers, then a fresh measurement. */
    adapt.phase = KEEP, adapt.keep_s = ADAPT_WARM_S, adapt.alone = false, adapt.kept = -1;
    adapt.elapsed = adapt.tasks = adapt.pending = 0;
  }
  return old;
}

double eng_thread_alone_share(void) {
  double share = adapt.counted_s > 0 ? adapt.alone_s / adapt.counted_s : (pool.n_workers == 0);
  adapt.alone_s = adapt.counted_s = 0;
  return pool.n_workers == 0 ? 1.0 : share;
}

/* Runs the job; returns the seconds the caller waited for tasks that workers
 * had claimed (timed only while profiling). */
static double pool_run(eng_task_fn fn, void *ctx, int n_tasks) {
  if (pool.n_workers == 0 || n_tasks <= 1 || n_tasks > MAX_TASKS || adapt_alone(n_tasks)) {
    for (int i = 0; i < n_tasks; i++) fn(ctx, i);
    return 0;
  }
  uint32_t gen = (TICKET_GEN(atomic_load(&pool.ticket)) + 1) & 0xffffff;
  pool.fn = fn;
  pool.ctx = ctx;
  atomic_store(&pool.finished, 0);
  atomic_store(&pool.ticket, TICKET(gen, n_tasks, 0)); /* publishes the job (seq_cst) */
  if (atomic_load(&pool.sleepers) > 0) {
    pthread_mutex_lock(&pool.lock);
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.lock);
  }
  run_tasks(gen);
  /* Only tasks that workers claimed and are still running remain. */
  double wait_start = eng_profile_on && atomic_load(&pool.finished) < n_tasks ? eng_seconds() : 0;
  for (int polls = 0; atomic_load(&pool.finished) < n_tasks; polls++) {
    if (polls < SPIN_POLLS) {
      let_others_run(polls);
      continue;
    }
    pthread_mutex_lock(&pool.lock);
    atomic_store(&pool.caller_waiting, 1);
    while (atomic_load(&pool.finished) < n_tasks) pthread_cond_wait(&pool.done, &pool.lock);
    atomic_store(&pool.caller_waiting, 0);
    pthread_mutex_unlock(&pool.lock);
  }
  return wait_start > 0 ? eng_seconds() - wait_start : 0;
}

void eng_pool_run_named(const char *name, eng_task_fn fn, void *ctx, int n_tasks) {
  if (!eng_profile_on) {
    pool_run(fn, ctx, n_tasks);
    return;
  }
  double t0 = eng_seconds(), waited = pool_run(fn, ctx, n_tasks);
  profile_job(name, eng_seconds() - t0, waited);
}
#endif
