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
                       const float *bias, int nvalid, float *const *outrow, int ox, const int NX)
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
            acc[j][v] = _mm256_set1_ps(bias[j]);
    for (ic = 0; ic < cpg; ic++) {
        const float *base = inb + (size_t)ic * a->chan_stride + ox;
        for (t = 0; t < ntaps; t++) {
            const float *src = base + tap[t];
            __m256 xv[3];
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
    for (j = 0; j < nvalid; j++)
        for (v = 0; v < NX; v++)
            _mm256_storeu_ps(outrow[j] + ox + 8 * v, act8(acc[j][v], a->act));
}

static void conv_f32_avx2(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1)
{
    const sc_conv_prep *p = a->prep;
    int opg = p->O / p->groups, cpg = p->C / p->groups, nblk = (opg + SC_OCB - 1) / SC_OCB;
    int g = oc0 / opg, ob = (oc0 - g * opg) / SC_OCB, nvalid = oc1 - oc0, j, oy, ox;
    const float *wblk = p->wpack + ((size_t)(g * nblk + ob) * cpg) * a->ntaps * SC_OCB;
    float bias[SC_OCB];
    float *outrow[SC_OCB];
    for (j = 0; j < SC_OCB; j++)
        bias[j] = j < nvalid ? p->bias[oc0 + j] : 0.0f;
    for (oy = oy0; oy < oy1; oy++) {
        const float *inb = a->in + (size_t)g * cpg * a->chan_stride + (size_t)oy * a->pw_stride;
        for (j = 0; j < nvalid; j++)
            outrow[j] = a->out + ((size_t)(oc0 + j) * a->OH + oy) * a->OW;
        ox = 0;
        for (; ox + 24 <= a->OW; ox += 24)
            conv_block_f32(a, wblk, inb, cpg, bias, nvalid, outrow, ox, 3);
        for (; ox + 8 <= a->OW; ox += 8)
            conv_block_f32(a, wblk, inb, cpg, bias, nvalid, outrow, ox, 1);
        if (ox < a->OW)
            sc_conv_f32_cols_scalar(a, oc0, oc1, oy, oy + 1, ox);
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
            acc[j][v] = _mm256_set1_epi32(bias[j]);
    for (ip = 0; ip < cpg2; ip++) {
        const int16_t *base = inb + ((size_t)ip * a->chan_stride + ox) * 2;
        for (t = 0; t < ntaps; t++) {
            const int16_t *src = base + tap[t] * 2;
            __m256i xv[2];
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
    for (j = 0; j < nvalid; j++) {
        float *out = a->out + ((size_t)(oc0 + j) * a->OH + oy) * a->OW + ox;
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

static void conv_i8_avx2(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1)
{
    const sc_conv_prep *p = a->prep;
    int opg = p->O / p->groups, cpg = p->C / p->groups, cpg2 = (cpg + 1) / 2;
    int nblk = (opg + SC_OCB - 1) / SC_OCB;
    int g = oc0 / opg, ob = (oc0 - g * opg) / SC_OCB, nvalid = oc1 - oc0, j, oy, ox;
    const int16_t *wblk = p->wqpack + ((size_t)(g * nblk + ob) * cpg2) * a->ntaps * SC_OCB * 2;
    int32_t bias[SC_OCB];
    for (j = 0; j < SC_OCB; j++)
        bias[j] = j < nvalid ? p->bias_q[oc0 + j] : 0;
    for (oy = oy0; oy < oy1; oy++) {
        const int16_t *inb = a->inq + ((size_t)g * cpg2 * a->chan_stride + (size_t)oy * a->pw_stride) * 2;
        ox = 0;
        for (; ox + 16 <= a->OW; ox += 16)
            conv_block_i8(a, wblk, inb, cpg2, bias, oc0, nvalid, oy, ox, 2);
        for (; ox + 8 <= a->OW; ox += 8)
            conv_block_i8(a, wblk, inb, cpg2, bias, oc0, nvalid, oy, ox, 1);
        if (ox < a->OW)
            sc_conv_i8_cols_scalar(a, oc0, oc1, oy, oy + 1, ox);
    }
}

const sc_kernels sc_kernels_avx2 = {
    SC_ISA_AVX2,
    "f32_conv2d_4x24_avx2", "qs8_conv2d_4x16_avx2", "f32_instnorm_16lane_avx2", "f32_eltwise_8x_avx2",
    conv_f32_avx2, conv_i8_avx2,
    plane_stats_avx2,
    scale_shift_act_avx2,
    act_avx2,
};
#endif
