/* Graph validation (structure, tensors, channels) and shape inference for an input size. */
#include <string.h>
#include <stdlib.h>
#include "internal.h"

const char *sc_op_name(int op);

static const sc_tensor *tensor_ref(const sc_model *m, const sc_layer *l, int slot)
{
    int id = l->tensors[slot];
    if (id < 0 || id >= m->num_tensors)
        return NULL;
    return &m->tensors[id];
}

/* A tensor of dtype dt with exactly count elements (any dims). */
static int need_tensor(const sc_model *m, int li, int slot, int dt, uint64_t count, const char *what)
{
    const sc_layer *l = &m->layers[li];
    const sc_tensor *t;
    if (l->tensors[slot] < 0 || l->tensors[slot] >= m->num_tensors)
        return sc_fail(SC_ERR_GRAPH, "layer %d (%s): %s tensor id %d does not exist", li,
                       sc_op_name(l->op), what, l->tensors[slot]);
    t = &m->tensors[l->tensors[slot]];
    if (t->dtype != dt)
        return sc_fail(SC_ERR_GRAPH, "layer %d (%s): %s tensor has dtype %d, expected %d", li,
                       sc_op_name(l->op), what, t->dtype, dt);
    if (count && t->count != count)
        return sc_fail(SC_ERR_GRAPH, "layer %d (%s): %s tensor has %llu elements, the graph needs %llu",
                       li, sc_op_name(l->op), what, (unsigned long long)t->count, (unsigned long long)count);
    return SC_OK;
}

static int optional_absent_or(const sc_model *m, int li, int slot, int dt, uint64_t count, const char *what)
{
    if (m->layers[li].tensors[slot] == -1)
        return SC_OK;
    return need_tensor(m, li, slot, dt, count, what);
}

#define IN_RANGE(v, lo, hi) ((v) >= (lo) && (v) <= (hi))
#define BAD(...) do { st = sc_fail(SC_ERR_UNSUPPORTED, __VA_ARGS__); goto done; } while (0)

int sc_validate_graph(sc_model *m)
{
    char *defined = (char *)calloc((size_t)m->num_values, 1);
    int i, k, st = SC_OK;
    if (!defined)
        return sc_fail(SC_ERR_NOMEM, "graph validation");
    defined[0] = 1;
    if (m->values[0].channels != m->in_channels) {
        free(defined);
        return sc_fail(SC_ERR_GRAPH, "input value has %d channels, header says %d",
                       m->values[0].channels, m->in_channels);
    }
    for (i = 0; i < m->num_layers && st == SC_OK; i++) {
        sc_layer *l = &m->layers[i];
        int nin_min = 1, nin_max = 1, C, outc = -1;
        if (l->op == SC_OP_ADD || l->op == SC_OP_MUL || l->op == SC_OP_SUB)
            nin_min = nin_max = 2;
        if (l->op == SC_OP_CONCAT)
            nin_max = SC_MAX_INPUTS;
        if (l->num_inputs < nin_min || l->num_inputs > nin_max) {
            st = sc_fail(SC_ERR_GRAPH, "layer %d (%s) has %d inputs", i, sc_op_name(l->op), l->num_inputs);
            break;
        }
        for (k = 0; k < l->num_inputs; k++) {
            int v = l->inputs[k];
            if (v < 0 || v >= m->num_values || !defined[v]) {
                st = sc_fail(SC_ERR_GRAPH, "layer %d (%s): input %d is value %d, which is not defined before it",
                             i, sc_op_name(l->op), k, v);
                break;
            }
        }
        if (st != SC_OK)
            break;
        if (l->output <= 0 || l->output >= m->num_values || defined[l->output]) {
            st = sc_fail(SC_ERR_GRAPH, "layer %d (%s): output value %d is invalid or defined twice", i,
                         sc_op_name(l->op), l->output);
            break;
        }
        C = m->values[l->inputs[0]].channels;
        switch (l->op) {
        case SC_OP_CONV: {
            const sc_tensor *w = tensor_ref(m, l, 0);
            int g = l->ia[8], O, is_i8;
            if (!w || w->ndim != 4) {
                st = sc_fail(SC_ERR_GRAPH, "layer %d (conv): weight tensor missing or not 4-D", i);
                break;
            }
            O = (int)w->dims[0];
            is_i8 = w->dtype == SC_DT_I8;
            if (!IN_RANGE(l->ia[0], 1, SC_MAX_STRIDE) || !IN_RANGE(l->ia[1], 1, SC_MAX_STRIDE))
                BAD("layer %d (conv): stride %dx%d out of range", i, l->ia[0], l->ia[1]);
            for (k = 2; k < 6; k++)
                if (!IN_RANGE(l->ia[k], 0, SC_MAX_PAD))
                    BAD("layer %d (conv): padding %d out of range", i, l->ia[k]);
            if (!IN_RANGE(l->ia[6], 1, SC_MAX_STRIDE) || !IN_RANGE(l->ia[7], 1, SC_MAX_STRIDE))
                BAD("layer %d (conv): dilation out of range", i);
            if (!IN_RANGE(l->ia[9], 0, 2))
                BAD("layer %d (conv): pad mode %d unknown", i, l->ia[9]);
            if (!IN_RANGE((int)w->dims[2], 1, SC_MAX_KERNEL) || !IN_RANGE((int)w->dims[3], 1, SC_MAX_KERNEL))
                BAD("layer %d (conv): kernel %ux%u out of range", i, w->dims[2], w->dims[3]);
            if (g < 1 || C % g != 0 || O % g != 0 || (int)w->dims[1] * g != C) {
                st = sc_fail(SC_ERR_GRAPH, "layer %d (conv): weight [%u,%u,%u,%u] with %d groups does not fit %d input channels",
                             i, w->dims[0], w->dims[1], w->dims[2], w->dims[3], g, C);
                break;
            }
            if (is_i8) {
                if (!m->is_int8) {
                    st = sc_fail(SC_ERR_GRAPH, "layer %d (conv): int8 weights in a model without the int8 flag", i);
                    break;
                }
                if (m->values[l->inputs[0]].scale <= 0.0f) {
                    st = sc_fail(SC_ERR_GRAPH, "layer %d (conv): int8 layer whose input value %d has no quantization scale",
                                 i, l->inputs[0]);
                    break;
                }
                st = need_tensor(m, i, 2, SC_DT_F32, (uint64_t)O, "weight scale");
                if (st == SC_OK) st = optional_absent_or(m, i, 1, SC_DT_I32, (uint64_t)O, "bias");
            } else if (w->dtype == SC_DT_F32) {
                st = optional_absent_or(m, i, 1, SC_DT_F32, (uint64_t)O, "bias");
            } else {
                st = sc_fail(SC_ERR_GRAPH, "layer %d (conv): weight dtype %d", i, w->dtype);
            }
            outc = O;
            break;
        }
        case SC_OP_CONV_TRANSPOSE: {
            const sc_tensor *w = tensor_ref(m, l, 0);
            int g = l->ia[8];
            if (!w || w->ndim != 4 || w->dtype != SC_DT_F32) {
                st = sc_fail(SC_ERR_GRAPH, "layer %d (conv_transpose): weight tensor missing, not 4-D or not f32", i);
                break;
            }
            if (!IN_RANGE(l->ia[0], 1, SC_MAX_STRIDE) || !IN_RANGE(l->ia[1], 1, SC_MAX_STRIDE) ||
                !IN_RANGE(l->ia[6], 1, SC_MAX_STRIDE) || !IN_RANGE(l->ia[7], 1, SC_MAX_STRIDE))
                BAD("layer %d (conv_transpose): stride or dilation out of range", i);
            for (k = 2; k < 6; k++)
                if (!IN_RANGE(l->ia[k], 0, SC_MAX_PAD))
                    BAD("layer %d (conv_transpose): padding out of range", i);
            if (!IN_RANGE(l->ia[9], 0, SC_MAX_STRIDE - 1) || !IN_RANGE(l->ia[10], 0, SC_MAX_STRIDE - 1) ||
                (l->ia[9] >= l->ia[0] && l->ia[9] >= l->ia[6]) || (l->ia[10] >= l->ia[1] && l->ia[10] >= l->ia[7]))
                BAD("layer %d (conv_transpose): output padding must be smaller than stride or dilation", i);
            if (!IN_RANGE((int)w->dims[2], 1, SC_MAX_KERNEL) || !IN_RANGE((int)w->dims[3], 1, SC_MAX_KERNEL))
                BAD("layer %d (conv_transpose): kernel out of range", i);
            if (g < 1 || C % g != 0 || (int)w->dims[0] != C) {
                st = sc_fail(SC_ERR_GRAPH, "layer %d (conv_transpose): weight does not fit %d input channels with %d groups", i, C, g);
                break;
            }
            outc = (int)w->dims[1] * g;
            st = optional_absent_or(m, i, 1, SC_DT_F32, (uint64_t)outc, "bias");
            break;
        }
        case SC_OP_RESIZE:
            if (!IN_RANGE(l->ia[0], 0, 1) || !IN_RANGE(l->ia[1], 0, 3) || !IN_RANGE(l->ia[2], 0, 3))
                BAD("layer %d (resize): mode attributes out of range", i);
            if (!(l->fa[0] > 0.0f && l->fa[0] <= 64.0f && l->fa[1] > 0.0f && l->fa[1] <= 64.0f))
                BAD("layer %d (resize): scales must be in (0, 64]", i);
            outc = C;
            break;
        case SC_OP_DEPTH_TO_SPACE:
            if (!IN_RANGE(l->ia[0], 1, 16) || !IN_RANGE(l->ia[1], 0, 1))
                BAD("layer %d (depth_to_space): blocksize or mode out of range", i);
            if (C % (l->ia[0] * l->ia[0]) != 0) {
                st = sc_fail(SC_ERR_GRAPH, "layer %d (depth_to_space): %d channels not divisible by blocksize^2", i, C);
                break;
            }
            outc = C / (l->ia[0] * l->ia[0]);
            break;
        case SC_OP_SPACE_TO_DEPTH:
            if (!IN_RANGE(l->ia[0], 1, 16))
                BAD("layer %d (space_to_depth): blocksize out of range", i);
            outc = C * l->ia[0] * l->ia[0];
            break;
        case SC_OP_PAD:
            for (k = 0; k < 4; k++)
                if (!IN_RANGE(l->ia[k], 0, SC_MAX_PAD))
                    BAD("layer %d (pad): padding out of range", i);
            if (!IN_RANGE(l->ia[4], 0, 2))
                BAD("layer %d (pad): mode %d unknown", i, l->ia[4]);
            outc = C;
            break;
        case SC_OP_INSTANCE_NORM:
            st = need_tensor(m, i, 0, SC_DT_F32, (uint64_t)C, "gamma");
            if (st == SC_OK) st = need_tensor(m, i, 1, SC_DT_F32, (uint64_t)C, "beta");
            if (st == SC_OK && !(l->fa[0] >= 0.0f))
                BAD("layer %d (instance_norm): negative epsilon", i);
            outc = C;
            break;
        case SC_OP_COND_INSTANCE_NORM:
            if (m->num_styles < 1) {
                st = sc_fail(SC_ERR_GRAPH, "layer %d (cond_instance_norm) in a model with num_styles 0", i);
                break;
            }
            st = need_tensor(m, i, 0, SC_DT_F32, (uint64_t)C * (uint64_t)m->num_styles, "gamma table");
            if (st == SC_OK) st = need_tensor(m, i, 1, SC_DT_F32, (uint64_t)C * (uint64_t)m->num_styles, "beta table");
            if (st == SC_OK && !(l->fa[0] >= 0.0f))
                BAD("layer %d (cond_instance_norm): negative epsilon", i);
            outc = C;
            break;
        case SC_OP_CLIP:
            if (!(l->fa[0] <= l->fa[1]))
                BAD("layer %d (clip): min > max", i);
            outc = C;
            break;
        case SC_OP_RELU: case SC_OP_LEAKY_RELU: case SC_OP_SIGMOID: case SC_OP_TANH:
            outc = C;
            break;
        case SC_OP_ADD: case SC_OP_MUL: case SC_OP_SUB:
            if (m->values[l->inputs[1]].channels != C) {
                st = sc_fail(SC_ERR_GRAPH, "layer %d (%s): inputs have %d and %d channels", i,
                             sc_op_name(l->op), C, m->values[l->inputs[1]].channels);
                break;
            }
            outc = C;
            break;
        case SC_OP_CONCAT:
            outc = 0;
            for (k = 0; k < l->num_inputs; k++)
                outc += m->values[l->inputs[k]].channels;
            break;
        case SC_OP_AVG_POOL: case SC_OP_MAX_POOL:
            if (!IN_RANGE(l->ia[0], 1, SC_MAX_KERNEL) || !IN_RANGE(l->ia[1], 1, SC_MAX_KERNEL) ||
                !IN_RANGE(l->ia[2], 1, SC_MAX_STRIDE) || !IN_RANGE(l->ia[3], 1, SC_MAX_STRIDE) ||
                !IN_RANGE(l->ia[8], 0, 1) || !IN_RANGE(l->ia[9], 0, 1))
                BAD("layer %d (%s): attributes out of range", i, sc_op_name(l->op));
            for (k = 4; k < 8; k++)
                if (!IN_RANGE(l->ia[k], 0, l->ia[k % 2 == 0 ? 0 : 1] - 1))
                    BAD("layer %d (%s): padding must be smaller than the kernel", i, sc_op_name(l->op));
            outc = C;
            break;
        case SC_OP_CHANNEL_AFFINE:
            st = need_tensor(m, i, 0, SC_DT_F32, (uint64_t)C, "scale");
            if (st == SC_OK) st = need_tensor(m, i, 1, SC_DT_F32, (uint64_t)C, "bias");
            outc = C;
            break;
        default:
            BAD("layer %d has unknown op %d", i, l->op);
        }
        if (st != SC_OK)
            break;
        if (outc != m->values[l->output].channels) {
            st = sc_fail(SC_ERR_GRAPH, "layer %d (%s) produces %d channels but value %d declares %d",
                         i, sc_op_name(l->op), outc, l->output, m->values[l->output].channels);
            break;
        }
        defined[l->output] = 1;
    }
    if (st == SC_OK && !defined[m->output_value])
        st = sc_fail(SC_ERR_GRAPH, "output value %d is never produced", m->output_value);
    if (st == SC_OK && m->values[m->output_value].channels != m->out_channels)
        st = sc_fail(SC_ERR_GRAPH, "output value has %d channels, header says %d",
                     m->values[m->output_value].channels, m->out_channels);
done:
    free(defined);
    return st;
}

int sc_conv_out_dim(int in, int k, int stride, int pad0, int pad1, int dil)
{
    long long span = (long long)dil * (k - 1) + 1;
    long long padded = (long long)in + pad0 + pad1;
    if (padded < span)
        return 0;
    return (int)((padded - span) / stride + 1);
}

int sc_pool_out_dim(int in, int k, int s, int p0, int p1, int ceil_mode)
{
    long long padded = (long long)in + p0 + p1;
    long long o;
    if (padded < k)
        return 0;
    o = ceil_mode ? (padded - k + s - 1) / s + 1 : (padded - k) / s + 1;
    /* the last window must start inside the input or the leading padding */
    if (ceil_mode && (o - 1) * s >= (long long)in + p0)
        o--;
    return (int)o;
}

#define SC_MAX_VALUE_ELEMS ((long long)1 << 31)
#define SC_MAX_DIM (1 << 20)

int sc_infer_shapes(const sc_model *m, int in_h, int in_w, sc_shape *s)
{
    int i, k;
    if (in_h <= 0 || in_w <= 0)
        return sc_fail(SC_ERR_SIZE, "image is %dx%d (empty)", in_w, in_h);
    if (in_h > SC_MAX_IMAGE_DIM || in_w > SC_MAX_IMAGE_DIM)
        return sc_fail(SC_ERR_SIZE, "image %dx%d is larger than %d in a dimension", in_w, in_h, SC_MAX_IMAGE_DIM);
    if (in_h < m->min_size || in_w < m->min_size)
        return sc_fail(SC_ERR_SIZE, "image %dx%d is smaller than the network's minimum %d", in_w, in_h, m->min_size);
    if (in_h % m->size_multiple || in_w % m->size_multiple)
        return sc_fail(SC_ERR_SIZE, "image %dx%d: width and height must be multiples of %d", in_w, in_h, m->size_multiple);
    s[0].c = m->in_channels;
    s[0].h = in_h;
    s[0].w = in_w;
    for (i = 0; i < m->num_layers; i++) {
        const sc_layer *l = &m->layers[i];
        sc_shape x = s[l->inputs[0]], o;
        const sc_tensor *w = l->tensors[0] >= 0 && l->tensors[0] < m->num_tensors ? &m->tensors[l->tensors[0]] : NULL;
        o.c = m->values[l->output].channels;
        o.h = x.h;
        o.w = x.w;
        if (!w && (l->op == SC_OP_CONV || l->op == SC_OP_CONV_TRANSPOSE)) /* excluded at load */
            return sc_fail(SC_ERR_GRAPH, "layer %d has no weight tensor", i);
        switch (l->op) {
        case SC_OP_CONV:
            if (l->ia[9] == SC_PAD_REFLECT &&
                (l->ia[2] >= x.h || l->ia[4] >= x.h || l->ia[3] >= x.w || l->ia[5] >= x.w))
                return sc_fail(SC_ERR_SIZE, "image too small: layer %d (conv) reflect-pads a %dx%d input", i, x.w, x.h);
            o.h = sc_conv_out_dim(x.h, (int)w->dims[2], l->ia[0], l->ia[2], l->ia[4], l->ia[6]);
            o.w = sc_conv_out_dim(x.w, (int)w->dims[3], l->ia[1], l->ia[3], l->ia[5], l->ia[7]);
            break;
        case SC_OP_CONV_TRANSPOSE: {
            long long oh = (long long)(x.h - 1) * l->ia[0] - l->ia[2] - l->ia[4] + (long long)l->ia[6] * ((int)w->dims[2] - 1) + l->ia[9] + 1;
            long long ow = (long long)(x.w - 1) * l->ia[1] - l->ia[3] - l->ia[5] + (long long)l->ia[7] * ((int)w->dims[3] - 1) + l->ia[10] + 1;
            o.h = oh < 1 || oh > SC_MAX_DIM ? 0 : (int)oh;
            o.w = ow < 1 || ow > SC_MAX_DIM ? 0 : (int)ow;
            break;
        }
        case SC_OP_RESIZE: {
            double oh = (double)x.h * l->fa[0], ow = (double)x.w * l->fa[1];
            o.h = oh >= SC_MAX_DIM ? 0 : (int)oh;
            o.w = ow >= SC_MAX_DIM ? 0 : (int)ow;
            break;
        }
        case SC_OP_DEPTH_TO_SPACE:
            o.h = x.h * l->ia[0];
            o.w = x.w * l->ia[0];
            break;
        case SC_OP_SPACE_TO_DEPTH:
            if (x.h % l->ia[0] || x.w % l->ia[0])
                return sc_fail(SC_ERR_SIZE, "layer %d (space_to_depth): input %dx%d is not a multiple of %d",
                               i, x.w, x.h, l->ia[0]);
            o.h = x.h / l->ia[0];
            o.w = x.w / l->ia[0];
            break;
        case SC_OP_PAD:
            if (l->ia[4] == SC_PAD_REFLECT &&
                (l->ia[0] >= x.h || l->ia[2] >= x.h || l->ia[1] >= x.w || l->ia[3] >= x.w))
                return sc_fail(SC_ERR_SIZE, "image too small: layer %d (pad) reflect-pads a %dx%d input", i, x.w, x.h);
            o.h = x.h + l->ia[0] + l->ia[2];
            o.w = x.w + l->ia[1] + l->ia[3];
            break;
        case SC_OP_ADD: case SC_OP_MUL: case SC_OP_SUB: case SC_OP_CONCAT:
            for (k = 1; k < l->num_inputs; k++) {
                sc_shape y = s[l->inputs[k]];
                if (y.h != x.h || y.w != x.w)
                    return sc_fail(SC_ERR_SIZE, "layer %d (%s): inputs of %dx%d and %dx%d for a %dx%d image (try a size that is a multiple of a larger power of two)",
                                   i, l->op == SC_OP_CONCAT ? "concat" : "elementwise", x.w, x.h, y.w, y.h, in_w, in_h);
            }
            break;
        case SC_OP_AVG_POOL: case SC_OP_MAX_POOL:
            o.h = sc_pool_out_dim(x.h, l->ia[0], l->ia[2], l->ia[4], l->ia[6], l->ia[9]);
            o.w = sc_pool_out_dim(x.w, l->ia[1], l->ia[3], l->ia[5], l->ia[7], l->ia[9]);
            break;
        default:
            break;
        }
        if (o.h < 1 || o.w < 1)
            return sc_fail(SC_ERR_SIZE, "image %dx%d too small: layer %d would produce an empty output", in_w, in_h, i);
        if (o.h > SC_MAX_DIM || o.w > SC_MAX_DIM || (long long)o.c * o.h * o.w > SC_MAX_VALUE_ELEMS)
            return sc_fail(SC_ERR_SIZE, "image %dx%d too large: layer %d output would be %dx%dx%d", in_w, in_h, i, o.c, o.h, o.w);
        s[l->output] = o;
    }
    return SC_OK;
}

int sc_model_output_shape(const sc_model *m, int in_h, int in_w, int *out_c, int *out_h, int *out_w)
{
    sc_shape *s;
    int st;
    if (!m)
        return sc_fail(SC_ERR_ARGUMENT, "model is NULL");
    s = (sc_shape *)calloc((size_t)m->num_values, sizeof *s);
    if (!s)
        return sc_fail(SC_ERR_NOMEM, "shape table");
    st = sc_infer_shapes(m, in_h, in_w, s);
    if (st == SC_OK) {
        if (out_c) *out_c = s[m->output_value].c;
        if (out_h) *out_h = s[m->output_value].h;
        if (out_w) *out_w = s[m->output_value].w;
    }
    free(s);
    return st;
}

int sc_model_layer_info(const sc_model *m, int index, int in_h, int in_w, sc_layer_info *out)
{
    sc_shape *s;
    const sc_layer *l;
    int st;
    if (!m || !out)
        return sc_fail(SC_ERR_ARGUMENT, "model or out_info is NULL");
    if (index < 0 || index >= m->num_layers)
        return sc_fail(SC_ERR_ARGUMENT, "layer index %d out of range (0..%d)", index, m->num_layers - 1);
    s = (sc_shape *)calloc((size_t)m->num_values, sizeof *s);
    if (!s)
        return sc_fail(SC_ERR_NOMEM, "shape table");
    st = sc_infer_shapes(m, in_h, in_w, s);
    if (st != SC_OK) {
        free(s);
        return st;
    }
    l = &m->layers[index];
    memset(out, 0, sizeof *out);
    out->op = l->op;
    out->op_name = sc_op_name(l->op);
    out->in_c = s[l->inputs[0]].c;
    out->in_h = s[l->inputs[0]].h;
    out->in_w = s[l->inputs[0]].w;
    out->out_c = s[l->output].c;
    out->out_h = s[l->output].h;
    out->out_w = s[l->output].w;
    {
        uint64_t outn = (uint64_t)out->out_c * out->out_h * out->out_w;
        uint64_t inn = (uint64_t)out->in_c * out->in_h * out->in_w;
        const sc_tensor *w = l->tensors[0] >= 0 && l->tensors[0] < m->num_tensors ? &m->tensors[l->tensors[0]] : NULL;
        int k;
        switch (l->op) {
        case SC_OP_CONV:
            if (!w) /* excluded at load */
                break;
            out->kernel_h = (int)w->dims[2];
            out->kernel_w = (int)w->dims[3];
            out->stride_h = l->ia[0];
            out->stride_w = l->ia[1];
            out->groups = l->ia[8];
            out->is_int8 = w->dtype == SC_DT_I8;
            out->macs = outn * w->dims[1] * w->dims[2] * w->dims[3];
            break;
        case SC_OP_CONV_TRANSPOSE:
            if (!w)
                break;
            out->kernel_h = (int)w->dims[2];
            out->kernel_w = (int)w->dims[3];
            out->stride_h = l->ia[0];
            out->stride_w = l->ia[1];
            out->groups = l->ia[8];
            out->macs = inn * w->dims[1] * w->dims[2] * w->dims[3];
            break;
        case SC_OP_AVG_POOL: case SC_OP_MAX_POOL:
            out->kernel_h = l->ia[0];
            out->kernel_w = l->ia[1];
            out->stride_h = l->ia[2];
            out->stride_w = l->ia[3];
            out->macs = outn * (uint64_t)l->ia[0] * (uint64_t)l->ia[1];
            break;
        case SC_OP_INSTANCE_NORM: case SC_OP_COND_INSTANCE_NORM:
            out->macs = 2 * inn;
            break;
        default:
            out->macs = outn;
        }
        for (k = 0; k < 6; k++)
            if (l->tensors[k] >= 0 && l->tensors[k] < m->num_tensors)
                out->params += m->tensors[l->tensors[k]].count;
    }
    free(s);
    return SC_OK;
}
