/*
 * stylecut.h - public API of the StyleCut native runtime.
 *
 * A portable C99 library that runs small style-transfer networks stored in the format described
 * in docs/NATIVE_FORMAT.md. Output bytes are identical across kernel families (scalar, AVX2,
 * AVX-512, NEON), thread counts and CPU architectures.
 *
 * Conventions:
 *  - every function that can fail returns an int status (SC_OK = 0, else an sc_status code);
 *    sc_last_error() then returns a message describing the failure (per calling thread).
 *  - a model is immutable after loading and may be shared by several sessions and threads;
 *    a session is used by one thread at a time.
 *  - images: RGB uint8, H x W x 3, rows packed (stride 3*W); tensors: float32 [1, C, H, W].
 */
#ifndef STYLECUT_H
#define STYLECUT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes. */
enum sc_status {
    SC_OK = 0,
    SC_ERR_ARGUMENT = 1,    /* a NULL pointer, bad index, bad thread count, buffer too small */
    SC_ERR_IO = 2,          /* the file cannot be opened or read */
    SC_ERR_FORMAT = 3,      /* not a model file, truncated, tables or tensors out of bounds */
    SC_ERR_VERSION = 4,     /* a format version this runtime does not read */
    SC_ERR_CHECKSUM = 5,    /* payload checksum mismatch (corrupt file) */
    SC_ERR_UNSUPPORTED = 6, /* unknown op code, attribute value out of the supported range */
    SC_ERR_GRAPH = 7,       /* tensor or value shapes that disagree with the graph */
    SC_ERR_SIZE = 8,        /* image size the network does not accept (zero, too small, not a multiple) */
    SC_ERR_NOMEM = 9,       /* allocation failed */
    SC_ERR_OVERFLOW = 10,   /* a size computation overflows */
    SC_ERR_ISA = 11,        /* requested kernel family not available on this CPU or build */
    SC_ERR_THREAD = 12      /* thread creation failed */
};

/* Kernel families. SC_ISA_AUTO picks the best one the CPU supports (or the STYLECUT_ISA
 * environment variable: "scalar", "avx2", "avx512", "neon"). */
enum sc_isa {
    SC_ISA_AUTO = 0,
    SC_ISA_SCALAR = 1,
    SC_ISA_AVX2 = 2,
    SC_ISA_AVX512 = 3,
    SC_ISA_NEON = 4
};

/* Op codes, as stored in the file (docs/NATIVE_FORMAT.md). */
enum sc_op {
    SC_OP_CONV = 1,
    SC_OP_CONV_TRANSPOSE = 2,
    SC_OP_RESIZE = 3,
    SC_OP_DEPTH_TO_SPACE = 4,
    SC_OP_SPACE_TO_DEPTH = 5,
    SC_OP_PAD = 6,
    SC_OP_INSTANCE_NORM = 7,
    SC_OP_COND_INSTANCE_NORM = 8,
    SC_OP_RELU = 9,
    SC_OP_LEAKY_RELU = 10,
    SC_OP_SIGMOID = 11,
    SC_OP_TANH = 12,
    SC_OP_CLIP = 13,
    SC_OP_ADD = 14,
    SC_OP_CONCAT = 15,
    SC_OP_AVG_POOL = 16,
    SC_OP_MAX_POOL = 17,
    SC_OP_MUL = 18,
    SC_OP_SUB = 19,
    SC_OP_CHANNEL_AFFINE = 20
};

typedef struct sc_model sc_model;
typedef struct sc_session sc_session;

typedef struct sc_model_info {
    int version;        /* file format version */
    int is_int8;        /* 1 if the model has quantized conv layers */
    int in_channels;
    int out_channels;
    int size_multiple;  /* accepted H and W are multiples of this */
    int min_size;       /* and at least this */
    int num_styles;     /* 0 if the network has no conditional instance norm */
    int num_layers;     /* layers in the file */
    int num_tensors;
    int num_values;
    uint64_t num_params;  /* total weight elements */
    uint64_t file_size;
    char name[33];        /* NUL-terminated */
} sc_model_info;

typedef struct sc_layer_info {
    int op;              /* enum sc_op */
    const char *op_name; /* "conv", "instance_norm", ... (static string) */
    int in_c, in_h, in_w;    /* shape of the first input for the given input size */
    int out_c, out_h, out_w; /* shape of the output */
    int kernel_h, kernel_w, stride_h, stride_w, groups; /* conv/pool/transposed conv; else 0 */
    int is_int8;         /* quantized conv layer */
    uint64_t macs;       /* multiply-accumulates (conv ops) or element operations (others) */
    uint64_t params;     /* weight elements */
} sc_layer_info;

typedef struct sc_layer_timing {
    double ms;           /* wall time of this layer in the last run, including the layers fused
                            into it (0 if fused into another) */
    int fused_into;      /* index of the layer that executed this one, or -1 */
    const char *kernel;  /* name of the kernel that ran, e.g. "f32_conv2d_16cx6_nhwc_avx2"
                            (static string; a fused layer reports the pass that applied it, or "") */
} sc_layer_timing;

/* Library. */
const char *sc_version(void);
const char *sc_status_name(int status);
const char *sc_last_error(void);      /* message of the last failure on this thread ("" if none) */
int sc_isa_available(int isa);        /* 1 if the kernel family can run here */
int sc_isa_default(void);             /* what SC_ISA_AUTO resolves to (honours STYLECUT_ISA) */
const char *sc_isa_name(int isa);
uint64_t sc_fnv1a64(const void *data, size_t size); /* the file checksum function */

/* Models. Loading validates everything (header, checksum, tables, tensor bounds, graph,
 * shapes); the data is copied, the caller's buffer may be freed afterwards. */
int sc_model_load_memory(const void *data, size_t size, sc_model **out_model);
int sc_model_load_file(const char *path, sc_model **out_model);
void sc_model_free(sc_model *model);
int sc_model_get_info(const sc_model *model, sc_model_info *out_info);
/* Output shape for an input of in_h x in_w; SC_ERR_SIZE if the size is not accepted. */
int sc_model_output_shape(const sc_model *model, int in_h, int in_w,
                          int *out_c, int *out_h, int *out_w);
int sc_model_layer_count(const sc_model *model);
int sc_model_layer_info(const sc_model *model, int index, int in_h, int in_w,
                        sc_layer_info *out_info);

/* Sessions. num_threads >= 1 (the calling thread counts as one). A session plans and
 * allocates its buffers on the first run for an input size (and again when the size changes),
 * so that run also pays the first touch of the memory. */
int sc_session_create(const sc_model *model, int num_threads, sc_session **out_session);
void sc_session_free(sc_session *session);
int sc_session_set_isa(sc_session *session, int isa);  /* SC_ISA_AUTO by default */
int sc_session_get_isa(const sc_session *session);     /* the resolved family */
/* Conditional-norm style: an index in [0, num_styles) or num_styles mixing weights
 * (used as given, not renormalized). Default: style 0. */
int sc_session_set_style(sc_session *session, int style_index);
int sc_session_set_style_weights(sc_session *session, const float *weights, int count);

/* Run on RGB uint8 (in_h x in_w x 3, packed). out must hold out_h*out_w*3 bytes
 * (sc_model_output_shape); out_capacity is its size in bytes. Networks with out_channels != 3
 * cannot produce RGB (SC_ERR_ARGUMENT). */
int sc_session_run_rgb(sc_session *session, const uint8_t *rgb, int in_h, int in_w,
                       uint8_t *out, size_t out_capacity);
/* Run on float32 [1, in_c, in_h, in_w] (in_c must equal the model's in_channels). out must
 * hold out_c*out_h*out_w floats; out_capacity is its size in floats. input and out must not
 * overlap (the runtime reads input and writes out in place, without copies). */
int sc_session_run_f32(sc_session *session, const float *input, int in_c, int in_h, int in_w,
                       float *out, size_t out_capacity);
/* Timing of layer index (file order) in the last run. */
int sc_session_layer_timing(const sc_session *session, int index, sc_layer_timing *out_timing);
double sc_session_last_run_ms(const sc_session *session);

/* Guided-filter enlargement (the fast guided filter, He and Sun 2015): src is the network's
 * output (h x w x channels bytes, interleaved, channels 1 to 4), guide_low the guide at that
 * size (h x w bytes), guide_full the guide at the output size (out_h x out_w bytes). Each
 * channel is fitted as a * guide + b over (2 radius + 1)^2 windows (borders reflected, the
 * edge pixel repeated; eps regularises the fit, in 0..1 units), the averaged a and b are
 * enlarged bilinearly (half-pixel centres) and applied to guide_full; out receives
 * out_h x out_w x channels bytes (out_capacity is its size), rounded and saturated. Exact
 * 2x enlargements across take a path without gathers (the same numbers). */
int sc_guided_upsample_u8(const uint8_t *src, int h, int w, int channels, const uint8_t *guide_low,
                          const uint8_t *guide_full, int out_h, int out_w, int radius, float eps,
                          uint8_t *out, size_t out_capacity, void *workspace, size_t workspace_size);
/* Bytes of workspace sc_guided_upsample_u8 needs (0 for arguments it refuses). A caller that
 * enlarges every video frame keeps one workspace and passes it each time (fresh large blocks
 * cost page faults); with workspace NULL the call allocates its own. */
size_t sc_guided_upsample_workspace(int h, int w, int channels, int out_w, int radius);

#ifdef __cplusplus
}
#endif
#endif /* STYLECUT_H */
