#include "test.h"

#include <stdarg.h>
#include <string.h>

int bm_test_failures;
int bm_test_checks;
const char *bm_test_current = "";

void bm_test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    bm_test_failures++;
    fprintf(stderr, "%s:%d: [%s] ", file, line, bm_test_current);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void print_hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "%02x", p[i]);
}

void bm_test_hex_eq(const char *file, int line, const char *what, const uint8_t *got,
                    size_t got_len, const uint8_t *want, size_t want_len)
{
    if (got_len == want_len && (want_len == 0 || memcmp(got, want, want_len) == 0))
        return;
    bm_test_fail(file, line, "%s differs", what);
    fprintf(stderr, "    got  ");
    print_hex(got, got_len);
    fprintf(stderr, "\n    want ");
    print_hex(want, want_len);
    fputc('\n', stderr);
}

int bm_test_done(void)
{
    printf("%d checks, %d failures\n", bm_test_checks, bm_test_failures);
    /* A test program that checked nothing is itself a defect. */
    if (bm_test_checks == 0) {
        fprintf(stderr, "no checks ran\n");
        return 1;
    }
    return bm_test_failures ? 1 : 0;
}
