/* A minimal test harness: each test program calls its test functions from
 * main() through BM_RUN() and returns bm_test_done(). A failed check prints
 * file:line and what differed, marks the program failed and goes on. */
#ifndef BM_TEST_H
#define BM_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

extern int bm_test_failures;
extern int bm_test_checks;
extern const char *bm_test_current;

void bm_test_fail(const char *file, int line, const char *fmt, ...);
void bm_test_hex_eq(const char *file, int line, const char *what, const uint8_t *got,
                    size_t got_len, const uint8_t *want, size_t want_len);
int bm_test_done(void);

#define BM_RUN(fn)                                                                  \
    do {                                                                            \
        bm_test_current = #fn;                                                      \
        int before_ = bm_test_failures;                                             \
        fn();                                                                       \
        printf("%s %s\n", bm_test_failures == before_ ? "ok  " : "FAIL", #fn);      \
    } while (0)

#define CHECK(cond)                                                                 \
    do {                                                                            \
        bm_test_checks++;                                                           \
        if (!(cond))                                                                \
            bm_test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                   \
    } while (0)

#define CHECK_EQ(got, want)                                                         \
    do {                                                                            \
        bm_test_checks++;                                                           \
        long long g_ = (long long)(got), w_ = (long long)(want);                    \
        if (g_ != w_)                                                               \
            bm_test_fail(__FILE__, __LINE__, "%s == %lld, want %s == %lld", #got,   \
                         g_, #want, w_);                                            \
    } while (0)

/* Compares two byte strings; prints both in hex when they differ. */
#define CHECK_MEM(what, got, got_len, want, want_len)                               \
    do {                                                                            \
        bm_test_checks++;                                                           \
        bm_test_hex_eq(__FILE__, __LINE__, what, got, got_len, want, want_len);     \
    } while (0)

#endif
