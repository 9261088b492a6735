/* Picture helpers a phone app needs around the network: the guided-filter enlargement of its
 * output (the network runs small; the screen and the encoder want full resolution).
 *
 * Guided filter (He, Sun, Tang 2010; the "fast" variant of He and Sun 2015 that fits at low
 * resolution): in every (2r+1)^2 window of the low-resolution picture each output channel is
 * fitted as p ~ a * guide + b; a and b are averaged over windows, enlarged bilinearly and
 * applied to the full-resolution guide. Edges come from the full-resolution guide, colours
 * and strokes from the network.
 *
 * Written for speed on one core: the guide's window means are shared by all channels, box
 * means take (2r+1) vectorised adds per pixel down and across, and the full-resolution
 * step interpolates each low-resolution row across once, then makes every output row in one
 * streaming pass over the guide (no full-size float pictures). The loops are plain and
 * contiguous for the vectoriser (this file is built with -O3). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* OpenCV's BORDER_REFLECT: the edge pixel repeats (-1 -> 0, n -> n - 1). */
static int reflect(int i, int n)
{
    while (i < 0 || i >= n)
        i = i < 0 ? -i - 1 : 2 * n - i - 1;
    return i;
}

/* Sum of n rows of w floats into dst, one pass (the rows stay in registers' reach). */
static void sum_rows(const float *const *rows, int n, int w, float *restrict dst)
{
    int x, k;
    if (n == 5) { /* radius 2, the usual case: unrolled so the loop vectorises */
        const float *restrict r0 = rows[0], *restrict r1 = rows[1], *restrict r2 = rows[2];
        const float *restrict r3 = rows[3], *restrict r4 = rows[4];
        for (x = 0; x < w; x++)
            dst[x] = r0[x] + r1[x] + r2[x] + r3[x] + r4[x];
        return;
    }
    memcpy(dst, rows[0], sizeof(float) * (size_t)w);
    for (k = 1; k < n; k++) {
        const float *restrict r = rows[k];
        for (x = 0; x < w; x++)
            dst[x] += r[x];
    }
}

/* Mean over (2r+1) x (2r+1) windows of an h x w plane. col holds w + 2r floats. */
static void box_mean(const float *src, int h, int w, int r, float *dst, float *col)
{
    const int n = 2 * r + 1;
    const float norm = 1.0f / (float)(n * n);
    const float *rows[129];
    float *c = col + r;
    int y, x, k;
    for (y = 0; y < h; y++) {
        float *restrict d = dst + (size_t)y * w;
        for (k = 0; k < n; k++)
            rows[k] = src + (size_t)reflect(y - r + k, h) * w;
        sum_rows(rows, n, w, c);
        for (k = 1; k <= r; k++) {
            c[-k] = c[reflect(-k, w)];
            c[w - 1 + k] = c[reflect(w - 1 + k, w)];
        }
        /* across: the same n-row sum over shifted views of the padded row */
        for (k = 0; k < n; k++)
            rows[k] = c - r + k;
        sum_rows(rows, n, w, d);
        for (x = 0; x < w; x++)
            d[x] *= norm;
    }
}

/* Source coordinate of output pixel i with half-pixel centres, clamped at both ends, as
 * OpenCV's INTER_LINEAR places them. */
static void place(int i, float scale, int n, int *i0, int *i1, float *w)
{
    float f = ((float)i + 0.5f) * scale - 0.5f;
    int k;
    if (f < 0.0f)
        f = 0.0f;
    k = (int)f;
    if (k >= n - 1) {
        *i0 = *i1 = n - 1;
        *w = 0.0f;
        return;
    }
    *i0 = k;
    *i1 = k + 1;
    *w = f - (float)k;
}

/* Row y of each of c planes (h x w), enlarged across to W. */
static void widen_row(const float *planes, int h, int w, int c, int y, int W, const int *x0, const int *x1,
                      const float *wx, float *dst)
{
    int ch, x;
    for (ch = 0; ch < c; ch++) {
        const float *row = planes + ((size_t)ch * h + y) * w;
        float *d = dst + (size_t)ch * W;
        if (W == 2 * w && w > 1) {
            /* exactly twice as wide (360p to 720p, 540p to 1080p): output pixels sit at a
             * quarter and three quarters between source pixels, no gathers needed */
            d[0] = row[0];
            for (x = 0; x < w - 1; x++) {
                float l = row[x], r = row[x + 1];
                d[2 * x + 1] = l + 0.25f * (r - l);
                d[2 * x + 2] = l + 0.75f * (r - l);
            }
            d[W - 1] = row[w - 1];
            continue;
        }
        for (x = 0; x < W; x++) {
            float l = row[x0[x]], r = row[x1[x]];
            d[x] = l + wx[x] * (r - l);
        }
    }
}

/* Floats of scratch apply_full needs for output width W (rounded up for the byte and int rows). */
static size_t apply_scratch_floats(int c, int W)
{
    return (size_t)c * W * 5 + ((size_t)c * W + 3) / 4 + (size_t)W * 3;
}

/* out = round(A * guide + B) with A, B (c planes of h x w) enlarged to out_h x out_w. */
static void apply_full(const float *A, const float *B, int h, int w, int c, const uint8_t *guide, int out_h,
                       int out_w, uint8_t *out, float *scratch)
{
    const int W = out_w;
    const size_t rowset = (size_t)c * W;
    float *rows = scratch, *wx = scratch + rowset * 5;
    int *x0 = (int *)(wx + W);
    uint8_t *bytes = (uint8_t *)(x0 + 2 * (size_t)W);
    float *a0, *a1, *b0, *b1, *acc;
    int *x1, y, ch, x, have0 = -1, have1 = -1;
    x1 = x0 + W;
    a0 = rows;
    a1 = rows + rowset;
    b0 = rows + 2 * rowset;
    b1 = rows + 3 * rowset;
    acc = rows + 4 * rowset;
    for (x = 0; x < W; x++)
        place(x, (float)w / (float)W, w, &x0[x], &x1[x], &wx[x]);
    for (y = 0; y < out_h; y++) {
        int y0, y1;
        float wy;
        const uint8_t *g = guide + (size_t)y * W;
        uint8_t *o = out + (size_t)y * W * c;
        place(y, (float)h / (float)out_h, h, &y0, &y1, &wy);
        if (y0 != have0) {
            if (y0 == have1) { /* moving down: the lower row becomes the upper one */
                float *t = a0;
                a0 = a1;
                a1 = t;
                t = b0;
                b0 = b1;
                b1 = t;
                have0 = have1;
                have1 = -1;
            } else {
                widen_row(A, h, w, c, y0, W, x0, x1, wx, a0);
                widen_row(B, h, w, c, y0, W, x0, x1, wx, b0);
                have0 = y0;
            }
        }
        if (y1 != have1) {
            widen_row(A, h, w, c, y1, W, x0, x1, wx, a1);
            widen_row(B, h, w, c, y1, W, x0, x1, wx, b1);
            have1 = y1;
        }
        for (ch = 0; ch < c; ch++) {
            const float *pa0 = a0 + (size_t)ch * W, *pa1 = a1 + (size_t)ch * W;
            const float *pb0 = b0 + (size_t)ch * W, *pb1 = b1 + (size_t)ch * W;
            float *r = acc + (size_t)ch * W;
            uint8_t *u = c == 1 ? o : bytes + (size_t)ch * W;
            for (x = 0; x < W; x++) {
                float av = pa0[x] + wy * (pa1[x] - pa0[x]);
                float bv = pb0[x] + wy * (pb1[x] - pb0[x]);
                float v = av * (float)g[x] + bv + 0.5f; /* + 0.5 then truncation: round half up */
                v = v > 0.0f ? v : 0.0f;
                r[x] = v < 255.0f ? v : 255.0f;
            }
            for (x = 0; x < W; x++)
                u[x] = (uint8_t)(int)r[x];
        }
        if (c == 3) {
            const uint8_t *u0 = bytes, *u1 = bytes + W, *u2 = bytes + 2 * (size_t)W;
            for (x = 0; x < W; x++) {
                o[3 * (size_t)x] = u0[x];
                o[3 * (size_t)x + 1] = u1[x];
                o[3 * (size_t)x + 2] = u2[x];
            }
        } else if (c > 1) {
            for (x = 0; x < W; x++)
                for (ch = 0; ch < c; ch++)
                    o[(size_t)x * c + ch] = bytes[(size_t)ch * W + x];
        }
    }
}

size_t sc_guided_upsample_workspace(int h, int w, int channels, int out_w, int radius)
{
    size_t n, floats;
    if (h < 1 || w < 1 || out_w < 1 || channels < 1 || channels > 4 || radius < 0 || radius > 64 ||
        h > SC_MAX_IMAGE_DIM || w > SC_MAX_IMAGE_DIM || out_w > SC_MAX_IMAGE_DIM)
        return 0;
    n = (size_t)h * w;
    /* g, mean g, mean g^2, p, mean p, mean pg, scratch, A and B (c planes each), a padded row */
    floats = n * (7 + 2 * (size_t)channels) + (size_t)w + 2 * (size_t)radius;
    floats += apply_scratch_floats(channels, out_w);
    return floats * sizeof(float) + 64;
}

int sc_guided_upsample_u8(const uint8_t *src, int h, int w, int channels, const uint8_t *guide_low,
                          const uint8_t *guide_full, int out_h, int out_w, int radius, float eps,
                          uint8_t *out, size_t out_capacity, void *workspace, size_t workspace_size)
{
    const int c = channels, r = radius;
    size_t n, i, need;
    float *buf, *g, *mg, *mgg, *p, *mp, *mpg, *t, *A, *B, *col;
    void *own = NULL;
    int ch;
    if (!src || !guide_low || !guide_full || !out)
        return sc_fail(SC_ERR_ARGUMENT, "picture, guides or output is NULL");
    if (c < 1 || c > 4)
        return sc_fail(SC_ERR_ARGUMENT, "%d channels; 1 to 4 are supported", c);
    if (h < 1 || w < 1 || out_h < 1 || out_w < 1 || h > SC_MAX_IMAGE_DIM || w > SC_MAX_IMAGE_DIM ||
        out_h > SC_MAX_IMAGE_DIM || out_w > SC_MAX_IMAGE_DIM)
        return sc_fail(SC_ERR_SIZE, "sizes %dx%d -> %dx%d; each side must be 1..%d", w, h, out_w, out_h,
                       SC_MAX_IMAGE_DIM);
    if (r < 0 || r > 64)
        return sc_fail(SC_ERR_ARGUMENT, "radius %d; 0 to 64 are supported", r);
    if (!(eps > 0.0f) || !isfinite(eps))
        return sc_fail(SC_ERR_ARGUMENT, "eps must be a positive number");
    if (out_capacity / (size_t)c / (size_t)out_w < (size_t)out_h)
        return sc_fail(SC_ERR_ARGUMENT, "output buffer holds %llu bytes, %dx%dx%d needed",
                       (unsigned long long)out_capacity, out_w, out_h, c);
    need = sc_guided_upsample_workspace(h, w, c, out_w, r);
    if (workspace && workspace_size < need)
        return sc_fail(SC_ERR_ARGUMENT, "workspace holds %llu bytes, %llu needed", (unsigned long long)workspace_size,
                       (unsigned long long)need);
    if (!workspace) {
        workspace = own = malloc(need);
        if (!own)
            return sc_fail(SC_ERR_NOMEM, "guided enlargement of a %dx%d picture", w, h);
    }
    buf = (float *)(((uintptr_t)workspace + 63) & ~(uintptr_t)63);
    n = (size_t)h * w;
    g = buf;
    mg = g + n;
    mgg = mg + n;
    p = mgg + n;
    mp = p + n;
    mpg = mp + n;
    t = mpg + n;
    A = t + n;
    B = A + (size_t)c * n;
    col = B + (size_t)c * n;
    for (i = 0; i < n; i++)
        g[i] = (float)guide_low[i];
    box_mean(g, h, w, r, mg, col);
    for (i = 0; i < n; i++)
        t[i] = g[i] * g[i];
    box_mean(t, h, w, r, mgg, col);
    eps *= 255.0f * 255.0f; /* the fit runs in 8-bit levels */
    for (ch = 0; ch < c; ch++) {
        float *a = A + (size_t)ch * n, *b = B + (size_t)ch * n;
        for (i = 0; i < n; i++)
            p[i] = (float)src[i * (size_t)c + (size_t)ch];
        box_mean(p, h, w, r, mp, col);
        for (i = 0; i < n; i++)
            t[i] = p[i] * g[i];
        box_mean(t, h, w, r, mpg, col);
        /* per window: a = cov(p, g) / (var(g) + eps), b = mean p - a mean g; then their means */
        for (i = 0; i < n; i++) {
            float av = (mpg[i] - mg[i] * mp[i]) / (mgg[i] - mg[i] * mg[i] + eps);
            p[i] = av;
            t[i] = mp[i] - av * mg[i];
        }
        box_mean(p, h, w, r, a, col);
        box_mean(t, h, w, r, b, col);
    }
    apply_full(A, B, h, w, c, guide_full, out_h, out_w, out, col + w + 2 * (size_t)r);
    free(own);
    return SC_OK;
}
