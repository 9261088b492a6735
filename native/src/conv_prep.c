/* Load-time preparation of conv layers: kernel weight layouts and int8 constants. */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

void sc_free_conv_prep(sc_conv_prep *p)
{
    free(p->bias);
    free(p->bias_q);
    free(p->wpack);
    free(p->wpack16);
    free(p->wqpack);
    free(p->wqpack16);
    free(p->wqup2);
    free(p->wq_sum);
    free(p->deq);
    free(p->rq_mult);
    free(p->rq_shift);
    memset(p, 0, sizeof *p);
}

int sc_prepare_conv(sc_model *m, int li)
{
    const sc_layer *l = &m->layers[li];
    const sc_tensor *wt = &m->tensors[l->tensors[0]];
    sc_conv_prep *p = &m->conv[li];
    int O = (int)wt->dims[0], cpg = (int)wt->dims[1], kh = (int)wt->dims[2], kw = (int)wt->dims[3];
    int g = l->ia[8], opg = O / g, nblk = (opg + SC_OCB - 1) / SC_OCB, ntaps = kh * kw;
    int grp, ob, ic, t, j, o;
    size_t packn;

    p->O = O;
    p->C = cpg * g;
    p->kh = kh;
    p->kw = kw;
    p->groups = g;
    p->is_int8 = wt->dtype == SC_DT_I8;
    /* sizes are bounded by validation: O, C <= 4096, taps <= 4096 */
    packn = (size_t)g * nblk * (size_t)cpg * ntaps * SC_OCB;
    if (!p->is_int8) {
        const float *w = (const float *)wt->data;
        p->w = w;
        p->bias = (float *)calloc((size_t)O, sizeof(float));
        p->wpack = (float *)calloc(packn ? packn : 1, sizeof(float));
        {
            int nb16 = (opg + 15) / 16;
            size_t n16 = (size_t)g * nb16 * (size_t)cpg * ntaps * 16;
            p->wpack16 = (float *)calloc(n16 ? n16 : 1, sizeof(float));
            if (p->wpack16)
                for (grp = 0; grp < g; grp++)
                    for (o = 0; o < opg; o++)
                        for (ic = 0; ic < cpg; ic++)
                            for (t = 0; t < ntaps; t++)
                                p->wpack16[((((size_t)grp * nb16 + o / 16) * cpg + ic) * ntaps + t) * 16 + o % 16] =
                                    w[(((size_t)(grp * opg + o) * cpg + ic) * ntaps) + t];
        }
        if (!p->bias || !p->wpack || !p->wpack16)
            return sc_fail(SC_ERR_NOMEM, "layer %d (conv): packed weights", li);
        if (l->tensors[1] >= 0)
            memcpy(p->bias, m->tensors[l->tensors[1]].data, (size_t)O * sizeof(float));
        for (grp = 0; grp < g; grp++)
            for (ob = 0; ob < nblk; ob++)
                for (ic = 0; ic < cpg; ic++)
                    for (t = 0; t < ntaps; t++)
                        for (j = 0; j < SC_OCB; j++) {
                            int oc = ob * SC_OCB + j;
                            size_t dst = ((((size_t)grp * nblk + ob) * cpg + ic) * ntaps + t) * SC_OCB + j;
                            if (oc < opg)
                                p->wpack[dst] = w[(((size_t)(grp * opg + oc) * cpg + ic) * ntaps) + t];
                        }
    } else {
        const int8_t *w = (const int8_t *)wt->data;
        const float *ws = (const float *)m->tensors[l->tensors[2]].data;
        float in_scale = m->values[l->inputs[0]].scale;
        float out_scale = m->values[l->output].scale;
        int cpg2 = (cpg + 1) / 2;
        size_t qpackn = (size_t)g * nblk * (size_t)cpg2 * ntaps * SC_OCB * 2;
        if ((long long)cpg * ntaps > 32768)
            return sc_fail(SC_ERR_UNSUPPORTED, "layer %d (conv): int8 reduction of %d terms could overflow int32",
                           li, cpg * ntaps);
        p->wq = w;
        p->bias_q = (int32_t *)calloc((size_t)O, sizeof(int32_t));
        p->deq = (float *)calloc((size_t)O, sizeof(float));
        p->rq_mult = (int32_t *)calloc((size_t)O, sizeof(int32_t));
        p->rq_shift = (int32_t *)calloc((size_t)O, sizeof(int32_t));
        p->wqpack = (int16_t *)calloc(qpackn ? qpackn : 1, sizeof(int16_t));
        {
            int nb16 = (opg + 15) / 16;
            size_t n16 = (size_t)g * nb16 * (size_t)cpg2 * ntaps * 32;
            p->wqpack16 = (int16_t *)calloc(n16 ? n16 : 1, sizeof(int16_t));
            if (p->wqpack16)
                for (grp = 0; grp < g; grp++)
                    for (o = 0; o < opg; o++)
                        for (ic = 0; ic < cpg; ic++)
                            for (t = 0; t < ntaps; t++)
                                p->wqpack16[(((((size_t)grp * nb16 + o / 16) * cpg2 + ic / 2) * ntaps + t) * 16 + o % 16) * 2 + (ic & 1)] =
                                    w[(((size_t)(grp * opg + o) * cpg + ic) * ntaps) + t];
        }
        if (kh == 3 && kw == 3 && g == 1) {
            /* output row 2i+a of the upsampled conv reads small-input rows i-1+a+ry: tap ky
             * lands on ry = ry_of[a][ky] (columns alike); |sum| <= 4 * 127 fits int16 */
            static const int ry_of[2][3] = {{0, 1, 1}, {0, 0, 1}};
            size_t nup = (size_t)nblk * cpg2 * 16 * SC_OCB * 2;
            p->wqup2 = (int16_t *)calloc(nup, sizeof(int16_t));
            if (p->wqup2)
                for (o = 0; o < O; o++)
                    for (ic = 0; ic < cpg; ic++)
                        for (t = 0; t < 9; t++) {
                            int ky = t / 3, kx = t % 3, a, b;
                            for (a = 0; a < 2; a++)
                                for (b = 0; b < 2; b++) {
                                    size_t tap = ((size_t)a * 2 + b) * 4 + (size_t)ry_of[a][ky] * 2 + ry_of[b][kx];
                                    p->wqup2[((((size_t)(o / SC_OCB) * cpg2 + ic / 2) * 16 + tap) * SC_OCB + o % SC_OCB) * 2 + (ic & 1)] +=
                                        w[((size_t)o * cpg + ic) * 9 + t];
                                }
                        }
        }
        if (!p->bias_q || !p->deq || !p->rq_mult || !p->rq_shift || !p->wqpack || !p->wqpack16 ||
            (kh == 3 && kw == 3 && g == 1 && !p->wqup2))
            return sc_fail(SC_ERR_NOMEM, "layer %d (conv): int8 constants", li);
        if (l->tensors[1] >= 0)
            memcpy(p->bias_q, m->tensors[l->tensors[1]].data, (size_t)O * sizeof(int32_t));
        for (o = 0; o < O; o++) {
            if (!(ws[o] > 0.0f && ws[o] < 1e30f))
                return sc_fail(SC_ERR_GRAPH, "layer %d (conv): weight scale of channel %d is not positive", li, o);
            if (p->bias_q[o] > (1 << 30) || p->bias_q[o] < -(1 << 30))
                return sc_fail(SC_ERR_UNSUPPORTED, "layer %d (conv): int32 bias of channel %d out of range", li, o);
            p->deq[o] = in_scale * ws[o];
            if (out_scale > 0.0f)
                sc_quantize_multiplier((double)in_scale * (double)ws[o] / (double)out_scale,
                                       &p->rq_mult[o], &p->rq_shift[o]);
        }
        for (grp = 0; grp < g; grp++)
            for (ob = 0; ob < nblk; ob++)
                for (ic = 0; ic < cpg; ic++)
                    for (t = 0; t < ntaps; t++)
                        for (j = 0; j < SC_OCB; j++) {
                            int oc = ob * SC_OCB + j;
                            size_t dst = (((((size_t)grp * nblk + ob) * cpg2 + ic / 2) * ntaps + t) * SC_OCB + j) * 2 + (ic & 1);
                            if (oc < opg)
                                p->wqpack[dst] = w[(((size_t)(grp * opg + oc) * cpg + ic) * ntaps) + t];
                        }
    }
    return SC_OK;
}
