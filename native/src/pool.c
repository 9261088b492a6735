/* A fork-join thread pool. Tasks are handed out dynamically, but each task computes a fixed set
 * of outputs, so which thread runs it never changes a result. */
#include <pthread.h>
#include <stdlib.h>
#include "internal.h"

struct sc_pool {
    int nthreads;              /* including the caller */
    pthread_t *workers;
    pthread_mutex_t mu;
    pthread_cond_t start_cv, done_cv;
    unsigned long generation;
    int busy;                  /* workers still in the current job */
    int quit;
    sc_task_fn fn;
    void *ctx;
    int num_tasks;
    int next;                  /* next task index (under mu) */
};

static int grab(sc_pool *p)
{
    int t;
    pthread_mutex_lock(&p->mu);
    t = p->next < p->num_tasks ? p->next++ : -1;
    pthread_mutex_unlock(&p->mu);
    return t;
}

static void *worker(void *arg)
{
    sc_pool *p = (sc_pool *)arg;
    unsigned long seen = 0;
    for (;;) {
        int t;
        pthread_mutex_lock(&p->mu);
        while (p->generation == seen && !p->quit)
            pthread_cond_wait(&p->start_cv, &p->mu);
        if (p->quit) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        seen = p->generation;
        pthread_mutex_unlock(&p->mu);
        while ((t = grab(p)) >= 0)
            p->fn(p->ctx, t);
        pthread_mutex_lock(&p->mu);
        if (--p->busy == 0)
            pthread_cond_signal(&p->done_cv);
        pthread_mutex_unlock(&p->mu);
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
    p->quit = 1;
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
    int t;
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
    p->busy = p->nthreads - 1;
    p->generation++;
    pthread_cond_broadcast(&p->start_cv);
    pthread_mutex_unlock(&p->mu);
    while ((t = grab(p)) >= 0)
        fn(ctx, t);
    pthread_mutex_lock(&p->mu);
    while (p->busy > 0)
        pthread_cond_wait(&p->done_cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
}
