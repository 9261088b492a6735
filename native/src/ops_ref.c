/* Reference kernels: plain loops that define every op's result. Optimized kernels perform the
 * same floating-point operations in the same order and must match these bit for bit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* Map an index of the padded axis to the source index; -1 = padding value (zero/constant). */
int sc_pad_index(int i, int n, int mode)
{
    if (i >= 0 && i < n)
        return i;
    if (mode == SC_PAD_REFLECT) {
        if (n == 1)
            return 0;
        while (i < 0 || i >= n) /* single reflection suffices when pad < n; loop guards misuse */
            i = i < 0 ? -i : 2 * (n - 1) - i;
        return i;
    }
    if (mode == SC_PAD_EDGE)
        return i < 0 ? 0 : n - 1;
    return -1;
}

/* acc = bias; for ic, ky, kx: acc = fmaf(w, x, acc) (padding taps included, as +0.0f);
 * then the activation. */
void sc_ref_conv2d(const float *x, int C, int H, int W, const sc_conv_prep *p,
                   int sh, int sw, int pt, int pl, int dh, int dw, int pad_mode,
                   float *y, int OH, int OW, int oc0, int oc1, sc_act act)
{
    int cpg = C / p->groups, opg = p->O / p->groups;
    int oc, oy, ox, ic, ky, kx;
    for (oc = oc0; oc < oc1; oc++) {
        int g = oc / opg;
        const float *wo = p->w + (size_t)oc * cpg * p->kh * p->kw;
        for (oy = 0; oy < OH; oy++)
            for (ox = 0; ox < OW; ox++) {
                float acc = p->bias[oc];
                for (ic = 0; ic < cpg; ic++) {
                    const float *xc = x + (size_t)(g * cpg + ic) * H * W;
                    const float *wc = wo + (size_t)ic * p->kh * p->kw;
                    for (ky = 0; ky < p->kh; ky++) {
                        int iy = sc_pad_index(oy * sh - pt + ky * dh, H, pad_mode);
                        for (kx = 0; kx < p->kw; kx++) {
                            int ix = sc_pad_index(ox * sw - pl + kx * dw, W, pad_mode);
                            float v = (iy < 0 || ix < 0) ? 0.0f : xc[(size_t)iy * W + ix];
                            acc = fmaf(wc[ky * p->kw + kx], v, acc);
                        }
                    }
                }
                y[((size_t)oc * OH + oy) * OW + ox] = sc_apply_act(act, acc);
            }
    }
}

float sc_i8_output(const sc_conv_args *a, int oc, int32_t acc)
{
    float v;
    if (a->out_requant) {
        int32_t q = sc_requantize(acc, a->prep->rq_mult[oc], a->prep->rq_shift[oc], a->out_zp);
        v = (float)(q - a->out_zp) * a->out_scale;
    } else {
        v = (float)acc * a->prep->deq[oc];
    }
    return sc_apply_act(a->act, v);
}

/* int8: input quantized per tensor, acc = bias + sum w * (q - zp) in exact integer arithmetic. */
void sc_ref_conv2d_i8(const float *x, int C, int H, int W, const sc_conv_prep *p,
                      int sh, int sw, int pt, int pl, int dh, int dw, int pad_mode,
                      float in_inv_scale, int32_t in_zp, int out_requant, float out_scale,
                      int32_t out_zp, float *y, int OH, int OW, int oc0, int oc1, sc_act act)
{
    int cpg = C / p->groups, opg = p->O / p->groups;
    int oc, oy, ox, ic, ky, kx;
    sc_conv_args a;
    memset(&a, 0, sizeof a);
    a.prep = p;
    a.out_requant = out_requant;
    a.out_scale = out_scale;
    a.out_zp = out_zp;
    a.act = act;
    for (oc = oc0; oc < oc1; oc++) {
        int g = oc / opg;
        const int8_t *wo = p->wq + (size_t)oc * cpg * p->kh * p->kw;
        for (oy = 0; oy < OH; oy++)
            for (ox = 0; ox < OW; ox++) {
                int32_t acc = p->bias_q[oc];
                for (ic = 0; ic < cpg; ic++) {
                    const float *xc = x + (size_t)(g * cpg + ic) * H * W;
                    const int8_t *wc = wo + (size_t)ic * p->kh * p->kw;
                    for (ky = 0; ky < p->kh; ky++) {
                        int iy = sc_pad_index(oy * sh - pt + ky * dh, H, pad_mode);
                        for (kx = 0; kx < p->kw; kx++) {
                            int ix = sc_pad_index(ox * sw - pl + kx * dw, W, pad_mode);
                            int32_t q = (iy < 0 || ix < 0) ? in_zp
                                        : sc_quantize_f32(xc[(size_t)iy * W + ix], in_inv_scale, in_zp);
                            acc += (int32_t)wc[ky * p->kw + kx] * (q - in_zp);
                        }
                    }
                }
                y[((size_t)oc * OH + oy) * OW + ox] = sc_i8_output(&a, oc, acc);
            }
    }
}

/* Gather form: out(oy,ox) sums the taps with oy + pt - ky*dh = iy*sh for an input row iy, in
 * the order ic, ky, kx (taps outside the input are not part of the sum). */
void sc_ref_conv_transpose(const float *x, int C, int H, int W, const float *w,
                           const float *bias, int O, int kh, int kw, int sh, int sw, int pt,
                           int pl, int dh, int dw, int groups, float *y, int OH, int OW,
                           int oc0, int oc1)
{
    int cpg = C / groups, opg = O / groups;
    int oc, oy, ox, ic, ky, kx;
    for (oc = oc0; oc < oc1; oc++) {
        int g = oc / opg, j = oc % opg;
        for (oy = 0; oy < OH; oy++)
            for (ox = 0; ox < OW; ox++) {
                float acc = bias ? bias[oc] : 0.0f;
                for (ic = 0; ic < cpg; ic++) {
                    int c = g * cpg + ic;
                    const float *wc = w + ((size_t)c * opg + j) * kh * kw;
                    for (ky = 0; ky < kh; ky++) {
                        int ny = oy + pt - ky * dh, iy;
                        if (ny < 0 || ny % sh)
                            continue;
                        iy = ny / sh;
                        if (iy >= H)
                            continue;
                        for (kx = 0; kx < kw; kx++) {
                            int nx = ox + pl - kx * dw, ix;
                            if (nx < 0 || nx % sw)
                                continue;
                            ix = nx / sw;
                            if (ix >= W)
                                continue;
                            acc = fmaf(wc[ky * kw + kx], x[((size_t)c * H + iy) * W + ix], acc);
                        }
                    }
                }
                y[((size_t)oc * OH + oy) * OW + ox] = acc;
            }
    }
}

static double src_coord(int i, int in, int out, double scale, int coord)
{
    switch (coord) {
    case 1: return ((double)i + 0.5) / scale - 0.5;
    case 2: return out > 1 ? (double)i * (double)(in - 1) / (double)(out - 1) : 0.0;
    case 3: return out > 1 ? ((double)i + 0.5) / scale - 0.5 : 0.0;
    default: return (double)i / scale;
    }
}

static int nearest_index(double c, int in, int mode)
{
    double f = floor(c);
    long long r;
    switch (mode) {
    case 1: r = (c - f == 0.5) ? (long long)f : (long long)floor(c + 0.5); break;
    case 2: r = (c - f == 0.5) ? (long long)f + 1 : (long long)floor(c + 0.5); break;
    case 3: r = (long long)ceil(c); break;
    default: r = (long long)f;
    }
    if (r < 0) r = 0;
    if (r > in - 1) r = in - 1;
    return (int)r;
}

/* Source indices and weights depend only on the output position, so they are computed once
 * per axis (same arithmetic as per element); rows that map to the same source row are copied. */
/* Source index of output index i of a nearest resize (shared with the conv padding pass that
 * reads through a fused resize). */
int sc_resize_nearest_src(int i, int in, int out, float scale, int coord, int nearest_mode)
{
    return nearest_index(src_coord(i, in, out, scale, coord), in, nearest_mode);
}

void sc_ref_resize(const float *x, int C, int H, int W, float *y, int OH, int OW, int mode,
                   int coord, int nearest_mode, float scale_h, float scale_w, int c0, int c1)
{
    int c, oy, ox;
    int *xi0 = (int *)malloc((size_t)OW * 2 * sizeof(int)), *xi1;
    float *lxs = (float *)malloc((size_t)OW * sizeof(float));
    (void)C;
    if (!xi0 || !lxs) { /* out of memory: fall back to computing per element */
        free(xi0);
        free(lxs);
        xi0 = NULL;
        lxs = NULL;
    }
    xi1 = xi0 ? xi0 + OW : NULL;
    for (ox = 0; xi0 && ox < OW; ox++) {
        double cx = src_coord(ox, W, OW, scale_w, coord);
        if (mode == 0) {
            xi0[ox] = nearest_index(cx, W, nearest_mode);
        } else {
            if (cx < 0) cx = 0;
            if (cx > W - 1) cx = W - 1;
            xi0[ox] = (int)floor(cx);
            xi1[ox] = xi0[ox] + 1 < W ? xi0[ox] + 1 : W - 1;
            lxs[ox] = (float)(cx - xi0[ox]);
        }
    }
    for (c = c0; c < c1; c++) {
        const float *xc = x + (size_t)c * H * W;
        float *yc = y + (size_t)c * OH * OW;
        int prev_src = -1;
        for (oy = 0; oy < OH; oy++) {
            double cy = src_coord(oy, H, OH, scale_h, coord);
            float *yrow = yc + (size_t)oy * OW;
            if (mode == 0) {
                int sy = nearest_index(cy, H, nearest_mode);
                const float *row = xc + (size_t)sy * W;
                if (sy == prev_src) {
                    memcpy(yrow, yrow - OW, (size_t)OW * sizeof(float));
                    continue;
                }
                prev_src = sy;
                if (xi0)
                    for (ox = 0; ox < OW; ox++)
                        yrow[ox] = row[xi0[ox]];
                else
                    for (ox = 0; ox < OW; ox++)
                        yrow[ox] = row[nearest_index(src_coord(ox, W, OW, scale_w, coord), W, nearest_mode)];
            } else {
                int y0, y1;
                float ly;
                if (cy < 0) cy = 0;
                if (cy > H - 1) cy = H - 1;
                y0 = (int)floor(cy);
                y1 = y0 + 1 < H ? y0 + 1 : H - 1;
                ly = (float)(cy - y0);
                for (ox = 0; ox < OW; ox++) {
                    int x0, x1;
                    float lx, r0, r1;
                    if (xi0) {
                        x0 = xi0[ox];
                        x1 = xi1[ox];
                        lx = lxs[ox];
                    } else {
                        double cx = src_coord(ox, W, OW, scale_w, coord);
                        if (cx < 0) cx = 0;
                        if (cx > W - 1) cx = W - 1;
                        x0 = (int)floor(cx);
                        x1 = x0 + 1 < W ? x0 + 1 : W - 1;
                        lx = (float)(cx - x0);
                    }
                    r0 = (1.0f - lx) * xc[(size_t)y0 * W + x0] + lx * xc[(size_t)y0 * W + x1];
                    r1 = (1.0f - lx) * xc[(size_t)y1 * W + x0] + lx * xc[(size_t)y1 * W + x1];
                    yrow[ox] = (1.0f - ly) * r0 + ly * r1;
                }
            }
        }
    }
    free(xi0);
    free(lxs);
}

void sc_ref_depth_to_space(const float *x, int C, int H, int W, int b, int mode, float *y)
{
    int OC = C / (b * b), c, yy, xx, i, j;
    for (c = 0; c < OC; c++)
        for (i = 0; i < b; i++)
            for (j = 0; j < b; j++) {
                int src = mode == 0 ? (i * b + j) * OC + c : c * b * b + i * b + j;
                const float *xs = x + (size_t)src * H * W;
                for (yy = 0; yy < H; yy++)
                    for (xx = 0; xx < W; xx++)
                        y[((size_t)c * H * b + (size_t)yy * b + i) * W * b + (size_t)xx * b + j] = xs[(size_t)yy * W + xx];
            }
}

void sc_ref_space_to_depth(const float *x, int C, int H, int W, int b, float *y)
{
    int OH = H / b, OW = W / b, c, yy, xx, i, j;
    for (c = 0; c < C; c++)
        for (i = 0; i < b; i++)
            for (j = 0; j < b; j++) {
                float *ys = y + (size_t)((i * b + j) * C + c) * OH * OW;
                for (yy = 0; yy < OH; yy++)
                    for (xx = 0; xx < OW; xx++)
                        ys[(size_t)yy * OW + xx] = x[((size_t)c * H + (size_t)yy * b + i) * W + (size_t)xx * b + j];
            }
}

void sc_ref_pad(const float *x, int C, int H, int W, int pt, int pl, int pb, int pr, int mode,
                float value, float *y, int c0, int c1)
{
    int OH = H + pt + pb, OW = W + pl + pr, c, yy, xx;
    (void)C;
    for (c = c0; c < c1; c++)
        for (yy = 0; yy < OH; yy++) {
            int iy = sc_pad_index(yy - pt, H, mode);
            for (xx = 0; xx < OW; xx++) {
                int ix = sc_pad_index(xx - pl, W, mode);
                y[((size_t)c * OH + yy) * OW + xx] = (iy < 0 || ix < 0) ? value : x[((size_t)c * H + iy) * W + ix];
            }
        }
}

/* Per-channel a, b of y = x*a + b from the statistics lanes (double throughout). */
void sc_norm_coeffs(const double *lanes, size_t n, double gamma, double beta, double eps,
                    float *a, float *b)
{
    double sum = sc_stat_combine(lanes), sq = sc_stat_combine(lanes + SC_STAT_LANES);
    double mean = sum / (double)n, var = sq / (double)n - mean * mean, ad;
    if (var < 0.0)
        var = 0.0;
    ad = gamma / sqrt(var + eps);
    *a = (float)ad;
    *b = (float)(beta - mean * ad);
}

void sc_ref_pool(const float *x, int C, int H, int W, int is_max, int kh, int kw, int sh, int sw,
                 int pt, int pl, int pb, int pr, int count_include_pad, float *y, int OH, int OW,
                 int c0, int c1)
{
    int c, oy, ox, ky, kx;
    (void)C;
    for (c = c0; c < c1; c++)
        for (oy = 0; oy < OH; oy++)
            for (ox = 0; ox < OW; ox++) {
                float acc = is_max ? -INFINITY : 0.0f;
                int n = 0, npad = 0;
                for (ky = 0; ky < kh; ky++) {
                    int iy = oy * sh - pt + ky;
                    for (kx = 0; kx < kw; kx++) {
                        int ix = ox * sw - pl + kx;
                        if (iy < 0 || iy >= H || ix < 0 || ix >= W) {
                            /* only taps inside the padded extent count for the average */
                            if (iy >= -pt && iy < H + pb && ix >= -pl && ix < W + pr)
                                npad++;
                            continue;
                        }
                        {
                            float v = x[((size_t)c * H + iy) * W + ix];
                            if (is_max)
                                acc = v > acc ? v : acc;
                            else
                                acc = acc + v;
                            n++;
                        }
                    }
                }
                if (!is_max) {
                    int d = count_include_pad ? n + npad : n;
                    acc = d > 0 ? acc / (float)d : 0.0f;
                }
                y[((size_t)c * OH + oy) * OW + ox] = acc;
            }
}
