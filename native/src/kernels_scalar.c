/* Scalar kernels: the portable family, and the tails of the vector families (same arithmetic,
 * element by element). */
#include <math.h>
#include <string.h>
#include "internal.h"

void sc_plane_stats_scalar_from(const float *x, size_t begin, size_t n, double *lanes)
{
    size_t i;
    for (i = begin; i < n; i++) {
        double v = (double)x[i];
        lanes[i % SC_STAT_LANES] += v;
        lanes[SC_STAT_LANES + i % SC_STAT_LANES] += v * v; /* exact product: 24+24 bits < 53 */
    }
}

static void plane_stats_scalar(const float *x, size_t n, double *lanes)
{
    sc_plane_stats_scalar_from(x, 0, n, lanes);
}

void sc_scale_shift_act_scalar(const float *x, float *y, size_t n, float a, float b, sc_act act)
{
    size_t i;
    for (i = 0; i < n; i++)
        y[i] = sc_apply_act(act, fmaf(x[i], a, b));
}

void sc_act_scalar(const float *x, float *y, size_t n, sc_act act)
{
    size_t i;
    for (i = 0; i < n; i++)
        y[i] = sc_apply_act(act, x[i]);
}

void sc_quantize_row_scalar(const float *x, int16_t *q, size_t n, float inv_scale, int32_t zp)
{
    size_t i;
    for (i = 0; i < n; i++)
        q[i] = (int16_t)(sc_quantize_f32(x[i], inv_scale, zp) - zp);
}

void sc_quantize_pair_scalar(const float *x0, const float *x1, uint32_t *pair, size_t n, float inv_scale, int32_t zp)
{
    size_t i;
    for (i = 0; i < n; i++) {
        uint32_t lo = (uint16_t)(int16_t)(sc_quantize_f32(x0[i], inv_scale, zp) - zp);
        uint32_t hi = x1 ? (uint16_t)(int16_t)(sc_quantize_f32(x1[i], inv_scale, zp) - zp) : 0u;
        pair[i] = lo | hi << 16;
    }
}

void sc_add_scalar(const float *a, const float *b, float *y, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        y[i] = a[i] + b[i];
}

void sc_gather32_scalar(const uint32_t *src, const int *idx, int n, uint32_t *dst)
{
    int i;
    for (i = 0; i < n; i++)
        dst[i] = idx[i] < 0 ? 0u : src[idx[i]];
}

void sc_interleave_scalar(const float *const *rows, int C, const int *xmap, int n, int src_w, float *dst)
{
    int q, c;
    (void)src_w;
    /* copied as bytes: the int8 path moves int16 pairs through here as 32-bit elements */
    for (q = 0; q < n; q++) {
        int ix = xmap[q];
        float *d = dst + (size_t)q * C;
        if (ix < 0) {
            memset(d, 0, (size_t)C * sizeof(float));
            continue;
        }
        for (c = 0; c < C; c++)
            memcpy(d + c, rows[c] + ix, sizeof(float));
    }
}

void sc_conv_f32_cols_scalar(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1, int ox0)
{
    const sc_conv_prep *p = a->prep;
    int opg = p->O / p->groups, cpg = p->C / p->groups;
    int oc, oy, ox, ic, t;
    for (oc = oc0; oc < oc1; oc++) {
        int g = oc / opg;
        const float *wo = p->w + (size_t)oc * cpg * a->ntaps;
        float *yo = a->out + (size_t)oc * a->OH * a->OW;
        for (oy = oy0; oy < oy1; oy++)
            for (ox = ox0; ox < a->OW; ox++) {
                float acc = p->bias[oc];
                for (ic = 0; ic < cpg; ic++) {
                    const float *base = a->in + (size_t)(g * cpg + ic) * a->chan_stride + (size_t)oy * a->pw_stride + ox;
                    const float *wc = wo + (size_t)ic * a->ntaps;
                    for (t = 0; t < a->ntaps; t++)
                        acc = fmaf(wc[t], base[a->tap_off[t]], acc);
                }
                yo[(size_t)oy * a->OW + ox] = sc_apply_act(a->act, acc);
            }
    }
}

void sc_conv_f32_tile_scalar(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1)
{
    sc_conv_f32_cols_scalar(a, oc0, oc1, oy0, oy1, 0);
}

void sc_conv_i8_cols_scalar(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1, int ox0)
{
    const sc_conv_prep *p = a->prep;
    int opg = p->O / p->groups, cpg = p->C / p->groups, cpg2 = (cpg + 1) / 2;
    int oc, oy, ox, ic, t;
    for (oc = oc0; oc < oc1; oc++) {
        int g = oc / opg;
        const int8_t *wo = p->wq + (size_t)oc * cpg * a->ntaps;
        float *yo = a->out + (size_t)oc * a->OH * a->OW;
        for (oy = oy0; oy < oy1; oy++)
            for (ox = ox0; ox < a->OW; ox++) {
                int32_t acc = p->bias_q[oc];
                for (ic = 0; ic < cpg; ic++) {
                    const int16_t *base = a->inq + ((size_t)(g * cpg2 + ic / 2) * a->chan_stride +
                                                    (size_t)oy * a->pw_stride + ox) * 2 + (ic & 1);
                    const int8_t *wc = wo + (size_t)ic * a->ntaps;
                    for (t = 0; t < a->ntaps; t++)
                        acc += (int32_t)wc[t] * (int32_t)base[a->tap_off[t] * 2];
                }
                yo[(size_t)oy * a->OW + ox] = sc_i8_output(a, oc, acc);
            }
    }
}

/* Output (y, x) = (2i+a, 2j+b) of the upsampled conv: taps (ry, rx) of phase (a, b) read the
 * small input's padded copy at row i+a+ry, column j+b+rx. */
void sc_conv_i8_up2_cols_scalar(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1, int ox0)
{
    const sc_conv_prep *p = a->prep;
    int cpg2 = (p->C + 1) / 2;
    int oc, oy, ox, ip, r;
    for (oc = oc0; oc < oc1; oc++) {
        float *yo = a->out + (size_t)oc * a->OH * a->OW;
        for (oy = oy0; oy < oy1; oy++)
            for (ox = ox0; ox < a->OW; ox++) {
                int i = oy >> 1, pa = oy & 1, jx = ox >> 1, pb = ox & 1;
                int32_t acc = p->bias_q[oc];
                for (ip = 0; ip < cpg2; ip++) {
                    const int16_t *w = p->wqup2 + (((size_t)(oc / SC_OCB) * cpg2 + ip) * 16 + (size_t)(pa * 2 + pb) * 4) * SC_OCB * 2 +
                                       (size_t)(oc % SC_OCB) * 2;
                    for (r = 0; r < 4; r++) {
                        const int16_t *x = a->inq + ((size_t)ip * a->chan_stride + (size_t)(i + pa + (r >> 1)) * a->pw_stride +
                                                     (size_t)(jx + pb + (r & 1))) * 2;
                        acc += (int32_t)w[r * SC_OCB * 2] * x[0] + (int32_t)w[r * SC_OCB * 2 + 1] * x[1];
                    }
                }
                yo[(size_t)oy * a->OW + ox] = sc_i8_output(a, oc, acc);
            }
    }
}

/* Output (y, x) of the x2-upsampled fp32 conv: tap (ky, kx) reads upsampled (y+ky-1, x+kx-1),
 * which is the small input's padded copy at ((y+ky+1)/2, (x+kx+1)/2). Reference order. */
void sc_conv_f32_up2_cols_scalar(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1, int ox0)
{
    const sc_conv_prep *p = a->prep;
    int oc, oy, ox, ic, ky, kx;
    for (oc = oc0; oc < oc1; oc++) {
        const float *wo = p->w + (size_t)oc * p->C * 9;
        float *yo = a->out + (size_t)oc * a->OH * a->OW;
        for (oy = oy0; oy < oy1; oy++)
            for (ox = ox0; ox < a->OW; ox++) {
                float acc = p->bias[oc];
                for (ic = 0; ic < p->C; ic++)
                    for (ky = 0; ky < 3; ky++) {
                        const float *row = a->in + (size_t)ic * a->chan_stride + (size_t)((oy + ky + 1) / 2) * a->pw_stride;
                        for (kx = 0; kx < 3; kx++)
                            acc = fmaf(wo[ic * 9 + ky * 3 + kx], row[(ox + kx + 1) / 2], acc);
                    }
                yo[(size_t)oy * a->OW + ox] = sc_apply_act(a->act, acc);
            }
    }
}

void sc_conv_i8_tile_scalar(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1)
{
    sc_conv_i8_cols_scalar(a, oc0, oc1, oy0, oy1, 0);
}

/* conv pointers are NULL: the scalar family runs the reference conv directly. */
const sc_kernels sc_kernels_scalar = {
    SC_ISA_SCALAR,
    "f32_conv2d_ref_scalar", "qs8_conv2d_ref_scalar", "f32_instnorm_ref_scalar", "f32_eltwise_ref_scalar",
    NULL, NULL,
    plane_stats_scalar,
    sc_scale_shift_act_scalar,
    sc_act_scalar,
    0, NULL,
    0, NULL,
    sc_quantize_row_scalar,
    sc_interleave_scalar,
    NULL, NULL,
    sc_quantize_pair_scalar,
    sc_gather32_scalar,
    NULL, NULL,
    sc_add_scalar,
};
