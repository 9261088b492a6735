/* Internal declarations shared by the runtime's translation units. */
#ifndef SC_INTERNAL_H
#define SC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "stylecut.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the runtime reads tensors in place and needs a little-endian CPU"
#endif

#define SC_FORMAT_VERSION 1
#define SC_HEADER_SIZE 160
#define SC_VALUE_ENTRY 16
#define SC_TENSOR_ENTRY 32
#define SC_LAYER_ENTRY 128
#define SC_MAX_INPUTS 8
#define SC_MAX_IMAGE_DIM 32768   /* largest accepted input H or W */
#define SC_MAX_KERNEL 64
#define SC_MAX_STRIDE 64
#define SC_MAX_PAD 1024
#define SC_MAX_CHANNELS 4096

enum { SC_DT_F32 = 1, SC_DT_I8 = 2, SC_DT_I32 = 3 };
enum { SC_PAD_ZERO = 0, SC_PAD_REFLECT = 1, SC_PAD_EDGE = 2 };
/* Activation fused into a kernel's store. */
enum { SC_ACT_NONE = 0, SC_ACT_RELU, SC_ACT_LEAKY, SC_ACT_CLIP, SC_ACT_SIGMOID, SC_ACT_TANH };

typedef struct sc_act {
    int kind;
    float a, b; /* leaky: a = alpha; clip: a = min, b = max */
} sc_act;

/* errors */
int sc_fail(int status, const char *fmt, ...);
void sc_clear_error(void);

typedef struct sc_tensor {
    int dtype, ndim;
    uint32_t dims[4];
    uint64_t count;
    const void *data;
} sc_tensor;

typedef struct sc_value {
    int channels;
    float scale;
    int zero_point;
} sc_value;

typedef struct sc_layer {
    int op, num_inputs;
    int inputs[SC_MAX_INPUTS];
    int output;
    int tensors[6];
    int32_t ia[12];
    float fa[3];
} sc_layer;

/* Load-time data derived from a conv layer's weights (kernel layouts, int8 constants). */
typedef struct sc_conv_prep {
    int O, C, kh, kw, groups;
    int is_int8;
    const float *w;          /* OIHW f32 as stored (fp32 layers) */
    const int8_t *wq;        /* OIHW i8 as stored (int8 layers) */
    float *bias;             /* [O] f32 (zeros when absent; fp32 layers) */
    int32_t *bias_q;         /* [O] int32 (int8 layers) */
    float *wpack;            /* optimized fp32 layout: [group][oc block][cpg][kh*kw][SC_OCB] */
    float *wpack16;          /* channel-vector layout: [group][16-oc block][cpg][kh*kw][16] */
    int16_t *wqpack;         /* optimized int8 layout: [group][oc block][cpg/2][kh*kw][SC_OCB][2] */
    int16_t *wqpack16;       /* channel-vector int8 layout: [group][16-oc block][cpg/2][kh*kw][16][2] */
    int16_t *wqup2;          /* int8 3x3, one group: weights of the four output phases of a
                                nearest x2 upsampling followed by this conv, each a 2x2 kernel on
                                the small input (sums of the 3x3 weights landing on the same
                                source pixel): [oc block][cpg/2][a][b][ry][rx][SC_OCB][2] */
    int32_t *wq_sum;         /* [O] sum of int8 weights (zero-point correction) */
    float *deq;              /* [O] in_scale * w_scale[o] (float output of int8 layers) */
    int32_t *rq_mult;        /* [O] requantization multipliers */
    int32_t *rq_shift;       /* [O] left shifts (negative = right) */
} sc_conv_prep;

#define SC_OCB 4 /* output channels per register block in the optimized conv kernels */

struct sc_model {
    uint8_t *mem;            /* allocation holding the aligned copy */
    const uint8_t *blob;     /* the file bytes, 64-byte aligned */
    size_t size;
    int version, is_int8;
    int in_channels, out_channels, size_multiple, min_size, num_styles;
    int num_values, num_tensors, num_layers, output_value;
    float rgb_in_mul, rgb_in_add, rgb_out_mul, rgb_out_add;
    char name[33];
    sc_value *values;
    sc_tensor *tensors;
    sc_layer *layers;
    sc_conv_prep *conv;      /* [num_layers], filled for conv layers */
    uint64_t num_params;
};

/* Spatial shape of a value for a given input size. */
typedef struct sc_shape {
    int c, h, w;
} sc_shape;

int sc_infer_shapes(const sc_model *m, int in_h, int in_w, sc_shape *shapes);
int sc_conv_out_dim(int in, int k, int stride, int pad0, int pad1, int dil);
int sc_prepare_conv(sc_model *m, int layer_index);
void sc_free_conv_prep(sc_conv_prep *p);

/* ---- thread pool ---- */
typedef struct sc_pool sc_pool;
typedef void (*sc_task_fn)(void *ctx, int task);
int sc_pool_create(int num_threads, sc_pool **out);
void sc_pool_free(sc_pool *p);
void sc_pool_run(sc_pool *p, int num_tasks, sc_task_fn fn, void *ctx);
int sc_pool_threads(const sc_pool *p);

/* ---- portable math (identical results on every path) ---- */
float sc_exp_approx(float x);
float sc_sigmoid(float x);
float sc_tanh(float x);
float sc_apply_act(sc_act act, float v);

/* Statistics of a plane: sum and sum of squares in double, accumulated in SC_STAT_LANES
 * interleaved lanes (element i goes to lane i % SC_STAT_LANES) and combined by sc_stat_combine,
 * so a SIMD implementation produces the same bits. */
#define SC_STAT_LANES 16
double sc_stat_combine(const double *lanes);

/* ---- fixed-point requantization (gemmlowp conventions) ---- */
int32_t sc_srdhm(int32_t a, int32_t b);
int32_t sc_rounding_rshift(int32_t x, int exponent);
void sc_quantize_multiplier(double real, int32_t *mult, int32_t *shift);
int32_t sc_requantize(int32_t acc, int32_t mult, int32_t shift, int32_t zp);
int8_t sc_quantize_f32(float x, float inv_scale, int32_t zp);

/* ---- kernels ---- */

/* Arguments of one conv invocation on a prepared (padded, phase-split) input. The padded input
 * of channel c, phase (py, px) is a plane of ph x pw_stride floats at
 * in + ((c * sy + py) * sx + px) * plane; tap t of the kernel reads it at row oy + tap_dy[t],
 * column ox + tap_dx[t]; tap_off[t] = (phase index) * plane + tap_dy[t] * pw_stride + tap_dx[t]. */
typedef struct sc_conv_args {
    const float *in;          /* fp32 phase planes */
    const int16_t *inq;       /* int8 layers: quantized input widened to int16, channel pairs
                                 interleaved: [c/2][phase][ph][pw_stride][2], or with nhwc
                                 [phase][ph][pw_stride][group][cpg/2][2] */
    size_t plane;             /* floats (or int16 pairs) per phase plane */
    size_t chan_stride;       /* floats per channel (all phases) */
    int pw_stride;
    int pix_stride;           /* nhwc: elements per pixel (fp32: C; int8: int16s per pixel) */
    int nhwc;                 /* fp32 input interleaved by channel: [phase][ph][pw_stride][C];
                                 tap_off and row offsets are then in units of C floats */
    int ntaps;
    const ptrdiff_t *tap_off;
    const sc_conv_prep *prep;
    int OH, OW;
    float *out;               /* [O][OH][OW] */
    sc_act act;
    int32_t in_zp;
    int out_requant;          /* int8: requantize to out_scale/out_zp and store dequantized */
    float out_scale;
    int32_t out_zp;
} sc_conv_args;

/* A kernel computes output channels [oc0, oc1) of one group (oc0 at a multiple of SC_OCB
 * from the group's first channel) for rows [oy0, oy1). */
typedef void (*sc_conv_tile_fn)(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1);

typedef struct sc_kernels {
    int isa;
    const char *conv_f32_name;
    const char *conv_i8_name;
    const char *norm_name;
    const char *eltwise_name;
    sc_conv_tile_fn conv_f32;
    sc_conv_tile_fn conv_i8;
    /* lanes[2*SC_STAT_LANES]: sums then sums of squares */
    void (*plane_stats)(const float *x, size_t n, double *lanes);
    /* y[i] = act(fmaf(x[i], a, b)) */
    void (*scale_shift_act)(const float *x, float *y, size_t n, float a, float b, sc_act act);
    void (*act)(const float *x, float *y, size_t n, sc_act act);
    /* fp32 conv layers with at least this many output channels per group take their input
     * channel-interleaved (sc_conv_args.nhwc); 0 = never */
    int nhwc_min_opg;
    const char *conv_f32_nhwc_name;
    int nhwc_i8;              /* the int8 conv also takes channel-interleaved input */
    const char *conv_i8_nhwc_name;
    /* q[i] = sc_quantize_f32(x[i], inv_scale, zp) - zp */
    void (*quantize_row)(const float *x, int16_t *q, size_t n, float inv_scale, int32_t zp);
    /* dst[q*C + c] = xmap[q] < 0 ? 0 : rows[c][xmap[q]] for q < n (rows have src_w floats) */
    void (*interleave)(const float *const *rows, int C, const int *xmap, int n, int src_w, float *dst);
    /* int8 3x3 conv (stride 1, padding 1) of a nearest x2 upsampled input, computed from the
     * small input's padded copy with the per-phase 2x2 weights (wqup2); NULL = not available.
     * Integer sums are exact, so regrouping the terms gives the reference's bytes. */
    sc_conv_tile_fn conv_i8_up2;
    const char *conv_i8_up2_name;
    /* pair[i] = (uint16)(q(x0[i]) - zp) | (uint16)(q(x1[i]) - zp) << 16, the int8 kernels'
     * channel-pair element (x1 NULL: high half 0) */
    void (*quantize_pair)(const float *x0, const float *x1, uint32_t *pair, size_t n, float inv_scale, int32_t zp);
    /* dst[i] = idx[i] < 0 ? 0 : src[idx[i]] (the padding passes' column gather) */
    void (*gather32)(const uint32_t *src, const int *idx, int n, uint32_t *dst);
    /* fp32 3x3 conv (stride 1, padding 1) of a nearest x2 upsampled input, reading the small
     * input's padded copy and duplicating its values in registers: the reference's nine fused
     * multiply-adds per input channel on the same values, without the upsampled copy. */
    sc_conv_tile_fn conv_f32_up2;
    const char *conv_f32_up2_name;
    /* y[i] = a[i] + b[i] (one IEEE addition per element; y may be a or b) */
    void (*add)(const float *a, const float *b, float *y, size_t n);
} sc_kernels;

extern const sc_kernels sc_kernels_scalar;
#if defined(__x86_64__) || defined(_M_X64)
extern const sc_kernels sc_kernels_avx2;
extern const sc_kernels sc_kernels_avx512;
/* AVX2 entry points the AVX-512 family reuses (every AVX-512 CPU has AVX2) */
void sc_conv_f32_avx2(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1);
void sc_conv_i8_avx2(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1);
void sc_quantize_row_avx2(const float *x, int16_t *q, size_t n, float inv_scale, int32_t zp);
void sc_interleave_avx2(const float *const *rows, int C, const int *xmap, int n, int src_w, float *dst);
void sc_conv_i8_up2_avx2(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1);
void sc_quantize_pair_avx2(const float *x0, const float *x1, uint32_t *pair, size_t n, float inv_scale, int32_t zp);
void sc_gather32_avx2(const uint32_t *src, const int *idx, int n, uint32_t *dst);
void sc_conv_f32_up2_avx2(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1);
void sc_add_avx2(const float *a, const float *b, float *y, size_t n);
#endif
#if defined(__aarch64__)
extern const sc_kernels sc_kernels_neon;
#endif
const sc_kernels *sc_kernels_for(int isa);
int sc_resolve_isa(int isa);

/* Scalar routines used by every kernel family for tails (same arithmetic as the vector body). */
void sc_plane_stats_scalar_from(const float *x, size_t begin, size_t n, double *lanes);
void sc_scale_shift_act_scalar(const float *x, float *y, size_t n, float a, float b, sc_act act);
void sc_act_scalar(const float *x, float *y, size_t n, sc_act act);
void sc_quantize_row_scalar(const float *x, int16_t *q, size_t n, float inv_scale, int32_t zp);
void sc_interleave_scalar(const float *const *rows, int C, const int *xmap, int n, int src_w, float *dst);
void sc_quantize_pair_scalar(const float *x0, const float *x1, uint32_t *pair, size_t n, float inv_scale, int32_t zp);
void sc_gather32_scalar(const uint32_t *src, const int *idx, int n, uint32_t *dst);
void sc_add_scalar(const float *a, const float *b, float *y, size_t n);
void sc_conv_f32_tile_scalar(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1);
void sc_conv_i8_tile_scalar(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1);
/* Column range [ox0, OW) of a tile with the scalar code (vector kernels' right edges). */
void sc_conv_f32_cols_scalar(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1, int ox0);
void sc_conv_i8_cols_scalar(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1, int ox0);
/* Columns [ox0, OW) of the x2-upsampled int8 3x3 conv from the small input (vector tails). */
void sc_conv_i8_up2_cols_scalar(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1, int ox0);
void sc_conv_f32_up2_cols_scalar(const sc_conv_args *a, int oc0, int oc1, int oy0, int oy1, int ox0);
float sc_i8_output(const sc_conv_args *a, int oc, int32_t acc);

/* ---- reference ops (plain loops; the definition every optimized kernel must match) ---- */
void sc_ref_conv2d(const float *x, int C, int H, int W, const sc_conv_prep *p,
                   int sh, int sw, int pt, int pl, int dh, int dw, int pad_mode,
                   float *y, int OH, int OW, int oc0, int oc1, sc_act act);
void sc_ref_conv2d_i8(const float *x, int C, int H, int W, const sc_conv_prep *p,
                      int sh, int sw, int pt, int pl, int dh, int dw, int pad_mode,
                      float in_inv_scale, int32_t in_zp, int out_requant, float out_scale,
                      int32_t out_zp, float *y, int OH, int OW, int oc0, int oc1, sc_act act);
void sc_ref_conv_transpose(const float *x, int C, int H, int W, const float *w,
                           const float *bias, int O, int kh, int kw, int sh, int sw, int pt,
                           int pl, int dh, int dw, int groups, float *y, int OH, int OW,
                           int oc0, int oc1);
void sc_ref_resize(const float *x, int C, int H, int W, float *y, int OH, int OW, int mode,
                   int coord, int nearest_mode, float scale_h, float scale_w, int c0, int c1);
void sc_ref_depth_to_space(const float *x, int C, int H, int W, int b, int mode, float *y);
void sc_ref_space_to_depth(const float *x, int C, int H, int W, int b, float *y);
int sc_pad_index(int i, int n, int mode); /* -1 = outside (zero/constant) */
int sc_resize_nearest_src(int i, int in, int out, float scale, int coord, int nearest_mode);
void sc_ref_pad(const float *x, int C, int H, int W, int pt, int pl, int pb, int pr, int mode,
                float value, float *y, int c0, int c1);
void sc_norm_coeffs(const double *lanes, size_t n, double gamma, double beta, double eps,
                    float *a, float *b);
void sc_ref_pool(const float *x, int C, int H, int W, int is_max, int kh, int kw, int sh, int sw,
                 int pt, int pl, int pb, int pr, int count_include_pad, float *y, int OH, int OW,
                 int c0, int c1);
int sc_pool_out_dim(int in, int k, int s, int p0, int p1, int ceil_mode);

/* ---- misc ---- */
void *sc_aligned_alloc(size_t size, void **base);
void *sc_big_alloc(size_t size);
int sc_mul_overflow(size_t a, size_t b, size_t *out);

#endif
