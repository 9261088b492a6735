/* x86-64 AVX2+FMA kernels (this file alone is compiled with -mavx2 -mfma). Vectorized across
 * output pixels; each output keeps the reference's reduction order (ic, ky, kx), one fused
 * multiply-add per term, so results equal the reference bit for bit. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>
#include "internal.h"

#define AI static inline __attribute__((always_inline))

/* ---- the portable exp and activations, 8 lanes (same operations as math.c) ---- */
AI __m256 exp8(__m256 x)
{
    __m256 n, r, p, s;
    __m256i bits;
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.0f));
    x = _mm256_min_ps(x, _mm256_set1_ps(88.0f));
    n = _mm256_floor_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f)));
    r = _mm256_fmadd_ps(n, _mm256_set1_ps(-0.693359375f), x);
    r = _mm256_fmadd_ps(n, _mm256_set1_ps(2.12194440e-4f), r);
    p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(n), _mm256_set1_epi32(127)), 23);
    s = _mm256_castsi256_ps(bits);
    return _mm256_mul_ps(p, s);
}

AI __m256 act8(__m256 v, sc_act act)
{
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
    switch (act.kind) {
    case SC_ACT_RELU: return _mm256_max_ps(v, zero);
    case SC_ACT_LEAKY:
        return _mm256_blendv_ps(v, _mm256_mul_ps(v, _mm256_set1_ps(act.a)), _mm256_cmp_ps(v, zero, _CMP_LT_OQ));
    case SC_ACT_CLIP:
        return _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(act.a)), _mm256_set1_ps(act.b));
    case SC_ACT_SIGMOID: {
        __m256 e = exp8(_mm256_xor_ps(v, _mm256_set1_ps(-0.0f)));
        return _mm256_div_ps(one, _mm256_add_ps(one, e));
    }
    case SC_ACT_TANH: {
        __m256 ax = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v);
        __m256 e = exp8(_mm256_add_ps(ax, ax));
        __m256 t = _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, one)));
        return _mm256_blendv_ps(t, _mm256_xor_ps(t, _mm256_set1_ps(-0.0f)), _mm256_cmp_ps(v, zero, _CMP_LT_OQ));
    }
    default: return v;
    }
}

static void act_avx2(const float *x, float *y, size_t n, sc_act act)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, act8(_mm256_loadu_ps(x + i), act));
    sc_act_scalar(x + i, y + i, n - i, act);
}

void sc_add_avx2(const float *a, const float *b, float *y, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
    sc_add_scalar(a + i, b + i, y + i, n - i);
}

static void scale_shift_act_avx2(const float *x, float *y, size_t n, float a, float b, sc_act act)
{
    const __m256 va = _mm256_set1_ps(a), vb = _mm256_set1_ps(b);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, act8(_mm256_fmadd_ps(_mm256_loadu_ps(x + i), va, vb), act));
    sc_scale_shift_act_scalar(x + i, y + i, n - i, a, b, act);
}

/* 16 double lanes: element i accumulates into lane i % 16, as the scalar definition. */
static void plane_stats_avx2(const float *x, size_t n, double *lanes)
{
    __m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
    __m256d q0 = s0, q1 = s0, q2 = s0, q3 = s0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);
        __m256d d0 = _mm256_cvtps_pd(_mm256_castps256_ps128(a));
        __m256d d1 = _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1));
        __m256d d2 = _mm256_cvtps_pd(_mm256_castps256_ps128(b));
        __m256d d3 = _mm256_cvtps_pd(_mm256_extractf128_ps(b, 1));
        s0 = _mm256_add_pd(s0, d0);
        s1 = _mm256_add_pd(s1, d1);
        s2 = _mm256_add_pd(s2, d2);
        s3 = _mm256_add_pd(s3, d3);
        q0 = _mm256_add_pd(q0, _mm256_mul_pd(d0, d0));
        q1 = _mm256_add_pd(q1, _mm256_mul_pd(d1, d1));
        q2 = _mm256_add_pd(q2, _mm256_mul_pd(d2, d2));
        q3 = _mm256_add_pd(q3, _mm256_mul_pd(d3, d3));
    }
    {
        double t[32];
        int k;
        _mm256_storeu_pd(t, s0); _mm256_storeu_pd(t + 4, s1);
        _mm256_storeu_pd(t + 8, s2); _mm256_storeu_pd(t + 12, s3);
        _mm256_storeu_pd(t + 16, q0); _mm256_storeu_pd(t + 20, q1);
        _mm256_storeu_pd(t + 24, q2); _mm256_storeu_pd(t + 28, q3);
        for (k = 0; k < 32; k++)
            lanes[k] += t[k];
    }
    sc_plane_stats_scalar_from(x, i, n, lanes);
}

/* ---- fp32 direct convolution: SC_OCB output channels x NX*8 output pixels per block ---- */
AI void conv_block_f32(const sc_conv_args *a, const float *wblk, const float *inb, int cpg,
                       const float *bias, int nvalid, float *out0, size_t cstride, int ox, const int NX)
{
    __m256 acc[SC_OCB][3];
    const ptrdiff_t *tap = a->tap_off;
    const int ntaps = a->ntaps;
    const float *w = wblk;
    int j, v, ic, t;
#pragma GCC unroll 4
    for (j = 0; j < SC_OCB; j++)
#pragma GCC unroll 3
        for (v = 0; v < NX; v++)
            acc[j][v] = _mm256_set1_ps(j < nvalid ? bias[j] : 0.0f);
    for (ic = 0; ic < cpg; ic++) {
        const float *base = inb + (size_t)ic * a->chan_stride + ox;
        for (t = 0; t < ntaps; t++) {
            const float *src = base + tap[t];
            __m256 xv[3];
            /* many planes are read at once, more than the hardware prefetcher tracks: fetch
             * the next block's data of every term ahead (measured 2-3x on narrow layers) */
            _mm_prefetch((const char *)(src + 8 * NX + 24), _MM_HINT_T0);
            _mm_prefetch((const char *)(src + 8 * NX + 40), _MM_HINT_T0);
#pragma GCC unroll 3
            for (v = 0; v < NX; v++)
                xv[v] = _mm256_loadu_ps(src + 8 * v);
#pragma GCC unroll 4
            for (j = 0; j < SC_OCB; j++) {
                __m256 wj = _mm256_broadcast_ss(w + j);
#pragma GCC unroll 3
                for (v = 0; v < NX; v++)
                    acc[j][v] = _mm256_fmadd_ps(wj, xv[v], acc[j][v]);
            }
            w += SC_OCB;
        }
    }
    /* constant trip counts keep the accumulators in registers */
#pragma GCC unroll 4
    for (j = 0; j < SC_OCB; j++)
        if (j < nvalid) {
#pragma GCC unroll 4
            for (v = 0; v < NX; v++)
                _mm256_storeu_ps(out0 + j * cstride + ox + 8 * v, act8(acc[j][v], a->act));
        }
}

/* Channel-vector form for layers with 8 or more output channels per group: two vectors of 8
 * output channels x P pixels in registers; each term broadcasts one input value (never a
 * cache-line-splitting load) and multiplies two weight vectors. Same per-output order. */
AI void conv_cvec_block(const sc_conv_args *a, const float *wsb, const float *inb, int cpg,
                        const float *bias, int nvalid, float *out0, size_t cstride, int ox, const int P,
                        const size_t C)
{
    __m256 acc[6][2];
    const ptrdiff_t *tap = a->tap_off;
    const int ntaps = a->ntaps;
    const float *w = wsb;
    float tmp[2][6][8];
    int p, ic, t, lane;
    __m256 b0 = _mm256_loadu_ps(bias), b1 = _mm256_loadu_ps(bias + 8);
#pragma GCC unroll 6
    for (p = 0; p < P; p++) {
        acc[p][0] = b0;
        acc[p][1] = b1;
    }
    for (ic = 0; ic < cpg; ic++) {
        const float *base = inb + ic + (size_t)ox * C;
        for (t = 0; t < ntaps; t++) {
            const float *src = base + tap[t];
            __m256 w0 = _mm256_loadu_ps(w), w1 = _mm256_loadu_ps(w + 8);
#pragma GCC unroll 6
            for (p = 0; p < P; p++) {
                __m256 xv = _mm256_broadcast_ss(src + p * C);
                acc[p][0] = _mm256_fmadd_ps(w0, xv, acc[p][0]);
                acc[p][1] = _mm256_fmadd_ps(w1, xv, acc[p][1]);
            }
            w += 16;
        }
    }
#pragma GCC unroll 6
    for (p = 0; p < P; p++) {
        _mm256_storeu_ps(tmp[0][p], act8(acc[p][0], a->act));
        _mm256_storeu_ps(tmp[1][p], act8(acc[p][1], a->act));
    }
    for (lane = 0; lane < nvalid; lane++) {
        float *o = out0 + (size_t)lane * cstride + ox;
        for (p = 0; p < P; p++)
            o[p] = tmp[lane >> 3][p][lane & 7];
    }
}

/* One output row band; C (floats per input pixel) is a compile-time constant in the common
 * widths so the six broadcasts use immediate offsets. */
AI void conv_f32_cvec_rows(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1, const size_t C)
{
    const sc_conv_prep *p = a->prep;
    int opg = p->O / p->groups, cpg = p->C / p->groups, nb16 = (opg + 15) / 16;
    int g = oc0 / opg, sb0 = (oc0 - g * opg) / 16, sb1 = (oc1 - g * opg + 15) / 16;
    int oy, ox, sb;
    size_t cstride = (size_t)a->OH * a->OW, wstride = (size_t)cpg * a->ntaps * 16;
    const float *wg = p->wpack16 + (size_t)g * nb16 * wstride;
    float bias[16];
    for (oy = oy0; oy < oy1; oy++) {
        const float *inb = a->in + (size_t)g * cpg + (size_t)oy * a->pw_stride * C;
        float *outy = a->out + (size_t)oy * a->OW;
        for (sb = sb0; sb < sb1; sb++) {
            int c0 = g * opg + sb * 16, nv = oc1 - c0 < 16 ? oc1 - c0 : 16, k;
            const float *wsb = wg + sb * wstride;
            float *o0 = outy + c0 * cstride;
            for (k = 0; k < 16; k++)
                bias[k] = k < nv ? p->bias[c0 + k] : 0.0f;
            for (ox = 0; ox + 6 <= a->OW; ox += 6)
                conv_cvec_block(a, wsb, inb, cpg, bias, nv, o0, cstride, ox, 6, C);
            for (; ox < a->OW; ox++)
                conv_cvec_block(a, wsb, inb, cpg, bias, nv, o0, cstride, ox, 1, C);
        }
    }
}

static void conv_f32_cvec_avx2(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1)
{
    switch (a->prep->C) {
    case 16: conv_f32_cvec_rows(a, oc0, oc1, oy0, oy1, 16); break;
    case 32: conv_f32_cvec_rows(a, oc0, oc1, oy0, oy1, 32); break;
    case 48: conv_f32_cvec_rows(a, oc0, oc1, oy0, oy1, 48); break;
    case 64: conv_f32_cvec_rows(a, oc0, oc1, oy0, oy1, 64); break;
    default: conv_f32_cvec_rows(a, oc0, oc1, oy0, oy1, (size_t)a->prep->C);
    }
}

/* Output channels [oc0, oc1) of one group (oc0 at a block start), rows [oy0, oy1). For each
 * pixel block every channel block runs while the block's input is in L1. */
void sc_conv_f32_avx2(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1)
{
    const sc_conv_prep *p = a->prep;
    if (a->nhwc) {
        conv_f32_cvec_avx2(a, oc0, oc1, oy0, oy1);
        return;
    }
    {
    int opg = p->O / p->groups, cpg = p->C / p->groups, nblk = (opg + SC_OCB - 1) / SC_OCB;
    int g = oc0 / opg, ob0 = (oc0 - g * opg) / SC_OCB, ob1 = (oc1 - g * opg + SC_OCB - 1) / SC_OCB;
    int oy, ox, ob;
    size_t cstride = (size_t)a->OH * a->OW, wstride = (size_t)cpg * a->ntaps * SC_OCB;
    const float *wg = p->wpack + (size_t)g * nblk * wstride;
    for (oy = oy0; oy < oy1; oy++) {
        const float *inb = a->in + (size_t)g * cpg * a->chan_stride + (size_t)oy * a->pw_stride;
        float *outy = a->out + (size_t)oy * a->OW;
        for (ox = 0; ox + 24 <= a->OW; ox += 24)
            for (ob = ob0; ob < ob1; ob++) {
                int c0 = g * opg + ob * SC_OCB, nv = oc1 - c0 < SC_OCB ? oc1 - c0 : SC_OCB;
                conv_block_f32(a, wg + ob * wstride, inb, cpg, p->bias + c0, nv, outy + c0 * cstride, cstride, ox, 3);
            }
        for (; ox + 8 <= a->OW; ox += 8)
            for (ob = ob0; ob < ob1; ob++) {
                int c0 = g * opg + ob * SC_OCB, nv = oc1 - c0 < SC_OCB ? oc1 - c0 : SC_OCB;
                conv_block_f32(a, wg + ob * wstride, inb, cpg, p->bias + c0, nv, outy + c0 * cstride, cstride, ox, 1);
            }
        if (ox < a->OW)
            sc_conv_f32_cols_scalar(a, oc0, oc1, oy, oy + 1, ox);
    }
    }
}

/* ---- int8: (q - zp) as int16 channel pairs; vpmaddwd adds the two products of a pair
 * exactly in int32, so any order gives the same integer ---- */
AI void conv_block_i8(const sc_conv_args *a, const int16_t *wblk, const int16_t *inb, int cpg2,
                      const int32_t *bias, int oc0, int nvalid, int oy, int ox, const int NX)
{
    __m256i acc[SC_OCB][2];
    const ptrdiff_t *tap = a->tap_off;
    const int ntaps = a->ntaps;
    const int16_t *w = wblk;
    int j, v, ip, t;
#pragma GCC unroll 4
    for (j = 0; j < SC_OCB; j++)
#pragma GCC unroll 2
        for (v = 0; v < NX; v++)
            acc[j][v] = _mm256_set1_epi32(j < nvalid ? bias[j] : 0);
    for (ip = 0; ip < cpg2; ip++) {
        const int16_t *base = inb + ((size_t)ip * a->chan_stride + ox) * 2;
        for (t = 0; t < ntaps; t++) {
            const int16_t *src = base + tap[t] * 2;
            __m256i xv[2];
            _mm_prefetch((const char *)(src + 16 * NX + 32), _MM_HINT_T0);
            _mm_prefetch((const char *)(src + 16 * NX + 64), _MM_HINT_T0);
#pragma GCC unroll 2
            for (v = 0; v < NX; v++)
                xv[v] = _mm256_loadu_si256((const __m256i *)(src + 16 * v));
#pragma GCC unroll 4
            for (j = 0; j < SC_OCB; j++) {
                int32_t pair;
                __m256i wj;
                memcpy(&pair, w + 2 * j, 4);
                wj = _mm256_set1_epi32(pair);
#pragma GCC unroll 2
                for (v = 0; v < NX; v++)
                    acc[j][v] = _mm256_add_epi32(acc[j][v], _mm256_madd_epi16(xv[v], wj));
            }
            w += 2 * SC_OCB;
        }
    }
#pragma GCC unroll 4
    for (j = 0; j < SC_OCB; j++) {
        float *out = a->out + ((size_t)(oc0 + j) * a->OH + oy) * a->OW + ox;
        if (j >= nvalid)
            break;
        if (a->out_requant) {
            int32_t tmp[16];
            int e;
            for (v = 0; v < NX; v++)
                _mm256_storeu_si256((__m256i *)(tmp + 8 * v), acc[j][v]);
            for (e = 0; e < 8 * NX; e++)
                out[e] = sc_i8_output(a, oc0 + j, tmp[e]);
        } else {
            __m256 d = _mm256_set1_ps(a->prep->deq[oc0 + j]);
            for (v = 0; v < NX; v++)
                _mm256_storeu_ps(out + 8 * v, act8(_mm256_mul_ps(_mm256_cvtepi32_ps(acc[j][v]), d), a->act));
        }
    }
}

/* int8 channel-vector form: 16 output channels x 6 pixels of int32 sums; each term broadcasts
 * one pixel's int16 channel pair and vpmaddwd adds both products exactly. */
AI void conv_i8_cvec_block(const sc_conv_args *a, const int16_t *wsb, const int16_t *inb, int cpg2,
                           int c0, int nvalid, float *out0, size_t cstride, int ox, const int P,
                           const size_t CP)
{
    __m256i acc[6][2];
    const ptrdiff_t *tap = a->tap_off;
    const int ntaps = a->ntaps;
    const int16_t *w = wsb;
    int32_t bias[16];
    float tmp[2][6][8];
    int p, ip, t, lane;
    __m256i b0, b1;
    for (lane = 0; lane < 16; lane++)
        bias[lane] = lane < nvalid ? a->prep->bias_q[c0 + lane] : 0;
    b0 = _mm256_loadu_si256((const __m256i *)bias);
    b1 = _mm256_loadu_si256((const __m256i *)(bias + 8));
#pragma GCC unroll 6
    for (p = 0; p < P; p++) {
        acc[p][0] = b0;
        acc[p][1] = b1;
    }
    for (ip = 0; ip < cpg2; ip++) {
        const int16_t *base = inb + 2 * ip + (size_t)ox * CP;
        for (t = 0; t < ntaps; t++) {
            const int16_t *src = base + tap[t];
            __m256i w0 = _mm256_loadu_si256((const __m256i *)w), w1 = _mm256_loadu_si256((const __m256i *)(w + 16));
#pragma GCC unroll 6
            for (p = 0; p < P; p++) {
                __m256i xv = _mm256_castps_si256(_mm256_broadcast_ss((const float *)(const void *)(src + p * CP)));
                acc[p][0] = _mm256_add_epi32(acc[p][0], _mm256_madd_epi16(xv, w0));
                acc[p][1] = _mm256_add_epi32(acc[p][1], _mm256_madd_epi16(xv, w1));
            }
            w += 32;
        }
    }
    if (a->out_requant) {
        int32_t q[2][6][8];
        for (p = 0; p < P; p++) {
            _mm256_storeu_si256((__m256i *)q[0][p], acc[p][0]);
            _mm256_storeu_si256((__m256i *)q[1][p], acc[p][1]);
        }
        for (lane = 0; lane < nvalid; lane++)
            for (p = 0; p < P; p++)
                out0[(size_t)lane * cstride + ox + p] = sc_i8_output(a, c0 + lane, q[lane >> 3][p][lane & 7]);
        return;
    }
    {
        float d[16];
        __m256 d0, d1;
        for (lane = 0; lane < 16; lane++)
            d[lane] = lane < nvalid ? a->prep->deq[c0 + lane] : 0.0f;
        d0 = _mm256_loadu_ps(d);
        d1 = _mm256_loadu_ps(d + 8);
        for (p = 0; p < P; p++) {
            _mm256_storeu_ps(tmp[0][p], act8(_mm256_mul_ps(_mm256_cvtepi32_ps(acc[p][0]), d0), a->act));
            _mm256_storeu_ps(tmp[1][p], act8(_mm256_mul_ps(_mm256_cvtepi32_ps(acc[p][1]), d1), a->act));
        }
    }
    for (lane = 0; lane < nvalid; lane++) {
        float *o = out0 + (size_t)lane * cstride + ox;
        for (p = 0; p < P; p++)
            o[p] = tmp[lane >> 3][p][lane & 7];
    }
}

AI void conv_i8_cvec_rows(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1, const size_t CP)
{
    const sc_conv_prep *p = a->prep;
    int opg = p->O / p->groups, cpg = p->C / p->groups, cpg2 = (cpg + 1) / 2, nb16 = (opg + 15) / 16;
    int g = oc0 / opg, sb0 = (oc0 - g * opg) / 16, sb1 = (oc1 - g * opg + 15) / 16;
    int oy, ox, sb;
    size_t cstride = (size_t)a->OH * a->OW, wstride = (size_t)cpg2 * a->ntaps * 32;
    const int16_t *wg = p->wqpack16 + (size_t)g * nb16 * wstride;
    for (oy = oy0; oy < oy1; oy++) {
        const int16_t *inb = a->inq + (size_t)g * cpg2 * 2 + (size_t)oy * a->pw_stride * CP;
        float *outy = a->out + (size_t)oy * a->OW;
        for (sb = sb0; sb < sb1; sb++) {
            int c0 = g * opg + sb * 16, nv = oc1 - c0 < 16 ? oc1 - c0 : 16;
            const int16_t *wsb = wg + sb * wstride;
            float *o0 = outy + c0 * cstride;
            for (ox = 0; ox + 6 <= a->OW; ox += 6)
                conv_i8_cvec_block(a, wsb, inb, cpg2, c0, nv, o0, cstride, ox, 6, CP);
            for (; ox < a->OW; ox++)
                conv_i8_cvec_block(a, wsb, inb, cpg2, c0, nv, o0, cstride, ox, 1, CP);
        }
    }
}

static void conv_i8_cvec_avx2(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1)
{
    switch (a->pix_stride) {
    case 16: conv_i8_cvec_rows(a, oc0, oc1, oy0, oy1, 16); break;
    case 32: conv_i8_cvec_rows(a, oc0, oc1, oy0, oy1, 32); break;
    case 48: conv_i8_cvec_rows(a, oc0, oc1, oy0, oy1, 48); break;
    case 64: conv_i8_cvec_rows(a, oc0, oc1, oy0, oy1, 64); break;
    default: conv_i8_cvec_rows(a, oc0, oc1, oy0, oy1, (size_t)a->pix_stride);
    }
}

void sc_conv_i8_avx2(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1)
{
    const sc_conv_prep *p = a->prep;
    if (a->nhwc) {
        conv_i8_cvec_avx2(a, oc0, oc1, oy0, oy1);
        return;
    }
    {
    int opg = p->O / p->groups, cpg = p->C / p->groups, cpg2 = (cpg + 1) / 2;
    int nblk = (opg + SC_OCB - 1) / SC_OCB;
    int g = oc0 / opg, ob0 = (oc0 - g * opg) / SC_OCB, ob1 = (oc1 - g * opg + SC_OCB - 1) / SC_OCB;
    int oy, ox, ob;
    size_t wstride = (size_t)cpg2 * a->ntaps * SC_OCB * 2;
    const int16_t *wg = p->wqpack + (size_t)g * nblk * wstride;
    for (oy = oy0; oy < oy1; oy++) {
        const int16_t *inb = a->inq + ((size_t)g * cpg2 * a->chan_stride + (size_t)oy * a->pw_stride) * 2;
        for (ox = 0; ox + 16 <= a->OW; ox += 16)
            for (ob = ob0; ob < ob1; ob++) {
                int c0 = g * opg + ob * SC_OCB, nv = oc1 - c0 < SC_OCB ? oc1 - c0 : SC_OCB;
                conv_block_i8(a, wg + ob * wstride, inb, cpg2, p->bias_q + c0, c0, nv, oy, ox, 2);
            }
        for (; ox + 8 <= a->OW; ox += 8)
            for (ob = ob0; ob < ob1; ob++) {
                int c0 = g * opg + ob * SC_OCB, nv = oc1 - c0 < SC_OCB ? oc1 - c0 : SC_OCB;
                conv_block_i8(a, wg + ob * wstride, inb, cpg2, p->bias_q + c0, c0, nv, oy, ox, 1);
            }
        if (ox < a->OW)
            sc_conv_i8_cols_scalar(a, oc0, oc1, oy, oy + 1, ox);
    }
    }
}

/* ---- fp32 nearest x2 upsampling + 3x3 conv, from the small input ----
 * Upsampled columns x0-1 .. x0+8 of a vector of 8 outputs (x0 even) are small-input padded
 * columns x0/2 .. x0/2+5, each repeated: one load and one permute per tap column give exactly
 * the values the reference reads; the multiply-adds are the reference's, in its order. */
AI void conv_f32_up2_block(const sc_conv_args *a, const float *wblk, int cpg, const float *bias, int nvalid,
                           float *out0, size_t cstride, int oy, int x0, const int NOC, const int NX)
{
    __m256 acc[4][3];
    const float *w = wblk;
    int k, v, ic, ky, kx;
#pragma GCC unroll 4
    for (k = 0; k < NOC; k++)
#pragma GCC unroll 3
        for (v = 0; v < NX; v++)
            acc[k][v] = _mm256_set1_ps(k < nvalid ? bias[k] : 0.0f);
    for (ic = 0; ic < cpg; ic++) {
        const float *base = a->in + (size_t)ic * a->chan_stride + x0 / 2;
#pragma GCC unroll 3
        for (ky = 0; ky < 3; ky++) {
            const float *row = base + (size_t)((oy + ky + 1) / 2) * a->pw_stride;
            __m256 raw[3];
#pragma GCC unroll 3
            for (v = 0; v < NX; v++)
                raw[v] = _mm256_loadu_ps(row + 4 * v);
#pragma GCC unroll 3
            for (kx = 0; kx < 3; kx++) {
                const __m256i perm = kx == 0 ? _mm256_setr_epi32(0, 1, 1, 2, 2, 3, 3, 4)
                                   : kx == 1 ? _mm256_setr_epi32(1, 1, 2, 2, 3, 3, 4, 4)
                                             : _mm256_setr_epi32(1, 2, 2, 3, 3, 4, 4, 5);
                __m256 xv[3];
#pragma GCC unroll 3
                for (v = 0; v < NX; v++)
                    xv[v] = _mm256_permutevar8x32_ps(raw[v], perm);
#pragma GCC unroll 4
                for (k = 0; k < NOC; k++) {
                    __m256 wk = _mm256_broadcast_ss(w + k);
#pragma GCC unroll 3
                    for (v = 0; v < NX; v++)
                        acc[k][v] = _mm256_fmadd_ps(wk, xv[v], acc[k][v]);
                }
                w += SC_OCB;
            }
        }
    }
#pragma GCC unroll 4
    for (k = 0; k < NOC; k++)
        if (k < nvalid) {
#pragma GCC unroll 3
            for (v = 0; v < NX; v++)
                _mm256_storeu_ps(out0 + k * cstride + x0 + 8 * v, act8(acc[k][v], a->act));
        }
}

void sc_conv_f32_up2_avx2(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1)
{
    const sc_conv_prep *p = a->prep;
    int cpg = p->C, nblk = (p->O + SC_OCB - 1) / SC_OCB;
    int ob0 = oc0 / SC_OCB, ob1 = (oc1 + SC_OCB - 1) / SC_OCB, oy, x0, ob;
    size_t cstride = (size_t)a->OH * a->OW, wstride = (size_t)cpg * 9 * SC_OCB;
    (void)nblk;
    for (oy = oy0; oy < oy1; oy++) {
        float *outy = a->out + (size_t)oy * a->OW;
        for (ob = ob0; ob < ob1; ob++) {
            int c0 = ob * SC_OCB, nv = oc1 - c0 < SC_OCB ? oc1 - c0 : SC_OCB;
            const float *wb = p->wpack + ob * wstride;
            for (x0 = 0; x0 + 24 <= a->OW; x0 += 24) {
                if (nv == 3)
                    conv_f32_up2_block(a, wb, cpg, p->bias + c0, nv, outy + c0 * cstride, cstride, oy, x0, 3, 3);
                else
                    conv_f32_up2_block(a, wb, cpg, p->bias + c0, nv, outy + c0 * cstride, cstride, oy, x0, 4, 2),
                    conv_f32_up2_block(a, wb, cpg, p->bias + c0, nv, outy + c0 * cstride, cstride, oy, x0 + 16, 4, 1);
            }
            for (; x0 + 8 <= a->OW; x0 += 8)
                conv_f32_up2_block(a, wb, cpg, p->bias + c0, nv, outy + c0 * cstride, cstride, oy, x0, 4, 1);
        }
        if (a->OW % 8)
            sc_conv_f32_up2_cols_scalar(a, oc0, oc1, oy, oy + 1, a->OW - a->OW % 8);
    }
}

/* ---- int8 nearest x2 upsampling + 3x3 conv, from the small input ----
 * Output row 2i+a, columns 2j+b for 8 consecutive j and both b: phase b=0 reads small-input
 * columns j-1, j (padded: j, j+1), phase b=1 columns j, j+1 (padded: j+1, j+2), so three
 * loads serve both phases. 2x2 taps per phase instead of 9 on the 4x larger map. */
AI void conv_i8_up2_block(const sc_conv_args *a, const int16_t *wob, int cpg2, int oc0, int nvalid, int oy,
                          int j0, const int NOC)
{
    const int pa = oy & 1, i = oy >> 1;
    __m256i acc0[4], acc1[4];
    int k, ip, ry;
#pragma GCC unroll 4
    for (k = 0; k < NOC; k++)
        acc0[k] = acc1[k] = _mm256_set1_epi32(k < nvalid ? a->prep->bias_q[oc0 + k] : 0);
    for (ip = 0; ip < cpg2; ip++) {
        const int16_t *w = wob + ((size_t)ip * 16 + (size_t)pa * 8) * SC_OCB * 2;
#pragma GCC unroll 2
        for (ry = 0; ry < 2; ry++) {
            const int16_t *row = a->inq + ((size_t)ip * a->chan_stride + (size_t)(i + pa + ry) * a->pw_stride + j0) * 2;
            __m256i x0 = _mm256_loadu_si256((const __m256i *)row);
            __m256i x1 = _mm256_loadu_si256((const __m256i *)(row + 2));
            __m256i x2 = _mm256_loadu_si256((const __m256i *)(row + 4));
            const int16_t *wr = w + (size_t)ry * 2 * SC_OCB * 2;
#pragma GCC unroll 4
            for (k = 0; k < NOC; k++) {
                int32_t w00, w01, w10, w11;
                memcpy(&w00, wr + 2 * k, 4);                       /* b=0, rx=0 */
                memcpy(&w01, wr + SC_OCB * 2 + 2 * k, 4);          /* b=0, rx=1 */
                memcpy(&w10, wr + 4 * SC_OCB * 2 + 2 * k, 4);      /* b=1, rx=0 */
                memcpy(&w11, wr + 5 * SC_OCB * 2 + 2 * k, 4);      /* b=1, rx=1 */
                acc0[k] = _mm256_add_epi32(acc0[k], _mm256_madd_epi16(x0, _mm256_set1_epi32(w00)));
                acc0[k] = _mm256_add_epi32(acc0[k], _mm256_madd_epi16(x1, _mm256_set1_epi32(w01)));
                acc1[k] = _mm256_add_epi32(acc1[k], _mm256_madd_epi16(x1, _mm256_set1_epi32(w10)));
                acc1[k] = _mm256_add_epi32(acc1[k], _mm256_madd_epi16(x2, _mm256_set1_epi32(w11)));
            }
        }
    }
    for (k = 0; k < NOC && k < nvalid; k++) {
        float *out = a->out + ((size_t)(oc0 + k) * a->OH + oy) * a->OW + 2 * (size_t)j0;
        if (a->out_requant) {
            int32_t t0[8], t1[8];
            int e;
            _mm256_storeu_si256((__m256i *)t0, acc0[k]);
            _mm256_storeu_si256((__m256i *)t1, acc1[k]);
            for (e = 0; e < 8; e++) {
                out[2 * e] = sc_i8_output(a, oc0 + k, t0[e]);
                out[2 * e + 1] = sc_i8_output(a, oc0 + k, t1[e]);
            }
        } else {
            __m256 d = _mm256_set1_ps(a->prep->deq[oc0 + k]);
            __m256 f0 = act8(_mm256_mul_ps(_mm256_cvtepi32_ps(acc0[k]), d), a->act);
            __m256 f1 = act8(_mm256_mul_ps(_mm256_cvtepi32_ps(acc1[k]), d), a->act);
            __m256 lo = _mm256_unpacklo_ps(f0, f1), hi = _mm256_unpackhi_ps(f0, f1);
            _mm256_storeu_ps(out, _mm256_permute2f128_ps(lo, hi, 0x20));
            _mm256_storeu_ps(out + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
        }
    }
}

void sc_conv_i8_up2_avx2(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1)
{
    const sc_conv_prep *p = a->prep;
    int cpg2 = (p->C + 1) / 2, W = a->OW / 2, oy, j0, ob;
    int ob0 = oc0 / SC_OCB, ob1 = (oc1 + SC_OCB - 1) / SC_OCB;
    size_t wstride = (size_t)cpg2 * 16 * SC_OCB * 2;
    for (oy = oy0; oy < oy1; oy++) {
        for (j0 = 0; j0 + 8 <= W; j0 += 8)
            for (ob = ob0; ob < ob1; ob++) {
                int c0 = ob * SC_OCB, nv = oc1 - c0 < SC_OCB ? oc1 - c0 : SC_OCB;
                if (nv == 3)
                    conv_i8_up2_block(a, p->wqup2 + ob * wstride, cpg2, c0, nv, oy, j0, 3);
                else
                    conv_i8_up2_block(a, p->wqup2 + ob * wstride, cpg2, c0, nv, oy, j0, 4);
            }
        if (2 * j0 < a->OW)
            sc_conv_i8_up2_cols_scalar(a, oc0, oc1, oy, oy + 1, 2 * j0);
    }
}

/* (q - zp) as int16 for n floats: the same operations as sc_quantize_f32 (cvtps rounds half
 * to even, as nearbyintf in the default rounding mode). */
void sc_quantize_row_avx2(const float *x, int16_t *q, size_t n, float inv_scale, int32_t zp)
{
    const __m256 vi = _mm256_set1_ps(inv_scale), lo = _mm256_set1_ps(-1000.0f), hi = _mm256_set1_ps(1000.0f);
    const __m256i vzp = _mm256_set1_epi32(zp), qlo = _mm256_set1_epi32(-128), qhi = _mm256_set1_epi32(127);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + i), vi);
        __m256i r;
        v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
        r = _mm256_add_epi32(_mm256_cvtps_epi32(v), vzp);
        r = _mm256_min_epi32(_mm256_max_epi32(r, qlo), qhi);
        r = _mm256_sub_epi32(r, vzp);
        r = _mm256_packs_epi32(r, r); /* lanes 0-3 and 8-11 hold the 8 values */
        _mm_storel_epi64((__m128i *)(q + i), _mm256_castsi256_si128(r));
        _mm_storel_epi64((__m128i *)(q + i + 4), _mm256_extracti128_si256(r, 1));
    }
    for (; i < n; i++)
        q[i] = (int16_t)(sc_quantize_f32(x[i], inv_scale, zp) - zp);
}

/* q(x) - zp as int32 lanes. The same value as sc_quantize_f32(x) - zp: zp is within int8, so
 * the +-1000 clamp never binds and clamping to [-128 - zp, 127 - zp] before rounding equals
 * clamping after; maxps returns its second operand for NaN, -128 - zp, as the reference. */
AI __m256i quantize8(__m256 x, __m256 vi, __m256 lo, __m256 hi)
{
    return _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(x, vi), lo), hi));
}

void sc_quantize_pair_avx2(const float *x0, const float *x1, uint32_t *pair, size_t n, float inv_scale, int32_t zp)
{
    const __m256 vi = _mm256_set1_ps(inv_scale);
    const __m256 lo = _mm256_set1_ps((float)(-128 - zp)), hi = _mm256_set1_ps((float)(127 - zp));
    const __m256i low16 = _mm256_set1_epi32(0xFFFF);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i q0 = _mm256_and_si256(quantize8(_mm256_loadu_ps(x0 + i), vi, lo, hi), low16);
        __m256i q1 = x1 ? _mm256_slli_epi32(quantize8(_mm256_loadu_ps(x1 + i), vi, lo, hi), 16) : _mm256_setzero_si256();
        _mm256_storeu_si256((__m256i *)(pair + i), _mm256_or_si256(q0, q1));
    }
    if (i < n)
        sc_quantize_pair_scalar(x0 + i, x1 ? x1 + i : NULL, pair + i, n - i, inv_scale, zp);
}

/* Runs of 8 in the common patterns are loads and permutes: contiguous (interior), every second
 * element (stride-2 phases), each element twice (nearest x2); anything else (padding edges) is
 * a masked hardware gather. Masked loads never touch elements beyond the last one used. */
void sc_gather32_avx2(const uint32_t *src, const int *idx, int n, uint32_t *dst)
{
    const __m256i step = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), neg = _mm256_set1_epi32(-1);
    const __m256i step2 = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14), dup = _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3);
    const __m256i even = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    const __m256i first7 = _mm256_setr_epi32(-1, -1, -1, -1, -1, -1, -1, 0);
    const __m256i first4 = _mm256_setr_epi32(-1, -1, -1, -1, 0, 0, 0, 0);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i ix = _mm256_loadu_si256((const __m256i *)(idx + i));
        __m256i b = _mm256_set1_epi32(idx[i]);
        __m256i v;
        if (idx[i] < 0) {
            v = _mm256_mask_i32gather_epi32(_mm256_setzero_si256(), (const int *)(const void *)src, ix,
                                            _mm256_cmpgt_epi32(ix, neg), 4);
        } else if (_mm256_movemask_epi8(_mm256_cmpeq_epi32(ix, _mm256_add_epi32(b, step))) == -1) {
            v = _mm256_loadu_si256((const __m256i *)(src + idx[i]));
        } else if (_mm256_movemask_epi8(_mm256_cmpeq_epi32(ix, _mm256_add_epi32(b, step2))) == -1) {
            __m256i lo = _mm256_loadu_si256((const __m256i *)(src + idx[i]));
            __m256i hi = _mm256_maskload_epi32((const int *)(const void *)(src + idx[i] + 8), first7);
            v = _mm256_blend_epi32(_mm256_permutevar8x32_epi32(lo, even), _mm256_permutevar8x32_epi32(hi, even), 0xF0);
        } else if (_mm256_movemask_epi8(_mm256_cmpeq_epi32(ix, _mm256_add_epi32(b, dup))) == -1) {
            v = _mm256_permutevar8x32_epi32(_mm256_maskload_epi32((const int *)(const void *)(src + idx[i]), first4), dup);
        } else {
            v = _mm256_mask_i32gather_epi32(_mm256_setzero_si256(), (const int *)(const void *)src, ix,
                                            _mm256_cmpgt_epi32(ix, neg), 4);
        }
        _mm256_storeu_si256((__m256i *)(dst + i), v);
    }
    if (i < n)
        sc_gather32_scalar(src, idx + i, n - i, dst + i);
}

/* Channel interleaving for the padding pass: 8 pixels x 8 channels at a time. Pixels whose
 * source columns lie within 8 of the first (contiguous, or repeated by a nearest resize) are
 * loaded once and permuted; then an 8x8 transpose. Pure data movement. */
void sc_interleave_avx2(const float *const *rows, int C, const int *xmap, int n, int src_w, float *dst)
{
    int q = 0, c, k;
    for (; q + 8 <= n; q += 8) {
        int b = xmap[q], ok = C >= 8 && b >= 0 && b + 8 <= src_w;
        for (k = 1; ok && k < 8; k++)
            ok = xmap[q + k] >= b && xmap[q + k] < b + 8;
        if (!ok) {
            sc_interleave_scalar(rows, C, xmap + q, 8, src_w, dst + (size_t)q * C);
            continue;
        }
        {
            __m256i perm = _mm256_sub_epi32(_mm256_loadu_si256((const __m256i *)(xmap + q)), _mm256_set1_epi32(b));
            for (c = 0; c + 8 <= C; c += 8) {
                __m256 v0 = _mm256_permutevar8x32_ps(_mm256_loadu_ps(rows[c + 0] + b), perm);
                __m256 v1 = _mm256_permutevar8x32_ps(_mm256_loadu_ps(rows[c + 1] + b), perm);
                __m256 v2 = _mm256_permutevar8x32_ps(_mm256_loadu_ps(rows[c + 2] + b), perm);
                __m256 v3 = _mm256_permutevar8x32_ps(_mm256_loadu_ps(rows[c + 3] + b), perm);
                __m256 v4 = _mm256_permutevar8x32_ps(_mm256_loadu_ps(rows[c + 4] + b), perm);
                __m256 v5 = _mm256_permutevar8x32_ps(_mm256_loadu_ps(rows[c + 5] + b), perm);
                __m256 v6 = _mm256_permutevar8x32_ps(_mm256_loadu_ps(rows[c + 6] + b), perm);
                __m256 v7 = _mm256_permutevar8x32_ps(_mm256_loadu_ps(rows[c + 7] + b), perm);
                __m256 t0 = _mm256_unpacklo_ps(v0, v1), t1 = _mm256_unpackhi_ps(v0, v1);
                __m256 t2 = _mm256_unpacklo_ps(v2, v3), t3 = _mm256_unpackhi_ps(v2, v3);
                __m256 t4 = _mm256_unpacklo_ps(v4, v5), t5 = _mm256_unpackhi_ps(v4, v5);
                __m256 t6 = _mm256_unpacklo_ps(v6, v7), t7 = _mm256_unpackhi_ps(v6, v7);
                __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
                __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
                __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
                __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
                float *d = dst + (size_t)q * C + c;
                _mm256_storeu_ps(d + 0 * (size_t)C, _mm256_permute2f128_ps(u0, u4, 0x20));
                _mm256_storeu_ps(d + 1 * (size_t)C, _mm256_permute2f128_ps(u1, u5, 0x20));
                _mm256_storeu_ps(d + 2 * (size_t)C, _mm256_permute2f128_ps(u2, u6, 0x20));
                _mm256_storeu_ps(d + 3 * (size_t)C, _mm256_permute2f128_ps(u3, u7, 0x20));
                _mm256_storeu_ps(d + 4 * (size_t)C, _mm256_permute2f128_ps(u0, u4, 0x31));
                _mm256_storeu_ps(d + 5 * (size_t)C, _mm256_permute2f128_ps(u1, u5, 0x31));
                _mm256_storeu_ps(d + 6 * (size_t)C, _mm256_permute2f128_ps(u2, u6, 0x31));
                _mm256_storeu_ps(d + 7 * (size_t)C, _mm256_permute2f128_ps(u3, u7, 0x31));
            }
            for (k = 0; k < 8 && c < C; k++) { /* channels beyond the last multiple of 8 */
                int cc;
                for (cc = c; cc < C; cc++)
                    memcpy(dst + (size_t)(q + k) * C + cc, rows[cc] + xmap[q + k], sizeof(float));
            }
        }
    }
    if (q < n)
        sc_interleave_scalar(rows, C, xmap + q, n - q, src_w, dst + (size_t)q * C);
}

const sc_kernels sc_kernels_avx2 = {
    SC_ISA_AVX2,
    "f32_conv2d_4x24_avx2", "qs8_conv2d_4x16_avx2", "f32_instnorm_16lane_avx2", "f32_eltwise_8x_avx2",
    sc_conv_f32_avx2, sc_conv_i8_avx2,
    plane_stats_avx2,
    scale_shift_act_avx2,
    act_avx2,
    8, "f32_conv2d_16cx6_nhwc_avx2",
    1, "qs8_conv2d_16cx6_nhwc_avx2",
    sc_quantize_row_avx2,
    sc_interleave_avx2,
    sc_conv_i8_up2_avx2, "qs8_conv2d_up2_4x16_avx2",
    sc_quantize_pair_avx2,
    sc_gather32_avx2,
    sc_conv_f32_up2_avx2, "f32_conv2d_up2_4x24_avx2",
    sc_add_avx2,
};
#endif
