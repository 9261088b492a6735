/* Portable arithmetic shared by every kernel family: the exp approximation behind sigmoid and
 * tanh, fused activations, the fixed combination order of normalization statistics, and the
 * fixed-point requantization of int8 layers. SIMD kernels re-implement these with the same
 * operations in the same order, so results are bit-identical. */
#include <math.h>
#include <string.h>
#include "internal.h"

/* exp(x) by range reduction x = n*ln2 + r and a degree-6 polynomial in r (Horner, fmaf).
 * Not libm's expf: libm results differ between C libraries. */
float sc_exp_approx(float x)
{
    float n, r, p, s;
    int32_t bits;
    x = x > -87.0f ? x : -87.0f;
    x = x < 88.0f ? x : 88.0f;
    n = floorf(fmaf(x, 1.44269504088896341f, 0.5f));
    r = fmaf(n, -0.693359375f, x);
    r = fmaf(n, 2.12194440e-4f, r);
    p = 1.9875691500e-4f;
    p = fmaf(p, r, 1.3981999507e-3f);
    p = fmaf(p, r, 8.3334519073e-3f);
    p = fmaf(p, r, 4.1665795894e-2f);
    p = fmaf(p, r, 1.6666665459e-1f);
    p = fmaf(p, r, 5.0000001201e-1f);
    p = fmaf(p, r, 1.0f);
    p = fmaf(p, r, 1.0f);
    bits = ((int32_t)n + 127) << 23;
    memcpy(&s, &bits, sizeof s);
    return p * s;
}

float sc_sigmoid(float x) { return 1.0f / (1.0f + sc_exp_approx(-x)); }

float sc_tanh(float x)
{
    float ax = fabsf(x);
    float e = sc_exp_approx(ax + ax);
    float t = 1.0f - 2.0f / (e + 1.0f);
    return x < 0.0f ? -t : t;
}

/* Comparisons written as the x86 max/min instructions behave (the second operand wins on
 * equality and NaN), so every family gives the same bits even for -0 and NaN. */
float sc_apply_act(sc_act act, float v)
{
    switch (act.kind) {
    case SC_ACT_RELU: return v > 0.0f ? v : 0.0f;
    case SC_ACT_LEAKY: return v < 0.0f ? v * act.a : v;
    case SC_ACT_CLIP:
        v = v > act.a ? v : act.a;
        return v < act.b ? v : act.b;
    case SC_ACT_SIGMOID: return sc_sigmoid(v);
    case SC_ACT_TANH: return sc_tanh(v);
    default: return v;
    }
}

/* lanes[0..15] -> one sum: pairwise, lane j with j+8, then j with j+4, then j with j+2, then
 * the last two. */
double sc_stat_combine(const double *lanes)
{
    double t[8];
    int j;
    for (j = 0; j < 8; j++)
        t[j] = lanes[j] + lanes[j + 8];
    for (j = 0; j < 4; j++)
        t[j] = t[j] + t[j + 4];
    t[0] = t[0] + t[2];
    t[1] = t[1] + t[3];
    return t[0] + t[1];
}

/* Saturating rounding doubling high multiply: round(a*b / 2^31), halves away from zero. */
int32_t sc_srdhm(int32_t a, int32_t b)
{
    int64_t ab, nudge;
    if (a == INT32_MIN && b == INT32_MIN)
        return INT32_MAX;
    ab = (int64_t)a * (int64_t)b;
    nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
    return (int32_t)((ab + nudge) / (1LL << 31));
}

static int32_t arith_rshift(int32_t x, int e)
{
    return x >= 0 ? (x >> e) : ~((~x) >> e);
}

/* x / 2^exponent rounded to nearest, halves away from zero. */
int32_t sc_rounding_rshift(int32_t x, int exponent)
{
    int32_t mask, remainder, threshold;
    if (exponent <= 0)
        return x;
    if (exponent > 31)
        exponent = 31;
    mask = (int32_t)((1LL << exponent) - 1);
    remainder = x & mask;
    threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return arith_rshift(x, exponent) + (remainder > threshold ? 1 : 0);
}

/* real = mult * 2^-31 * 2^shift with mult in [2^30, 2^31). */
void sc_quantize_multiplier(double real, int32_t *mult, int32_t *shift)
{
    int e = 0;
    double q;
    long long qi;
    if (!(real > 0.0)) {
        *mult = 0;
        *shift = 0;
        return;
    }
    q = frexp(real, &e);
    qi = llround(q * 2147483648.0);
    if (qi == 2147483648LL) {
        qi /= 2;
        e++;
    }
    if (e < -31) { /* rounds to zero for every int32 accumulator */
        *mult = 0;
        *shift = 0;
        return;
    }
    if (e > 30)
        e = 30;
    *mult = (int32_t)qi;
    *shift = e;
}

int32_t sc_requantize(int32_t acc, int32_t mult, int32_t shift, int32_t zp)
{
    int32_t v;
    if (shift > 0) {
        int64_t s = (int64_t)acc * ((int64_t)1 << shift);
        if (s > INT32_MAX) s = INT32_MAX;
        if (s < INT32_MIN) s = INT32_MIN;
        v = sc_srdhm((int32_t)s, mult);
    } else {
        v = sc_rounding_rshift(sc_srdhm(acc, mult), -shift);
    }
    v += zp;
    if (v < -128) v = -128;
    if (v > 127) v = 127;
    return v;
}

/* q = clamp(round_half_even(x * inv_scale) + zp); NaN maps like -inf. */
int8_t sc_quantize_f32(float x, float inv_scale, int32_t zp)
{
    float v = x * inv_scale;
    int32_t q;
    v = v > -1000.0f ? v : -1000.0f;
    v = v < 1000.0f ? v : 1000.0f;
    q = (int32_t)nearbyintf(v) + zp;
    if (q < -128) q = -128;
    if (q > 127) q = 127;
    return (int8_t)q;
}
