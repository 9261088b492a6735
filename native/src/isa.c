/* Choice of the kernel family: once per process from the CPU features (or STYLECUT_ISA),
 * overridable per session. */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

int sc_isa_available(int isa)
{
    switch (isa) {
    case SC_ISA_SCALAR:
        return 1;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    case SC_ISA_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case SC_ISA_AVX512:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx2") &&
               __builtin_cpu_supports("fma");
#endif
#if defined(__aarch64__)
    case SC_ISA_NEON:
        return 1;
#endif
    default:
        return 0;
    }
}

const char *sc_isa_name(int isa)
{
    switch (isa) {
    case SC_ISA_AUTO: return "auto";
    case SC_ISA_SCALAR: return "scalar";
    case SC_ISA_AVX2: return "avx2";
    case SC_ISA_AVX512: return "avx512";
    case SC_ISA_NEON: return "neon";
    default: return "unknown";
    }
}

static int detect(void)
{
    const char *env = getenv("STYLECUT_ISA");
    int isa;
    if (env && *env) {
        for (isa = SC_ISA_SCALAR; isa <= SC_ISA_NEON; isa++)
            if (strcmp(env, sc_isa_name(isa)) == 0 && sc_isa_available(isa))
                return isa;
    }
    if (sc_isa_available(SC_ISA_AVX512))
        return SC_ISA_AVX512;
    if (sc_isa_available(SC_ISA_AVX2))
        return SC_ISA_AVX2;
    if (sc_isa_available(SC_ISA_NEON))
        return SC_ISA_NEON;
    return SC_ISA_SCALAR;
}

int sc_isa_default(void)
{
    static int chosen = 0; /* computed once; a racing first call computes the same value */
    if (!chosen)
        chosen = detect();
    return chosen;
}

int sc_resolve_isa(int isa)
{
    return isa == SC_ISA_AUTO ? sc_isa_default() : isa;
}

const sc_kernels *sc_kernels_for(int isa)
{
    switch (sc_resolve_isa(isa)) {
#if defined(__x86_64__)
    case SC_ISA_AVX2: return &sc_kernels_avx2;
    case SC_ISA_AVX512: return &sc_kernels_avx512;
#endif
#if defined(__aarch64__)
    case SC_ISA_NEON: return &sc_kernels_neon;
#endif
    default: return &sc_kernels_scalar;
    }
}
