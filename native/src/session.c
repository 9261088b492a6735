/* Sessions: an execution plan (fused steps, buffers sized for the current input size), the
 * thread pool, the style selection, and the run loop with per-layer timing. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "internal.h"

enum { STEP_CONV, STEP_NORM, STEP_OTHER };

typedef struct sc_step {
    int kind;
    int layer;        /* the layer whose op runs (conv, norm, or any op) */
    int pad_layer;    /* PAD folded into the conv's padding, or -1 */
    int norm_layer;   /* norm run on the conv's output, or -1 */
    int act_layer;    /* activation applied in the last pass, or -1 */
    int resize_layer; /* nearest RESIZE read through by the conv's padding pass, or -1 */
    int add_layer;    /* residual ADD applied in the norm pass, or -1 */
    int add_other;    /* the ADD's other input */
    int up_layer;     /* norm step: nearest RESIZE whose output an ADD (up_add_layer) sums with
                         up_skip before the norm; done in the norm's per-channel pass, or -1 */
    int up_add_layer, up_skip;
    int conv_in;      /* value whose shape the conv sees (the resize output when fused) */
    sc_act act;
    int in_value, out_value;
} sc_step;

struct sc_session {
    const sc_model *m;
    int isa;
    const sc_kernels *k;
    sc_pool *pool;
    float *style_w;            /* [num_styles] */
    double **norm_gb;          /* per layer (cond/instance norm): gamma[C] then beta[C] */
    sc_step *steps;
    int nsteps;
    int *last_use;             /* per value: last step reading it (-1 none) */
    /* plan for plan_h x plan_w */
    int plan_h, plan_w;
    sc_shape *shapes;
    float **vbuf;
    void **bufs;
    size_t *buf_cap;
    int nbufs;
    float *scratch;            /* padded conv input */
    void *scratch_base;
    size_t scratch_cap;        /* bytes */
    ptrdiff_t *taps;
    int *maps;                 /* padded row/column -> source index, for the conv padding pass */
    double *layer_ms;
    int *fused_into;
    const char **kernel_name;
    double last_ms;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int is_act(int op)
{
    return op == SC_OP_RELU || op == SC_OP_LEAKY_RELU || op == SC_OP_CLIP || op == SC_OP_SIGMOID ||
           op == SC_OP_TANH;
}

static sc_act act_of(const sc_layer *l)
{
    sc_act a;
    a.a = a.b = 0.0f;
    switch (l->op) {
    case SC_OP_RELU: a.kind = SC_ACT_RELU; break;
    case SC_OP_LEAKY_RELU: a.kind = SC_ACT_LEAKY; a.a = l->fa[0]; break;
    case SC_OP_CLIP: a.kind = SC_ACT_CLIP; a.a = l->fa[0]; a.b = l->fa[1]; break;
    case SC_OP_SIGMOID: a.kind = SC_ACT_SIGMOID; break;
    case SC_OP_TANH: a.kind = SC_ACT_TANH; break;
    default: a.kind = SC_ACT_NONE;
    }
    return a;
}

/* Group layers into steps: [pad] conv [norm] [act], norm [act]. A layer is folded into the
 * previous one only when it is the sole consumer of that layer's output. */
static int build_steps(sc_session *s)
{
    const sc_model *m = s->m;
    int *uses = (int *)calloc((size_t)m->num_values, sizeof(int));
    int i, k, n = 0;
    if (!uses)
        return sc_fail(SC_ERR_NOMEM, "plan");
    for (i = 0; i < m->num_layers; i++)
        for (k = 0; k < m->layers[i].num_inputs; k++)
            uses[m->layers[i].inputs[k]]++;
    uses[m->output_value]++;
    s->steps = (sc_step *)calloc((size_t)(unsigned)m->num_layers, sizeof(sc_step));
    s->fused_into = (int *)malloc((size_t)m->num_layers * sizeof(int));
    if (!s->steps || !s->fused_into) {
        free(uses);
        return sc_fail(SC_ERR_NOMEM, "plan");
    }
    for (i = 0; i < m->num_layers; i++)
        s->fused_into[i] = -1;
    for (i = 0; i < m->num_layers;) {
        const sc_layer *l = &m->layers[i];
        sc_step *st = &s->steps[n];
        int j = i + 1;
        st->layer = i;
        st->pad_layer = st->norm_layer = st->act_layer = st->resize_layer = st->add_layer = -1;
        st->add_other = -1;
        st->up_layer = st->up_add_layer = st->up_skip = -1;
        st->act.kind = SC_ACT_NONE;
        st->act.a = st->act.b = 0.0f;
        st->in_value = l->inputs[0];
        st->kind = STEP_OTHER;
        if (l->op == SC_OP_RESIZE && l->ia[0] == 0 && j < m->num_layers) {
            const sc_layer *c = &m->layers[j];
            if (c->op == SC_OP_CONV && c->inputs[0] == l->output && uses[l->output] == 1) {
                st->resize_layer = i;
                s->fused_into[i] = j;
                st->layer = j;
                l = c;
                j++;
            }
        }
        /* nearest RESIZE -> ADD(skip) -> norm: the norm's per-channel pass builds its input */
        if (l->op == SC_OP_RESIZE && l->ia[0] == 0 && st->resize_layer < 0 && j + 1 < m->num_layers) {
            const sc_layer *ad = &m->layers[j], *nl = &m->layers[j + 1];
            if (ad->op == SC_OP_ADD && uses[l->output] == 1 && (ad->inputs[0] == l->output) != (ad->inputs[1] == l->output) &&
                (nl->op == SC_OP_INSTANCE_NORM || nl->op == SC_OP_COND_INSTANCE_NORM) && nl->inputs[0] == ad->output &&
                uses[ad->output] == 1) {
                st->up_layer = i;
                st->up_add_layer = j;
                st->up_skip = ad->inputs[0] == l->output ? ad->inputs[1] : ad->inputs[0];
                s->fused_into[i] = s->fused_into[j] = j + 1;
                st->layer = j + 1;
                l = nl;
                j += 2;
            }
        }
        if (l->op == SC_OP_PAD && j < m->num_layers) {
            const sc_layer *c = &m->layers[j];
            if (c->op == SC_OP_CONV && c->inputs[0] == l->output && uses[l->output] == 1 &&
                c->ia[2] == 0 && c->ia[3] == 0 && c->ia[4] == 0 && c->ia[5] == 0 &&
                (l->ia[4] != 0 || l->fa[0] == 0.0f) &&
                !(m->tensors[c->tensors[0]].dtype == SC_DT_I8 && l->ia[4] == 0 && l->fa[0] != 0.0f)) {
                st->pad_layer = i;
                s->fused_into[i] = j;
                st->layer = j;
                l = c;
                j++;
            }
        }
        st->conv_in = st->pad_layer >= 0 ? st->in_value : l->inputs[0];
        if (l->op == SC_OP_CONV)
            st->kind = STEP_CONV;
        else if (l->op == SC_OP_INSTANCE_NORM || l->op == SC_OP_COND_INSTANCE_NORM)
            st->kind = STEP_NORM;
        if (st->kind == STEP_CONV && j < m->num_layers) {
            const sc_layer *nl = &m->layers[j];
            if ((nl->op == SC_OP_INSTANCE_NORM || nl->op == SC_OP_COND_INSTANCE_NORM) &&
                nl->inputs[0] == l->output && uses[l->output] == 1) {
                st->norm_layer = j;
                s->fused_into[j] = st->layer;
                l = nl;
                j++;
            }
        }
        if ((st->kind == STEP_CONV || st->kind == STEP_NORM) && j < m->num_layers) {
            const sc_layer *al = &m->layers[j];
            if (is_act(al->op) && al->inputs[0] == l->output && uses[l->output] == 1) {
                st->act_layer = j;
                st->act = act_of(al);
                s->fused_into[j] = st->layer;
                l = al;
                j++;
            }
        }
        /* a residual ADD of the normalized output, while the channel is in cache */
        if ((st->kind == STEP_NORM || st->norm_layer >= 0) && j < m->num_layers) {
            const sc_layer *al = &m->layers[j];
            if (al->op == SC_OP_ADD && uses[l->output] == 1 && (al->inputs[0] == l->output) != (al->inputs[1] == l->output)) {
                st->add_layer = j;
                st->add_other = al->inputs[0] == l->output ? al->inputs[1] : al->inputs[0];
                s->fused_into[j] = st->layer;
                l = al;
                j++;
            }
        }
        st->out_value = l->output;
        n++;
        i = j;
    }
    s->nsteps = n;
    s->last_use = (int *)malloc((size_t)m->num_values * sizeof(int));
    if (!s->last_use) {
        free(uses);
        return sc_fail(SC_ERR_NOMEM, "plan");
    }
    for (i = 0; i < m->num_values; i++)
        s->last_use[i] = -1;
    for (i = 0; i < n; i++) {
        const sc_step *st = &s->steps[i];
        const sc_layer *l = &m->layers[st->layer];
        s->last_use[st->in_value] = i;
        for (k = 1; k < l->num_inputs; k++)
            s->last_use[l->inputs[k]] = i;
        if (st->add_other >= 0)
            s->last_use[st->add_other] = i;
        if (st->up_skip >= 0)
            s->last_use[st->up_skip] = i;
    }
    s->last_use[m->output_value] = n; /* read after the last step */
    free(uses);
    return SC_OK;
}

static void free_plan(sc_session *s)
{
    int i;
    for (i = 0; i < s->nbufs; i++)
        free(s->bufs[i]);
    free(s->bufs);
    free(s->buf_cap);
    free(s->vbuf);
    free(s->shapes);
    free(s->scratch_base);
    free(s->maps);
    s->maps = NULL;
    s->bufs = NULL;
    s->buf_cap = NULL;
    s->vbuf = NULL;
    s->shapes = NULL;
    s->scratch_base = NULL;
    s->scratch = NULL;
    s->scratch_cap = 0;
    s->nbufs = 0;
    s->plan_h = s->plan_w = 0;
}

static int update_norm_params(sc_session *s);

int sc_session_create(const sc_model *m, int num_threads, sc_session **out)
{
    sc_session *s;
    int st, i, maxtaps = 1;
    if (!out)
        return sc_fail(SC_ERR_ARGUMENT, "out_session is NULL");
    *out = NULL;
    if (!m)
        return sc_fail(SC_ERR_ARGUMENT, "model is NULL");
    if (num_threads < 1 || num_threads > 256)
        return sc_fail(SC_ERR_ARGUMENT, "thread count %d (1..256 allowed)", num_threads);
    s = (sc_session *)calloc(1, sizeof *s);
    if (!s)
        return sc_fail(SC_ERR_NOMEM, "session");
    s->m = m;
    s->isa = sc_isa_default();
    s->k = sc_kernels_for(s->isa);
    for (i = 0; i < m->num_layers; i++)
        if (m->layers[i].op == SC_OP_CONV && m->conv[i].kh * m->conv[i].kw > maxtaps)
            maxtaps = m->conv[i].kh * m->conv[i].kw;
    s->taps = (ptrdiff_t *)malloc((size_t)maxtaps * sizeof(ptrdiff_t));
    s->layer_ms = (double *)calloc((size_t)m->num_layers, sizeof(double));
    s->kernel_name = (const char **)calloc((size_t)m->num_layers, sizeof(char *));
    s->norm_gb = (double **)calloc((size_t)m->num_layers, sizeof(double *));
    s->style_w = (float *)calloc((size_t)(m->num_styles > 0 ? m->num_styles : 1), sizeof(float));
    if (!s->taps || !s->layer_ms || !s->kernel_name || !s->norm_gb || !s->style_w) {
        sc_session_free(s);
        return sc_fail(SC_ERR_NOMEM, "session");
    }
    s->style_w[0] = 1.0f;
    st = build_steps(s);
    if (st == SC_OK)
        st = update_norm_params(s);
    if (st == SC_OK)
        st = sc_pool_create(num_threads, &s->pool);
    if (st != SC_OK) {
        sc_session_free(s);
        return st;
    }
    *out = s;
    return SC_OK;
}

void sc_session_free(sc_session *s)
{
    int i;
    if (!s)
        return;
    free_plan(s);
    sc_pool_free(s->pool);
    if (s->norm_gb)
        for (i = 0; i < s->m->num_layers; i++)
            free(s->norm_gb[i]);
    free(s->norm_gb);
    free(s->style_w);
    free(s->steps);
    free(s->fused_into);
    free(s->last_use);
    free(s->taps);
    free(s->layer_ms);
    free(s->kernel_name);
    free(s);
}

int sc_session_set_isa(sc_session *s, int isa)
{
    if (!s)
        return sc_fail(SC_ERR_ARGUMENT, "session is NULL");
    if (isa < SC_ISA_AUTO || isa > SC_ISA_NEON)
        return sc_fail(SC_ERR_ARGUMENT, "unknown kernel family %d", isa);
    if (isa != SC_ISA_AUTO && !sc_isa_available(isa))
        return sc_fail(SC_ERR_ISA, "%s kernels are not available on this CPU or build", sc_isa_name(isa));
    s->isa = sc_resolve_isa(isa);
    s->k = sc_kernels_for(s->isa);
    return SC_OK;
}

int sc_session_get_isa(const sc_session *s) { return s ? s->isa : 0; }

/* gamma/beta of every norm layer for the current style weights, in double:
 * sum over styles in index order of w[s] * table[s][c]. */
static int update_norm_params(sc_session *s)
{
    const sc_model *m = s->m;
    int i, c, k;
    for (i = 0; i < m->num_layers; i++) {
        const sc_layer *l = &m->layers[i];
        int C;
        double *gb;
        if (l->op != SC_OP_INSTANCE_NORM && l->op != SC_OP_COND_INSTANCE_NORM)
            continue;
        C = m->values[l->inputs[0]].channels;
        if (!s->norm_gb[i]) {
            s->norm_gb[i] = (double *)malloc((size_t)C * 2 * sizeof(double));
            if (!s->norm_gb[i])
                return sc_fail(SC_ERR_NOMEM, "norm parameters");
        }
        gb = s->norm_gb[i];
        {
            const float *g = (const float *)m->tensors[l->tensors[0]].data;
            const float *b = (const float *)m->tensors[l->tensors[1]].data;
            for (c = 0; c < C; c++) {
                if (l->op == SC_OP_INSTANCE_NORM) {
                    gb[c] = g[c];
                    gb[C + c] = b[c];
                } else {
                    double sg = 0.0, sb = 0.0;
                    for (k = 0; k < m->num_styles; k++) {
                        sg += (double)s->style_w[k] * (double)g[(size_t)k * C + c];
                        sb += (double)s->style_w[k] * (double)b[(size_t)k * C + c];
                    }
                    gb[c] = sg;
                    gb[C + c] = sb;
                }
            }
        }
    }
    return SC_OK;
}

int sc_session_set_style(sc_session *s, int index)
{
    int k;
    if (!s)
        return sc_fail(SC_ERR_ARGUMENT, "session is NULL");
    if (s->m->num_styles == 0 && index == 0)
        return SC_OK;
    if (index < 0 || index >= s->m->num_styles)
        return sc_fail(SC_ERR_ARGUMENT, "style %d out of range (the model has %d styles)", index, s->m->num_styles);
    for (k = 0; k < s->m->num_styles; k++)
        s->style_w[k] = k == index ? 1.0f : 0.0f;
    return update_norm_params(s);
}

int sc_session_set_style_weights(sc_session *s, const float *w, int count)
{
    int k;
    if (!s || !w)
        return sc_fail(SC_ERR_ARGUMENT, "session or weights is NULL");
    if (count != s->m->num_styles || count == 0)
        return sc_fail(SC_ERR_ARGUMENT, "%d style weights given, the model has %d styles", count, s->m->num_styles);
    for (k = 0; k < count; k++)
        if (!(w[k] == w[k]) || w[k] - w[k] != 0.0f)
            return sc_fail(SC_ERR_ARGUMENT, "style weight %d is not finite", k);
    for (k = 0; k < count; k++)
        s->style_w[k] = w[k];
    return update_norm_params(s);
}

/* ---- planning ---- */

typedef struct conv_geom {
    int sy, sx, pt, pl, pb, pr, dh, dw, mode;
    int PH, PW, pw_stride;
    size_t plane, chan_stride;
} conv_geom;

static void conv_geometry(const sc_session *s, const sc_step *st, conv_geom *g)
{
    const sc_model *m = s->m;
    const sc_layer *l = &m->layers[st->layer];
    sc_shape x = s->shapes[st->conv_in];
    const sc_layer *pad = st->pad_layer >= 0 ? &m->layers[st->pad_layer] : NULL;
    g->sy = l->ia[0];
    g->sx = l->ia[1];
    g->dh = l->ia[6];
    g->dw = l->ia[7];
    if (pad) {
        g->pt = pad->ia[0]; g->pl = pad->ia[1]; g->pb = pad->ia[2]; g->pr = pad->ia[3];
        g->mode = pad->ia[4];
    } else {
        g->pt = l->ia[2]; g->pl = l->ia[3]; g->pb = l->ia[4]; g->pr = l->ia[5];
        g->mode = l->ia[9];
    }
    g->PH = (x.h + g->pt + g->pb + g->sy - 1) / g->sy;
    g->PW = (x.w + g->pl + g->pr + g->sx - 1) / g->sx;
    g->pw_stride = g->PW;
    g->plane = (size_t)g->PH * (size_t)g->pw_stride;
    g->chan_stride = g->plane * (size_t)g->sy * (size_t)g->sx;
}

static int alloc_buffer(sc_session *s, size_t bytes, int *free_flags, int *out_index)
{
    int i, best = -1;
    void **nb;
    size_t *nc;
    int *dummy = free_flags;
    (void)dummy;
    for (i = 0; i < s->nbufs; i++)
        if (free_flags[i] && s->buf_cap[i] >= bytes && (best < 0 || s->buf_cap[i] < s->buf_cap[best]))
            best = i;
    if (best >= 0) {
        free_flags[best] = 0;
        *out_index = best;
        return SC_OK;
    }
    nb = (void **)realloc(s->bufs, (size_t)(s->nbufs + 1) * sizeof(void *));
    if (!nb)
        return sc_fail(SC_ERR_NOMEM, "buffer table");
    s->bufs = nb;
    nc = (size_t *)realloc(s->buf_cap, (size_t)(s->nbufs + 1) * sizeof(size_t));
    if (!nc)
        return sc_fail(SC_ERR_NOMEM, "buffer table");
    s->buf_cap = nc;
    s->bufs[s->nbufs] = NULL;
    s->buf_cap[s->nbufs] = bytes;
    free_flags[s->nbufs] = 0;
    *out_index = s->nbufs++;
    return SC_OK;
}

static int plan(sc_session *s, int h, int w)
{
    const sc_model *m = s->m;
    int st, i, k, *owner = NULL, *free_flags = NULL;
    size_t scratch = 64, maps = 8;
    if (s->plan_h == h && s->plan_w == w)
        return SC_OK;
    free_plan(s);
    s->shapes = (sc_shape *)calloc((size_t)m->num_values, sizeof(sc_shape));
    s->vbuf = (float **)calloc((size_t)m->num_values, sizeof(float *));
    owner = (int *)malloc((size_t)m->num_values * sizeof(int));
    free_flags = (int *)calloc((size_t)m->num_values + 2, sizeof(int));
    if (!s->shapes || !s->vbuf || !owner || !free_flags) {
        free(owner);
        free(free_flags);
        free_plan(s);
        return sc_fail(SC_ERR_NOMEM, "plan");
    }
    st = sc_infer_shapes(m, h, w, s->shapes);
    for (i = 0; i < m->num_values; i++)
        owner[i] = -1;
    /* value 0 gets its own buffer (RGB conversion target); the rest share by liveness */
    if (st == SC_OK)
        st = alloc_buffer(s, (size_t)s->shapes[0].c * s->shapes[0].h * s->shapes[0].w * sizeof(float) + 64,
                          free_flags, &owner[0]);
    for (i = 0; st == SC_OK && i < s->nsteps; i++) {
        const sc_step *sp = &s->steps[i];
        const sc_layer *l = &m->layers[sp->layer];
        sc_shape o = s->shapes[sp->out_value];
        size_t bytes = (size_t)o.c * o.h * o.w * sizeof(float) + 64;
        st = alloc_buffer(s, bytes, free_flags, &owner[sp->out_value]);
        if (st != SC_OK)
            break;
        if (sp->kind == STEP_CONV) {
            conv_geom g;
            size_t need;
            conv_geometry(s, sp, &g);
            need = g.chan_stride * (size_t)s->shapes[sp->conv_in].c * sizeof(float) + 256;
            if (need > scratch)
                scratch = need;
            need = 2 * (size_t)(g.PH * g.sy + g.PW * g.sx + 8); /* full maps, then the small-input maps */
            if (need > maps)
                maps = need;
        }
        if (sp->up_layer >= 0 && (size_t)(o.h + o.w + 8) > maps)
            maps = (size_t)(o.h + o.w + 8);
        /* release inputs whose last reader is this step (never value 0's buffer) */
        for (k = 0; k <= l->num_inputs + 1; k++) {
            int v = k == 0 ? sp->in_value : k < l->num_inputs ? l->inputs[k] : k == l->num_inputs ? sp->add_other : sp->up_skip;
            if (v > 0 && s->last_use[v] == i && owner[v] >= 0)
                free_flags[owner[v]] = 1;
        }
    }
    if (st == SC_OK) {
        for (i = 0; i < s->nbufs; i++) {
            s->bufs[i] = NULL;
        }
        for (i = 0; i < s->nbufs; i++) {
            s->bufs[i] = sc_big_alloc(s->buf_cap[i]);
            if (!s->bufs[i]) {
                st = sc_fail(SC_ERR_NOMEM, "cannot allocate %llu bytes of activations for %dx%d",
                             (unsigned long long)s->buf_cap[i], w, h);
                break;
            }
        }
    }
    if (st == SC_OK) {
        for (i = 0; i < m->num_values; i++)
            if (owner[i] >= 0)
                s->vbuf[i] = (float *)s->bufs[owner[i]];
        s->scratch_base = sc_big_alloc(scratch);
        s->scratch = (float *)s->scratch_base;
        s->scratch_cap = scratch;
        s->maps = (int *)malloc(maps * sizeof(int));
        if (!s->scratch || !s->maps)
            st = sc_fail(SC_ERR_NOMEM, "cannot allocate %llu bytes of conv scratch", (unsigned long long)scratch);
    }
    free(owner);
    free(free_flags);
    if (st != SC_OK) {
        free_plan(s);
        return st;
    }
    s->plan_h = h;
    s->plan_w = w;
    return SC_OK;
}

/* ---- execution ---- */

typedef struct conv_job {
    sc_session *s;
    const sc_step *st;
    conv_geom g;
    const float *x;
    sc_shape xs, ys;
    int int8;
    float inv_scale;
    int32_t zp;
    sc_conv_args args;
    int rows_per_task, nblk, opg;
    sc_act act;
    const int *ymap, *xmap;   /* padded coordinate -> row/column of x, -1 = zero padding */
    int src_h, src_w;         /* size of x (smaller than xs when a resize is fused) */
    int direct;               /* no resize: x is the conv input itself */
    int *hmap_y, *hmap_x;     /* up2 path: padded small-input row/column -> source (-1 = zero) */
    int prep_bands;           /* int8 pair padding pass: row bands per channel pair */
    sc_conv_tile_fn conv_f32_fn, conv_i8_fn;
} conv_job;

/* The padding passes read x through ymap/xmap: padded coordinate -> source row/column (or -1
 * for zero padding). The maps fold in reflect/edge padding and a fused nearest resize. */

/* Padded, phase-split copy of channel c (fp32). */
static void prep_channel_f32(const conv_job *j, int c)
{
    const conv_geom *g = &j->g;
    const float *src = j->x + (size_t)c * j->src_h * j->src_w;
    float *dst = j->s->scratch + (size_t)c * g->chan_stride;
    int py, px, r, q;
    int *ixs = (int *)malloc((size_t)g->PW * sizeof(int));
    for (py = 0; py < g->sy; py++)
        for (px = 0; px < g->sx; px++) {
            float *plane = dst + ((size_t)py * g->sx + px) * g->plane;
            for (q = 0; ixs && q < g->PW; q++)
                ixs[q] = j->xmap[q * g->sx + px];
            for (r = 0; r < g->PH; r++) {
                float *row = plane + (size_t)r * g->pw_stride;
                int iy = j->ymap[r * g->sy + py];
                const float *srow;
                if (iy < 0) {
                    memset(row, 0, (size_t)g->PW * sizeof(float));
                    continue;
                }
                srow = src + (size_t)iy * j->src_w;
                if (ixs) { /* column phase, padding and resize in one vector gather (pure data movement) */
                    j->s->k->gather32((const uint32_t *)(const void *)srow, ixs, g->PW, (uint32_t *)(void *)row);
                    continue;
                }
                for (q = 0; q < g->PW; q++) {
                    int X = q * g->sx + px - g->pl;
                    if (j->direct && g->sx == 1 && X >= 0 && X < j->src_w) { /* contiguous interior */
                        int n = j->src_w - X < g->PW - q ? j->src_w - X : g->PW - q;
                        memcpy(row + q, srow + X, (size_t)n * sizeof(float));
                        q += n - 1;
                    } else {
                        int ix = j->xmap[q * g->sx + px];
                        row[q] = ix < 0 ? 0.0f : srow[ix];
                    }
                }
            }
        }
    free(ixs);
}

/* int8: quantized (q - zp) as int16, channel pairs interleaved: [g][c/2][phase][row][col][2].
 * Both source rows of a pair are quantized once (vector kernel) into one row of 32-bit
 * (q0, q1) elements, which is then gathered with padding per column phase. */
static void prep_pair_i8(const conv_job *j, int pair_global, int r0, int r1)
{
    const conv_geom *g = &j->g;
    const sc_conv_prep *p = j->args.prep;
    const sc_kernels *k = j->s->k;
    int cpg = p->C / p->groups, cpg2 = (cpg + 1) / 2;
    int grp = pair_global / cpg2, pr = pair_global % cpg2;
    uint32_t *dst = (uint32_t *)(void *)((int16_t *)j->s->scratch + (size_t)pair_global * g->chan_stride * 2);
    const float *src0 = j->x + (size_t)(grp * cpg + pr * 2) * j->src_h * j->src_w;
    const float *src1 = pr * 2 + 1 < cpg ? src0 + (size_t)j->src_h * j->src_w : NULL;
    uint32_t *pairrow = (uint32_t *)malloc((size_t)j->src_w * sizeof(uint32_t));
    int *ixs = (int *)malloc((size_t)g->sx * g->PW * sizeof(int));
    int py, px, r, c;
    if (!pairrow || !ixs) { /* no memory for the row buffers: element by element */
        free(pairrow);
        free(ixs);
        for (py = 0; py < g->sy; py++)
            for (r = r0; r < r1; r++)
                for (px = 0; px < g->sx; px++) {
                    uint32_t *row = dst + ((size_t)py * g->sx + px) * g->plane + (size_t)r * g->pw_stride;
                    int iy = j->ymap[r * g->sy + py];
                    for (c = 0; c < g->PW; c++) {
                        int ix = j->xmap[c * g->sx + px];
                        row[c] = 0;
                        if (iy >= 0 && ix >= 0)
                            sc_quantize_pair_scalar(src0 + (size_t)iy * j->src_w + ix,
                                                    src1 ? src1 + (size_t)iy * j->src_w + ix : NULL, row + c, 1,
                                                    j->inv_scale, j->zp);
                    }
                }
        return;
    }
    for (px = 0; px < g->sx; px++)
        for (c = 0; c < g->PW; c++)
            ixs[px * g->PW + c] = j->xmap[c * g->sx + px];
    if (g->sx == 1 && j->direct && g->PW == g->pl + j->src_w + g->pr) {
        /* stride 1 without a resize: quantize straight into the padded row's interior, then
         * copy the padding columns from it (the column map names interior sources for them) */
        for (py = 0; py < g->sy; py++)
            for (r = r0; r < r1; r++) {
                uint32_t *row = dst + (size_t)py * g->plane + (size_t)r * g->pw_stride;
                int iy = j->ymap[r * g->sy + py];
                if (iy < 0) {
                    memset(row, 0, (size_t)g->PW * sizeof(uint32_t));
                    continue;
                }
                k->quantize_pair(src0 + (size_t)iy * j->src_w, src1 ? src1 + (size_t)iy * j->src_w : NULL, row + g->pl,
                                 (size_t)j->src_w, j->inv_scale, j->zp);
                for (c = 0; c < g->PW; c++) {
                    if (c == g->pl)
                        c += j->src_w;
                    if (c < g->PW)
                        row[c] = ixs[c] < 0 ? 0u : row[g->pl + ixs[c]];
                }
            }
        free(pairrow);
        free(ixs);
        return;
    }
    for (py = 0; py < g->sy; py++)
        for (r = r0; r < r1; r++) {
            int iy = j->ymap[r * g->sy + py];
            if (iy >= 0)
                k->quantize_pair(src0 + (size_t)iy * j->src_w, src1 ? src1 + (size_t)iy * j->src_w : NULL, pairrow,
                                 (size_t)j->src_w, j->inv_scale, j->zp);
            for (px = 0; px < g->sx; px++) {
                uint32_t *row = dst + ((size_t)py * g->sx + px) * g->plane + (size_t)r * g->pw_stride;
                if (iy < 0)
                    memset(row, 0, (size_t)g->PW * sizeof(uint32_t));
                else
                    k->gather32(pairrow, ixs + px * g->PW, g->PW, row);
            }
        }
    free(pairrow);
    free(ixs);
}

/* Channel-interleaved padded copy of one padded row (all channels) of one phase. */
static void prep_row_nhwc(const conv_job *j, int task)
{
    const conv_geom *g = &j->g;
    int C = j->xs.c, nph = g->sy * g->sx, phase = task % nph, r = task / nph;
    int py = phase / g->sx, px = phase % g->sx, q, c;
    float *row = j->s->scratch + ((size_t)phase * g->plane + (size_t)r * g->pw_stride) * C;
    int iy = j->ymap[r * g->sy + py];
    size_t plane = (size_t)j->src_h * j->src_w;
    if (iy < 0) {
        memset(row, 0, (size_t)g->PW * C * sizeof(float));
        return;
    }
    {
        const float *rows[SC_MAX_CHANNELS];
        for (c = 0; c < C; c++)
            rows[c] = j->x + (size_t)c * plane + (size_t)iy * j->src_w;
        if (g->sx == 1) {
            j->s->k->interleave(rows, C, j->xmap + px, g->PW, j->src_w, row);
        } else {
            int q0, ixs[64];
            for (q0 = 0; q0 < g->PW; q0 += 64) {
                int nq = g->PW - q0 < 64 ? g->PW - q0 : 64;
                for (q = 0; q < nq; q++)
                    ixs[q] = j->xmap[(q0 + q) * g->sx + px];
                j->s->k->interleave(rows, C, ixs, nq, j->src_w, row + (size_t)q0 * C);
            }
        }
    }
}

/* int8, channel-interleaved: one padded row of one phase, all channels quantized to (q - zp)
 * as int16, pairs within each group: [group][cpg/2][2] per pixel. */
static void prep_row_nhwc_i8(const conv_job *j, int task)
{
    const conv_geom *g = &j->g;
    const sc_conv_prep *p = j->args.prep;
    int nph = g->sy * g->sx, phase = task % nph, r = task / nph;
    int py = phase / g->sx, px = phase % g->sx, q, c, cpg = p->C / p->groups, cpg2 = (cpg + 1) / 2;
    int CP = j->args.pix_stride;
    int16_t *row = (int16_t *)j->s->scratch + ((size_t)phase * g->plane + (size_t)r * g->pw_stride) * CP;
    int iy = j->ymap[r * g->sy + py];
    size_t plane = (size_t)j->src_h * j->src_w;
    int16_t stackrow[4096], *qrow;
    memset(row, 0, (size_t)g->PW * CP * sizeof(int16_t));
    if (iy < 0)
        return;
    if (p->groups == 1 && p->C % 2 == 0 && p->C >= 16) {
        /* quantize channel pairs into 32-bit (q0, q1) rows, then move them with the float
         * interleaving kernel (pure data movement, so the bits pass through unchanged) */
        int np = p->C / 2, pr;
        uint32_t *pairs = (uint32_t *)malloc((size_t)np * j->src_w * sizeof(uint32_t));
        int16_t *q0 = (int16_t *)malloc((size_t)j->src_w * 2 * sizeof(int16_t));
        const float *prow[SC_MAX_CHANNELS / 2];
        if (pairs && q0) {
            for (pr = 0; pr < np; pr++) {
                uint32_t *dstp = pairs + (size_t)pr * j->src_w;
                j->s->k->quantize_pair(j->x + (size_t)(2 * pr) * plane + (size_t)iy * j->src_w,
                                       j->x + (size_t)(2 * pr + 1) * plane + (size_t)iy * j->src_w, dstp,
                                       (size_t)j->src_w, j->inv_scale, j->zp);
                prow[pr] = (const float *)(const void *)dstp;
            }
            if (g->sx == 1) {
                j->s->k->interleave(prow, np, j->xmap + px, g->PW, j->src_w, (float *)(void *)row);
            } else {
                int qq, ixs[64];
                for (q = 0; q < g->PW; q += 64) {
                    int nq = g->PW - q < 64 ? g->PW - q : 64;
                    for (qq = 0; qq < nq; qq++)
                        ixs[qq] = j->xmap[(q + qq) * g->sx + px];
                    j->s->k->interleave(prow, np, ixs, nq, j->src_w, (float *)(void *)(row + (size_t)q * CP));
                }
            }
            free(pairs);
            free(q0);
            return;
        }
        free(pairs);
        free(q0);
    }
    /* each source row is quantized once (vector kernel), then gathered with padding */
    qrow = j->src_w <= 4096 ? stackrow : (int16_t *)malloc((size_t)j->src_w * sizeof(int16_t));
    for (c = 0; c < p->C; c++) {
        int grp = c / cpg, ic = c % cpg;
        int16_t *d = row + (grp * cpg2 + ic / 2) * 2 + (ic & 1);
        const float *src = j->x + (size_t)c * plane + (size_t)iy * j->src_w;
        if (qrow)
            j->s->k->quantize_row(src, qrow, (size_t)j->src_w, j->inv_scale, j->zp);
        for (q = 0; q < g->PW; q++) {
            int ix = j->xmap[q * g->sx + px];
            if (ix >= 0)
                d[(size_t)q * CP] = qrow ? qrow[ix] : (int16_t)(sc_quantize_f32(src[ix], j->inv_scale, j->zp) - j->zp);
        }
    }
    if (qrow != stackrow)
        free(qrow);
}

/* Nearest x2 + 3x3 conv (int8) computed on the small input: the padded copy of the small input
 * (one row/column of padding, taken from where the upsampled conv's padding reads), channel
 * pairs as in prep_pair_i8. hmap_y/hmap_x: padded small row/column -> source, -1 = zero. */
static void prep_pair_i8_up2(const conv_job *j, int pr)
{
    const sc_conv_prep *p = j->args.prep;
    int H = j->src_h, W = j->src_w, r;
    uint32_t *dst = (uint32_t *)(void *)((int16_t *)j->s->scratch + (size_t)pr * j->args.chan_stride * 2);
    const float *src0 = j->x + (size_t)(pr * 2) * H * W;
    const float *src1 = pr * 2 + 1 < p->C ? src0 + (size_t)H * W : NULL;
    for (r = 0; r < H + 2; r++) {
        uint32_t *row = dst + (size_t)r * j->args.pw_stride;
        int iy = j->hmap_y[r];
        if (iy < 0) {
            memset(row, 0, (size_t)(W + 2) * sizeof(uint32_t));
            continue;
        }
        j->s->k->quantize_pair(src0 + (size_t)iy * W, src1 ? src1 + (size_t)iy * W : NULL, row + 1, (size_t)W,
                               j->inv_scale, j->zp);
        row[0] = j->hmap_x[0] < 0 ? 0u : row[1 + j->hmap_x[0]];
        row[W + 1] = j->hmap_x[W + 1] < 0 ? 0u : row[1 + j->hmap_x[W + 1]];
    }
}

/* fp32 counterpart: padded copy of the small input's channel c */
static void prep_channel_f32_up2(const conv_job *j, int c)
{
    int H = j->src_h, W = j->src_w, r;
    float *dst = j->s->scratch + (size_t)c * j->args.chan_stride;
    const float *src = j->x + (size_t)c * H * W;
    for (r = 0; r < H + 2; r++) {
        float *row = dst + (size_t)r * j->args.pw_stride;
        int iy = j->hmap_y[r];
        if (iy < 0) {
            memset(row, 0, (size_t)(W + 2) * sizeof(float));
            continue;
        }
        memcpy(row + 1, src + (size_t)iy * W, (size_t)W * sizeof(float));
        row[0] = j->hmap_x[0] < 0 ? 0.0f : row[1 + j->hmap_x[0]];
        row[W + 1] = j->hmap_x[W + 1] < 0 ? 0.0f : row[1 + j->hmap_x[W + 1]];
    }
}

static void task_prep_f32(void *ctx, int c) { prep_channel_f32((const conv_job *)ctx, c); }
static void task_prep_f32_up2(void *ctx, int c) { prep_channel_f32_up2((const conv_job *)ctx, c); }
static void task_prep_i8_up2(void *ctx, int pr) { prep_pair_i8_up2((const conv_job *)ctx, pr); }
static void task_prep_nhwc_i8(void *ctx, int t) { prep_row_nhwc_i8((const conv_job *)ctx, t); }
static void task_prep_nhwc(void *ctx, int t) { prep_row_nhwc((const conv_job *)ctx, t); }
/* task = pair x band of padded rows, so a layer with few channel pairs still splits finely */
static void task_prep_i8(void *ctx, int t)
{
    const conv_job *j = (const conv_job *)ctx;
    int per = (j->g.PH + j->prep_bands - 1) / j->prep_bands, band = t % j->prep_bands;
    int r0 = band * per, r1 = r0 + per < j->g.PH ? r0 + per : j->g.PH;
    if (r0 < r1)
        prep_pair_i8(j, t / j->prep_bands, r0, r1);
}

/* One task = a band of output rows, all output channels: the band's input rows stay in cache
 * while every channel block reads them. */
static void task_conv_tiles(void *ctx, int t)
{
    const conv_job *j = (const conv_job *)ctx;
    const sc_kernels *k = j->s->k;
    int oy0 = t * j->rows_per_task, oy1 = oy0 + j->rows_per_task, grp;
    if (oy1 > j->ys.h)
        oy1 = j->ys.h;
    for (grp = 0; grp < j->args.prep->groups; grp++) {
        int oc0 = grp * j->opg, oc1 = oc0 + j->opg;
        if (j->int8)
            j->conv_i8_fn(&j->args, oc0, oc1, oy0, oy1);
        else
            j->conv_f32_fn(&j->args, oc0, oc1, oy0, oy1);
    }
    (void)k;
}

static void task_conv_ref(void *ctx, int oc)
{
    const conv_job *j = (const conv_job *)ctx;
    const sc_conv_prep *p = j->args.prep;
    const conv_geom *g = &j->g;
    if (j->int8)
        sc_ref_conv2d_i8(j->x, j->xs.c, j->xs.h, j->xs.w, p, g->sy, g->sx, g->pt, g->pl, g->dh, g->dw,
                         g->mode, j->inv_scale, j->zp, j->args.out_requant, j->args.out_scale,
                         j->args.out_zp, j->args.out, j->ys.h, j->ys.w, oc, oc + 1, j->act);
    else
        sc_ref_conv2d(j->x, j->xs.c, j->xs.h, j->xs.w, p, g->sy, g->sx, g->pt, g->pl, g->dh, g->dw,
                      g->mode, j->args.out, j->ys.h, j->ys.w, oc, oc + 1, j->act);
}

typedef struct norm_job {
    const sc_kernels *k;
    /* fused nearest resize + ADD before the norm: x[c] = resize(up_x[c]) + up_skip[c] */
    const float *up_x, *up_skip;
    const int *up_ymap, *up_xmap;
    int up_h, up_w, h, w;
    float *x;
    size_t n;
    int C;
    const double *gb;
    double eps;
    sc_act act;
    float *y;
    const float *skip;   /* residual added after the activation, or NULL */
} norm_job;

static void task_norm(void *ctx, int c)
{
    const norm_job *j = (const norm_job *)ctx;
    double lanes[2 * SC_STAT_LANES];
    float a, b;
    memset(lanes, 0, sizeof lanes);
    if (j->up_x) { /* one float addition per element, as the ADD layer; the plane stays in cache */
        const float *src = j->up_x + (size_t)c * j->up_h * j->up_w;
        const float *sk = j->up_skip + (size_t)c * j->n;
        float *x = j->x + (size_t)c * j->n;
        int r;
        for (r = 0; r < j->h; r++) {
            const float *srow = src + (size_t)j->up_ymap[r] * j->up_w;
            j->k->gather32((const uint32_t *)(const void *)srow, j->up_xmap, j->w, (uint32_t *)(void *)x);
            j->k->add(x, sk, x, (size_t)j->w);
            x += j->w;
            sk += j->w;
        }
    }
    j->k->plane_stats(j->x + (size_t)c * j->n, j->n, lanes);
    sc_norm_coeffs(lanes, j->n, j->gb[c], j->gb[j->C + c], j->eps, &a, &b);
    j->k->scale_shift_act(j->x + (size_t)c * j->n, j->y + (size_t)c * j->n, j->n, a, b, j->act);
    if (j->skip) /* one float addition per element, as the ADD layer */
        j->k->add(j->y + (size_t)c * j->n, j->skip + (size_t)c * j->n, j->y + (size_t)c * j->n, j->n);
}

static void run_norm(sc_session *s, int layer, float *x, float *y, sc_shape sh, sc_act act, const float *skip)
{
    norm_job j;
    memset(&j, 0, sizeof j);
    j.skip = skip;
    j.k = s->k;
    j.x = x;
    j.y = y;
    j.n = (size_t)sh.h * sh.w;
    j.C = sh.c;
    j.gb = s->norm_gb[layer];
    j.eps = s->m->layers[layer].fa[0];
    j.act = act;
    sc_pool_run(s->pool, sh.c, task_norm, &j);
}

/* The x2-upsampled 3x3 conv can run on the small input: one group, stride 1, no
 * dilation, padding 1 on every side, and a resize that maps upsampled row/column u to u / 2. */
static int up2_eligible(const sc_session *s, const conv_job *j)
{
    const sc_conv_prep *p = j->args.prep;
    const conv_geom *g = &j->g;
    int u;
    if ((j->int8 ? !s->k->conv_i8_up2 || !p->wqup2 : !s->k->conv_f32_up2) || j->direct || j->args.nhwc || p->groups != 1 ||
        p->kh != 3 || p->kw != 3 || g->sy != 1 || g->sx != 1 || g->dh != 1 || g->dw != 1 ||
        g->pt != 1 || g->pl != 1 || g->pb != 1 || g->pr != 1 ||
        j->xs.h != 2 * j->src_h || j->xs.w != 2 * j->src_w)
        return 0;
    for (u = 0; u < j->xs.h; u++)
        if (j->ymap[1 + u] != u / 2)
            return 0;
    for (u = 0; u < j->xs.w; u++)
        if (j->xmap[1 + u] != u / 2)
            return 0;
    return 1;
}

/* nearest RESIZE + ADD + norm [+ act] [+ residual ADD]: each channel task writes the sum into
 * the output buffer, then normalizes it in place while it is in cache. */
static void run_up_add_norm(sc_session *s, const sc_step *st)
{
    const sc_model *m = s->m;
    const sc_layer *rz = &m->layers[st->up_layer];
    sc_shape xs = s->shapes[st->in_value], ys = s->shapes[rz->output];
    norm_job j;
    int r;
    int *ymap = s->maps, *xmap = s->maps + ys.h;
    for (r = 0; r < ys.h; r++)
        ymap[r] = sc_resize_nearest_src(r, xs.h, ys.h, rz->fa[0], rz->ia[1], rz->ia[2]);
    for (r = 0; r < ys.w; r++)
        xmap[r] = sc_resize_nearest_src(r, xs.w, ys.w, rz->fa[1], rz->ia[1], rz->ia[2]);
    memset(&j, 0, sizeof j);
    j.k = s->k;
    j.up_x = s->vbuf[st->in_value];
    j.up_skip = s->vbuf[st->up_skip];
    j.up_ymap = ymap;
    j.up_xmap = xmap;
    j.up_h = xs.h;
    j.up_w = xs.w;
    j.h = ys.h;
    j.w = ys.w;
    j.x = j.y = s->vbuf[st->out_value];
    j.skip = st->add_other >= 0 ? s->vbuf[st->add_other] : NULL;
    j.n = (size_t)ys.h * ys.w;
    j.C = ys.c;
    j.gb = s->norm_gb[st->layer];
    j.eps = m->layers[st->layer].fa[0];
    j.act = st->act;
    sc_pool_run(s->pool, ys.c, task_norm, &j);
}

static int rows_per_task(int rows, int threads)
{
    /* small tasks keep both threads busy when one of them is preempted on a shared machine */
    int tasks = threads > 1 ? threads * 12 : 1, r;
    r = (rows + tasks - 1) / tasks;
    return r < 1 ? 1 : r;
}

static void run_conv(sc_session *s, const sc_step *st)
{
    const sc_model *m = s->m;
    const sc_layer *l = &m->layers[st->layer];
    conv_job j;
    int t, ntaps;
    const sc_value *vin = &m->values[l->inputs[0]], *vout = &m->values[l->output];
    memset(&j, 0, sizeof j);
    j.s = s;
    j.st = st;
    conv_geometry(s, st, &j.g);
    j.x = s->vbuf[st->in_value];
    j.xs = s->shapes[st->conv_in];
    j.src_h = s->shapes[st->in_value].h;
    j.src_w = s->shapes[st->in_value].w;
    j.direct = st->resize_layer < 0;
    j.ys = s->shapes[l->output];
    {
        int Hp = j.g.PH * j.g.sy, Wp = j.g.PW * j.g.sx, Y, X;
        const sc_layer *rz = st->resize_layer >= 0 ? &m->layers[st->resize_layer] : NULL;
        int *ymap = s->maps, *xmap = s->maps + Hp;
        for (Y = 0; Y < Hp; Y++) {
            int u = sc_pad_index(Y - j.g.pt, j.xs.h, j.g.mode);
            ymap[Y] = (u < 0 || !rz) ? u : sc_resize_nearest_src(u, j.src_h, j.xs.h, rz->fa[0], rz->ia[1], rz->ia[2]);
        }
        for (X = 0; X < Wp; X++) {
            int u = sc_pad_index(X - j.g.pl, j.xs.w, j.g.mode);
            xmap[X] = (u < 0 || !rz) ? u : sc_resize_nearest_src(u, j.src_w, j.xs.w, rz->fa[1], rz->ia[1], rz->ia[2]);
        }
        j.ymap = ymap;
        j.xmap = xmap;
    }
    j.conv_f32_fn = s->k->conv_f32 ? s->k->conv_f32 : sc_conv_f32_tile_scalar;
    j.conv_i8_fn = s->k->conv_i8 ? s->k->conv_i8 : sc_conv_i8_tile_scalar;
    j.args.prep = &m->conv[st->layer];
    j.int8 = j.args.prep->is_int8;
    j.act = st->norm_layer >= 0 ? (sc_act){SC_ACT_NONE, 0.0f, 0.0f} : st->act;
    j.args.act = j.act;
    j.args.out = s->vbuf[st->out_value];
    j.args.OH = j.ys.h;
    j.args.OW = j.ys.w;
    if (j.int8) {
        j.inv_scale = 1.0f / vin->scale;
        j.zp = vin->zero_point;
        j.args.in_zp = vin->zero_point;
        j.args.out_requant = vout->scale > 0.0f;
        j.args.out_scale = vout->scale;
        j.args.out_zp = vout->zero_point;
    }
    if (s->k->conv_f32 == NULL && j.direct) {
        s->kernel_name[st->layer] = j.int8 ? s->k->conv_i8_name : s->k->conv_f32_name;
        sc_pool_run(s->pool, j.args.prep->O, task_conv_ref, &j);
    } else {
        const sc_conv_prep *p = j.args.prep;
        ntaps = p->kh * p->kw;
        /* the channel-interleaved kernel pays a transposed store per block: worth it for long
         * reductions only (a 5x5 conv on 3 channels ran faster with the pixel kernel). int8:
         * only with full 16-channel packs or more than one pack, because vpmaddwd is the
         * bottleneck and a half-used pack wastes it (32->12 at 180x320: 8.3-9 ms with the
         * 4-channel pixel kernel, 8.2-16 ms with the pack of 16) */
        j.args.nhwc = s->k->nhwc_min_opg > 0 && p->O / p->groups >= s->k->nhwc_min_opg &&
                      (p->C / p->groups) * ntaps >= 128 && (!j.int8 || s->k->nhwc_i8) &&
                      (!j.int8 || (p->O / p->groups) % 16 == 0 || p->O / p->groups > 16);
        j.args.pix_stride = j.int8 ? p->groups * (((p->C / p->groups) + 1) / 2) * 2 : p->C;
        for (t = 0; t < ntaps; t++) {
            int ky = t / p->kw, kx = t % p->kw;
            int Y = ky * j.g.dh, X = kx * j.g.dw;
            int phase = (Y % j.g.sy) * j.g.sx + (X % j.g.sx);
            s->taps[t] = (ptrdiff_t)phase * (ptrdiff_t)j.g.plane + (ptrdiff_t)(Y / j.g.sy) * j.g.pw_stride + X / j.g.sx;
            if (j.args.nhwc)
                s->taps[t] *= j.args.pix_stride;
        }
        j.args.in = s->scratch;
        j.args.inq = (const int16_t *)s->scratch;
        j.args.plane = j.g.plane;
        j.args.chan_stride = j.g.chan_stride;
        j.args.pw_stride = j.g.pw_stride;
        j.args.ntaps = ntaps;
        j.args.tap_off = s->taps;
        j.opg = p->O / p->groups;
        j.nblk = (j.opg + SC_OCB - 1) / SC_OCB;
        j.rows_per_task = rows_per_task(j.ys.h, sc_pool_threads(s->pool));
        if (up2_eligible(s, &j)) {
            int H = j.src_h, W = j.src_w, r;
            int Hp = j.g.PH, Wp = j.g.PW; /* stride 1: 2H+2, 2W+2 */
            j.hmap_y = s->maps + Hp + Wp;
            j.hmap_x = j.hmap_y + H + 2;
            j.hmap_y[0] = j.ymap[0];
            j.hmap_y[H + 1] = j.ymap[Hp - 1];
            for (r = 0; r < H; r++)
                j.hmap_y[1 + r] = r;
            j.hmap_x[0] = j.xmap[0];
            j.hmap_x[W + 1] = j.xmap[Wp - 1];
            for (r = 0; r < W; r++)
                j.hmap_x[1 + r] = r;
            j.args.pw_stride = W + 2;
            j.args.plane = j.args.chan_stride = (size_t)(H + 2) * (size_t)(W + 2);
            if (j.int8) {
                j.conv_i8_fn = s->k->conv_i8_up2;
                sc_pool_run(s->pool, (p->C + 1) / 2, task_prep_i8_up2, &j);
                s->kernel_name[st->layer] = s->k->conv_i8_up2_name;
            } else {
                j.conv_f32_fn = s->k->conv_f32_up2;
                sc_pool_run(s->pool, p->C, task_prep_f32_up2, &j);
                s->kernel_name[st->layer] = s->k->conv_f32_up2_name;
            }
        } else if (j.int8 && j.args.nhwc) {
            sc_pool_run(s->pool, j.g.PH * j.g.sy * j.g.sx, task_prep_nhwc_i8, &j);
            s->kernel_name[st->layer] = s->k->conv_i8_nhwc_name;
        } else if (j.int8) {
            int cpg = p->C / p->groups;
            int pairs = p->groups * ((cpg + 1) / 2), threads = sc_pool_threads(s->pool);
            j.prep_bands = threads > 1 && pairs < threads * 8 ? (threads * 8 + pairs - 1) / pairs : 1;
            sc_pool_run(s->pool, pairs * j.prep_bands, task_prep_i8, &j);
            s->kernel_name[st->layer] = s->k->conv_i8_name;
        } else if (j.args.nhwc) {
            sc_pool_run(s->pool, j.g.PH * j.g.sy * j.g.sx, task_prep_nhwc, &j);
            s->kernel_name[st->layer] = s->k->conv_f32_nhwc_name;
        } else {
            sc_pool_run(s->pool, j.xs.c, task_prep_f32, &j);
            s->kernel_name[st->layer] = s->k->conv_f32_name;
        }
        sc_pool_run(s->pool, (j.ys.h + j.rows_per_task - 1) / j.rows_per_task, task_conv_tiles, &j);
    }
    if (st->norm_layer >= 0) {
        float *y = s->vbuf[st->out_value];
        run_norm(s, st->norm_layer, y, y, j.ys, st->act, st->add_other >= 0 ? s->vbuf[st->add_other] : NULL);
        s->kernel_name[st->norm_layer] = s->k->norm_name;
    }
}

typedef struct generic_job {
    sc_session *s;
    const sc_layer *l;
    const float *x;
    float *y;
    sc_shape xs, ys;
    size_t chunk, n;
} generic_job;

static void task_generic_channel(void *ctx, int c)
{
    const generic_job *j = (const generic_job *)ctx;
    const sc_layer *l = j->l;
    const sc_model *m = j->s->m;
    switch (l->op) {
    case SC_OP_RESIZE:
        sc_ref_resize(j->x, j->xs.c, j->xs.h, j->xs.w, j->y, j->ys.h, j->ys.w, l->ia[0], l->ia[1], l->ia[2],
                      l->fa[0], l->fa[1], c, c + 1);
        break;
    case SC_OP_PAD:
        sc_ref_pad(j->x, j->xs.c, j->xs.h, j->xs.w, l->ia[0], l->ia[1], l->ia[2], l->ia[3], l->ia[4], l->fa[0],
                   j->y, c, c + 1);
        break;
    case SC_OP_AVG_POOL: case SC_OP_MAX_POOL:
        sc_ref_pool(j->x, j->xs.c, j->xs.h, j->xs.w, l->op == SC_OP_MAX_POOL, l->ia[0], l->ia[1], l->ia[2],
                    l->ia[3], l->ia[4], l->ia[5], l->ia[6], l->ia[7], l->ia[8], j->y, j->ys.h, j->ys.w, c, c + 1);
        break;
    case SC_OP_CONV_TRANSPOSE: {
        const sc_tensor *w = &m->tensors[l->tensors[0]];
        sc_ref_conv_transpose(j->x, j->xs.c, j->xs.h, j->xs.w, (const float *)w->data,
                              l->tensors[1] >= 0 ? (const float *)m->tensors[l->tensors[1]].data : NULL,
                              j->ys.c, (int)w->dims[2], (int)w->dims[3], l->ia[0], l->ia[1], l->ia[2], l->ia[3],
                              l->ia[6], l->ia[7], l->ia[8], j->y, j->ys.h, j->ys.w, c, c + 1);
        break;
    }
    case SC_OP_CHANNEL_AFFINE: {
        const float *sc = (const float *)m->tensors[l->tensors[0]].data;
        const float *bi = (const float *)m->tensors[l->tensors[1]].data;
        sc_act none = {SC_ACT_NONE, 0.0f, 0.0f};
        size_t n = (size_t)j->xs.h * j->xs.w;
        j->s->k->scale_shift_act(j->x + (size_t)c * n, j->y + (size_t)c * n, n, sc[c], bi[c], none);
        break;
    }
    default:
        break;
    }
}

static void task_eltwise(void *ctx, int t)
{
    const generic_job *j = (const generic_job *)ctx;
    const sc_layer *l = j->l;
    size_t b = (size_t)t * j->chunk, e = b + j->chunk, i;
    if (e > j->n)
        e = j->n;
    if (is_act(l->op)) {
        j->s->k->act(j->x + b, j->y + b, e - b, act_of(l));
    } else {
        const float *a = j->x, *c = j->s->vbuf[l->inputs[1]];
        float *y = j->y;
        if (l->op == SC_OP_ADD)
            j->s->k->add(a + b, c + b, y + b, e - b);
        else if (l->op == SC_OP_SUB)
            for (i = b; i < e; i++) y[i] = a[i] - c[i];
        else
            for (i = b; i < e; i++) y[i] = a[i] * c[i];
    }
}

static void run_other(sc_session *s, const sc_step *st)
{
    const sc_model *m = s->m;
    const sc_layer *l = &m->layers[st->layer];
    generic_job j;
    int k;
    j.s = s;
    j.l = l;
    j.x = s->vbuf[l->inputs[0]];
    j.y = s->vbuf[st->out_value];
    j.xs = s->shapes[l->inputs[0]];
    j.ys = s->shapes[l->output];
    j.n = (size_t)j.ys.c * j.ys.h * j.ys.w;
    s->kernel_name[st->layer] = "f32_ref_scalar";
    switch (l->op) {
    case SC_OP_DEPTH_TO_SPACE:
        sc_ref_depth_to_space(j.x, j.xs.c, j.xs.h, j.xs.w, l->ia[0], l->ia[1], j.y);
        break;
    case SC_OP_SPACE_TO_DEPTH:
        sc_ref_space_to_depth(j.x, j.xs.c, j.xs.h, j.xs.w, l->ia[0], j.y);
        break;
    case SC_OP_CONCAT: {
        float *y = j.y;
        for (k = 0; k < l->num_inputs; k++) {
            sc_shape xs = s->shapes[l->inputs[k]];
            size_t n = (size_t)xs.c * xs.h * xs.w;
            memcpy(y, s->vbuf[l->inputs[k]], n * sizeof(float));
            y += n;
        }
        s->kernel_name[st->layer] = "copy";
        break;
    }
    case SC_OP_RELU: case SC_OP_LEAKY_RELU: case SC_OP_CLIP: case SC_OP_SIGMOID: case SC_OP_TANH:
    case SC_OP_ADD: case SC_OP_SUB: case SC_OP_MUL: {
        int threads = sc_pool_threads(s->pool), tasks = threads > 1 ? threads * 4 : 1;
        j.chunk = (j.n + (size_t)tasks - 1) / (size_t)tasks;
        j.chunk = (j.chunk + 63) & ~(size_t)63;
        tasks = (int)((j.n + j.chunk - 1) / j.chunk);
        s->kernel_name[st->layer] = is_act(l->op) || l->op == SC_OP_ADD ? s->k->eltwise_name : "f32_binary_scalar";
        sc_pool_run(s->pool, tasks, task_eltwise, &j);
        break;
    }
    default:
        sc_pool_run(s->pool, l->op == SC_OP_CONV_TRANSPOSE ? j.ys.c : j.xs.c, task_generic_channel, &j);
        if (l->op == SC_OP_CHANNEL_AFFINE)
            s->kernel_name[st->layer] = s->k->eltwise_name;
    }
}

static int run_steps(sc_session *s)
{
    int i;
    double t0 = now_ms();
    for (i = 0; i < s->m->num_layers; i++)
        s->layer_ms[i] = 0.0;
    for (i = 0; i < s->nsteps; i++) {
        const sc_step *st = &s->steps[i];
        double t = now_ms();
        if (st->kind == STEP_CONV) {
            run_conv(s, st);
        } else if (st->kind == STEP_NORM) {
            if (st->up_layer >= 0)
                run_up_add_norm(s, st);
            else
                run_norm(s, st->layer, s->vbuf[st->in_value], s->vbuf[st->out_value], s->shapes[st->in_value], st->act,
                         st->add_other >= 0 ? s->vbuf[st->add_other] : NULL);
            s->kernel_name[st->layer] = s->k->norm_name;
        } else {
            run_other(s, st);
        }
        s->layer_ms[st->layer] = now_ms() - t;
    }
    s->last_ms = now_ms() - t0;
    return SC_OK;
}

int sc_session_run_f32(sc_session *s, const float *input, int in_c, int in_h, int in_w,
                       float *out, size_t out_capacity)
{
    const sc_model *m;
    sc_shape o;
    size_t n;
    int st;
    if (!s || !input || !out)
        return sc_fail(SC_ERR_ARGUMENT, "session, input or output is NULL");
    m = s->m;
    if (in_c != m->in_channels)
        return sc_fail(SC_ERR_ARGUMENT, "input has %d channels, the network takes %d", in_c, m->in_channels);
    st = plan(s, in_h, in_w);
    if (st != SC_OK)
        return st;
    o = s->shapes[m->output_value];
    n = (size_t)o.c * o.h * o.w;
    if (out_capacity < n)
        return sc_fail(SC_ERR_ARGUMENT, "output buffer holds %llu floats, %dx%dx%d = %llu needed",
                       (unsigned long long)out_capacity, o.c, o.h, o.w, (unsigned long long)n);
    {
        /* read the caller's input and write the caller's output in place (no op writes its
         * input, and the output value's pool buffer is not needed while it is redirected) */
        float *own_in = s->vbuf[0], *own_out = s->vbuf[m->output_value];
        s->vbuf[0] = (float *)(uintptr_t)input;
        if (m->output_value != 0)
            s->vbuf[m->output_value] = out;
        st = run_steps(s);
        s->vbuf[0] = own_in;
        s->vbuf[m->output_value] = own_out;
        if (m->output_value == 0)
            memcpy(out, input, n * sizeof(float));
    }
    return st;
}

int sc_session_run_rgb(sc_session *s, const uint8_t *rgb, int in_h, int in_w, uint8_t *out,
                       size_t out_capacity)
{
    const sc_model *m;
    sc_shape o;
    size_t n, i, plane;
    int st, c;
    float *x;
    const float *y;
    if (!s || !rgb || !out)
        return sc_fail(SC_ERR_ARGUMENT, "session, input or output is NULL");
    m = s->m;
    if (m->in_channels != 3 || m->out_channels != 3)
        return sc_fail(SC_ERR_ARGUMENT, "the network maps %d to %d channels, RGB needs 3 to 3",
                       m->in_channels, m->out_channels);
    st = plan(s, in_h, in_w);
    if (st != SC_OK)
        return st;
    o = s->shapes[m->output_value];
    n = (size_t)o.h * o.w * 3;
    if (out_capacity < n)
        return sc_fail(SC_ERR_ARGUMENT, "output buffer holds %llu bytes, %dx%dx3 = %llu needed",
                       (unsigned long long)out_capacity, o.w, o.h, (unsigned long long)n);
    x = s->vbuf[0];
    plane = (size_t)in_h * in_w;
    {
        /* one pass per plane, each a plain loop over contiguous output the compiler vectorises */
        const float mul = m->rgb_in_mul, add = m->rgb_in_add;
        for (c = 0; c < 3; c++) {
            float *xc = x + (size_t)c * plane;
            const uint8_t *src = rgb + c;
            for (i = 0; i < plane; i++)
                xc[i] = (float)src[i * 3] * mul + add;
        }
    }
    st = run_steps(s);
    if (st != SC_OK)
        return st;
    y = s->vbuf[m->output_value];
    plane = (size_t)o.h * o.w;
    {
        /* Round half to even as nearbyintf does in the default rounding mode, without the libm
         * call per byte: adding and subtracting 1.5 * 2^23 leaves the nearest integer for any
         * value already clamped to 0..255 (exact in float; -ffp-contract=off keeps it so). */
        const float mul = m->rgb_out_mul, add = m->rgb_out_add, magic = 12582912.0f;
        const float *y0 = y, *y1 = y + plane, *y2 = y + 2 * plane;
        for (i = 0; i < plane; i++) {
            float v0 = y0[i] * mul + add, v1 = y1[i] * mul + add, v2 = y2[i] * mul + add;
            v0 = v0 > 0.0f ? v0 : 0.0f;
            v1 = v1 > 0.0f ? v1 : 0.0f;
            v2 = v2 > 0.0f ? v2 : 0.0f;
            v0 = v0 < 255.0f ? v0 : 255.0f;
            v1 = v1 < 255.0f ? v1 : 255.0f;
            v2 = v2 < 255.0f ? v2 : 255.0f;
            out[i * 3] = (uint8_t)(int)((v0 + magic) - magic);
            out[i * 3 + 1] = (uint8_t)(int)((v1 + magic) - magic);
            out[i * 3 + 2] = (uint8_t)(int)((v2 + magic) - magic);
        }
    }
    return SC_OK;
}

int sc_session_layer_timing(const sc_session *s, int index, sc_layer_timing *out)
{
    if (!s || !out)
        return sc_fail(SC_ERR_ARGUMENT, "session or out_timing is NULL");
    if (index < 0 || index >= s->m->num_layers)
        return sc_fail(SC_ERR_ARGUMENT, "layer index %d out of range", index);
    out->ms = s->layer_ms[index];
    out->fused_into = s->fused_into[index];
    out->kernel = s->kernel_name[index] ? s->kernel_name[index] : "";
    return SC_OK;
}

double sc_session_last_run_ms(const sc_session *s) { return s ? s->last_ms : 0.0; }
