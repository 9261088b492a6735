/* aarch64 NEON kernels (selected at compile time). Same arithmetic as the reference:
 * vectorized across output pixels, vfmaq_f32 (fused) per term in (ic, ky, kx) order, selects
 * instead of vmax/vmin so NaN and -0 behave as the scalar comparisons. */
#if defined(__aarch64__)
#include <arm_neon.h>
#include <string.h>
#include "internal.h"

#define AI static inline __attribute__((always_inline))

AI float32x4_t exp4(float32x4_t x)
{
    float32x4_t n, r, p, lo = vdupq_n_f32(-87.0f), hi = vdupq_n_f32(88.0f);
    int32x4_t bits;
    x = vbslq_f32(vcgtq_f32(x, lo), x, lo);
    x = vbslq_f32(vcltq_f32(x, hi), x, hi);
    n = vrndmq_f32(vfmaq_f32(vdupq_n_f32(0.5f), x, vdupq_n_f32(1.44269504088896341f)));
    r = vfmaq_f32(x, n, vdupq_n_f32(-0.693359375f));
    r = vfmaq_f32(r, n, vdupq_n_f32(2.12194440e-4f));
    p = vdupq_n_f32(1.9875691500e-4f);
    p = vfmaq_f32(vdupq_n_f32(1.3981999507e-3f), p, r);
    p = vfmaq_f32(vdupq_n_f32(8.3334519073e-3f), p, r);
    p = vfmaq_f32(vdupq_n_f32(4.1665795894e-2f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.6666665459e-1f), p, r);
    p = vfmaq_f32(vdupq_n_f32(5.0000001201e-1f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f), p, r);
    bits = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
    return vmulq_f32(p, vreinterpretq_f32_s32(bits));
}

AI float32x4_t act4(float32x4_t v, sc_act act)
{
    const float32x4_t zero = vdupq_n_f32(0.0f), one = vdupq_n_f32(1.0f);
    switch (act.kind) {
    case SC_ACT_RELU: return vbslq_f32(vcgtq_f32(v, zero), v, zero);
    case SC_ACT_LEAKY: return vbslq_f32(vcltq_f32(v, zero), vmulq_f32(v, vdupq_n_f32(act.a)), v);
    case SC_ACT_CLIP: {
        float32x4_t lo = vdupq_n_f32(act.a), hi = vdupq_n_f32(act.b);
        v = vbslq_f32(vcgtq_f32(v, lo), v, lo);
        return vbslq_f32(vcltq_f32(v, hi), v, hi);
    }
    case SC_ACT_SIGMOID: return vdivq_f32(one, vaddq_f32(one, exp4(vnegq_f32(v))));
    case SC_ACT_TANH: {
        float32x4_t ax = vabsq_f32(v), e = exp4(vaddq_f32(ax, ax));
        float32x4_t t = vsubq_f32(one, vdivq_f32(vdupq_n_f32(2.0f), vaddq_f32(e, one)));
        return vbslq_f32(vcltq_f32(v, zero), vnegq_f32(t), t);
    }
    default: return v;
    }
}

static void act_neon(const float *x, float *y, size_t n, sc_act act)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        vst1q_f32(y + i, act4(vld1q_f32(x + i), act));
    sc_act_scalar(x + i, y + i, n - i, act);
}

static void scale_shift_act_neon(const float *x, float *y, size_t n, float a, float b, sc_act act)
{
    const float32x4_t va = vdupq_n_f32(a), vb = vdupq_n_f32(b);
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        vst1q_f32(y + i, act4(vfmaq_f32(vb, vld1q_f32(x + i), va), act));
    sc_scale_shift_act_scalar(x + i, y + i, n - i, a, b, act);
}

static void plane_stats_neon(const float *x, size_t n, double *lanes)
{
    float64x2_t s[8], q[8];
    size_t i = 0;
    int k;
    for (k = 0; k < 8; k++)
        s[k] = q[k] = vdupq_n_f64(0.0);
    for (; i + 16 <= n; i += 16) {
        for (k = 0; k < 4; k++) {
            float32x4_t v = vld1q_f32(x + i + 4 * k);
            float64x2_t d0 = vcvt_f64_f32(vget_low_f32(v)), d1 = vcvt_high_f64_f32(v);
            s[2 * k] = vaddq_f64(s[2 * k], d0);
            s[2 * k + 1] = vaddq_f64(s[2 * k + 1], d1);
            q[2 * k] = vaddq_f64(q[2 * k], vmulq_f64(d0, d0));
            q[2 * k + 1] = vaddq_f64(q[2 * k + 1], vmulq_f64(d1, d1));
        }
    }
    for (k = 0; k < 8; k++) {
        double t[2];
        vst1q_f64(t, s[k]);
        lanes[2 * k] += t[0];
        lanes[2 * k + 1] += t[1];
        vst1q_f64(t, q[k]);
        lanes[SC_STAT_LANES + 2 * k] += t[0];
        lanes[SC_STAT_LANES + 2 * k + 1] += t[1];
    }
    sc_plane_stats_scalar_from(x, i, n, lanes);
}

AI void conv_block_f32(const sc_conv_args *a, const float *wblk, const float *inb, int cpg,
                       const float *bias, int nvalid, float *out0, size_t cstride, int ox, const int NX)
{
    float32x4_t acc[SC_OCB][4];
    const ptrdiff_t *tap = a->tap_off;
    const int ntaps = a->ntaps;
    const float *w = wblk;
    int j, v, ic, t;
    for (j = 0; j < SC_OCB; j++)
        for (v = 0; v < NX; v++)
            acc[j][v] = vdupq_n_f32(j < nvalid ? bias[j] : 0.0f);
    for (ic = 0; ic < cpg; ic++) {
        const float *base = inb + (size_t)ic * a->chan_stride + ox;
        for (t = 0; t < ntaps; t++) {
            const float *src = base + tap[t];
            float32x4_t xv[4], wv = vld1q_f32(w);
            for (v = 0; v < NX; v++)
                xv[v] = vld1q_f32(src + 4 * v);
            for (v = 0; v < NX; v++) {
                acc[0][v] = vfmaq_laneq_f32(acc[0][v], xv[v], wv, 0);
                acc[1][v] = vfmaq_laneq_f32(acc[1][v], xv[v], wv, 1);
                acc[2][v] = vfmaq_laneq_f32(acc[2][v], xv[v], wv, 2);
                acc[3][v] = vfmaq_laneq_f32(acc[3][v], xv[v], wv, 3);
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
                vst1q_f32(out0 + j * cstride + ox + 4 * v, act4(acc[j][v], a->act));
        }
}

/* Channel-vector form for wide layers (input interleaved by channel): 16 output channels
 * (4 vectors) x 4 pixels in registers, each term broadcasts one input value. */
AI void conv_cvec_block(const sc_conv_args *a, const float *wsb, const float *inb, int cpg,
                        const float *bias, int nvalid, float *out0, size_t cstride, int ox, const int P)
{
    float32x4_t acc[4][4];
    const ptrdiff_t *tap = a->tap_off;
    const int ntaps = a->ntaps;
    const size_t C = (size_t)a->prep->C;
    const float *w = wsb;
    float tmp[4][4][4];
    int p, v, ic, t, lane;
    for (p = 0; p < P; p++)
        for (v = 0; v < 4; v++)
            acc[p][v] = vld1q_f32(bias + 4 * v);
    for (ic = 0; ic < cpg; ic++) {
        const float *base = inb + ic + (size_t)ox * C;
        for (t = 0; t < ntaps; t++) {
            const float *src = base + tap[t];
            float32x4_t w0 = vld1q_f32(w), w1 = vld1q_f32(w + 4), w2 = vld1q_f32(w + 8), w3 = vld1q_f32(w + 12);
            for (p = 0; p < P; p++) {
                float32x4_t xv = vld1q_dup_f32(src + p * C);
                acc[p][0] = vfmaq_f32(acc[p][0], w0, xv);
                acc[p][1] = vfmaq_f32(acc[p][1], w1, xv);
                acc[p][2] = vfmaq_f32(acc[p][2], w2, xv);
                acc[p][3] = vfmaq_f32(acc[p][3], w3, xv);
            }
            w += 16;
        }
    }
    for (p = 0; p < P; p++)
        for (v = 0; v < 4; v++)
            vst1q_f32(tmp[v][p], act4(acc[p][v], a->act));
    for (lane = 0; lane < nvalid; lane++) {
        float *o = out0 + (size_t)lane * cstride + ox;
        for (p = 0; p < P; p++)
            o[p] = tmp[lane >> 2][p][lane & 3];
    }
}

static void conv_f32_cvec_neon(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1)
{
    const sc_conv_prep *p = a->prep;
    int opg = p->O / p->groups, cpg = p->C / p->groups, nb16 = (opg + 15) / 16;
    int g = oc0 / opg, sb0 = (oc0 - g * opg) / 16, sb1 = (oc1 - g * opg + 15) / 16;
    int oy, ox, sb;
    size_t cstride = (size_t)a->OH * a->OW, wstride = (size_t)cpg * a->ntaps * 16;
    const float *wg = p->wpack16 + (size_t)g * nb16 * wstride;
    float bias[16];
    for (oy = oy0; oy < oy1; oy++) {
        const float *inb = a->in + (size_t)g * cpg + (size_t)oy * a->pw_stride * p->C;
        float *outy = a->out + (size_t)oy * a->OW;
        for (sb = sb0; sb < sb1; sb++) {
            int c0 = g * opg + sb * 16, nv = oc1 - c0 < 16 ? oc1 - c0 : 16, k;
            const float *wsb = wg + sb * wstride;
            float *o0 = outy + c0 * cstride;
            for (k = 0; k < 16; k++)
                bias[k] = k < nv ? p->bias[c0 + k] : 0.0f;
            for (ox = 0; ox + 4 <= a->OW; ox += 4)
                conv_cvec_block(a, wsb, inb, cpg, bias, nv, o0, cstride, ox, 4);
            for (; ox < a->OW; ox++)
                conv_cvec_block(a, wsb, inb, cpg, bias, nv, o0, cstride, ox, 1);
        }
    }
}

/* Output channels [oc0, oc1) of one group (oc0 at a block start), rows [oy0, oy1). For each
 * pixel block every channel block runs while the block's input is in L1. */
static void conv_f32_neon(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1)
{
    const sc_conv_prep *p = a->prep;
    if (a->nhwc) {
        conv_f32_cvec_neon(a, oc0, oc1, oy0, oy1);
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
        for (ox = 0; ox + 16 <= a->OW; ox += 16)
            for (ob = ob0; ob < ob1; ob++) {
                int c0 = g * opg + ob * SC_OCB, nv = oc1 - c0 < SC_OCB ? oc1 - c0 : SC_OCB;
                conv_block_f32(a, wg + ob * wstride, inb, cpg, p->bias + c0, nv, outy + c0 * cstride, cstride, ox, 4);
            }
        for (; ox + 4 <= a->OW; ox += 4)
            for (ob = ob0; ob < ob1; ob++) {
                int c0 = g * opg + ob * SC_OCB, nv = oc1 - c0 < SC_OCB ? oc1 - c0 : SC_OCB;
                conv_block_f32(a, wg + ob * wstride, inb, cpg, p->bias + c0, nv, outy + c0 * cstride, cstride, ox, 1);
            }
        if (ox < a->OW)
            sc_conv_f32_cols_scalar(a, oc0, oc1, oy, oy + 1, ox);
    }
}

/* int8: 4 pixels x an int16 channel pair per register; widening multiplies and a pairwise add
 * give each pixel's w0*x0 + w1*x1 exactly. */
AI void conv_block_i8(const sc_conv_args *a, const int16_t *wblk, const int16_t *inb, int cpg2,
                      const int32_t *bias, int oc0, int nvalid, int oy, int ox, const int NX)
{
    int32x4_t acc[SC_OCB][2];
    const ptrdiff_t *tap = a->tap_off;
    const int ntaps = a->ntaps;
    const int16_t *w = wblk;
    int j, v, ip, t;
    for (j = 0; j < SC_OCB; j++)
        for (v = 0; v < NX; v++)
            acc[j][v] = vdupq_n_s32(j < nvalid ? bias[j] : 0);
    for (ip = 0; ip < cpg2; ip++) {
        const int16_t *base = inb + ((size_t)ip * a->chan_stride + ox) * 2;
        for (t = 0; t < ntaps; t++) {
            const int16_t *src = base + tap[t] * 2;
            int16x8_t xv[2];
            for (v = 0; v < NX; v++)
                xv[v] = vld1q_s16(src + 8 * v);
            for (j = 0; j < SC_OCB; j++) {
                int32_t pair;
                int16x8_t wj;
                memcpy(&pair, w + 2 * j, 4);
                wj = vreinterpretq_s16_s32(vdupq_n_s32(pair));
                for (v = 0; v < NX; v++) {
                    int32x4_t lo = vmull_s16(vget_low_s16(xv[v]), vget_low_s16(wj));
                    int32x4_t hi = vmull_high_s16(xv[v], wj);
                    acc[j][v] = vaddq_s32(acc[j][v], vpaddq_s32(lo, hi));
                }
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
            int32_t tmp[8];
            int e;
            for (v = 0; v < NX; v++)
                vst1q_s32(tmp + 4 * v, acc[j][v]);
            for (e = 0; e < 4 * NX; e++)
                out[e] = sc_i8_output(a, oc0 + j, tmp[e]);
        } else {
            float32x4_t d = vdupq_n_f32(a->prep->deq[oc0 + j]);
            for (v = 0; v < NX; v++)
                vst1q_f32(out + 4 * v, act4(vmulq_f32(vcvtq_f32_s32(acc[j][v]), d), a->act));
        }
    }
}

static void conv_i8_neon(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1)
{
    const sc_conv_prep *p = a->prep;
    int opg = p->O / p->groups, cpg = p->C / p->groups, cpg2 = (cpg + 1) / 2;
    int nblk = (opg + SC_OCB - 1) / SC_OCB;
    int g = oc0 / opg, ob0 = (oc0 - g * opg) / SC_OCB, ob1 = (oc1 - g * opg + SC_OCB - 1) / SC_OCB;
    int oy, ox, ob;
    size_t wstride = (size_t)cpg2 * a->ntaps * SC_OCB * 2;
    const int16_t *wg = p->wqpack + (size_t)g * nblk * wstride;
    for (oy = oy0; oy < oy1; oy++) {
        const int16_t *inb = a->inq + ((size_t)g * cpg2 * a->chan_stride + (size_t)oy * a->pw_stride) * 2;
        for (ox = 0; ox + 8 <= a->OW; ox += 8)
            for (ob = ob0; ob < ob1; ob++) {
                int c0 = g * opg + ob * SC_OCB, nv = oc1 - c0 < SC_OCB ? oc1 - c0 : SC_OCB;
                conv_block_i8(a, wg + ob * wstride, inb, cpg2, p->bias_q + c0, c0, nv, oy, ox, 2);
            }
        for (; ox + 4 <= a->OW; ox += 4)
            for (ob = ob0; ob < ob1; ob++) {
                int c0 = g * opg + ob * SC_OCB, nv = oc1 - c0 < SC_OCB ? oc1 - c0 : SC_OCB;
                conv_block_i8(a, wg + ob * wstride, inb, cpg2, p->bias_q + c0, c0, nv, oy, ox, 1);
            }
        if (ox < a->OW)
            sc_conv_i8_cols_scalar(a, oc0, oc1, oy, oy + 1, ox);
    }
}

/* ---- nearest x2 upsampling + 3x3 conv from the small input (see the AVX2 file) ---- */
AI int32x4_t madd_pairs(int16x8_t x, int16x8_t w)
{
    return vpaddq_s32(vmull_s16(vget_low_s16(x), vget_low_s16(w)), vmull_high_s16(x, w));
}

AI int16x8_t dup_pair(const int16_t *w)
{
    int32_t pair;
    memcpy(&pair, w, 4);
    return vreinterpretq_s16_s32(vdupq_n_s32(pair));
}

/* int8: 4 column pairs (8 outputs) of output row oy, per-phase 2x2 weights */
AI void conv_i8_up2_block(const sc_conv_args *a, const int16_t *wob, int cpg2, int oc0, int nvalid, int oy, int j0)
{
    const int pa = oy & 1, i = oy >> 1;
    int32x4_t acc0[SC_OCB], acc1[SC_OCB];
    int k, ip, ry;
    for (k = 0; k < SC_OCB; k++)
        acc0[k] = acc1[k] = vdupq_n_s32(k < nvalid ? a->prep->bias_q[oc0 + k] : 0);
    for (ip = 0; ip < cpg2; ip++) {
        const int16_t *w = wob + ((size_t)ip * 16 + (size_t)pa * 8) * SC_OCB * 2;
        for (ry = 0; ry < 2; ry++) {
            const int16_t *row = a->inq + ((size_t)ip * a->chan_stride + (size_t)(i + pa + ry) * a->pw_stride + j0) * 2;
            int16x8_t x0 = vld1q_s16(row), x1 = vld1q_s16(row + 2), x2 = vld1q_s16(row + 4);
            const int16_t *wr = w + (size_t)ry * 2 * SC_OCB * 2;
            for (k = 0; k < SC_OCB; k++) {
                acc0[k] = vaddq_s32(acc0[k], madd_pairs(x0, dup_pair(wr + 2 * k)));
                acc0[k] = vaddq_s32(acc0[k], madd_pairs(x1, dup_pair(wr + SC_OCB * 2 + 2 * k)));
                acc1[k] = vaddq_s32(acc1[k], madd_pairs(x1, dup_pair(wr + 4 * SC_OCB * 2 + 2 * k)));
                acc1[k] = vaddq_s32(acc1[k], madd_pairs(x2, dup_pair(wr + 5 * SC_OCB * 2 + 2 * k)));
            }
        }
    }
    for (k = 0; k < SC_OCB && k < nvalid; k++) {
        float *out = a->out + ((size_t)(oc0 + k) * a->OH + oy) * a->OW + 2 * (size_t)j0;
        if (a->out_requant) {
            int32_t t0[4], t1[4];
            int e;
            vst1q_s32(t0, acc0[k]);
            vst1q_s32(t1, acc1[k]);
            for (e = 0; e < 4; e++) {
                out[2 * e] = sc_i8_output(a, oc0 + k, t0[e]);
                out[2 * e + 1] = sc_i8_output(a, oc0 + k, t1[e]);
            }
        } else {
            float32x4_t d = vdupq_n_f32(a->prep->deq[oc0 + k]);
            float32x4_t f0 = act4(vmulq_f32(vcvtq_f32_s32(acc0[k]), d), a->act);
            float32x4_t f1 = act4(vmulq_f32(vcvtq_f32_s32(acc1[k]), d), a->act);
            vst1q_f32(out, vzip1q_f32(f0, f1));
            vst1q_f32(out + 4, vzip2q_f32(f0, f1));
        }
    }
}

static void conv_i8_up2_neon(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1)
{
    const sc_conv_prep *p = a->prep;
    int cpg2 = (p->C + 1) / 2, W = a->OW / 2, oy, j0, ob;
    int ob0 = oc0 / SC_OCB, ob1 = (oc1 + SC_OCB - 1) / SC_OCB;
    size_t wstride = (size_t)cpg2 * 16 * SC_OCB * 2;
    for (oy = oy0; oy < oy1; oy++) {
        for (j0 = 0; j0 + 4 <= W; j0 += 4)
            for (ob = ob0; ob < ob1; ob++) {
                int c0 = ob * SC_OCB, nv = oc1 - c0 < SC_OCB ? oc1 - c0 : SC_OCB;
                conv_i8_up2_block(a, p->wqup2 + ob * wstride, cpg2, c0, nv, oy, j0);
            }
        if (2 * j0 < a->OW)
            sc_conv_i8_up2_cols_scalar(a, oc0, oc1, oy, oy + 1, 2 * j0);
    }
}

/* fp32: 8 outputs from small-input padded columns x0/2 .. x0/2+5; a table lookup per kernel
 * column repeats each value as the nearest resize does (data movement only). */
AI void conv_f32_up2_block(const sc_conv_args *a, const float *wblk, int cpg, const float *bias, int nvalid,
                           float *out0, size_t cstride, int oy, int x0)
{
    static const uint8_t idx[3][16] = {{0, 1, 2, 3, 4, 5, 6, 7, 4, 5, 6, 7, 8, 9, 10, 11},
                                       {4, 5, 6, 7, 4, 5, 6, 7, 8, 9, 10, 11, 8, 9, 10, 11},
                                       {4, 5, 6, 7, 8, 9, 10, 11, 8, 9, 10, 11, 12, 13, 14, 15}};
    float32x4_t acc[SC_OCB][2];
    const float *w = wblk;
    int k, v, ic, ky, kx;
    uint8x16_t perm[3];
    for (kx = 0; kx < 3; kx++)
        perm[kx] = vld1q_u8(idx[kx]);
    for (k = 0; k < SC_OCB; k++)
        acc[k][0] = acc[k][1] = vdupq_n_f32(k < nvalid ? bias[k] : 0.0f);
    for (ic = 0; ic < cpg; ic++) {
        const float *base = a->in + (size_t)ic * a->chan_stride + x0 / 2;
        for (ky = 0; ky < 3; ky++) {
            const float *row = base + (size_t)((oy + ky + 1) / 2) * a->pw_stride;
            uint8x16_t raw[2];
            raw[0] = vreinterpretq_u8_f32(vld1q_f32(row));
            raw[1] = vreinterpretq_u8_f32(vld1q_f32(row + 2));
            for (kx = 0; kx < 3; kx++) {
                float32x4_t xv0 = vreinterpretq_f32_u8(vqtbl1q_u8(raw[0], perm[kx]));
                float32x4_t xv1 = vreinterpretq_f32_u8(vqtbl1q_u8(raw[1], perm[kx]));
                for (k = 0; k < SC_OCB; k++) {
                    float32x4_t wk = vdupq_n_f32(w[k]);
                    acc[k][0] = vfmaq_f32(acc[k][0], wk, xv0);
                    acc[k][1] = vfmaq_f32(acc[k][1], wk, xv1);
                }
                w += SC_OCB;
            }
        }
    }
    for (k = 0; k < SC_OCB && k < nvalid; k++)
        for (v = 0; v < 2; v++)
            vst1q_f32(out0 + k * cstride + x0 + 4 * v, act4(acc[k][v], a->act));
}

static void conv_f32_up2_neon(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1)
{
    const sc_conv_prep *p = a->prep;
    int ob0 = oc0 / SC_OCB, ob1 = (oc1 + SC_OCB - 1) / SC_OCB, oy, x0, ob;
    size_t cstride = (size_t)a->OH * a->OW, wstride = (size_t)p->C * 9 * SC_OCB;
    for (oy = oy0; oy < oy1; oy++) {
        float *outy = a->out + (size_t)oy * a->OW;
        for (ob = ob0; ob < ob1; ob++) {
            int c0 = ob * SC_OCB, nv = oc1 - c0 < SC_OCB ? oc1 - c0 : SC_OCB;
            for (x0 = 0; x0 + 8 <= a->OW; x0 += 8)
                conv_f32_up2_block(a, p->wpack + ob * wstride, p->C, p->bias + c0, nv, outy + c0 * cstride, cstride, oy, x0);
        }
        if (a->OW % 8)
            sc_conv_f32_up2_cols_scalar(a, oc0, oc1, oy, oy + 1, a->OW - a->OW % 8);
    }
}

/* q(x) - zp per lane: clamping to [-128 - zp, 127 - zp] before rounding equals the reference's
 * clamping after it (integer bounds); compare + select sends NaN to the lower bound as the
 * reference's comparisons do; vcvtnq rounds half to even as nearbyintf. */
static void quantize_pair_neon(const float *x0, const float *x1, uint32_t *pair, size_t n, float inv_scale, int32_t zp)
{
    const float32x4_t vi = vdupq_n_f32(inv_scale);
    const float32x4_t lo = vdupq_n_f32((float)(-128 - zp)), hi = vdupq_n_f32((float)(127 - zp));
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t v0 = vmulq_f32(vld1q_f32(x0 + i), vi);
        uint32x4_t q0, q1 = vdupq_n_u32(0);
        v0 = vbslq_f32(vcgtq_f32(v0, lo), v0, lo);
        v0 = vbslq_f32(vcltq_f32(v0, hi), v0, hi);
        q0 = vandq_u32(vreinterpretq_u32_s32(vcvtnq_s32_f32(v0)), vdupq_n_u32(0xFFFF));
        if (x1) {
            float32x4_t v1 = vmulq_f32(vld1q_f32(x1 + i), vi);
            v1 = vbslq_f32(vcgtq_f32(v1, lo), v1, lo);
            v1 = vbslq_f32(vcltq_f32(v1, hi), v1, hi);
            q1 = vshlq_n_u32(vreinterpretq_u32_s32(vcvtnq_s32_f32(v1)), 16);
        }
        vst1q_u32(pair + i, vorrq_u32(q0, q1));
    }
    if (i < n)
        sc_quantize_pair_scalar(x0 + i, x1 ? x1 + i : NULL, pair + i, n - i, inv_scale, zp);
}

static void add_neon(const float *a, const float *b, float *y, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        vst1q_f32(y + i, vaddq_f32(vld1q_f32(a + i), vld1q_f32(b + i)));
    sc_add_scalar(a + i, b + i, y + i, n - i);
}

const sc_kernels sc_kernels_neon = {
    SC_ISA_NEON,
    "f32_conv2d_4x16_neon", "qs8_conv2d_4x8_neon", "f32_instnorm_16lane_neon", "f32_eltwise_4x_neon",
    conv_f32_neon, conv_i8_neon,
    plane_stats_neon,
    scale_shift_act_neon,
    act_neon,
    8, "f32_conv2d_16cx4_nhwc_neon",
    0, NULL,
    sc_quantize_row_scalar,
    sc_interleave_scalar,
    conv_i8_up2_neon, "qs8_conv2d_up2_4x8_neon",
    quantize_pair_neon,
    sc_gather32_scalar,
    conv_f32_up2_neon, "f32_conv2d_up2_4x8_neon",
    add_neon,
};
#endif
