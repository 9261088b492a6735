/* Model loading: every byte of the file is validated before anything trusts it
 * (docs/NATIVE_FORMAT.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32); }
static float rdf(const uint8_t *p)
{
    uint32_t u = rd32(p);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}
static int finite_f(float f) { return f == f && f - f == 0.0f; }

/* A table region [off, off + count*entry) must lie inside the file after the header. */
static int check_region(size_t size, uint64_t off, uint64_t count, uint64_t entry, const char *what)
{
    if (off % 8 != 0)
        return sc_fail(SC_ERR_FORMAT, "%s offset %llu is not 8-byte aligned", what, (unsigned long long)off);
    if (off < SC_HEADER_SIZE || off > size || count * entry > size - off)
        return sc_fail(SC_ERR_FORMAT, "%s (offset %llu, %llu entries) lies outside the file of %llu bytes",
                       what, (unsigned long long)off, (unsigned long long)count, (unsigned long long)size);
    return SC_OK;
}

static const char *op_names[] = {
    "?", "conv", "conv_transpose", "resize", "depth_to_space", "space_to_depth", "pad",
    "instance_norm", "cond_instance_norm", "relu", "leaky_relu", "sigmoid", "tanh", "clip",
    "add", "concat", "avg_pool", "max_pool", "mul", "sub", "channel_affine"};

const char *sc_op_name(int op)
{
    if (op < 1 || op > SC_OP_CHANNEL_AFFINE)
        return "?";
    return op_names[op];
}

static int parse_tensors(sc_model *m, uint64_t off)
{
    int i;
    for (i = 0; i < m->num_tensors; i++) {
        const uint8_t *e = m->blob + off + (size_t)i * SC_TENSOR_ENTRY;
        sc_tensor *t = &m->tensors[i];
        uint64_t count = 1, esize, data_off, bytes;
        int d;
        t->dtype = (int)rd32(e);
        t->ndim = (int)rd32(e + 4);
        if (t->dtype < SC_DT_F32 || t->dtype > SC_DT_I32)
            return sc_fail(SC_ERR_FORMAT, "tensor %d has unknown dtype %u", i, rd32(e));
        if (t->ndim < 1 || t->ndim > 4)
            return sc_fail(SC_ERR_FORMAT, "tensor %d has %u dimensions (1..4 allowed)", i, rd32(e + 4));
        for (d = 0; d < 4; d++) {
            t->dims[d] = rd32(e + 8 + 4 * d);
            if (d >= t->ndim)
                continue;
            if (t->dims[d] == 0)
                return sc_fail(SC_ERR_FORMAT, "tensor %d has a zero dimension", i);
            if (count > UINT64_MAX / t->dims[d] || count * t->dims[d] > ((uint64_t)1 << 40))
                return sc_fail(SC_ERR_OVERFLOW, "tensor %d: the product of its dimensions overflows", i);
            count *= t->dims[d];
        }
        esize = t->dtype == SC_DT_I8 ? 1 : 4;
        bytes = count * esize;
        data_off = rd64(e + 24);
        if (data_off % 64 != 0)
            return sc_fail(SC_ERR_FORMAT, "tensor %d data offset %llu is not 64-byte aligned", i,
                           (unsigned long long)data_off);
        if (data_off < SC_HEADER_SIZE || data_off > m->size || bytes > m->size - data_off)
            return sc_fail(SC_ERR_FORMAT, "tensor %d (%llu bytes at offset %llu) lies outside the file of %llu bytes",
                           i, (unsigned long long)bytes, (unsigned long long)data_off,
                           (unsigned long long)m->size);
        t->count = count;
        t->data = m->blob + data_off;
        m->num_params += count;
    }
    return SC_OK;
}

static int parse_values(sc_model *m, uint64_t off)
{
    int i;
    for (i = 0; i < m->num_values; i++) {
        const uint8_t *e = m->blob + off + (size_t)i * SC_VALUE_ENTRY;
        sc_value *v = &m->values[i];
        uint32_t c = rd32(e);
        int32_t zp = (int32_t)rd32(e + 12);
        if (c < 1 || c > SC_MAX_CHANNELS)
            return sc_fail(SC_ERR_FORMAT, "value %d has %u channels (1..%d allowed)", i, c, SC_MAX_CHANNELS);
        v->channels = (int)c;
        v->scale = rdf(e + 8);
        v->zero_point = zp;
        if (!finite_f(v->scale) || v->scale < 0.0f || (v->scale > 0.0f && v->scale < 1e-30f))
            return sc_fail(SC_ERR_FORMAT, "value %d has an invalid quantization scale", i);
        if (zp < -128 || zp > 127 || (v->scale == 0.0f && zp != 0))
            return sc_fail(SC_ERR_FORMAT, "value %d has an invalid zero point %d", i, zp);
    }
    return SC_OK;
}

static int parse_layers(sc_model *m, uint64_t off)
{
    int i, k;
    for (i = 0; i < m->num_layers; i++) {
        const uint8_t *e = m->blob + off + (size_t)i * SC_LAYER_ENTRY;
        sc_layer *l = &m->layers[i];
        l->op = (int)rd32(e);
        l->num_inputs = (int)rd32(e + 4);
        for (k = 0; k < SC_MAX_INPUTS; k++)
            l->inputs[k] = (int32_t)rd32(e + 8 + 4 * k);
        l->output = (int)rd32(e + 40);
        for (k = 0; k < 6; k++)
            l->tensors[k] = (int32_t)rd32(e + 44 + 4 * k);
        for (k = 0; k < 12; k++)
            l->ia[k] = (int32_t)rd32(e + 68 + 4 * k);
        for (k = 0; k < 3; k++) {
            l->fa[k] = rdf(e + 116 + 4 * k);
            if (!finite_f(l->fa[k]))
                return sc_fail(SC_ERR_FORMAT, "layer %d: float attribute %d is not finite", i, k);
        }
        if (l->op < 1 || l->op > SC_OP_CHANNEL_AFFINE)
            return sc_fail(SC_ERR_UNSUPPORTED, "layer %d has unknown op code %d", i, l->op);
    }
    return SC_OK;
}

/* Graph structure, tensor shapes and channel counts (everything that does not depend on the
 * image size). */
int sc_validate_graph(sc_model *m);

static int load(const void *data, size_t size, sc_model **out)
{
    const uint8_t *h = (const uint8_t *)data;
    sc_model *m;
    uint64_t file_size, checksum, voff, toff, loff;
    uint32_t version, flags;
    int st, i;
    void *base;

    if (size < SC_HEADER_SIZE)
        return sc_fail(SC_ERR_FORMAT, "file is %llu bytes, shorter than the %d-byte header",
                       (unsigned long long)size, SC_HEADER_SIZE);
    if (memcmp(h, "SCNMODEL", 8) != 0)
        return sc_fail(SC_ERR_FORMAT, "bad magic (not a StyleCut native model)");
    version = rd32(h + 8);
    if (version != SC_FORMAT_VERSION)
        return sc_fail(SC_ERR_VERSION, "format version %u, this runtime reads version %d", version,
                       SC_FORMAT_VERSION);
    if (rd32(h + 12) != SC_HEADER_SIZE)
        return sc_fail(SC_ERR_FORMAT, "header size %u, expected %d", rd32(h + 12), SC_HEADER_SIZE);
    file_size = rd64(h + 16);
    if (file_size != size)
        return sc_fail(SC_ERR_FORMAT, "header says %llu bytes but the data has %llu (truncated or padded)",
                       (unsigned long long)file_size, (unsigned long long)size);
    checksum = rd64(h + 24);
    if (sc_fnv1a64(h + 32, size - 32) != checksum)
        return sc_fail(SC_ERR_CHECKSUM, "payload checksum does not match (corrupt file)");
    flags = rd32(h + 32);
    if (flags & ~1u)
        return sc_fail(SC_ERR_FORMAT, "unknown flags 0x%x", flags);
    for (i = 0; i < 7; i++)
        if (rd32(h + 100 + 4 * i) != 0)
            return sc_fail(SC_ERR_FORMAT, "reserved header field %d is not zero", i);

    m = (sc_model *)calloc(1, sizeof *m);
    if (!m)
        return sc_fail(SC_ERR_NOMEM, "model struct");
    m->version = (int)version;
    m->is_int8 = (int)(flags & 1u);
    m->in_channels = (int)rd32(h + 36);
    m->out_channels = (int)rd32(h + 40);
    m->size_multiple = (int)rd32(h + 44);
    m->min_size = (int)rd32(h + 48);
    m->num_styles = (int)rd32(h + 52);
    m->num_values = (int)rd32(h + 56);
    m->num_tensors = (int)rd32(h + 60);
    m->num_layers = (int)rd32(h + 64);
    m->output_value = (int)rd32(h + 68);
    voff = rd32(h + 72);
    toff = rd32(h + 76);
    loff = rd32(h + 80);
    m->rgb_in_mul = rdf(h + 84);
    m->rgb_in_add = rdf(h + 88);
    m->rgb_out_mul = rdf(h + 92);
    m->rgb_out_add = rdf(h + 96);
    memcpy(m->name, h + 128, 32);
    m->name[32] = 0;
    m->size = size;

    st = SC_OK;
    if (rd32(h + 36) < 1 || rd32(h + 36) > SC_MAX_CHANNELS || rd32(h + 40) < 1 || rd32(h + 40) > SC_MAX_CHANNELS)
        st = sc_fail(SC_ERR_FORMAT, "input/output channel counts out of range");
    else if (rd32(h + 44) < 1 || rd32(h + 44) > 4096)
        st = sc_fail(SC_ERR_FORMAT, "size_multiple %u out of range", rd32(h + 44));
    else if (rd32(h + 48) < 1 || rd32(h + 48) > 65536)
        st = sc_fail(SC_ERR_FORMAT, "min_size %u out of range", rd32(h + 48));
    else if (rd32(h + 52) > 65536)
        st = sc_fail(SC_ERR_FORMAT, "num_styles %u out of range", rd32(h + 52));
    else if (rd32(h + 56) < 1 || rd32(h + 56) > 65536 || rd32(h + 60) > 65536 ||
             rd32(h + 64) < 1 || rd32(h + 64) > 65536)
        st = sc_fail(SC_ERR_FORMAT, "value/tensor/layer counts out of range");
    else if (rd32(h + 68) >= rd32(h + 56))
        st = sc_fail(SC_ERR_FORMAT, "output value %u does not exist", rd32(h + 68));
    else if (!finite_f(m->rgb_in_mul) || !finite_f(m->rgb_in_add) || !finite_f(m->rgb_out_mul) ||
             !finite_f(m->rgb_out_add))
        st = sc_fail(SC_ERR_FORMAT, "RGB conversion constants are not finite");
    if (st == SC_OK) st = check_region(size, voff, (uint64_t)m->num_values, SC_VALUE_ENTRY, "value table");
    if (st == SC_OK) st = check_region(size, toff, (uint64_t)m->num_tensors, SC_TENSOR_ENTRY, "tensor table");
    if (st == SC_OK) st = check_region(size, loff, (uint64_t)m->num_layers, SC_LAYER_ENTRY, "layer table");
    if (st != SC_OK) {
        free(m);
        return st;
    }

    /* an aligned private copy, so tensors can be read in place */
    m->blob = (const uint8_t *)sc_aligned_alloc(size, &base);
    m->mem = (uint8_t *)base;
    m->values = (sc_value *)calloc((size_t)m->num_values, sizeof(sc_value));
    m->tensors = (sc_tensor *)calloc((size_t)m->num_tensors + 1, sizeof(sc_tensor));
    m->layers = (sc_layer *)calloc((size_t)m->num_layers, sizeof(sc_layer));
    m->conv = (sc_conv_prep *)calloc((size_t)m->num_layers, sizeof(sc_conv_prep));
    if (!m->blob || !m->values || !m->tensors || !m->layers || !m->conv) {
        sc_model_free(m);
        return sc_fail(SC_ERR_NOMEM, "cannot allocate %llu bytes for the model", (unsigned long long)size);
    }
    memcpy((void *)m->blob, data, size);

    st = parse_values(m, voff);
    if (st == SC_OK) st = parse_tensors(m, toff);
    if (st == SC_OK) st = parse_layers(m, loff);
    if (st == SC_OK) st = sc_validate_graph(m);
    for (i = 0; st == SC_OK && i < m->num_layers; i++)
        if (m->layers[i].op == SC_OP_CONV)
            st = sc_prepare_conv(m, i);
    if (st != SC_OK) {
        sc_model_free(m);
        return st;
    }
    *out = m;
    return SC_OK;
}

int sc_model_load_memory(const void *data, size_t size, sc_model **out_model)
{
    if (!out_model)
        return sc_fail(SC_ERR_ARGUMENT, "out_model is NULL");
    *out_model = NULL;
    if (!data)
        return sc_fail(SC_ERR_ARGUMENT, "data is NULL");
    sc_clear_error();
    return load(data, size, out_model);
}

int sc_model_load_file(const char *path, sc_model **out_model)
{
    FILE *f;
    long len;
    uint8_t *buf;
    int st;
    if (!out_model || !path)
        return sc_fail(SC_ERR_ARGUMENT, "path or out_model is NULL");
    *out_model = NULL;
    f = fopen(path, "rb");
    if (!f)
        return sc_fail(SC_ERR_IO, "cannot open %s", path);
    if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return sc_fail(SC_ERR_IO, "cannot determine the size of %s", path);
    }
    buf = (uint8_t *)malloc(len > 0 ? (size_t)len : 1);
    if (!buf) {
        fclose(f);
        return sc_fail(SC_ERR_NOMEM, "cannot allocate %ld bytes for %s", len, path);
    }
    if (len > 0 && fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        fclose(f);
        return sc_fail(SC_ERR_IO, "cannot read %s", path);
    }
    fclose(f);
    st = sc_model_load_memory(buf, (size_t)len, out_model);
    free(buf);
    return st;
}

void sc_model_free(sc_model *m)
{
    int i;
    if (!m)
        return;
    if (m->conv)
        for (i = 0; i < m->num_layers; i++)
            sc_free_conv_prep(&m->conv[i]);
    free(m->conv);
    free(m->layers);
    free(m->tensors);
    free(m->values);
    free(m->mem);
    free(m);
}

int sc_model_get_info(const sc_model *m, sc_model_info *out)
{
    if (!m || !out)
        return sc_fail(SC_ERR_ARGUMENT, "model or out_info is NULL");
    memset(out, 0, sizeof *out);
    out->version = m->version;
    out->is_int8 = m->is_int8;
    out->in_channels = m->in_channels;
    out->out_channels = m->out_channels;
    out->size_multiple = m->size_multiple;
    out->min_size = m->min_size;
    out->num_styles = m->num_styles;
    out->num_layers = m->num_layers;
    out->num_tensors = m->num_tensors;
    out->num_values = m->num_values;
    out->num_params = m->num_params;
    out->file_size = m->size;
    memcpy(out->name, m->name, sizeof out->name);
    return SC_OK;
}

int sc_model_layer_count(const sc_model *m) { return m ? m->num_layers : 0; }
