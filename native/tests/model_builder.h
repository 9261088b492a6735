/* Builds model files in memory (docs/NATIVE_FORMAT.md) for tests, the fuzzer seeds and the
 * golden-output check. */
#ifndef SC_MODEL_BUILDER_H
#define SC_MODEL_BUILDER_H
#include <stddef.h>
#include <stdint.h>

#define MB_MAX 256

typedef struct mb_layer {
    int op, num_inputs, inputs[8], output, tensors[6];
    int32_t ia[12];
    float fa[3];
} mb_layer;

typedef struct mb_model {
    int in_channels, size_multiple, min_size, num_styles, flags;
    float rgb[4];
    char name[32];
    int nvalues, ntensors, nlayers;
    int vchan[MB_MAX];
    float vscale[MB_MAX];
    int32_t vzp[MB_MAX];
    int tdtype[MB_MAX], tndim[MB_MAX];
    uint32_t tdims[MB_MAX][4];
    void *tdata[MB_MAX];
    size_t tbytes[MB_MAX];
    mb_layer layers[MB_MAX];
} mb_model;

void mb_init(mb_model *m, int in_channels);
void mb_free(mb_model *m);
int mb_value(mb_model *m, int channels);
int mb_tensor(mb_model *m, int dtype, int ndim, const uint32_t *dims, const void *data);
int mb_tensor_f32_1d(mb_model *m, int n, const float *data);
/* Adds a layer; returns its output value id (a new value with out_channels). */
int mb_layer_add(mb_model *m, int op, int num_inputs, const int *inputs, int out_channels,
                 const int *tensors6, const int32_t *ia12, const float *fa3);
/* Serializes; returns a malloc'd buffer and its size in *size. */
uint8_t *mb_write(const mb_model *m, int output_value, size_t *size);
/* Recomputes the checksum of a serialized model after a test edited it. */
void mb_fix_checksum(uint8_t *buf, size_t size);

/* Deterministic pseudo-random numbers (same sequence on every platform). */
typedef struct mb_rng { uint32_t s; } mb_rng;
uint32_t mb_rand(mb_rng *r);
float mb_uniform(mb_rng *r, float lo, float hi);
int mb_randint(mb_rng *r, int lo, int hi); /* inclusive */

/* Convenience: conv layer with fp32 random weights. */
int mb_conv(mb_model *m, mb_rng *r, int in, int out_c, int kh, int kw, int sh, int sw,
            int pt, int pl, int pb, int pr, int dh, int dw, int groups, int pad_mode, int bias);
/* int8 conv layer (model must have flags bit 0; input value needs a scale). */
int mb_conv_i8(mb_model *m, mb_rng *r, int in, int out_c, int kh, int kw, int sh, int sw,
               int pt, int pl, int pb, int pr, int groups, int pad_mode, float out_scale, int out_zp);
int mb_instnorm(mb_model *m, mb_rng *r, int in, int cond);
int mb_simple(mb_model *m, int op, int in, float fa0, float fa1);
#endif
