/* pool.c: a persistent pthread pool. Tasks own fixed outputs, so results never
 * depend on which thread ran a task. Idle workers sleep on a condition variable.
 * Without pthreads (single-threaded WASM build) every task runs on the caller. */
#include "internal.h"

#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
#define ENG_NO_THREADS 1
#endif

#ifdef ENG_NO_THREADS
int eng_set_threads(int threads) { (void)threads; return 1; }
int eng_get_threads(void) { return 1; }
void eng_pool_stop(void) {}
void eng_pool_run(eng_task_fn fn, void *ctx, int n_tasks) {
  for (int i = 0; i < n_tasks; i++) fn(ctx, i);
}
#else
#include <pthread.h>
#include <stdatomic.h>

#define ENG_MAX_THREADS 16
/* A worker that finds no job spins this many polls (tens of microseconds)
 * before it sleeps: the jobs of one training step come back to back, and a
 * sleep/wake pair costs more than a small matrix multiply. Between steps and
 * when nothing trains, workers sleep on the condition variable. */
#define SPIN_POLLS 2000000

static struct {
  pthread_t threads[ENG_MAX_THREADS];
  int n_workers; /* threads besides the caller */
  pthread_mutex_t lock;
  pthread_cond_t wake, done;
  atomic_ulong generation;
  eng_task_fn fn;
  void *ctx;
  int n_tasks;
  atomic_int next_task;
  atomic_int active;         /* workers still on the current job */
  atomic_int sleepers;       /* workers waiting on `wake` */
  atomic_int caller_waiting; /* the caller waits on `done` */
  atomic_bool quit;
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER,
          .wake = PTHREAD_COND_INITIALIZER,
          .done = PTHREAD_COND_INITIALIZER};

/* noinline: the work loop is called once per job, so WASM engines tier it up
 * (a long-lived loop stuck in baseline code was measured 2x slower). */
__attribute__((noinline)) static void run_tasks(eng_task_fn fn, void *ctx, int n_tasks) {
  for (;;) {
    int t = atomic_fetch_add(&pool.next_task, 1);
    if (t >= n_tasks) break;
    fn(ctx, t);
  }
}

static void *worker_main(void *arg) {
  /* The generation current when the thread was created (not when it starts
   * running: a job published in between must not be missed). */
  unsigned long seen = (unsigned long)(uintptr_t)arg;
  for (;;) {
    int polls = 0;
    while (atomic_load(&pool.generation) == seen && !atomic_load(&pool.quit)) {
      if (++polls < SPIN_POLLS) continue;
      /* Sleep. seq_cst: either the caller sees sleepers > 0 after publishing a
       * job, or this thread sees the new generation below. */
      pthread_mutex_lock(&pool.lock);
      atomic_fetch_add(&pool.sleepers, 1);
      while (atomic_load(&pool.generation) == seen && !atomic_load(&pool.quit))
        pthread_cond_wait(&pool.wake, &pool.lock);
      atomic_fetch_sub(&pool.sleepers, 1);
      pthread_mutex_unlock(&pool.lock);
    }
    if (atomic_load(&pool.quit)) break;
    seen = atomic_load(&pool.generation);
    run_tasks(pool.fn, pool.ctx, pool.n_tasks);
    if (atomic_fetch_sub(&pool.active, 1) == 1 && atomic_load(&pool.caller_waiting)) {
      pthread_mutex_lock(&pool.lock);
      pthread_cond_signal(&pool.done);
      pthread_mutex_unlock(&pool.lock);
    }
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
    void *start_generation = (void *)(uintptr_t)atomic_load(&pool.generation);
    if (pthread_create(&pool.threads[i], NULL, worker_main, start_generation) != 0) break;
    pool.n_workers++;
  }
  return pool.n_workers + 1;
}

int eng_get_threads(void) { return pool.n_workers + 1; }

void eng_pool_run(eng_task_fn fn, void *ctx, int n_tasks) {
  if (pool.n_workers == 0 || n_tasks <= 1) {
    for (int i = 0; i < n_tasks; i++) fn(ctx, i);
    return;
  }
  pool.fn = fn;
  pool.ctx = ctx;
  pool.n_tasks = n_tasks;
  atomic_store(&pool.next_task, 0);
  atomic_store(&pool.active, pool.n_workers);
  atomic_fetch_add(&pool.generation, 1); /* publishes the job (seq_cst) */
  if (atomic_load(&pool.sleepers) > 0) {
    pthread_mutex_lock(&pool.lock);
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.lock);
  }
  run_tasks(fn, ctx, n_tasks);
  for (int polls = 0; atomic_load(&pool.active) > 0; polls++) {
    if (polls < SPIN_POLLS) continue;
    pthread_mutex_lock(&pool.lock);
    atomic_store(&pool.caller_waiting, 1);
    while (atomic_load(&pool.active) > 0) pthread_cond_wait(&pool.done, &pool.lock);
    atomic_store(&pool.caller_waiting, 0);
    pthread_mutex_unlock(&pool.lock);
  }
}
#endif
