/* Error reporting: status names and a per-thread message of the last failure. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "internal.h"

#if defined(__GNUC__) || defined(__clang__)
#define SC_THREAD_LOCAL __thread
#else
#define SC_THREAD_LOCAL
#endif

static SC_THREAD_LOCAL char last_error[512];

int sc_fail(int status, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(last_error, sizeof last_error, "%s: ", sc_status_name(status));
    if (n < 0 || (size_t)n >= sizeof last_error)
        n = 0;
    va_start(ap, fmt);
    vsnprintf(last_error + n, sizeof last_error - (size_t)n, fmt, ap);
    va_end(ap);
    return status;
}

void sc_clear_error(void) { last_error[0] = 0; }

const char *sc_last_error(void) { return last_error; }

const char *sc_status_name(int status)
{
    switch (status) {
    case SC_OK: return "ok";
    case SC_ERR_ARGUMENT: return "invalid argument";
    case SC_ERR_IO: return "i/o error";
    case SC_ERR_FORMAT: return "invalid model file";
    case SC_ERR_VERSION: return "unsupported format version";
    case SC_ERR_CHECKSUM: return "checksum mismatch";
    case SC_ERR_UNSUPPORTED: return "unsupported";
    case SC_ERR_GRAPH: return "inconsistent graph";
    case SC_ERR_SIZE: return "image size not accepted";
    case SC_ERR_NOMEM: return "out of memory";
    case SC_ERR_OVERFLOW: return "size overflow";
    case SC_ERR_ISA: return "kernel family unavailable";
    case SC_ERR_THREAD: return "thread error";
    default: return "unknown status";
    }
}

const char *sc_version(void) { return "stylecut-native 1.0 (format 1)"; }
