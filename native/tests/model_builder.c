#include <stdlib.h>
#include <string.h>
#include "model_builder.h"
#include "stylecut.h"

void mb_init(mb_model *m, int in_channels)
{
    memset(m, 0, sizeof *m);
    m->in_channels = in_channels;
    m->size_multiple = 1;
    m->min_size = 1;
    m->rgb[0] = 1.0f / 255.0f;
    m->rgb[2] = 255.0f;
    strcpy(m->name, "test");
    mb_value(m, in_channels);
}

void mb_free(mb_model *m)
{
    int i;
    for (i = 0; i < m->ntensors; i++)
        free(m->tdata[i]);
    m->ntensors = 0;
}

int mb_value(mb_model *m, int channels)
{
    m->vchan[m->nvalues] = channels;
    m->vscale[m->nvalues] = 0.0f;
    m->vzp[m->nvalues] = 0;
    return m->nvalues++;
}

int mb_tensor(mb_model *m, int dtype, int ndim, const uint32_t *dims, const void *data)
{
    int i = m->ntensors++, d;
    size_t n = 1, es = dtype == 2 ? 1 : 4;
    m->tdtype[i] = dtype;
    m->tndim[i] = ndim;
    for (d = 0; d < 4; d++) {
        m->tdims[i][d] = d < ndim ? dims[d] : 1;
        if (d < ndim)
            n *= dims[d];
    }
    m->tbytes[i] = n * es;
    m->tdata[i] = malloc(m->tbytes[i] ? m->tbytes[i] : 1);
    memcpy(m->tdata[i], data, m->tbytes[i]);
    return i;
}

int mb_tensor_f32_1d(mb_model *m, int n, const float *data)
{
    uint32_t d = (uint32_t)n;
    return mb_tensor(m, 1, 1, &d, data);
}

int mb_layer_add(mb_model *m, int op, int num_inputs, const int *inputs, int out_channels,
                 const int *tensors6, const int32_t *ia12, const float *fa3)
{
    mb_layer *l = &m->layers[m->nlayers++];
    int k;
    memset(l, 0, sizeof *l);
    l->op = op;
    l->num_inputs = num_inputs;
    for (k = 0; k < 8; k++)
        l->inputs[k] = k < num_inputs ? inputs[k] : -1;
    for (k = 0; k < 6; k++)
        l->tensors[k] = tensors6 ? tensors6[k] : -1;
    if (ia12)
        memcpy(l->ia, ia12, sizeof l->ia);
    if (fa3)
        memcpy(l->fa, fa3, sizeof l->fa);
    l->output = mb_value(m, out_channels);
    return l->output;
}

static void w32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static void w64(uint8_t *p, uint64_t v) { w32(p, (uint32_t)v); w32(p + 4, (uint32_t)(v >> 32)); }
static void wf(uint8_t *p, float f) { uint32_t u; memcpy(&u, &f, 4); w32(p, u); }

void mb_fix_checksum(uint8_t *buf, size_t size)
{
    w64(buf + 24, sc_fnv1a64(buf + 32, size - 32));
}

uint8_t *mb_write(const mb_model *m, int output_value, size_t *size)
{
    size_t voff = 160, toff, loff, doff, total, off;
    size_t tofs[MB_MAX];
    uint8_t *b;
    int i, k;
    toff = voff + (size_t)m->nvalues * 16;
    toff = (toff + 7) & ~(size_t)7;
    loff = toff + (size_t)m->ntensors * 32;
    doff = loff + (size_t)m->nlayers * 128;
    off = (doff + 63) & ~(size_t)63;
    for (i = 0; i < m->ntensors; i++) {
        tofs[i] = off;
        off = (off + m->tbytes[i] + 63) & ~(size_t)63;
    }
    total = off;
    b = (uint8_t *)calloc(1, total);
    memcpy(b, "SCNMODEL", 8);
    w32(b + 8, 1);
    w32(b + 12, 160);
    w64(b + 16, total);
    w32(b + 32, (uint32_t)m->flags);
    w32(b + 36, (uint32_t)m->in_channels);
    w32(b + 40, (uint32_t)m->vchan[output_value]);
    w32(b + 44, (uint32_t)m->size_multiple);
    w32(b + 48, (uint32_t)m->min_size);
    w32(b + 52, (uint32_t)m->num_styles);
    w32(b + 56, (uint32_t)m->nvalues);
    w32(b + 60, (uint32_t)m->ntensors);
    w32(b + 64, (uint32_t)m->nlayers);
    w32(b + 68, (uint32_t)output_value);
    w32(b + 72, (uint32_t)voff);
    w32(b + 76, (uint32_t)toff);
    w32(b + 80, (uint32_t)loff);
    for (k = 0; k < 4; k++)
        wf(b + 84 + 4 * k, m->rgb[k]);
    memcpy(b + 128, m->name, 32);
    for (i = 0; i < m->nvalues; i++) {
        uint8_t *e = b + voff + (size_t)i * 16;
        w32(e, (uint32_t)m->vchan[i]);
        wf(e + 8, m->vscale[i]);
        w32(e + 12, (uint32_t)m->vzp[i]);
    }
    for (i = 0; i < m->ntensors; i++) {
        uint8_t *e = b + toff + (size_t)i * 32;
        w32(e, (uint32_t)m->tdtype[i]);
        w32(e + 4, (uint32_t)m->tndim[i]);
        for (k = 0; k < 4; k++)
            w32(e + 8 + 4 * k, m->tdims[i][k]);
        w64(e + 24, tofs[i]);
        memcpy(b + tofs[i], m->tdata[i], m->tbytes[i]);
    }
    for (i = 0; i < m->nlayers; i++) {
        const mb_layer *l = &m->layers[i];
        uint8_t *e = b + loff + (size_t)i * 128;
        w32(e, (uint32_t)l->op);
        w32(e + 4, (uint32_t)l->num_inputs);
        for (k = 0; k < 8; k++)
            w32(e + 8 + 4 * k, (uint32_t)l->inputs[k]);
        w32(e + 40, (uint32_t)l->output);
        for (k = 0; k < 6; k++)
            w32(e + 44 + 4 * k, (uint32_t)l->tensors[k]);
        for (k = 0; k < 12; k++)
            w32(e + 68 + 4 * k, (uint32_t)l->ia[k]);
        for (k = 0; k < 3; k++)
            wf(e + 116 + 4 * k, l->fa[k]);
    }
    mb_fix_checksum(b, total);
    *size = total;
    return b;
}

uint32_t mb_rand(mb_rng *r)
{
    uint32_t x = r->s ? r->s : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    r->s = x;
    return x;
}

float mb_uniform(mb_rng *r, float lo, float hi)
{
    return lo + (hi - lo) * (float)(mb_rand(r) >> 8) * (1.0f / 16777216.0f);
}

int mb_randint(mb_rng *r, int lo, int hi) { return lo + (int)(mb_rand(r) % (uint32_t)(hi - lo + 1)); }

int mb_conv(mb_model *m, mb_rng *r, int in, int out_c, int kh, int kw, int sh, int sw,
            int pt, int pl, int pb, int pr, int dh, int dw, int groups, int pad_mode, int bias)
{
    int C = m->vchan[in], cpg = C / groups, t[6] = {-1, -1, -1, -1, -1, -1};
    uint32_t dims[4];
    size_t n = (size_t)out_c * cpg * kh * kw, i;
    float *w = (float *)malloc(n * sizeof(float)), *b = (float *)malloc((size_t)out_c * sizeof(float));
    float lim = 1.5f / (float)(cpg * kh * kw);
    int32_t ia[12] = {0};
    int out;
    for (i = 0; i < n; i++)
        w[i] = mb_uniform(r, -lim * 2, lim * 2);
    for (i = 0; i < (size_t)out_c; i++)
        b[i] = mb_uniform(r, -0.2f, 0.2f);
    dims[0] = (uint32_t)out_c; dims[1] = (uint32_t)cpg; dims[2] = (uint32_t)kh; dims[3] = (uint32_t)kw;
    t[0] = mb_tensor(m, 1, 4, dims, w);
    if (bias)
        t[1] = mb_tensor_f32_1d(m, out_c, b);
    ia[0] = sh; ia[1] = sw; ia[2] = pt; ia[3] = pl; ia[4] = pb; ia[5] = pr; ia[6] = dh; ia[7] = dw;
    ia[8] = groups; ia[9] = pad_mode;
    out = mb_layer_add(m, 1, 1, &in, out_c, t, ia, NULL);
    free(w);
    free(b);
    return out;
}

int mb_conv_i8(mb_model *m, mb_rng *r, int in, int out_c, int kh, int kw, int sh, int sw,
               int pt, int pl, int pb, int pr, int groups, int pad_mode, float out_scale, int out_zp)
{
    int C = m->vchan[in], cpg = C / groups, t[6] = {-1, -1, -1, -1, -1, -1}, out;
    uint32_t dims[4], od = (uint32_t)out_c;
    size_t n = (size_t)out_c * cpg * kh * kw, i;
    int8_t *w = (int8_t *)malloc(n);
    int32_t *b = (int32_t *)malloc((size_t)out_c * 4);
    float *s = (float *)malloc((size_t)out_c * 4);
    int32_t ia[12] = {0};
    for (i = 0; i < n; i++)
        w[i] = (int8_t)mb_randint(r, -127, 127);
    for (i = 0; i < (size_t)out_c; i++) {
        b[i] = mb_randint(r, -3000, 3000);
        s[i] = mb_uniform(r, 0.5f, 2.0f) / (127.0f * (float)(cpg * kh * kw));
    }
    dims[0] = od; dims[1] = (uint32_t)cpg; dims[2] = (uint32_t)kh; dims[3] = (uint32_t)kw;
    t[0] = mb_tensor(m, 2, 4, dims, w);
    t[1] = mb_tensor(m, 3, 1, &od, b);
    t[2] = mb_tensor(m, 1, 1, &od, s);
    ia[0] = sh; ia[1] = sw; ia[2] = pt; ia[3] = pl; ia[4] = pb; ia[5] = pr; ia[6] = 1; ia[7] = 1;
    ia[8] = groups; ia[9] = pad_mode;
    out = mb_layer_add(m, 1, 1, &in, out_c, t, ia, NULL);
    m->vscale[out] = out_scale;
    m->vzp[out] = out_zp;
    free(w);
    free(b);
    free(s);
    return out;
}

int mb_instnorm(mb_model *m, mb_rng *r, int in, int cond)
{
    int C = m->vchan[in], rows = cond ? m->num_styles : 1, i, t[6] = {-1, -1, -1, -1, -1, -1};
    uint32_t dims[2];
    float *g = (float *)malloc((size_t)C * rows * 4), *b = (float *)malloc((size_t)C * rows * 4);
    float fa[3] = {1e-5f, 0, 0};
    int out;
    for (i = 0; i < C * rows; i++) {
        g[i] = mb_uniform(r, 0.5f, 1.5f);
        b[i] = mb_uniform(r, -0.5f, 0.5f);
    }
    dims[0] = (uint32_t)rows;
    dims[1] = (uint32_t)C;
    if (cond) {
        t[0] = mb_tensor(m, 1, 2, dims, g);
        t[1] = mb_tensor(m, 1, 2, dims, b);
    } else {
        t[0] = mb_tensor_f32_1d(m, C, g);
        t[1] = mb_tensor_f32_1d(m, C, b);
    }
    out = mb_layer_add(m, cond ? 8 : 7, 1, &in, C, t, NULL, fa);
    free(g);
    free(b);
    return out;
}

int mb_simple(mb_model *m, int op, int in, float fa0, float fa1)
{
    float fa[3] = {fa0, fa1, 0};
    return mb_layer_add(m, op, 1, &in, m->vchan[in], NULL, NULL, fa);
}
