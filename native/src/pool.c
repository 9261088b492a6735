/* A fork-join thread pool. Tasks are handed out dynamically, but each task computes a fixed set
 * of outputs, so which thread runs it never changes a result.
 *
 * A job is finished when all of its tasks are done, not when every worker has checked in: on a
 * shared machine a worker may not be scheduled for milliseconds, and waiting for it to wake up
 * just to find no work left cost more than the work. A worker grabs a task only together with
 * the job's generation, so one that wakes late never runs a finished job's task (whose context
 * is gone). Workers spin briefly between jobs before sleeping, because a network's jobs follow
 * each other within microseconds. */
#include <pthread.h>
#include <stdlib.h>
#include "internal.h"

#define SPIN_ROUNDS 4000   /* about 100 us of polling before sleeping (a pause is ~27 ns on Zen 3) */

struct sc_pool {
    int nthreads;              /* including the caller */
    pthread_t *workers;
    pthread_mutex_t mu;
    pthread_cond_t start_cv, done_cv;
    unsigned long generation;  /* written under mu, read by spinning workers atomically */
    int quit;
    sc_task_fn fn;
    void *ctx;
    int num_tasks;
    int next;                  /* next task index (under mu) */
    int done;                  /* tasks finished in the current job (under mu; polled atomically) */
    int waiting;               /* the caller sleeps on done_cv */
};

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("pause");
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* The next task of job `gen`, with its function and context; -1 when the job has none left
 * (or is already replaced by a newer one). */
static int grab(sc_pool *p, unsigned long gen, sc_task_fn *fn, void **ctx)
{
    int t = -1;
    pthread_mutex_lock(&p->mu);
    if (p->generation == gen && p->next < p->num_tasks) {
        t = p->next++;
        *fn = p->fn;
        *ctx = p->ctx;
    }
    pthread_mutex_unlock(&p->mu);
    return t;
}

static void finish(sc_pool *p)
{
    pthread_mutex_lock(&p->mu);
    __atomic_store_n(&p->done, p->done + 1, __ATOMIC_RELEASE);
    if (p->done == p->num_tasks && p->waiting)
        pthread_cond_signal(&p->done_cv);
    pthread_mutex_unlock(&p->mu);
}

static void *worker(void *arg)
{
    sc_pool *p = (sc_pool *)arg;
    unsigned long seen = 0;
    for (;;) {
        int t, i;
        sc_task_fn fn;
        void *ctx;
        for (i = 0; i < SPIN_ROUNDS; i++) {
            if (__atomic_load_n(&p->generation, __ATOMIC_ACQUIRE) != seen || __atomic_load_n(&p->quit, __ATOMIC_ACQUIRE))
                break;
            cpu_relax();
        }
        pthread_mutex_lock(&p->mu);
        while (p->generation == seen && !p->quit)
            pthread_cond_wait(&p->start_cv, &p->mu);
        if (p->quit) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        seen = p->generation;
        pthread_mutex_unlock(&p->mu);
        while ((t = grab(p, seen, &fn, &ctx)) >= 0) {
            fn(ctx, t);
            finish(p);
        }
    }
}

int sc_pool_create(int num_threads, sc_pool **out)
{
    sc_pool *p = (sc_pool *)calloc(1, sizeof *p);
    int i;
    *out = NULL;
    if (!p)
        return sc_fail(SC_ERR_NOMEM, "thread pool");
    p->nthreads = num_threads;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->start_cv, NULL);
    pthread_cond_init(&p->done_cv, NULL);
    if (num_threads > 1) {
        p->workers = (pthread_t *)calloc((size_t)num_threads - 1, sizeof(pthread_t));
        if (!p->workers) {
            sc_pool_free(p);
            return sc_fail(SC_ERR_NOMEM, "thread pool");
        }
        for (i = 0; i < num_threads - 1; i++)
            if (pthread_create(&p->workers[i], NULL, worker, p) != 0) {
                p->nthreads = i + 1; /* join the ones that started */
                sc_pool_free(p);
                return sc_fail(SC_ERR_THREAD, "cannot start worker thread %d", i + 1);
            }
    }
    *out = p;
    return SC_OK;
}

void sc_pool_free(sc_pool *p)
{
    int i;
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    __atomic_store_n(&p->quit, 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&p->start_cv);
    pthread_mutex_unlock(&p->mu);
    if (p->workers)
        for (i = 0; i < p->nthreads - 1; i++)
            pthread_join(p->workers[i], NULL);
    free(p->workers);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->start_cv);
    pthread_cond_destroy(&p->done_cv);
    free(p);
}

int sc_pool_threads(const sc_pool *p) { return p->nthreads; }

void sc_pool_run(sc_pool *p, int num_tasks, sc_task_fn fn, void *ctx)
{
    int t, i;
    unsigned long gen;
    sc_task_fn f;
    void *c;
    if (num_tasks <= 0)
        return;
    if (p->nthreads <= 1 || num_tasks == 1) {
        for (t = 0; t < num_tasks; t++)
            fn(ctx, t);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->ctx = ctx;
    p->num_tasks = num_tasks;
    p->next = 0;
    p->done = 0;
    p->waiting = 0;
    gen = p->generation + 1;
    __atomic_store_n(&p->generation, gen, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&p->start_cv);
    pthread_mutex_unlock(&p->mu);
    while ((t = grab(p, gen, &f, &c)) >= 0) {
        f(c, t);
        finish(p);
    }
    /* the remaining tasks are running on workers */
    for (i = 0; i < SPIN_ROUNDS && __atomic_load_n(&p->done, __ATOMIC_ACQUIRE) < num_tasks; i++)
        cpu_relax();
    pthread_mutex_lock(&p->mu);
    p->waiting = 1;
    while (p->done < num_tasks)
        pthread_cond_wait(&p->done_cv, &p->mu);
    p->waiting = 0;
    pthread_mutex_unlock(&p->mu);
}
