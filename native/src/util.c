/* Utilities: aligned allocation, overflow-checked size arithmetic, the file checksum. */
#if defined(__linux__)
#define _DEFAULT_SOURCE 1 /* madvise flags */
#include <sys/mman.h>
#endif
#include <stdlib.h>
#include "internal.h"

/* Activation-sized block: 2 MB aligned and, on Linux, backed by transparent huge pages when
 * large, so a conv that reads many planes at once does not thrash the TLB. Free with free(). */
void *sc_big_alloc(size_t size)
{
    void *p = NULL;
    const size_t huge = (size_t)2 << 20;
    if (size < 2 * huge)
        return malloc(size ? size : 1);
    if (size > SIZE_MAX - huge)
        return NULL;
    size = (size + huge - 1) & ~(huge - 1);
    if (posix_memalign(&p, huge, size) != 0)
        return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    madvise(p, size, MADV_HUGEPAGE);
#endif
    return p;
}

/* 64-byte aligned block; *base receives the pointer to free(). */
void *sc_aligned_alloc(size_t size, void **base)
{
    uint8_t *p;
    uintptr_t a;
    if (size > SIZE_MAX - 128)
        return NULL;
    p = (uint8_t *)malloc(size + 128);
    *base = p;
    if (!p)
        return NULL;
    a = ((uintptr_t)p + 63) & ~(uintptr_t)63;
    return (void *)a;
}

int sc_mul_overflow(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return 1;
    *out = a * b;
    return 0;
}

uint64_t sc_fnv1a64(const void *data, size_t size)
{
    const uint8_t *p = (const uint8_t *)data;
    uint64_t h = 0xcbf29ce484222325ULL;
    size_t i;
    for (i = 0; i < size; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}
