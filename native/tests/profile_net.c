/* Per-layer profile of a representative style network at a given size (default 1280x720,
 * 2 threads): the numbers that guide kernel work. Not a benchmark against other runtimes
 * (bench/runtime_vs_ort.py does that).
 *   profile_net [W H threads repeat isa int8 [conv32 | conv:C:O:k:s | file:MODEL.scn]] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "internal.h"
#include "model_builder.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static uint8_t *student(int int8, size_t *size)
{
    mb_model mb;
    mb_rng r = {7};
    int x, a, b, k, in2[2];
    int32_t ia[12] = {0};
    float fa[3] = {2.0f, 2.0f, 0};
    uint8_t *buf;
    mb_init(&mb, 3);
    mb.size_multiple = 4;
    if (int8) {
        mb.flags = 1;
        mb.vscale[0] = 1.0f / 255.0f;
        mb.vzp[0] = -128;
    }
#define CONV(in, oc, kk, s, mode) \
    (int8 ? mb_conv_i8(&mb, &r, in, oc, kk, kk, s, s, kk / 2, kk / 2, kk / 2, kk / 2, 1, mode, 0.0f, 0) \
          : mb_conv(&mb, &r, in, oc, kk, kk, s, s, kk / 2, kk / 2, kk / 2, kk / 2, 1, 1, 1, mode, 1))
#define Q(v) do { if (int8) { mb.vscale[v] = 0.03f; mb.vzp[v] = -100; } } while (0)
    x = CONV(0, 16, 3, 2, SC_PAD_REFLECT);
    x = mb_instnorm(&mb, &r, x, 0);
    x = mb_simple(&mb, SC_OP_RELU, x, 0, 0); Q(x);
    x = CONV(x, 32, 3, 2, SC_PAD_REFLECT);
    x = mb_instnorm(&mb, &r, x, 0);
    x = mb_simple(&mb, SC_OP_RELU, x, 0, 0); Q(x);
    for (k = 0; k < 3; k++) {
        a = CONV(x, 32, 3, 1, SC_PAD_REFLECT);
        a = mb_instnorm(&mb, &r, a, 0);
        a = mb_simple(&mb, SC_OP_RELU, a, 0, 0); Q(a);
        b = CONV(a, 32, 3, 1, SC_PAD_REFLECT);
        b = mb_instnorm(&mb, &r, b, 0);
        in2[0] = b; in2[1] = x;
        x = mb_layer_add(&mb, SC_OP_ADD, 2, in2, 32, NULL, NULL, NULL); Q(x);
    }
    x = mb_layer_add(&mb, SC_OP_RESIZE, 1, &x, 32, NULL, ia, fa); Q(x);
    x = CONV(x, 16, 3, 1, SC_PAD_REFLECT);
    x = mb_instnorm(&mb, &r, x, 0);
    x = mb_simple(&mb, SC_OP_RELU, x, 0, 0);
    x = mb_layer_add(&mb, SC_OP_RESIZE, 1, &x, 16, NULL, ia, fa); Q(x);
    x = CONV(x, 16, 3, 1, SC_PAD_REFLECT);
    x = mb_instnorm(&mb, &r, x, 0);
    x = mb_simple(&mb, SC_OP_RELU, x, 0, 0); Q(x);
    x = CONV(x, 3, 3, 1, SC_PAD_REFLECT);
    x = mb_simple(&mb, SC_OP_SIGMOID, x, 0, 0);
    buf = mb_write(&mb, x, size);
    mb_free(&mb);
    return buf;
}

int main(int argc, char **argv)
{
    int W = argc > 1 ? atoi(argv[1]) : 1280, H = argc > 2 ? atoi(argv[2]) : 720;
    int threads = argc > 3 ? atoi(argv[3]) : 2, repeat = argc > 4 ? atoi(argv[4]) : 5;
    int isa = argc > 5 ? atoi(argv[5]) : SC_ISA_AUTO, int8 = argc > 6 ? atoi(argv[6]) : 0;
    size_t size;
    uint8_t *buf;
    if (argc > 7 && strcmp(argv[7], "conv32") == 0) { /* one 32->32 3x3 conv, for kernel tuning */
        mb_model mb;
        mb_rng r = {3};
        int out;
        mb_init(&mb, 3);
        out = mb_conv(&mb, &r, 0, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 0, 1);
        out = mb_conv(&mb, &r, out, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1);
        buf = mb_write(&mb, out, &size);
        mb_free(&mb);
    } else if (argc > 7 && strncmp(argv[7], "conv:", 5) == 0) { /* conv:C:O:k:s single layer */
        mb_model mb;
        mb_rng r = {3};
        int C = 16, O = 3, k = 3, st = 1, out;
        sscanf(argv[7] + 5, "%d:%d:%d:%d", &C, &O, &k, &st);
        mb_init(&mb, C);
        out = mb_conv(&mb, &r, 0, O, k, k, st, st, k / 2, k / 2, k / 2, k / 2, 1, 1, 1, 1, 1);
        buf = mb_write(&mb, out, &size);
        mb_free(&mb);
    } else if (argc > 7 && strncmp(argv[7], "file:", 5) == 0) { /* a converted model file */
        FILE *f = fopen(argv[7] + 5, "rb");
        long len;
        if (!f || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0) {
            fprintf(stderr, "%s: cannot read\n", argv[7] + 5);
            return 1;
        }
        size = (size_t)len;
        buf = (uint8_t *)malloc(size);
        if (!buf || fread(buf, 1, size, f) != size) {
            fprintf(stderr, "%s: cannot read\n", argv[7] + 5);
            return 1;
        }
        fclose(f);
    } else {
        buf = student(int8, &size);
    }
    sc_model *m = NULL;
    sc_session *s = NULL;
    int oc, oh, ow, i, rep, n, inc = 3;
    float *x, *y;
    double best = 1e30, best_cpu = 1e30, *lt;
    unsigned long long macs = 0;
    if (sc_model_load_memory(buf, size, &m) != SC_OK || sc_session_create(m, threads, &s) != SC_OK ||
        sc_session_set_isa(s, isa) != SC_OK || sc_model_output_shape(m, H, W, &oc, &oh, &ow) != SC_OK) {
        fprintf(stderr, "%s\n", sc_last_error());
        return 1;
    }
    n = sc_model_layer_count(m);
    lt = (double *)calloc((size_t)n, sizeof(double));
    {
        sc_model_info mi;
        sc_model_get_info(m, &mi);
        inc = mi.in_channels;
    }
    x = (float *)malloc((size_t)inc * H * W * 4);
    y = (float *)malloc((size_t)oc * oh * ow * 4);
    for (i = 0; i < inc * H * W; i++)
        x[i] = (float)(i % 251) / 251.0f;
    for (rep = 0; rep < repeat; rep++) {
        double t0 = now(), c0 = cpu_now();
        sc_session_run_f32(s, x, inc, H, W, y, (size_t)oc * oh * ow);
        t0 = now() - t0;
        c0 = cpu_now() - c0;
        if (c0 < best_cpu)
            best_cpu = c0;
        if (t0 < best) {
            best = t0;
            for (i = 0; i < n; i++) {
                sc_layer_timing t;
                sc_session_layer_timing(s, i, &t);
                lt[i] = t.ms;
            }
        }
    }
    printf("%-4s %-16s %-22s %10s %9s %8s\n", "#", "op", "kernel", "MMAC", "ms", "GFLOP/s");
    for (i = 0; i < n; i++) {
        sc_layer_info li;
        sc_layer_timing t;
        sc_model_layer_info(m, i, H, W, &li);
        sc_session_layer_timing(s, i, &t);
        if (li.op == SC_OP_CONV)
            macs += li.macs;
        printf("%-4d %-16s %-22s %10.1f %9.2f %8.1f%s\n", i, li.op_name, t.kernel, li.macs / 1e6, lt[i],
               lt[i] > 0 ? 2.0 * li.macs / (lt[i] * 1e6) : 0.0, t.fused_into >= 0 ? " (fused)" : "");
    }
    printf("best CPU time %.2f ms (all threads) -> %.1f GFLOP/s per busy core\n", best_cpu, 2.0 * macs / (best_cpu * 1e6));
    printf("best of %d: %.2f ms at %dx%d, %d threads, isa %s, %s; conv %.2f GMAC -> %.1f GFLOP/s overall\n", repeat,
           best, W, H, threads, sc_isa_name(sc_session_get_isa(s)), int8 ? "int8" : "fp32", macs / 1e9,
           2.0 * macs / (best * 1e6));
    sc_session_free(s);
    sc_model_free(m);
    free(buf);
    free(x);
    free(y);
    free(lt);
    return 0;
}
