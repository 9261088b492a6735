/* Stylize a binary PPM (P6) image with a native model: the smallest complete use of the API.
 *   stylize_ppm MODEL.scn IN.ppm OUT.ppm [threads] [style] */
#include <stdio.h>
#include <stdlib.h>
#include "stylecut.h"

static unsigned char *read_ppm(const char *path, int *w, int *h)
{
    FILE *f = fopen(path, "rb");
    int maxval = 0;
    unsigned char *px;
    if (!f || fscanf(f, "P6 %d %d %d", w, h, &maxval) != 3 || maxval != 255 || *w <= 0 || *h <= 0 ||
        *w > 32768 || *h > 32768 || fgetc(f) == EOF) {
        fprintf(stderr, "%s: not a binary 8-bit PPM (P6)\n", path);
        if (f) fclose(f);
        return NULL;
    }
    px = (unsigned char *)malloc((size_t)*w * *h * 3);
    if (!px || fread(px, 1, (size_t)*w * *h * 3, f) != (size_t)*w * *h * 3) {
        fprintf(stderr, "%s: truncated pixel data\n", path);
        free(px);
        fclose(f);
        return NULL;
    }
    fclose(f);
    return px;
}

int main(int argc, char **argv)
{
    sc_model *model = NULL;
    sc_session *session = NULL;
    unsigned char *in, *out;
    int w, h, oc, oh, ow, threads = argc > 4 ? atoi(argv[4]) : 2, style = argc > 5 ? atoi(argv[5]) : 0;
    FILE *f;
    if (argc < 4) {
        fprintf(stderr, "usage: %s MODEL.scn IN.ppm OUT.ppm [threads] [style]\n", argv[0]);
        return 2;
    }
    if (!(in = read_ppm(argv[2], &w, &h)))
        return 2;
    if (sc_model_load_file(argv[1], &model) != SC_OK || sc_session_create(model, threads, &session) != SC_OK ||
        sc_session_set_style(session, style) != SC_OK || sc_model_output_shape(model, h, w, &oc, &oh, &ow) != SC_OK) {
        fprintf(stderr, "%s: %s\n", argv[1], sc_last_error());
        return 2;
    }
    out = (unsigned char *)malloc((size_t)oh * ow * 3);
    if (!out || sc_session_run_rgb(session, in, h, w, out, (size_t)oh * ow * 3) != SC_OK) {
        fprintf(stderr, "%s: %s\n", argv[2], sc_last_error());
        return 2;
    }
    f = fopen(argv[3], "wb");
    if (!f || fprintf(f, "P6\n%d %d\n255\n", ow, oh) < 0 || fwrite(out, 1, (size_t)oh * ow * 3, f) != (size_t)oh * ow * 3) {
        fprintf(stderr, "%s: cannot write\n", argv[3]);
        return 2;
    }
    fclose(f);
    printf("%s: %dx%d -> %dx%d in %.1f ms (%s kernels, %d threads)\n", argv[3], w, h, ow, oh,
           sc_session_last_run_ms(session), sc_isa_name(sc_session_get_isa(session)), threads);
    sc_session_free(session);
    sc_model_free(model);
    free(in);
    free(out);
    return 0;
}
