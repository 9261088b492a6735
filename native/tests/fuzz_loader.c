/* libFuzzer target: arbitrary bytes as a model file. The checksum is recomputed first so the
 * fuzzer reaches the table, tensor and graph validation; whatever loads is also run on a small
 * image when its cost is bounded. Nothing may crash, leak or read out of bounds. */
#include <stdlib.h>
#include <string.h>
#include "stylecut.h"
#include "model_builder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf;
    sc_model *m = NULL;
    if (size > (1u << 20))
        return 0;
    buf = (uint8_t *)malloc(size ? size : 1);
    if (size)
        memcpy(buf, data, size);
    if (size >= 32)
        mb_fix_checksum(buf, size);
    if (sc_model_load_memory(buf, size, &m) == SC_OK) {
        int oc, oh, ow, i, n = sc_model_layer_count(m);
        unsigned long long macs = 0;
        sc_layer_info li;
        sc_model_info mi;
        sc_model_get_info(m, &mi);
        if (sc_model_output_shape(m, 16, 16, &oc, &oh, &ow) == SC_OK) {
            for (i = 0; i < n; i++)
                if (sc_model_layer_info(m, i, 16, 16, &li) == SC_OK)
                    macs += li.macs + (unsigned long long)li.out_c * li.out_h * li.out_w;
            if (macs < 20000000ULL) {
                sc_session *s = NULL;
                float *x = (float *)calloc((size_t)mi.in_channels * 256, sizeof(float));
                float *y = (float *)malloc((size_t)oc * oh * ow * sizeof(float));
                if (x && y && sc_session_create(m, 2, &s) == SC_OK) {
                    sc_session_run_f32(s, x, mi.in_channels, 16, 16, y, (size_t)oc * oh * ow);
                    sc_session_free(s);
                }
                free(x);
                free(y);
            }
        }
        sc_model_free(m);
    }
    free(buf);
    return 0;
}
