/*
 * stylecut-stylize: what a phone app does with a style pack's native model, in one file.
 *
 *   stylecut-stylize MODEL.scn IN.ppm OUT.ppm [--style K] [--threads N]
 *
 * Loads the model, opens a session, selects style K (default 0), runs one binary PPM (P6, 8-bit)
 * frame and writes the stylized frame as a PPM. Uses only the public header, stylecut.h.
 * The output is byte for byte what `stylecut runtime run MODEL --input IN.ppm -o OUT.ppm`
 * writes in the editor, on any CPU: the runtime is bit-exact across kernels, threads and
 * architectures, and the PPM header is written the same way.
 *
 * Exit status: 0 on success, 2 on any error (one line on stderr naming the file and problem).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stylecut.h"

/* Larger frames than this are refused before allocating: no phone camera frame comes close. */
#define MAX_SIDE 16384

/* Next header token of a PPM: skips whitespace and '#' comments. Returns the number, or -1. */
static long ppm_number(FILE *f)
{
    int c = fgetc(f);
    long value = 0;
    int digits = 0;
    for (;;) {
        while (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
            c = fgetc(f);
        if (c != '#')
            break;
        while (c != '\n' && c != '\r' && c != EOF)
            c = fgetc(f);
    }
    while (c >= '0' && c <= '9') {
        if (value > 1000000)
            return -1;
        value = value * 10 + (c - '0');
        digits++;
        c = fgetc(f);
    }
    /* exactly one whitespace byte ends a token; after maxval it is the last header byte */
    if (!digits || !(c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'))
        return -1;
    return value;
}

static unsigned char *read_ppm(const char *path, int *width, int *height)
{
    FILE *f = fopen(path, "rb");
    unsigned char *pixels;
    long w, h, maxval;
    size_t bytes;
    if (!f) {
        fprintf(stderr, "stylecut-stylize: %s: cannot open (%s)\n", path, strerror(errno));
        return NULL;
    }
    if (fgetc(f) != 'P' || fgetc(f) != '6') {
        fprintf(stderr, "stylecut-stylize: %s: not a binary PPM (P6) file\n", path);
        fclose(f);
        return NULL;
    }
    w = ppm_number(f);
    h = ppm_number(f);
    maxval = ppm_number(f);
    if (w < 1 || h < 1 || maxval < 0) {
        fprintf(stderr, "stylecut-stylize: %s: bad PPM header\n", path);
        fclose(f);
        return NULL;
    }
    if (maxval != 255 || w > MAX_SIDE || h > MAX_SIDE) {
        fprintf(stderr, "stylecut-stylize: %s: only 8-bit PPMs up to %dx%d are read (got %ldx%ld, maxval %ld)\n",
                path, MAX_SIDE, MAX_SIDE, w, h, maxval);
        fclose(f);
        return NULL;
    }
    bytes = (size_t)w * (size_t)h * 3;
    pixels = (unsigned char *)malloc(bytes);
    if (!pixels) {
        fprintf(stderr, "stylecut-stylize: %s: out of memory for %ldx%ld pixels\n", path, w, h);
        fclose(f);
        return NULL;
    }
    if (fread(pixels, 1, bytes, f) != bytes) {
        fprintf(stderr, "stylecut-stylize: %s: PPM pixel data is truncated\n", path);
        free(pixels);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *width = (int)w;
    *height = (int)h;
    return pixels;
}

/* Write to a temporary file beside the target, then rename: a failed run never leaves half a frame. */
static int write_ppm(const char *path, const unsigned char *pixels, int width, int height)
{
    size_t bytes = (size_t)width * (size_t)height * 3, n = strlen(path) + 6;
    char *tmp = (char *)malloc(n);
    FILE *f;
    int ok;
    if (!tmp)
        return 0;
    snprintf(tmp, n, "%s.part", path);
    f = fopen(tmp, "wb");
    ok = f && fprintf(f, "P6\n%d %d\n255\n", width, height) > 0 && fwrite(pixels, 1, bytes, f) == bytes;
    if (f && fclose(f) != 0)
        ok = 0;
    if (ok && rename(tmp, path) != 0)
        ok = 0;
    if (!ok) {
        fprintf(stderr, "stylecut-stylize: %s: cannot write (%s)\n", path, strerror(errno));
        remove(tmp);
    }
    free(tmp);
    return ok;
}

static int parse_int(const char *text, const char *option, int low, int high, int *out)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(text, &end, 10);
    if (errno || *text == '\0' || *end != '\0' || v < low || v > high) {
        fprintf(stderr, "stylecut-stylize: %s must be an integer in %d..%d, got '%s'\n", option, low, high, text);
        return 0;
    }
    *out = (int)v;
    return 1;
}

static void usage(const char *argv0)
{
    fprintf(stderr, "usage: %s MODEL.scn IN.ppm OUT.ppm [--style K] [--threads N]\n", argv0);
}

int main(int argc, char **argv)
{
    const char *paths[3];
    int npaths = 0, style = 0, threads = 1, width = 0, height = 0, out_c, out_h, out_w, i, status = 2;
    sc_model *model = NULL;
    sc_session *session = NULL;
    sc_model_info info;
    unsigned char *in = NULL, *out = NULL;
    size_t out_bytes;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--style") == 0 && i + 1 < argc) {
            if (!parse_int(argv[++i], "--style", 0, INT_MAX, &style))
                return 2;
        } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            if (!parse_int(argv[++i], "--threads", 1, 64, &threads))
                return 2;
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            usage(argv[0]);
            return 2;
        } else if (npaths < 3) {
            paths[npaths++] = argv[i];
        } else {
            usage(argv[0]);
            return 2;
        }
    }
    if (npaths != 3) {
        usage(argv[0]);
        return 2;
    }

    if (sc_model_load_file(paths[0], &model) != SC_OK || sc_model_get_info(model, &info) != SC_OK) {
        fprintf(stderr, "stylecut-stylize: %s: %s\n", paths[0], sc_last_error());
        goto done;
    }
    if (info.in_channels != 3 || info.out_channels != 3) {
        fprintf(stderr, "stylecut-stylize: %s: not an RGB network (%d -> %d channels)\n", paths[0],
                info.in_channels, info.out_channels);
        goto done;
    }
    if (style >= (info.num_styles > 0 ? info.num_styles : 1)) {
        fprintf(stderr, "stylecut-stylize: %s: --style %d is out of range (the model has %d styles)\n",
                paths[0], style, info.num_styles);
        goto done;
    }
    if (!(in = read_ppm(paths[1], &width, &height)))
        goto done;
    /* The model states which sizes it accepts; an app would resize its camera frame to one. */
    if (sc_model_output_shape(model, height, width, &out_c, &out_h, &out_w) != SC_OK) {
        fprintf(stderr, "stylecut-stylize: %s: %s (model needs sides that are multiples of %d and >= %d)\n",
                paths[1], sc_last_error(), info.size_multiple, info.min_size);
        goto done;
    }
    if (sc_session_create(model, threads, &session) != SC_OK ||
        (info.num_styles > 0 && sc_session_set_style(session, style) != SC_OK)) {
        fprintf(stderr, "stylecut-stylize: %s: %s\n", paths[0], sc_last_error());
        goto done;
    }
    out_bytes = (size_t)out_h * (size_t)out_w * 3;
    out = (unsigned char *)malloc(out_bytes);
    if (!out) {
        fprintf(stderr, "stylecut-stylize: out of memory for a %dx%d output\n", out_w, out_h);
        goto done;
    }
    if (sc_session_run_rgb(session, in, height, width, out, out_bytes) != SC_OK) {
        fprintf(stderr, "stylecut-stylize: %s: %s\n", paths[1], sc_last_error());
        goto done;
    }
    if (!write_ppm(paths[2], out, out_w, out_h))
        goto done;
    printf("wrote %s: %dx%d, style %d, %.1f ms (%s kernels, %d threads)\n", paths[2], out_w, out_h, style,
           sc_session_last_run_ms(session), sc_isa_name(sc_session_get_isa(session)), threads);
    status = 0;
done:
    sc_session_free(session);
    sc_model_free(model);
    free(in);
    free(out);
    return status;
}
