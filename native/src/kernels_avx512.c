/* x86-64 AVX-512F kernels (compiled with -mavx512f -mavx512bw -mavx2 -mfma). Same arithmetic as the
 * reference: vectorized across output pixels, fused multiply-add per term in (ic, ky, kx)
 * order. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>
#include "internal.h"

#define AI static inline __attribute__((always_inline))

AI __m512 exp16(__m512 x)
{
    __m512 n, r, p;
    __m512i bits;
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.0f));
    x = _mm512_min_ps(x, _mm512_set1_ps(88.0f));
    n = _mm512_roundscale_ps(_mm512_fmadd_ps(x, _mm512_set1_ps(1.44269504088896341f), _mm512_set1_ps(0.5f)),
                             _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    r = _mm512_fmadd_ps(n, _mm512_set1_ps(-0.693359375f), x);
    r = _mm512_fmadd_ps(n, _mm512_set1_ps(2.12194440e-4f), r);
    p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    bits = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvttps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(p, _mm512_castsi512_ps(bits));
}

AI __m512 act16(__m512 v, sc_act act)
{
    const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.0f);
    const __m512i sign = _mm512_set1_epi32((int)0x80000000u);
    switch (act.kind) {
    case SC_ACT_RELU: return _mm512_max_ps(v, zero);
    case SC_ACT_LEAKY:
        return _mm512_mask_mul_ps(v, _mm512_cmp_ps_mask(v, zero, _CMP_LT_OQ), v, _mm512_set1_ps(act.a));
    case SC_ACT_CLIP:
        return _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(act.a)), _mm512_set1_ps(act.b));
    case SC_ACT_SIGMOID: {
        __m512 e = exp16(_mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(v), sign)));
        return _mm512_div_ps(one, _mm512_add_ps(one, e));
    }
    case SC_ACT_TANH: {
        __m512 ax = _mm512_castsi512_ps(_mm512_andnot_si512(sign, _mm512_castps_si512(v)));
        __m512 e = exp16(_mm512_add_ps(ax, ax));
        __m512 t = _mm512_sub_ps(one, _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(e, one)));
        __m512 nt = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(t), sign));
        return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, zero, _CMP_LT_OQ), t, nt);
    }
    default: return v;
    }
}

static void act_avx512(const float *x, float *y, size_t n, sc_act act)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, act16(_mm512_loadu_ps(x + i), act));
    sc_act_scalar(x + i, y + i, n - i, act);
}

static void scale_shift_act_avx512(const float *x, float *y, size_t n, float a, float b, sc_act act)
{
    const __m512 va = _mm512_set1_ps(a), vb = _mm512_set1_ps(b);
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, act16(_mm512_fmadd_ps(_mm512_loadu_ps(x + i), va, vb), act));
    sc_scale_shift_act_scalar(x + i, y + i, n - i, a, b, act);
}

static void plane_stats_avx512(const float *x, size_t n, double *lanes)
{
    __m512d s0 = _mm512_setzero_pd(), s1 = s0, q0 = s0, q1 = s0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 a = _mm512_loadu_ps(x + i);
        __m512d d0 = _mm512_cvtps_pd(_mm512_castps512_ps256(a));
        __m512d d1 = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1)));
        s0 = _mm512_add_pd(s0, d0);
        s1 = _mm512_add_pd(s1, d1);
        q0 = _mm512_add_pd(q0, _mm512_mul_pd(d0, d0));
        q1 = _mm512_add_pd(q1, _mm512_mul_pd(d1, d1));
    }
    {
        double t[32];
        int k;
        _mm512_storeu_pd(t, s0); _mm512_storeu_pd(t + 8, s1);
        _mm512_storeu_pd(t + 16, q0); _mm512_storeu_pd(t + 24, q1);
        for (k = 0; k < 32; k++)
            lanes[k] += t[k];
    }
    sc_plane_stats_scalar_from(x, i, n, lanes);
}

AI void conv_block_f32(const sc_conv_args *a, const float *wblk, const float *inb, int cpg,
                       const float *bias, int nvalid, float *out0, size_t cstride, int ox, const int NX)
{
    __m512 acc[SC_OCB][3];
    const ptrdiff_t *tap = a->tap_off;
    const int ntaps = a->ntaps;
    const float *w = wblk;
    int j, v, ic, t;
#pragma GCC unroll 4
    for (j = 0; j < SC_OCB; j++)
#pragma GCC unroll 3
        for (v = 0; v < NX; v++)
            acc[j][v] = _mm512_set1_ps(j < nvalid ? bias[j] : 0.0f);
    for (ic = 0; ic < cpg; ic++) {
        const float *base = inb + (size_t)ic * a->chan_stride + ox;
        for (t = 0; t < ntaps; t++) {
            const float *src = base + tap[t];
            __m512 xv[3];
            _mm_prefetch((const char *)(src + 16 * NX + 16), _MM_HINT_T0);
            _mm_prefetch((const char *)(src + 16 * NX + 32), _MM_HINT_T0);
#pragma GCC unroll 3
            for (v = 0; v < NX; v++)
                xv[v] = _mm512_loadu_ps(src + 16 * v);
#pragma GCC unroll 4
            for (j = 0; j < SC_OCB; j++) {
                __m512 wj = _mm512_set1_ps(w[j]);
#pragma GCC unroll 3
                for (v = 0; v < NX; v++)
                    acc[j][v] = _mm512_fmadd_ps(wj, xv[v], acc[j][v]);
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
                _mm512_storeu_ps(out0 + j * cstride + ox + 16 * v, act16(acc[j][v], a->act));
        }
}

/* Output channels [oc0, oc1) of one group (oc0 at a block start), rows [oy0, oy1). For each
 * pixel block every channel block runs while the block's input is in L1. */
static void conv_f32_avx512(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1)
{
    const sc_conv_prep *p = a->prep;
    if (a->nhwc) { /* wide layers: the channel-vector kernel (memory-bound, 256 bits suffice) */
        sc_conv_f32_avx2(a, oc0, oc1, oy0, oy1);
        return;
    }
    int opg = p->O / p->groups, cpg = p->C / p->groups, nblk = (opg + SC_OCB - 1) / SC_OCB;
    int g = oc0 / opg, ob0 = (oc0 - g * opg) / SC_OCB, ob1 = (oc1 - g * opg + SC_OCB - 1) / SC_OCB;
    int oy, ox, ob;
    size_t cstride = (size_t)a->OH * a->OW, wstride = (size_t)cpg * a->ntaps * SC_OCB;
    const float *wg = p->wpack + (size_t)g * nblk * wstride;
    for (oy = oy0; oy < oy1; oy++) {
        const float *inb = a->in + (size_t)g * cpg * a->chan_stride + (size_t)oy * a->pw_stride;
        float *outy = a->out + (size_t)oy * a->OW;
        for (ox = 0; ox + 48 <= a->OW; ox += 48)
            for (ob = ob0; ob < ob1; ob++) {
                int c0 = g * opg + ob * SC_OCB, nv = oc1 - c0 < SC_OCB ? oc1 - c0 : SC_OCB;
                conv_block_f32(a, wg + ob * wstride, inb, cpg, p->bias + c0, nv, outy + c0 * cstride, cstride, ox, 3);
            }
        for (; ox + 16 <= a->OW; ox += 16)
            for (ob = ob0; ob < ob1; ob++) {
                int c0 = g * opg + ob * SC_OCB, nv = oc1 - c0 < SC_OCB ? oc1 - c0 : SC_OCB;
                conv_block_f32(a, wg + ob * wstride, inb, cpg, p->bias + c0, nv, outy + c0 * cstride, cstride, ox, 1);
            }
        if (ox < a->OW)
            sc_conv_f32_cols_scalar(a, oc0, oc1, oy, oy + 1, ox);
    }
}

AI void conv_block_i8(const sc_conv_args *a, const int16_t *wblk, const int16_t *inb, int cpg2,
                      const int32_t *bias, int oc0, int nvalid, int oy, int ox, const int NX)
{
    __m512i acc[SC_OCB][2];
    const ptrdiff_t *tap = a->tap_off;
    const int ntaps = a->ntaps;
    const int16_t *w = wblk;
    int j, v, ip, t;
#pragma GCC unroll 4
    for (j = 0; j < SC_OCB; j++)
#pragma GCC unroll 2
        for (v = 0; v < NX; v++)
            acc[j][v] = _mm512_set1_epi32(j < nvalid ? bias[j] : 0);
    for (ip = 0; ip < cpg2; ip++) {
        const int16_t *base = inb + ((size_t)ip * a->chan_stride + ox) * 2;
        for (t = 0; t < ntaps; t++) {
            const int16_t *src = base + tap[t] * 2;
            __m512i xv[2];
            _mm_prefetch((const char *)(src + 32 * NX + 32), _MM_HINT_T0);
            _mm_prefetch((const char *)(src + 32 * NX + 64), _MM_HINT_T0);
#pragma GCC unroll 2
            for (v = 0; v < NX; v++)
                xv[v] = _mm512_loadu_si512((const void *)(src + 32 * v));
#pragma GCC unroll 4
            for (j = 0; j < SC_OCB; j++) {
                int32_t pair;
                __m512i wj;
                memcpy(&pair, w + 2 * j, 4);
                wj = _mm512_set1_epi32(pair);
#pragma GCC unroll 2
                for (v = 0; v < NX; v++)
                    acc[j][v] = _mm512_add_epi32(acc[j][v], _mm512_madd_epi16(xv[v], wj));
            }
            w += 2 * SC_OCB;
        }
    }
#pragma GCC unroll 4
    for (j = 0; j < SC_OCB; j++) {
        float *out = a->out + ((size_t)(oc0 + j) * a->OH + oy) * a->OW + ox;
        if (j >= nvalid)
            break;
        int32_t tmp[32];
        int e;
        for (v = 0; v < NX; v++)
            _mm512_storeu_si512((void *)(tmp + 16 * v), acc[j][v]);
        for (e = 0; e < 16 * NX; e++)
            out[e] = sc_i8_output(a, oc0 + j, tmp[e]);
    }
}

static void conv_i8_avx512(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1)
{
    const sc_conv_prep *p = a->prep;
    if (a->nhwc) {
        sc_conv_i8_avx2(a, oc0, oc1, oy0, oy1);
        return;
    }
    int opg = p->O / p->groups, cpg = p->C / p->groups, cpg2 = (cpg + 1) / 2;
    int nblk = (opg + SC_OCB - 1) / SC_OCB;
    int g = oc0 / opg, ob0 = (oc0 - g * opg) / SC_OCB, ob1 = (oc1 - g * opg + SC_OCB - 1) / SC_OCB;
    int oy, ox, ob;
    size_t wstride = (size_t)cpg2 * a->ntaps * SC_OCB * 2;
    const int16_t *wg = p->wqpack + (size_t)g * nblk * wstride;
    for (oy = oy0; oy < oy1; oy++) {
        const int16_t *inb = a->inq + ((size_t)g * cpg2 * a->chan_stride + (size_t)oy * a->pw_stride) * 2;
        for (ox = 0; ox + 32 <= a->OW; ox += 32)
            for (ob = ob0; ob < ob1; ob++) {
                int c0 = g * opg + ob * SC_OCB, nv = oc1 - c0 < SC_OCB ? oc1 - c0 : SC_OCB;
                conv_block_i8(a, wg + ob * wstride, inb, cpg2, p->bias_q + c0, c0, nv, oy, ox, 2);
            }
        for (; ox + 16 <= a->OW; ox += 16)
            for (ob = ob0; ob < ob1; ob++) {
                int c0 = g * opg + ob * SC_OCB, nv = oc1 - c0 < SC_OCB ? oc1 - c0 : SC_OCB;
                conv_block_i8(a, wg + ob * wstride, inb, cpg2, p->bias_q + c0, c0, nv, oy, ox, 1);
            }
        if (ox < a->OW)
            sc_conv_i8_cols_scalar(a, oc0, oc1, oy, oy + 1, ox);
    }
}

const sc_kernels sc_kernels_avx512 = {
    SC_ISA_AVX512,
    "f32_conv2d_4x48_avx512", "qs8_conv2d_4x32_avx512", "f32_instnorm_16lane_avx512", "f32_eltwise_16x_avx512",
    conv_f32_avx512, conv_i8_avx512,
    plane_stats_avx512,
    scale_shift_act_avx512,
    act_avx512,
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
