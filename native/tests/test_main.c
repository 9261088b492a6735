/* Host tests of the native runtime. Every optimized kernel family is held to the reference by
 * exact byte equality, across thread counts; the reference is checked against plain double
 * arithmetic; the loader must reject damaged files with the right status; int8 requantization
 * is pinned by exact values. Prints "N passed, M failed".
 *   stylecut_tests [--quick] [--golden-write FILE | --golden-check FILE] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "model_builder.h"

static int passed, failed, quick;

#define CHECK(cond, ...)                                   \
    do {                                                   \
        if (cond) {                                        \
            passed++;                                      \
        } else {                                           \
            failed++;                                      \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);    \
            printf(__VA_ARGS__);                           \
            printf("\n");                                  \
        }                                                  \
    } while (0)

static const int isas[] = {SC_ISA_SCALAR, SC_ISA_AVX2, SC_ISA_AVX512, SC_ISA_NEON};

/* per-op tallies for the summary table */
#define MAX_OPS 32
static struct { const char *name; int cases, ok; } op_stats[MAX_OPS];
static int n_op_stats;
static void tally(const char *name, int ok)
{
    int i;
    for (i = 0; i < n_op_stats; i++)
        if (strcmp(op_stats[i].name, name) == 0)
            break;
    if (i == n_op_stats && n_op_stats < MAX_OPS) {
        op_stats[i].name = name;
        n_op_stats++;
    }
    if (i < MAX_OPS) {
        op_stats[i].cases++;
        op_stats[i].ok += ok;
    }
}

static float *random_input(mb_rng *r, size_t n, float lo, float hi)
{
    float *x = (float *)malloc(n * sizeof(float));
    size_t i;
    for (i = 0; i < n; i++)
        x[i] = mb_uniform(r, lo, hi);
    return x;
}

/* Runs the model with the reference (scalar, 1 thread) and every available family at 1..4
 * threads; all outputs must be byte-identical. Returns the reference output (caller frees) or
 * NULL when the model could not run. */
static float *check_exact(const char *what, const uint8_t *buf, size_t size, int C, int H, int W,
                          const float *x, size_t *out_n, int style_mode)
{
    sc_model *m = NULL;
    sc_session *s = NULL;
    int st, oc, oh, ow, i, th, ok = 1;
    float *ref, *got;
    size_t n;
    st = sc_model_load_memory(buf, size, &m);
    CHECK(st == SC_OK, "%s: load failed: %s", what, sc_last_error());
    if (st != SC_OK)
        return NULL;
    st = sc_model_output_shape(m, H, W, &oc, &oh, &ow);
    CHECK(st == SC_OK, "%s: shape failed: %s", what, sc_last_error());
    if (st != SC_OK) {
        sc_model_free(m);
        return NULL;
    }
    n = (size_t)oc * oh * ow;
    ref = (float *)malloc(n * sizeof(float));
    got = (float *)malloc(n * sizeof(float));
    for (i = 0; i < 4; i++) {
        if (!sc_isa_available(isas[i]))
            continue;
        for (th = 1; th <= 4; th++) {
            if (quick && th == 3)
                continue;
            if (i == 0 && th > 1 && th != 3)
                continue; /* the reference is checked at 1 and 3 threads */
            st = sc_session_create(m, th, &s);
            if (st == SC_OK)
                st = sc_session_set_isa(s, isas[i]);
            if (st == SC_OK && style_mode == 1)
                st = sc_session_set_style(s, 1);
            if (st == SC_OK && style_mode == 2) {
                float wts[3] = {0.25f, 0.5f, 0.25f};
                st = sc_session_set_style_weights(s, wts, 3);
            }
            if (st == SC_OK)
                st = sc_session_run_f32(s, x, C, H, W, (i == 0 && th == 1) ? ref : got, n);
            CHECK(st == SC_OK, "%s: run %s/%d threads failed: %s", what, sc_isa_name(isas[i]), th, sc_last_error());
            if (st == SC_OK && !(i == 0 && th == 1)) {
                int same = memcmp(ref, got, n * sizeof(float)) == 0;
                if (!same) {
                    size_t k;
                    for (k = 0; k < n && ref[k] == got[k]; k++)
                        ;
                    printf("  %s: %s/%d threads differs at %zu: %.9g vs %.9g\n", what, sc_isa_name(isas[i]), th,
                           k, k < n ? ref[k] : 0.0, k < n ? got[k] : 0.0);
                }
                CHECK(same, "%s: %s with %d threads differs from the reference", what, sc_isa_name(isas[i]), th);
                ok &= same;
            }
            ok &= st == SC_OK;
            sc_session_free(s);
            s = NULL;
        }
    }
    free(got);
    sc_model_free(m);
    tally(what, ok);
    if (out_n)
        *out_n = n;
    return ref;
}

/* ---- reference vs plain double arithmetic ---- */

static int padidx(int i, int n, int mode) { return sc_pad_index(i, n, mode); }

static double naive_conv(const float *x, int C, int H, int W, const mb_model *mb, int li, int oc, int oy, int ox)
{
    const mb_layer *l = &mb->layers[li];
    const float *w = (const float *)mb->tdata[l->tensors[0]];
    int kh = (int)mb->tdims[l->tensors[0]][2], kw = (int)mb->tdims[l->tensors[0]][3];
    int g = l->ia[8], cpg = C / g, opg = mb->tdims[l->tensors[0]][0] / g, ic, ky, kx;
    double acc = l->tensors[1] >= 0 ? ((const float *)mb->tdata[l->tensors[1]])[oc] : 0.0;
    for (ic = 0; ic < cpg; ic++)
        for (ky = 0; ky < kh; ky++)
            for (kx = 0; kx < kw; kx++) {
                int iy = padidx(oy * l->ia[0] - l->ia[2] + ky * l->ia[6], H, l->ia[9]);
                int ix = padidx(ox * l->ia[1] - l->ia[3] + kx * l->ia[7], W, l->ia[9]);
                int c = (oc / opg) * cpg + ic;
                if (iy >= 0 && ix >= 0)
                    acc += (double)w[((oc * cpg + ic) * kh + ky) * kw + kx] * x[((size_t)c * H + iy) * W + ix];
            }
    return acc;
}

static void test_conv_random(mb_rng *r)
{
    int iters = quick ? 25 : 120, it;
    for (it = 0; it < iters; it++) {
        mb_model mb;
        int C, O, kh, kw, sh, sw, dh, dw, g, H, W, mode, pt, pl, pb, pr, out, act, mult;
        uint8_t *buf;
        size_t size, n;
        float *x, *ref;
        char what[160];
        C = mb_randint(r, 1, 9);
        if (mb_randint(r, 0, 5) == 0)
            C = 16 * mb_randint(r, 1, 2);
        g = 1;
        mult = 1;
        if (mb_randint(r, 0, 3) == 0) { /* depthwise with a channel multiplier */
            g = C;
            mult = mb_randint(r, 1, 3);
        } else if (C % 2 == 0 && mb_randint(r, 0, 3) == 0) {
            g = 2;
        }
        O = g == C ? C * mult : g * mb_randint(r, 1, 7);
        if (mb_randint(r, 0, 6) == 0 && g == 1)
            O = 32;
        if (mb_randint(r, 0, 9) == 0) { /* two wide groups */
            C = 2 * mb_randint(r, 4, 12);
            g = 2;
            O = 2 * mb_randint(r, 8, 20);
        }
        kh = mb_randint(r, 1, 5);
        kw = mb_randint(r, 1, 5);
        if (mb_randint(r, 0, 8) == 0)
            kh = kw = 9;
        sh = mb_randint(r, 1, 3);
        sw = mb_randint(r, 1, 3);
        dh = mb_randint(r, 0, 4) == 0 ? 2 : 1;
        dw = mb_randint(r, 0, 4) == 0 ? 2 : 1;
        H = mb_randint(r, 5, 37);
        W = mb_randint(r, 5, 61);
        mode = mb_randint(r, 0, 2);
        pt = mb_randint(r, 0, kh - 1 < 4 ? kh - 1 : 4);
        pb = mb_randint(r, 0, kh - 1 < 4 ? kh - 1 : 4);
        pl = mb_randint(r, 0, kw - 1 < 4 ? kw - 1 : 4);
        pr = mb_randint(r, 0, kw - 1 < 4 ? kw - 1 : 4);
        if (sc_conv_out_dim(H, kh, sh, pt, pb, dh) < 1 || sc_conv_out_dim(W, kw, sw, pl, pr, dw) < 1)
            continue;
        act = mb_randint(r, 0, 5);
        mb_init(&mb, C);
        out = mb_conv(&mb, r, 0, O, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, g, mode, mb_randint(r, 0, 3) != 0);
        if (act == 1) out = mb_simple(&mb, SC_OP_RELU, out, 0, 0);
        if (act == 2) out = mb_simple(&mb, SC_OP_LEAKY_RELU, out, 0.1f, 0);
        if (act == 3) out = mb_simple(&mb, SC_OP_CLIP, out, -0.3f, 0.4f);
        if (act == 4) out = mb_simple(&mb, SC_OP_SIGMOID, out, 0, 0);
        if (act == 5) out = mb_simple(&mb, SC_OP_TANH, out, 0, 0);
        buf = mb_write(&mb, out, &size);
        snprintf(what, sizeof what, "conv C%d O%d k%dx%d s%dx%d d%dx%d g%d pad%d,%d,%d,%d/%d %dx%d act%d", C, O, kh,
                 kw, sh, sw, dh, dw, g, pt, pl, pb, pr, mode, W, H, act);
        x = random_input(r, (size_t)C * H * W, -1.0f, 1.0f);
        ref = check_exact("conv2d(+act)", buf, size, C, H, W, x, &n, 0);
        if (!ref)
            printf("  case: %s\n", what);
        if (ref && act == 0) { /* the reference itself against double arithmetic */
            int OH = sc_conv_out_dim(H, kh, sh, pt, pb, dh), OW = sc_conv_out_dim(W, kw, sw, pl, pr, dw);
            int oc, oy, ox;
            double maxd = 0.0;
            for (oc = 0; oc < O; oc++)
                for (oy = 0; oy < OH; oy++)
                    for (ox = 0; ox < OW; ox++) {
                        double d = fabs(naive_conv(x, C, H, W, &mb, 0, oc, oy, ox) - ref[((size_t)oc * OH + oy) * OW + ox]);
                        if (d > maxd) maxd = d;
                    }
            CHECK(maxd < 1e-5, "%s: reference differs from double arithmetic by %g", what, maxd);
        }
        free(ref);
        free(x);
        free(buf);
        mb_free(&mb);
    }
}

static void test_conv_norm_fused(mb_rng *r)
{
    int it, iters = quick ? 6 : 20;
    for (it = 0; it < iters; it++) {
        mb_model mb;
        int C = mb_randint(r, 1, 8), O = mb_randint(r, 1, 17), H = mb_randint(r, 4, 40), W = mb_randint(r, 4, 70);
        if (it % 2 == 1)
            C += 8;
        int cond = it % 3 == 2, mode = mb_randint(r, 0, 2), out, sm = 0, c;
        uint8_t *buf;
        size_t size, n;
        float *x, *ref;
        mb_init(&mb, C);
        if (cond)
            mb.num_styles = 3;
        out = mb_conv(&mb, r, 0, O, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, mode, 1);
        out = mb_instnorm(&mb, r, out, cond);
        if (it % 2 == 0)
            out = mb_simple(&mb, SC_OP_RELU, out, 0, 0);
        buf = mb_write(&mb, out, &size);
        x = random_input(r, (size_t)C * H * W, -2.0f, 3.0f);
        if (cond)
            sm = 1 + it % 2;
        ref = check_exact(cond ? "conv+cond_instance_norm(+relu)" : "conv+instance_norm(+relu)", buf, size, C, H, W, x, &n, sm);
        if (ref && it % 2 == 1 && !cond) { /* without relu: per-channel mean = beta, std = gamma */
            const float *gam = (const float *)mb.tdata[mb.layers[1].tensors[0]];
            const float *bet = (const float *)mb.tdata[mb.layers[1].tensors[1]];
            size_t hw = n / (size_t)O, i;
            double worst = 0.0;
            for (c = 0; c < O; c++) {
                double s = 0, q = 0, mean, sd;
                for (i = 0; i < hw; i++) s += ref[c * hw + i];
                mean = s / (double)hw;
                for (i = 0; i < hw; i++) q += (ref[c * hw + i] - mean) * (ref[c * hw + i] - mean);
                sd = sqrt(q / (double)hw);
                if (fabs(mean - bet[c]) > worst) worst = fabs(mean - bet[c]);
                if (hw > 4 && fabs(sd - gam[c]) > 1e-3 * gam[c] + 1e-4 && sd > 1e-3 && fabs(sd - gam[c]) > worst)
                    worst = fabs(sd - gam[c]);
            }
            CHECK(worst < 2e-3, "instance norm statistics off by %g", worst);
        }
        free(ref);
        free(x);
        free(buf);
        mb_free(&mb);
    }
}

static void test_conv_int8(mb_rng *r)
{
    int it, iters = quick ? 10 : 40;
    for (it = 0; it < iters; it++) {
        mb_model mb;
        int C = mb_randint(r, 1, 12), H = mb_randint(r, 4, 30), W = mb_randint(r, 4, 60), g = 1, O, k, s, out;
        int req = it % 2, mode = mb_randint(r, 0, 2);
        uint8_t *buf;
        size_t size;
        float *x, *ref;
        if (it % 5 == 4) g = C;
        O = g * mb_randint(r, 1, 5);
        if (g == 1 && it % 3 != 0) { /* wide layers take the channel-interleaved kernels */
            C = mb_randint(r, 7, 24);
            O = mb_randint(r, 8, 33);
            if (it % 7 == 5) { /* grouped, wide groups */
                g = 2;
                C = 2 * mb_randint(r, 4, 10);
                O = 2 * mb_randint(r, 8, 17);
            }
        }
        k = mb_randint(r, 1, 4);
        s = mb_randint(r, 1, 2);
        mb_init(&mb, C);
        mb.flags = 1;
        mb.vscale[0] = 2.0f / 255.0f;
        mb.vzp[0] = mb_randint(r, -20, 20);
        out = mb_conv_i8(&mb, r, 0, O, k, k, s, s, k / 2, k / 2, (k - 1) / 2, (k - 1) / 2, g, mode,
                         req ? 0.02f : 0.0f, req ? mb_randint(r, -10, 10) : 0);
        if (it % 3 == 0)
            out = mb_simple(&mb, SC_OP_RELU, out, 0, 0);
        buf = mb_write(&mb, out, &size);
        x = random_input(r, (size_t)C * H * W, -1.1f, 1.1f);
        ref = check_exact(req ? "conv2d int8 (requantized)" : "conv2d int8 (float out)", buf, size, C, H, W, x, NULL, 0);
        free(ref);
        free(x);
        free(buf);
        mb_free(&mb);
    }
}

static double naive_convT(const float *x, int C, int H, int W, const float *w, const float *b, int O, int kh, int kw,
                          int s, int p, int g, int oc, int oy, int ox)
{
    int cpg = C / g, opg = O / g, ic, iy, ix, ky, kx;
    double acc = b ? b[oc] : 0.0;
    for (ic = 0; ic < cpg; ic++) {
        int c = (oc / opg) * cpg + ic;
        for (iy = 0; iy < H; iy++)
            for (ix = 0; ix < W; ix++)
                for (ky = 0; ky < kh; ky++)
                    for (kx = 0; kx < kw; kx++)
                        if (iy * s - p + ky == oy && ix * s - p + kx == ox)
                            acc += (double)x[((size_t)c * H + iy) * W + ix] * w[((c * opg + oc % opg) * kh + ky) * kw + kx];
    }
    return acc;
}

static void test_other_ops(mb_rng *r)
{
    int it, iters = quick ? 3 : 10;
    for (it = 0; it < iters; it++) {
        int C = mb_randint(r, 1, 6), H = mb_randint(r, 3, 23), W = mb_randint(r, 3, 41), op;
        float *x = random_input(r, (size_t)C * H * W, -3.0f, 3.0f);
        for (op = 0; op < 14; op++) {
            mb_model mb;
            int out = 0, t[6] = {-1, -1, -1, -1, -1, -1}, in2[2];
            int32_t ia[12] = {0};
            float fa[3] = {0, 0, 0};
            uint8_t *buf;
            size_t size, n;
            float *ref;
            const char *name = "?";
            mb_init(&mb, C);
            switch (op) {
            case 0: { /* transposed conv */
                int O = mb_randint(r, 1, 5), k = mb_randint(r, 1, 4), s = mb_randint(r, 1, 3), p = mb_randint(r, 0, k - 1);
                int op_ = mb_randint(r, 0, s - 1), i;
                uint32_t dims[4];
                float *w, *b;
                if ((H - 1) * s - 2 * p + k + op_ < 1 || (W - 1) * s - 2 * p + k + op_ < 1)
                    p = 0;
                dims[0] = (uint32_t)C; dims[1] = (uint32_t)O; dims[2] = dims[3] = (uint32_t)k;
                w = random_input(r, (size_t)C * O * k * k, -0.5f, 0.5f);
                b = random_input(r, (size_t)O, -0.1f, 0.1f);
                t[0] = mb_tensor(&mb, 1, 4, dims, w);
                t[1] = mb_tensor_f32_1d(&mb, O, b);
                ia[0] = ia[1] = s; ia[2] = ia[3] = ia[4] = ia[5] = p; ia[6] = ia[7] = 1; ia[8] = 1;
                ia[9] = ia[10] = op_;
                out = mb_layer_add(&mb, SC_OP_CONV_TRANSPOSE, 1, &out, O, t, ia, NULL);
                name = "conv_transpose";
                buf = mb_write(&mb, out, &size);
                ref = check_exact(name, buf, size, C, H, W, x, &n, 0);
                if (ref) {
                    int OH = (H - 1) * s - 2 * p + k + op_, OW = (W - 1) * s - 2 * p + k + op_, oc, oy, ox;
                    double md = 0;
                    for (oc = 0; oc < O; oc++)
                        for (oy = 0; oy < OH; oy++)
                            for (ox = 0; ox < OW; ox++) {
                                double d = fabs(naive_convT(x, C, H, W, w, b, O, k, k, s, p, 1, oc, oy, ox) - ref[((size_t)oc * OH + oy) * OW + ox]);
                                if (d > md) md = d;
                            }
                    CHECK(md < 1e-5, "conv_transpose reference vs double: %g", md);
                }
                for (i = 0; i < 0; i++) {}
                free(w);
                free(b);
                free(ref);
                free(buf);
                mb_free(&mb);
                continue;
            }
            case 1: ia[0] = 0; ia[1] = 0; fa[0] = 2.0f; fa[1] = 2.0f; name = "resize nearest"; break;
            case 2: ia[0] = 1; ia[1] = it % 4; fa[0] = 2.0f; fa[1] = 1.5f; name = "resize linear"; break;
            case 3: ia[0] = 2; ia[1] = it % 2; name = "depth_to_space"; break;
            case 4: ia[0] = mb_randint(r, 0, H - 1 < 3 ? H - 1 : 3); ia[1] = mb_randint(r, 0, W - 1 < 3 ? W - 1 : 3);
                    ia[2] = mb_randint(r, 0, H - 1 < 3 ? H - 1 : 3); ia[3] = mb_randint(r, 0, W - 1 < 3 ? W - 1 : 3);
                    ia[4] = it % 3; fa[0] = 0.5f; name = "pad"; break;
            case 5: name = "instance_norm+act(+add)"; break;
            case 6: name = "sigmoid"; break;
            case 7: name = "tanh"; break;
            case 8: name = "add"; break;
            case 9: name = "concat"; break;
            case 10: ia[0] = ia[1] = 3; ia[2] = ia[3] = 2; ia[4] = ia[5] = ia[6] = ia[7] = 1; ia[8] = it % 2; ia[9] = it % 2;
                     name = "avg_pool"; break;
            case 11: ia[0] = ia[1] = 2; ia[2] = ia[3] = 2; ia[9] = it % 2; name = "max_pool"; break;
            case 12: name = "channel_affine"; break;
            case 13: name = "mul/sub/leaky/clip chain"; break;
            }
            if (op == 1 || op == 2)
                out = mb_layer_add(&mb, SC_OP_RESIZE, 1, &out, C, NULL, ia, fa);
            else if (op == 3) {
                int mid = mb_conv(&mb, r, 0, 4 * C, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 1);
                int d2s = mb_layer_add(&mb, SC_OP_DEPTH_TO_SPACE, 1, &mid, C, NULL, ia, NULL);
                int32_t ib[12] = {2};
                out = mb_layer_add(&mb, SC_OP_SPACE_TO_DEPTH, 1, &d2s, 4 * C, NULL, ib, NULL);
                in2[0] = out; in2[1] = mid;
                out = mb_layer_add(&mb, SC_OP_SUB, 2, in2, 4 * C, NULL, NULL, NULL);
            } else if (op == 4)
                out = mb_layer_add(&mb, SC_OP_PAD, 1, &out, C, NULL, ia, fa);
            else if (op == 5) {
                out = mb_instnorm(&mb, r, 0, 0);
                out = mb_simple(&mb, it % 2 ? SC_OP_LEAKY_RELU : SC_OP_TANH, out, 0.2f, 0);
                if (it % 3 != 0) { /* residual add, fused into the norm pass (either operand order) */
                    in2[0] = it % 3 == 1 ? out : 0;
                    in2[1] = it % 3 == 1 ? 0 : out;
                    out = mb_layer_add(&mb, SC_OP_ADD, 2, in2, C, NULL, NULL, NULL);
                }
            } else if (op == 6)
                out = mb_simple(&mb, SC_OP_SIGMOID, 0, 0, 0);
            else if (op == 7)
                out = mb_simple(&mb, SC_OP_TANH, 0, 0, 0);
            else if (op == 8 || op == 9) {
                int a = mb_simple(&mb, SC_OP_RELU, 0, 0, 0);
                in2[0] = a; in2[1] = 0;
                out = mb_layer_add(&mb, op == 8 ? SC_OP_ADD : SC_OP_CONCAT, 2, in2, op == 8 ? C : 2 * C, NULL, NULL, NULL);
            } else if (op == 10)
                out = mb_layer_add(&mb, SC_OP_AVG_POOL, 1, &out, C, NULL, ia, NULL);
            else if (op == 11)
                out = mb_layer_add(&mb, SC_OP_MAX_POOL, 1, &out, C, NULL, ia, NULL);
            else if (op == 12) {
                float *sc = random_input(r, (size_t)C, -2, 2), *bi = random_input(r, (size_t)C, -1, 1);
                t[0] = mb_tensor_f32_1d(&mb, C, sc);
                t[1] = mb_tensor_f32_1d(&mb, C, bi);
                out = mb_layer_add(&mb, SC_OP_CHANNEL_AFFINE, 1, &out, C, t, NULL, NULL);
                free(sc);
                free(bi);
            } else if (op == 13) {
                int a = mb_simple(&mb, SC_OP_LEAKY_RELU, 0, 0.05f, 0), b = mb_simple(&mb, SC_OP_CLIP, 0, -1.0f, 0.5f);
                in2[0] = a; in2[1] = b;
                out = mb_layer_add(&mb, SC_OP_MUL, 2, in2, C, NULL, NULL, NULL);
            }
            buf = mb_write(&mb, out, &size);
            ref = check_exact(name, buf, size, C, H, W, x, &n, 0);
            if (ref && op == 1) { /* nearest x2, asymmetric floor: out[y][x] = in[y/2][x/2] */
                int c, yy, xx, bad = 0;
                for (c = 0; c < C; c++)
                    for (yy = 0; yy < 2 * H; yy++)
                        for (xx = 0; xx < 2 * W; xx++)
                            bad += ref[((size_t)c * 2 * H + yy) * 2 * W + xx] != x[((size_t)c * H + yy / 2) * W + xx / 2];
                CHECK(bad == 0, "resize nearest x2: %d wrong elements", bad);
            }
            if (ref && op == 3 && it % 2 == 0) { /* DCR: space_to_depth(depth_to_space(v)) - v == 0 */
                size_t i;
                int bad = 0;
                for (i = 0; i < n; i++)
                    bad += ref[i] != 0.0f;
                CHECK(bad == 0, "depth_to_space/space_to_depth round trip: %d wrong elements", bad);
            }
            if (ref && (op == 6 || op == 7)) {
                size_t i;
                double md = 0;
                for (i = 0; i < n; i++) {
                    double e = op == 6 ? 1.0 / (1.0 + exp(-(double)x[i])) : tanh((double)x[i]);
                    if (fabs(e - ref[i]) > md) md = fabs(e - ref[i]);
                }
                CHECK(md < 2e-7, "%s accuracy: max abs error %g", name, md);
            }
            if (ref && op == 11) {
                int OH = sc_pool_out_dim(H, 2, 2, 0, 0, it % 2), OW = sc_pool_out_dim(W, 2, 2, 0, 0, it % 2), c, yy, xx, bad = 0;
                for (c = 0; c < C; c++)
                    for (yy = 0; yy < OH; yy++)
                        for (xx = 0; xx < OW; xx++) {
                            float mx = -INFINITY;
                            int a, b;
                            for (a = 0; a < 2; a++)
                                for (b = 0; b < 2; b++)
                                    if (2 * yy + a < H && 2 * xx + b < W && x[((size_t)c * H + 2 * yy + a) * W + 2 * xx + b] > mx)
                                        mx = x[((size_t)c * H + 2 * yy + a) * W + 2 * xx + b];
                            bad += ref[((size_t)c * OH + yy) * OW + xx] != mx;
                        }
                CHECK(bad == 0, "max_pool: %d wrong elements", bad);
            }
            free(ref);
            free(buf);
            mb_free(&mb);
        }
        free(x);
    }
}

/* conv + norm + residual add (fused into one pass) must give the bytes of the unfused chain. */
static void test_norm_add_fusion(mb_rng *r)
{
    int it, iters = quick ? 4 : 12;
    for (it = 0; it < iters; it++) {
        int C = mb_randint(r, 1, 20), H = mb_randint(r, 3, 30), W = mb_randint(r, 3, 40), fused;
        float *x = random_input(r, (size_t)C * H * W, -1.0f, 2.0f), *ref[2] = {NULL, NULL};
        size_t n[2] = {0, 0};
        for (fused = 0; fused < 2; fused++) {
            mb_model mb;
            mb_rng wr = *r;
            int v, in2[2];
            uint8_t *buf;
            size_t size;
            mb_init(&mb, C);
            v = mb_conv(&mb, &wr, 0, C, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, SC_PAD_REFLECT, 1);
            v = mb_instnorm(&mb, &wr, v, 0);
            if (it % 2)
                v = mb_simple(&mb, SC_OP_RELU, v, 0, 0);
            if (!fused) /* an exact copy that nothing fuses with */
                v = mb_layer_add(&mb, SC_OP_PAD, 1, &v, C, NULL, NULL, NULL);
            in2[0] = v;
            in2[1] = 0;
            v = mb_layer_add(&mb, SC_OP_ADD, 2, in2, C, NULL, NULL, NULL);
            buf = mb_write(&mb, v, &size);
            ref[fused] = check_exact("conv+norm+add (fused)", buf, size, C, H, W, x, &n[fused], 0);
            free(buf);
            mb_free(&mb);
        }
        CHECK(ref[0] && ref[1] && n[0] == n[1] && memcmp(ref[0], ref[1], n[0] * sizeof(float)) == 0,
              "norm + add fused differs from the unfused chain (C%d %dx%d)", C, W, H);
        free(ref[0]);
        free(ref[1]);
        free(x);
    }
}

/* nearest RESIZE -> ADD(skip) -> norm [-> act] [-> residual ADD] runs as one per-channel pass;
 * it must give the bytes of the unfused chain (an exact copy after the resize prevents it). */
static void test_up_add_norm_fusion(mb_rng *r)
{
    int it, iters = quick ? 4 : 12;
    for (it = 0; it < iters; it++) {
        int C = mb_randint(r, 1, 20), H = mb_randint(r, 2, 15), W = mb_randint(r, 2, 25), fused;
        int O = mb_randint(r, 1, 12), cond = it % 2, act = it % 3 != 0, order = it % 4 < 2, resid = it % 5 == 4;
        float sc[3] = {2.0f, 3.0f, 1.5f}, fa[3] = {2.0f, 2.0f, 0};
        int32_t ia[12] = {0};
        float *x = random_input(r, (size_t)C * H * W, -1.0f, 2.0f), *ref[2] = {NULL, NULL};
        size_t n[2] = {0, 0};
        if (it % 4 == 3) { /* other scales and coordinate modes */
            fa[0] = fa[1] = sc[mb_randint(r, 0, 2)];
            ia[1] = mb_randint(r, 0, 3);
            ia[2] = mb_randint(r, 0, 3);
        }
        for (fused = 0; fused < 2; fused++) {
            mb_model mb;
            mb_rng wr = *r;
            int v, skip, up, in2[2];
            uint8_t *buf;
            size_t size;
            mb_init(&mb, C);
            mb.num_styles = 3;
            skip = mb_layer_add(&mb, SC_OP_RESIZE, 1, (int[]){0}, C, NULL, ia, fa);
            skip = mb_conv(&mb, &wr, skip, O, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, SC_PAD_REFLECT, 1);
            v = mb_conv(&mb, &wr, 0, O, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, SC_PAD_ZERO, 1);
            up = mb_layer_add(&mb, SC_OP_RESIZE, 1, &v, O, NULL, ia, fa);
            if (!fused) /* an exact copy that nothing fuses with */
                up = mb_layer_add(&mb, SC_OP_PAD, 1, &up, O, NULL, NULL, NULL);
            in2[0] = order ? up : skip;
            in2[1] = order ? skip : up;
            v = mb_layer_add(&mb, SC_OP_ADD, 2, in2, O, NULL, NULL, NULL);
            v = mb_instnorm(&mb, &wr, v, cond);
            if (act)
                v = mb_simple(&mb, SC_OP_RELU, v, 0, 0);
            if (resid) {
                in2[0] = v;
                in2[1] = skip;
                v = mb_layer_add(&mb, SC_OP_ADD, 2, in2, O, NULL, NULL, NULL);
            }
            buf = mb_write(&mb, v, &size);
            ref[fused] = check_exact("resize+add+norm (fused)", buf, size, C, H, W, x, &n[fused], cond ? 2 : 0);
            if (fused) { /* the fusion took place: the resize reports the norm as its host */
                sc_model *m = NULL;
                sc_session *s = NULL;
                sc_layer_timing t;
                int ok = sc_model_load_memory(buf, size, &m) == SC_OK && sc_session_create(m, 1, &s) == SC_OK &&
                         sc_session_layer_timing(s, 3, &t) == SC_OK;
                CHECK(ok && t.fused_into == 5, "resize + add + norm was not fused (fused_into %d)", ok ? t.fused_into : -2);
                sc_session_free(s);
                sc_model_free(m);
            }
            free(buf);
            mb_free(&mb);
        }
        CHECK(ref[0] && ref[1] && n[0] == n[1] && memcmp(ref[0], ref[1], n[0] * sizeof(float)) == 0,
              "resize + add + norm fused differs from the unfused chain (C%d O%d %dx%d scale %g coord %d nearest %d)",
              C, O, W, H, fa[0], ia[1], ia[2]);
        free(ref[0]);
        free(ref[1]);
        free(x);
    }
}

/* A nearest resize read through by the next conv's padding pass must give the bytes of the
 * unfused pair (a no-op clip between them prevents the fusion). */
static void test_resize_conv_fusion(mb_rng *r)
{
    int it, iters = quick ? 6 : 24;
    for (it = 0; it < iters; it++) {
        int C = mb_randint(r, 1, 12), H = mb_randint(r, 3, 17), W = mb_randint(r, 3, 29), fused;
        int O = it % 2 ? mb_randint(r, 8, 20) : mb_randint(r, 1, 6), int8 = it % 3 == 2;
        int mode = mb_randint(r, 0, 2), k = mb_randint(r, 1, 3) * 2 - 1, st = mb_randint(r, 1, 2);
        float sc[3] = {2.0f, 3.0f, 1.5f}, fa[3] = {0, 0, 0};
        int32_t ia[12] = {0};
        float *x = random_input(r, (size_t)C * H * W, -1.0f, 1.0f), *ref[2] = {NULL, NULL};
        size_t n[2] = {0, 0};
        fa[0] = sc[mb_randint(r, 0, 2)];
        fa[1] = sc[mb_randint(r, 0, 2)];
        ia[1] = mb_randint(r, 0, 3);
        ia[2] = mb_randint(r, 0, 3);
        for (fused = 0; fused < 2; fused++) {
            mb_model mb;
            mb_rng wr = *r; /* same weights in both models */
            int v = 0, p = k / 2;
            uint8_t *buf;
            size_t size;
            mb_init(&mb, C);
            if (int8) {
                mb.flags = 1;
            }
            v = mb_layer_add(&mb, SC_OP_RESIZE, 1, &v, C, NULL, ia, fa);
            if (!fused)
                v = mb_simple(&mb, SC_OP_CLIP, v, -1e30f, 1e30f);
            if (int8) {
                mb.vscale[v] = 2.0f / 255.0f;
                mb.vzp[v] = 3;
            }
            v = int8 ? mb_conv_i8(&mb, &wr, v, O, k, k, st, st, p, p, p, p, 1, mode, 0.0f, 0)
                     : mb_conv(&mb, &wr, v, O, k, k, st, st, p, p, p, p, 1, 1, 1, mode, 1);
            buf = mb_write(&mb, v, &size);
            ref[fused] = check_exact(int8 ? "resize+conv int8 (fused read)" : "resize+conv (fused read)", buf, size,
                                     C, H, W, x, &n[fused], 0);
            free(buf);
            mb_free(&mb);
        }
        CHECK(ref[0] && ref[1] && n[0] == n[1] && memcmp(ref[0], ref[1], n[0] * sizeof(float)) == 0,
              "resize fused into conv differs from the unfused pair (C%d O%d k%d s%d mode%d coord%d nearest%d scale %gx%g)",
              C, O, k, st, mode, ia[1], ia[2], fa[0], fa[1]);
        free(ref[0]);
        free(ref[1]);
        free(x);
    }
}

/* nearest x2 + 3x3 conv (padding 1) runs on the small input: int8 with per-phase 2x2 weights
 * (regrouped integer sums), fp32 duplicating the small input's values in registers. Both must
 * give the bytes of the unfused pair, run by the reference. */
static void test_up2_conv(mb_rng *r)
{
    int it, iters = quick ? 8 : 32;
    for (it = 0; it < iters; it++) {
        int C = mb_randint(r, 1, 9), H = mb_randint(r, 2, 12), W = it % 4 == 0 ? mb_randint(r, 2, 7) : mb_randint(r, 8, 41);
        int O = it % 3 == 0 ? 3 : mb_randint(r, 1, 7), mode = it % 3, req = it % 4 == 1, act = it % 2, fused;
        int int8 = it % 5 != 2;
        float fa[3] = {2.0f, 2.0f, 0};
        int32_t ia[12] = {0};
        float *x = random_input(r, (size_t)C * H * W, -1.0f, 1.0f), *ref[2] = {NULL, NULL};
        size_t n[2] = {0, 0};
        ia[1] = it % 8 == 7 ? mb_randint(r, 0, 3) : 0; /* other coordinate modes: used only when they map u to u/2 */
        ia[2] = it % 8 == 7 ? mb_randint(r, 0, 3) : 0;
        for (fused = 0; fused < 2; fused++) {
            mb_model mb;
            mb_rng wr = *r;
            int v = 0;
            uint8_t *buf;
            size_t size;
            mb_init(&mb, C);
            mb.flags = int8;
            mb.vscale[0] = 2.0f / 255.0f;
            mb.vzp[0] = mb_randint(&wr, -20, 20);
            v = mb_layer_add(&mb, SC_OP_RESIZE, 1, &v, C, NULL, ia, fa);
            if (!fused)
                v = mb_simple(&mb, SC_OP_CLIP, v, -1e30f, 1e30f);
            mb.vscale[v] = 2.0f / 255.0f;
            mb.vzp[v] = mb.vzp[0];
            v = int8 ? mb_conv_i8(&mb, &wr, v, O, 3, 3, 1, 1, 1, 1, 1, 1, 1, mode, req ? 0.02f : 0.0f, req ? 5 : 0)
                     : mb_conv(&mb, &wr, v, O, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, mode, 1);
            if (act)
                v = mb_simple(&mb, SC_OP_SIGMOID, v, 0, 0);
            buf = mb_write(&mb, v, &size);
            ref[fused] = check_exact(int8 ? "resize x2+conv3x3 int8 (small input)" : "resize x2+conv3x3 (small input)", buf,
                                     size, C, H, W, x, &n[fused], 0);
            if (fused && ia[1] == 0 && ia[2] == 0 && (sc_isa_available(SC_ISA_AVX2) || sc_isa_available(SC_ISA_NEON))) {
                /* the path under test ran */
                int vec = sc_isa_available(SC_ISA_AVX2) ? SC_ISA_AVX2 : SC_ISA_NEON;
                sc_model *m = NULL;
                sc_session *s = NULL;
                sc_layer_timing t;
                float *y = (float *)malloc(n[fused] * sizeof(float));
                int ok = y && sc_model_load_memory(buf, size, &m) == SC_OK && sc_session_create(m, 2, &s) == SC_OK &&
                         sc_session_set_isa(s, vec) == SC_OK &&
                         sc_session_run_f32(s, x, C, H, W, y, n[fused]) == SC_OK && sc_session_layer_timing(s, 1, &t) == SC_OK;
                CHECK(ok && strstr(t.kernel, "up2") != NULL, "x2 + conv did not take the small-input kernel (%s)",
                      ok ? t.kernel : sc_last_error());
                sc_session_free(s);
                sc_model_free(m);
                free(y);
            }
            free(buf);
            mb_free(&mb);
        }
        CHECK(ref[0] && ref[1] && n[0] == n[1] && memcmp(ref[0], ref[1], n[0] * sizeof(float)) == 0,
              "x2 + conv on the small input differs from the unfused pair (C%d O%d H%d W%d mode%d req%d)", C, O, H, W,
              mode, req);
        free(ref[0]);
        free(ref[1]);
        free(x);
    }
}

/* ---- exact tests of the integer requantization and the float quantizer ---- */
static void test_requant(void)
{
    int32_t m, s;
    CHECK(sc_srdhm(1 << 30, 1 << 30) == (1 << 29), "srdhm 2^30*2^30");
    CHECK(sc_srdhm(INT32_MIN, INT32_MIN) == INT32_MAX, "srdhm saturation");
    CHECK(sc_srdhm(5, 1 << 30) == 3, "srdhm +2.5 -> 3");
    CHECK(sc_srdhm(-5, 1 << 30) == -2, "srdhm -2.5 -> -2 (halves toward +inf)");
    CHECK(sc_srdhm(-7, 1 << 30) == -3, "srdhm -3.5 -> -3");
    CHECK(sc_rounding_rshift(5, 1) == 3 && sc_rounding_rshift(-5, 1) == -3, "rshift halves away from zero");
    CHECK(sc_rounding_rshift(3, 1) == 2 && sc_rounding_rshift(-3, 1) == -2, "rshift 1.5");
    CHECK(sc_rounding_rshift(-4, 1) == -2 && sc_rounding_rshift(7, 2) == 2 && sc_rounding_rshift(-6, 2) == -2, "rshift misc");
    sc_quantize_multiplier(0.5, &m, &s);
    CHECK(m == (1 << 30) && s == 0, "multiplier 0.5 = 2^30, shift 0 (got %d, %d)", m, s);
    CHECK(sc_requantize(100, m, s, 0) == 50 && sc_requantize(101, m, s, 0) == 51 && sc_requantize(-101, m, s, 0) == -50,
          "requantize by 0.5");
    sc_quantize_multiplier(0.75, &m, &s);
    CHECK(m == 1610612736 && s == 0, "multiplier 0.75");
    sc_quantize_multiplier(3.0, &m, &s);
    CHECK(m == 1610612736 && s == 2 && sc_requantize(10, m, s, 0) == 30, "multiplier 3.0 (shift 2)");
    sc_quantize_multiplier(1.0 / 1024.0, &m, &s);
    CHECK(m == (1 << 30) && s == -9, "multiplier 2^-10");
    CHECK(sc_requantize(1536, m, s, 0) == 2 && sc_requantize(-1536, m, s, 0) == -2 && sc_requantize(1530, m, s, 0) == 1,
          "requantize 1.5 -> 2, -1.5 -> -2, 1.494 -> 1");
    /* the two roundings are applied in sequence: 1535/1024 = 1.499 first becomes 768/512 */
    CHECK(sc_requantize(1535, m, s, 0) == 2, "requantize double rounding as gemmlowp");
    CHECK(sc_requantize(1 << 20, m, s, 0) == 127 && sc_requantize(-(1 << 20), m, s, 0) == -128, "requantize clamps");
    CHECK(sc_requantize(1024 * 5, m, s, -7) == -2, "requantize adds the zero point");
    sc_quantize_multiplier(0.0, &m, &s);
    CHECK(m == 0 && s == 0 && sc_requantize(12345, m, s, 3) == 3, "zero multiplier");
    CHECK(sc_quantize_f32(2.5f, 1.0f, 0) == 2 && sc_quantize_f32(3.5f, 1.0f, 0) == 4 && sc_quantize_f32(-2.5f, 1.0f, 0) == -2,
          "quantize rounds halves to even");
    CHECK(sc_quantize_f32(1000.0f, 1.0f, 0) == 127 && sc_quantize_f32(-1e30f, 1.0f, 0) == -128 &&
          sc_quantize_f32(NAN, 1.0f, 0) == -128 && sc_quantize_f32(0.4f, 1.0f, 10) == 10, "quantize clamps, NaN, zero point");
}

/* The vector pair quantizers and column gathers against the scalar definition, with the
 * values where clamping and rounding differ: halves, bounds, infinities, NaN. */
static void test_pair_kernels(mb_rng *r)
{
    enum { N = 203 };
    float x0[N], x1[N];
    uint32_t want[N], got[N], src[64];
    int idx[N], i, f, zp;
    static const float special[] = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 127.5f, 128.5f, -128.5f, -129.5f, 254.5f,
                                    -255.5f, 1e30f, -1e30f, 1e-30f, -0.0f, 999.5f, -1000.5f, 3.4e38f};
    for (i = 0; i < N; i++) {
        x0[i] = i < (int)(sizeof special / sizeof special[0]) ? special[i] : mb_uniform(r, -300.0f, 300.0f);
        x1[i] = mb_uniform(r, -300.0f, 300.0f);
        idx[i] = mb_randint(r, -3, 63);
        if (idx[i] < 0)
            idx[i] = -1;
    }
    x1[3] = INFINITY;
    x1[4] = -INFINITY;
    x1[5] = NAN;
    x0[40] = NAN;
    for (i = 100; i < 140; i++) /* contiguous runs take the plain-load path */
        idx[i] = i - 100 + (i >= 120);
    for (i = 140; i < 148; i++) /* a stride-2 run ending at the source's last elements */
        idx[i] = 48 + 2 * (i - 140);
    for (i = 148; i < 156; i++) /* a nearest x2 run ending at the last element */
        idx[i] = 60 + (i - 148) / 2;
    for (i = 156; i < 172; i++) /* stride 2 and x2 runs elsewhere */
        idx[i] = i < 164 ? 3 + 2 * (i - 156) : 20 + (i - 164) / 2;
    for (i = 0; i < 64; i++)
        src[i] = mb_rand(r);
    for (f = 1; f < 4; f++) {
        const sc_kernels *k;
        if (!sc_isa_available(isas[f]))
            continue;
        k = sc_kernels_for(isas[f]);
        for (zp = -128; zp <= 127; zp += 51) {
            sc_quantize_pair_scalar(x0, x1, want, N, 1.0f, zp);
            k->quantize_pair(x0, x1, got, N, 1.0f, zp);
            CHECK(memcmp(want, got, sizeof want) == 0, "%s quantize_pair differs from the scalar one (zp %d)", sc_isa_name(isas[f]), zp);
            sc_quantize_pair_scalar(x0, NULL, want, N, 0.7f, zp);
            k->quantize_pair(x0, NULL, got, N, 0.7f, zp);
            CHECK(memcmp(want, got, sizeof want) == 0, "%s quantize_pair (one channel) differs (zp %d)", sc_isa_name(isas[f]), zp);
        }
        for (i = 0; i < N; i++) /* the pair of the reference quantizer */
            if ((int16_t)(want[i] & 0xFFFF) != sc_quantize_f32(x0[i], 0.7f, zp - 51) - (zp - 51))
                break;
        CHECK(i == N, "quantize_pair low half differs from sc_quantize_f32 at %d", i);
        sc_gather32_scalar(src, idx, N, want);
        k->gather32(src, idx, N, got);
        CHECK(memcmp(want, got, sizeof want) == 0, "%s gather32 differs from the scalar one", sc_isa_name(isas[f]));
    }
}

static void test_exp(void)
{
    double worst = 0.0;
    float x;
    for (x = -87.0f; x < 88.0f; x += 0.0137f) {
        double e = exp((double)x), rel = fabs(sc_exp_approx(x) - e) / e;
        if (rel > worst) worst = rel;
    }
    CHECK(worst < 3.6e-7, "exp approximation relative error %g", worst);
}

/* ---- loader rejection ---- */

static uint8_t *small_model(size_t *size, mb_model *mb)
{
    mb_rng r = {12345};
    int out;
    mb_init(mb, 3);
    mb->size_multiple = 2;
    mb->min_size = 4;
    out = mb_conv(mb, &r, 0, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, SC_PAD_REFLECT, 1);
    out = mb_instnorm(mb, &r, out, 0);
    out = mb_simple(mb, SC_OP_RELU, out, 0, 0);
    out = mb_conv(mb, &r, out, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, SC_PAD_ZERO, 1);
    return mb_write(mb, out, size);
}

static void put32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }

static int load_status(const uint8_t *b, size_t n)
{
    sc_model *m = NULL;
    int st = sc_model_load_memory(b, n, &m);
    sc_model_free(m);
    return st;
}

static void test_loader(void)
{
    mb_model mb;
    size_t size, i;
    uint8_t *good = small_model(&size, &mb), *b = (uint8_t *)malloc(size);
    uint32_t toff = good[76] | (good[77] << 8), loff = good[80] | (good[81] << 8);
    sc_model *m = NULL;
    sc_session *s = NULL;
    int st, bad;
    CHECK(load_status(good, size) == SC_OK, "valid model loads: %s", sc_last_error());
    /* every truncation is rejected */
    bad = 0;
    for (i = 0; i < size; i += (quick ? 97 : 7))
        bad += load_status(good, i) != SC_ERR_FORMAT;
    CHECK(bad == 0, "%d truncated files were not rejected as SC_ERR_FORMAT", bad);
    tally("loader: truncated", bad == 0);
    memcpy(b, good, size);
    b[size - 5] ^= 0x40;
    CHECK(load_status(b, size) == SC_ERR_CHECKSUM, "flipped payload byte -> checksum error");
    tally("loader: corrupt", 1);
    memcpy(b, good, size);
    put32(b + 8, 2);
    CHECK(load_status(b, size) == SC_ERR_VERSION && strstr(sc_last_error(), "version 2"), "version 2 rejected: %s", sc_last_error());
    memcpy(b, good, size);
    b[0] = 'X';
    CHECK(load_status(b, size) == SC_ERR_FORMAT, "bad magic");
    tally("loader: version/magic", 1);
    /* weight dims whose product overflows */
    memcpy(b, good, size);
    put32(b + toff + 8, 0xFFFFFFFFu); put32(b + toff + 12, 0xFFFFFFFFu); put32(b + toff + 16, 0xFFFFFFFFu);
    mb_fix_checksum(b, size);
    CHECK(load_status(b, size) == SC_ERR_OVERFLOW, "overflowing dims: %s", sc_last_error());
    /* a tensor larger than the file */
    memcpy(b, good, size);
    put32(b + toff + 8, 4000);
    mb_fix_checksum(b, size);
    st = load_status(b, size);
    CHECK(st == SC_ERR_FORMAT, "tensor beyond file end: %d %s", st, sc_last_error());
    /* bias with the wrong element count (tensor 1 of layer 0): the graph disagrees */
    memcpy(b, good, size);
    put32(b + toff + 32 + 8, 3);
    mb_fix_checksum(b, size);
    st = load_status(b, size);
    CHECK(st == SC_ERR_GRAPH && strstr(sc_last_error(), "bias"), "bias size mismatch: %d %s", st, sc_last_error());
    /* value channels disagreeing with the weights */
    memcpy(b, good, size);
    put32(b + 160 + 16, 5);
    mb_fix_checksum(b, size);
    CHECK(load_status(b, size) == SC_ERR_GRAPH, "value channel mismatch: %s", sc_last_error());
    /* a layer reading a value defined later */
    memcpy(b, good, size);
    put32(b + loff + 8, 3);
    mb_fix_checksum(b, size);
    CHECK(load_status(b, size) == SC_ERR_GRAPH, "forward reference: %s", sc_last_error());
    /* unknown op */
    memcpy(b, good, size);
    put32(b + loff + 128, 99);
    mb_fix_checksum(b, size);
    CHECK(load_status(b, size) == SC_ERR_UNSUPPORTED, "unknown op: %s", sc_last_error());
    /* absurd stride */
    memcpy(b, good, size);
    put32(b + loff + 68, 100000);
    mb_fix_checksum(b, size);
    CHECK(load_status(b, size) == SC_ERR_UNSUPPORTED, "absurd stride: %s", sc_last_error());
    /* tables outside the file */
    memcpy(b, good, size);
    put32(b + 80, (uint32_t)size - 64);
    mb_fix_checksum(b, size);
    CHECK(load_status(b, size) == SC_ERR_FORMAT, "layer table beyond the end: %s", sc_last_error());
    tally("loader: inconsistent tables", 1);
    /* random byte damage with a valid checksum: any status, never a crash */
    {
        mb_rng r = {777};
        int k, n = quick ? 300 : 3000, accepted = 0;
        for (k = 0; k < n; k++) {
            int j, flips = mb_randint(&r, 1, 4);
            memcpy(b, good, size);
            for (j = 0; j < flips; j++)
                b[mb_randint(&r, 32, (int)size - 1)] = (uint8_t)mb_rand(&r);
            mb_fix_checksum(b, size);
            if (sc_model_load_memory(b, size, &m) == SC_OK) {
                /* whatever loaded must also run or fail cleanly */
                float *x = (float *)calloc(3 * 8 * 8, sizeof(float)), *y = NULL;
                int oc, oh, ow;
                accepted++;
                if (sc_model_output_shape(m, 8, 8, &oc, &oh, &ow) == SC_OK && (size_t)oc * oh * ow < 1000000) {
                    y = (float *)malloc((size_t)oc * oh * ow * sizeof(float));
                    if (sc_session_create(m, 2, &s) == SC_OK) {
                        sc_session_run_f32(s, x, m->in_channels, 8, 8, y, (size_t)oc * oh * ow);
                        sc_session_free(s);
                    }
                }
                free(x);
                free(y);
                sc_model_free(m);
            }
        }
        CHECK(1, "mutations");
        tally("loader: random damage", 1);
        printf("  random damage: %d of %d mutated files still valid and ran\n", accepted, n);
    }
    /* image sizes */
    st = sc_model_load_memory(good, size, &m);
    CHECK(st == SC_OK, "reload");
    if (st == SC_OK) {
        uint8_t rgb[3 * 16 * 16] = {0}, out[3 * 16 * 16];
        float xf[3 * 16 * 16] = {0}, yf[3 * 16 * 16];
        sc_session_create(m, 2, &s);
        CHECK(sc_session_run_rgb(s, rgb, 0, 16, out, sizeof out) == SC_ERR_SIZE, "zero-size image");
        CHECK(sc_session_run_rgb(s, rgb, 2, 2, out, sizeof out) == SC_ERR_SIZE, "image below min_size");
        CHECK(sc_session_run_rgb(s, rgb, 5, 6, out, sizeof out) == SC_ERR_SIZE, "odd size with size_multiple 2: %s", sc_last_error());
        CHECK(sc_session_run_rgb(s, rgb, 16, 16, out, 10) == SC_ERR_ARGUMENT, "small output buffer");
        CHECK(sc_session_run_rgb(s, rgb, 100000, 16, out, sizeof out) == SC_ERR_SIZE, "huge image");
        CHECK(sc_session_run_f32(s, xf, 4, 16, 16, yf, sizeof yf / 4) == SC_ERR_ARGUMENT, "wrong channel count");
        CHECK(sc_session_run_rgb(s, rgb, 16, 16, out, sizeof out) == SC_OK, "16x16 runs: %s", sc_last_error());
        CHECK(sc_session_set_style(s, 3) == SC_ERR_ARGUMENT, "style out of range");
        CHECK(sc_session_set_isa(s, 77) == SC_ERR_ARGUMENT, "unknown isa");
        {
            sc_session *s0 = NULL;
            CHECK(sc_session_create(m, 0, &s0) == SC_ERR_ARGUMENT && s0 == NULL, "zero threads");
        }
        tally("session: bad sizes/arguments", 1);
        {
            sc_session *s2 = s;
            (void)s2;
        }
    }
    {
        sc_model *m2 = NULL;
        CHECK(sc_model_load_file("/nonexistent/model.scn", &m2) == SC_ERR_IO && strstr(sc_last_error(), "/nonexistent/model.scn"),
              "missing file names the path");
    }
    /* sessions created above: free the one that succeeded */
    if (m) {
        sc_session *tmp = NULL;
        (void)tmp;
    }
    free(good);
    free(b);
    mb_free(&mb);
    if (s)
        sc_session_free(s);
    sc_model_free(m);
}

static void test_info(void)
{
    mb_model mb;
    size_t size;
    uint8_t *buf = small_model(&size, &mb);
    sc_model *m = NULL;
    sc_layer_info li;
    sc_model_info mi;
    sc_session *s = NULL;
    sc_layer_timing lt;
    uint8_t rgb[3 * 20 * 24], out[3 * 20 * 24];
    size_t i;
    for (i = 0; i < sizeof rgb; i++)
        rgb[i] = (uint8_t)(i * 7);
    CHECK(sc_model_load_memory(buf, size, &m) == SC_OK, "load");
    CHECK(sc_model_get_info(m, &mi) == SC_OK && mi.num_layers == 4 && mi.in_channels == 3 && strcmp(mi.name, "test") == 0,
          "model info");
    CHECK(sc_model_layer_info(m, 0, 20, 24, &li) == SC_OK && li.macs == (uint64_t)4 * 20 * 24 * 27 && li.out_h == 20 &&
          li.out_w == 24 && strcmp(li.op_name, "conv") == 0, "conv layer info with MACs");
    CHECK(sc_model_layer_info(m, 9, 20, 24, &li) == SC_ERR_ARGUMENT, "layer index out of range");
    sc_session_create(m, 2, &s);
    CHECK(sc_session_run_rgb(s, rgb, 20, 24, out, sizeof out) == SC_OK, "run rgb");
    CHECK(sc_session_layer_timing(s, 0, &lt) == SC_OK && lt.fused_into == -1 && lt.kernel[0] != 0, "timing of conv");
    CHECK(sc_session_layer_timing(s, 1, &lt) == SC_OK && lt.fused_into == 0, "norm fused into conv");
    CHECK(sc_session_layer_timing(s, 2, &lt) == SC_OK && lt.fused_into == 0, "relu fused into conv");
    CHECK(sc_session_last_run_ms(s) > 0.0, "run time recorded");
    tally("api: info/timing", 1);
    sc_session_free(s);
    sc_model_free(m);
    free(buf);
    mb_free(&mb);
}

/* ---- golden model: a small style network, fp32 and int8 ---- */
static uint8_t *golden_model(int int8, size_t *size)
{
    mb_model mb;
    mb_rng r = {2024};
    int x, a, b, in2[2];
    uint8_t *buf;
    int32_t ia[12] = {0};
    float fa[3] = {2.0f, 2.0f, 0};
    mb_init(&mb, 3);
    mb.size_multiple = 4;
    mb.min_size = 8;
    mb.num_styles = 3;
    strcpy(mb.name, int8 ? "golden-int8" : "golden");
    if (int8) {
        mb.flags = 1;
        mb.vscale[0] = 1.0f / 255.0f;
        mb.vzp[0] = -128;
    }
#define CONV(in, oc, k, s, p, mode)                                                                      \
    (int8 ? mb_conv_i8(&mb, &r, in, oc, k, k, s, s, p, p, p, p, 1, mode, 0.0f, 0)                        \
          : mb_conv(&mb, &r, in, oc, k, k, s, s, p, p, p, p, 1, 1, 1, mode, 1))
#define QIN(v) do { if (int8) { mb.vscale[v] = 0.03f; mb.vzp[v] = -100; } } while (0)
    x = CONV(0, 8, 5, 2, 2, SC_PAD_REFLECT);
    x = mb_instnorm(&mb, &r, x, 0);
    x = mb_simple(&mb, SC_OP_RELU, x, 0, 0);
    QIN(x);
    x = CONV(x, 16, 3, 2, 1, SC_PAD_ZERO);
    x = mb_instnorm(&mb, &r, x, 1);
    x = mb_simple(&mb, SC_OP_RELU, x, 0, 0);
    QIN(x);
    a = CONV(x, 16, 3, 1, 1, SC_PAD_REFLECT);
    a = mb_instnorm(&mb, &r, a, 0);
    a = mb_simple(&mb, SC_OP_RELU, a, 0, 0);
    QIN(a);
    b = CONV(a, 16, 3, 1, 1, SC_PAD_REFLECT);
    b = mb_instnorm(&mb, &r, b, 1);
    in2[0] = b; in2[1] = x;
    x = mb_layer_add(&mb, SC_OP_ADD, 2, in2, 16, NULL, NULL, NULL);
    x = mb_layer_add(&mb, SC_OP_RESIZE, 1, &x, 16, NULL, ia, fa);
    QIN(x);
    x = CONV(x, 8, 3, 1, 1, SC_PAD_REFLECT);
    x = mb_instnorm(&mb, &r, x, 0);
    x = mb_simple(&mb, SC_OP_LEAKY_RELU, x, 0.1f, 0);
    ia[0] = 1; ia[1] = 1;
    x = mb_layer_add(&mb, SC_OP_RESIZE, 1, &x, 8, NULL, ia, fa);
    QIN(x);
    x = CONV(x, 3, 9, 1, 4, SC_PAD_REFLECT);
    x = mb_simple(&mb, SC_OP_SIGMOID, x, 0, 0);
#undef CONV
#undef QIN
    buf = mb_write(&mb, x, size);
    mb_free(&mb);
    return buf;
}

static int golden(const char *path, int write)
{
    const int H = 36, W = 52;
    size_t total = 0, cap = 3 * 36 * 52 * 4 * 4 + 3 * 36 * 52 * 2, k;
    uint8_t *all = (uint8_t *)malloc(cap);
    int int8;
    mb_rng r = {99};
    float *x = random_input(&r, 3 * H * W, 0.0f, 1.0f);
    uint8_t *rgb = (uint8_t *)malloc(3 * H * W);
    for (k = 0; k < (size_t)3 * H * W; k++)
        rgb[k] = (uint8_t)(mb_rand(&r) >> 24);
    for (int8 = 0; int8 < 2; int8++) {
        size_t size;
        uint8_t *buf = golden_model(int8, &size);
        sc_model *m = NULL;
        sc_session *s = NULL;
        float *y = (float *)malloc(3 * H * W * 4);
        int st = sc_model_load_memory(buf, size, &m);
        if (st == SC_OK) st = sc_session_create(m, 2, &s);
        if (st == SC_OK) st = sc_session_set_style(s, 2);
        if (st == SC_OK) st = sc_session_run_f32(s, x, 3, H, W, y, 3 * H * W);
        CHECK(st == SC_OK, "golden model %d: %s", int8, sc_last_error());
        if (st == SC_OK) {
            memcpy(all + total, y, (size_t)3 * H * W * 4);
            total += (size_t)3 * H * W * 4;
            st = sc_session_run_rgb(s, rgb, H, W, all + total, (size_t)3 * H * W);
            total += (size_t)3 * H * W;
            printf("golden %s model: %zu bytes, isa %s, 2 threads, %dx%d input\n", int8 ? "int8" : "fp32", size,
                   sc_isa_name(sc_session_get_isa(s)), W, H);
        }
        sc_session_free(s);
        sc_model_free(m);
        free(buf);
        free(y);
    }
    if (write) {
        FILE *f = fopen(path, "wb");
        CHECK(f && fwrite(all, 1, total, f) == total, "write %s", path);
        if (f) fclose(f);
        printf("golden outputs written to %s (%zu bytes, FNV-1a %016llx)\n", path, total,
               (unsigned long long)sc_fnv1a64(all, total));
    } else {
        FILE *f = fopen(path, "rb");
        uint8_t *want = (uint8_t *)malloc(cap);
        size_t got = f ? fread(want, 1, cap, f) : 0;
        if (f) fclose(f);
        CHECK(got == total && memcmp(want, all, total) == 0,
              "golden outputs differ from %s (%zu vs %zu bytes)", path, got, total);
        printf("golden comparison with %s: %s (FNV-1a %016llx)\n", path,
               got == total && memcmp(want, all, total) == 0 ? "byte-identical" : "DIFFERENT",
               (unsigned long long)sc_fnv1a64(all, total));
        free(want);
    }
    free(all);
    free(x);
    free(rgb);
    return failed == 0 ? 0 : 1;
}

/* Fuzzer seed corpus: the test models. */
static int write_seeds(const char *dir)
{
    mb_model mb;
    size_t size;
    uint8_t *bufs[3];
    size_t sizes[3];
    int i;
    bufs[0] = small_model(&sizes[0], &mb);
    mb_free(&mb);
    bufs[1] = golden_model(0, &sizes[1]);
    bufs[2] = golden_model(1, &sizes[2]);
    for (i = 0; i < 3; i++) {
        char path[1024];
        FILE *f;
        snprintf(path, sizeof path, "%s/seed%d.scn", dir, i);
        f = fopen(path, "wb");
        if (!f || fwrite(bufs[i], 1, sizes[i], f) != sizes[i]) {
            fprintf(stderr, "cannot write %s\n", path);
            return 1;
        }
        fclose(f);
        free(bufs[i]);
    }
    (void)size;
    return 0;
}

/* Guided enlargement: a flat picture stays flat at any size, a picture that is an affine
 * function of the guide is reproduced exactly at full resolution (the fit is exact there),
 * and bad arguments are refused. The Python tests hold it to the OpenCV filter. */
static void test_guided_upsample(void)
{
    enum { h = 9, w = 13, H = 23, W = 31 };
    uint8_t src[h * w * 3], gl[h * w], gf[H * W], out[H * W * 3];
    int i, ok = 1;
    for (i = 0; i < h * w; i++) {
        gl[i] = (uint8_t)(i * 37 % 200);
        src[3 * i] = 90;
        src[3 * i + 1] = (uint8_t)(gl[i] / 2 + 20);  /* p = 0.5 g + 20 */
        src[3 * i + 2] = 200;
    }
    for (i = 0; i < H * W; i++)
        gf[i] = (uint8_t)(i * 53 % 200);
    CHECK(sc_guided_upsample_u8(src, h, w, 3, gl, gf, H, W, 2, 1e-6f, out, sizeof out, NULL, 0) == SC_OK, "guided runs: %s",
          sc_last_error());
    for (i = 0; i < H * W; i++) {
        int want = (int)floorf(gf[i] * 0.5f + 20.5f);
        ok &= out[3 * i] == 90 && out[3 * i + 2] == 200 && abs(out[3 * i + 1] - want) <= 1;
    }
    CHECK(ok, "flat channels stay flat, an affine function of the guide is reproduced");
    CHECK(sc_guided_upsample_u8(src, h, w, 3, gl, gf, H, W, 2, 1e-3f, out, 10, NULL, 0) == SC_ERR_ARGUMENT, "small output");
    CHECK(sc_guided_upsample_u8(src, h, w, 5, gl, gf, H, W, 2, 1e-3f, out, sizeof out, NULL, 0) == SC_ERR_ARGUMENT, "5 channels");
    CHECK(sc_guided_upsample_u8(src, h, w, 3, gl, gf, H, W, 65, 1e-3f, out, sizeof out, NULL, 0) == SC_ERR_ARGUMENT, "radius");
    CHECK(sc_guided_upsample_u8(src, h, w, 3, gl, gf, H, W, 2, NAN, out, sizeof out, NULL, 0) == SC_ERR_ARGUMENT, "eps NaN");
    CHECK(sc_guided_upsample_u8(src, 0, w, 3, gl, gf, H, W, 2, 1e-3f, out, sizeof out, NULL, 0) == SC_ERR_SIZE, "zero height");
    CHECK(sc_guided_upsample_u8(NULL, h, w, 3, gl, gf, H, W, 2, 1e-3f, out, sizeof out, NULL, 0) == SC_ERR_ARGUMENT, "NULL");
    {   /* a caller's workspace gives the same bytes; too small a one is refused */
        static uint8_t again[H * W * 3];
        size_t need = sc_guided_upsample_workspace(h, w, 3, W, 2);
        void *ws = malloc(need);
        CHECK(need > 0 && ws, "workspace size");
        CHECK(sc_guided_upsample_u8(src, h, w, 3, gl, gf, H, W, 2, 1e-6f, again, sizeof again, ws, need) == SC_OK &&
              memcmp(again, out, sizeof out) == 0, "workspace run equals the allocating run");
        CHECK(sc_guided_upsample_u8(src, h, w, 3, gl, gf, H, W, 2, 1e-6f, again, sizeof again, ws, need - 1) ==
              SC_ERR_ARGUMENT, "small workspace");
        free(ws);
    }
    tally("image: guided enlargement", 1);
}

int main(int argc, char **argv)
{
    mb_rng r = {42};
    int i;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "--golden-write") == 0 && i + 1 < argc)
            return golden(argv[i + 1], 1);
        else if (strcmp(argv[i], "--golden-check") == 0 && i + 1 < argc)
            return golden(argv[i + 1], 0);
        else if (strcmp(argv[i], "--write-seeds") == 0 && i + 1 < argc)
            return write_seeds(argv[i + 1]);
    }
    printf("stylecut native tests (%s), kernel families:", sc_version());
    for (i = 0; i < 4; i++)
        if (sc_isa_available(isas[i]))
            printf(" %s", sc_isa_name(isas[i]));
    printf("; default %s\n", sc_isa_name(sc_isa_default()));
    test_requant();
    test_exp();
    test_guided_upsample();
    test_pair_kernels(&r);
    test_loader();
    test_info();
    test_conv_random(&r);
    test_conv_norm_fused(&r);
    test_conv_int8(&r);
    test_other_ops(&r);
    test_resize_conv_fusion(&r);
    test_up2_conv(&r);
    test_norm_add_fusion(&r);
    test_up_add_norm_fusion(&r);
    printf("\n%-34s %6s %6s\n", "op (optimized vs reference)", "cases", "exact");
    for (i = 0; i < n_op_stats; i++)
        printf("%-34s %6d %6d\n", op_stats[i].name, op_stats[i].cases, op_stats[i].ok);
    printf("\n%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
