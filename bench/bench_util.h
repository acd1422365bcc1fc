/* Helpers shared by the bench programs (host only): a monotonic clock,
 * CPU time, a deterministic random stream, sorting for percentiles and a
 * least-squares line fit. Each bench prints its figures; none is a test. */
#ifndef BM_BENCH_UTIL_H
#define BM_BENCH_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline uint64_t bench_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t bench_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* splitmix64: reproducible data for every run. */
static inline uint64_t bench_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline void bench_fill(uint64_t *s, uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)bench_rand(s);
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The q-quantile (0..1) of v[0..n), nearest rank; sorts v. */
static inline double bench_quantile(double *v, size_t n, double q)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof(*v), bench_cmp_double);
    size_t k = (size_t)(q * (double)n + 0.999999);
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return v[k - 1];
}

/* y = a + b x by least squares; r2 the coefficient of determination. */
static inline void bench_fit(const double *x, const double *y, size_t n, double *a, double *b,
                             double *r2)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        sx += x[i];
        sy += y[i];
        sxx += x[i] * x[i];
        sxy += x[i] * y[i];
    }
    double d = (double)n * sxx - sx * sx;
    *b = d != 0 ? ((double)n * sxy - sx * sy) / d : 0;
    *a = (sy - *b * sx) / (double)n;
    double mean = sy / (double)n, ss_tot = 0, ss_res = 0;
    for (size_t i = 0; i < n; i++) {
        double e = y[i] - (*a + *b * x[i]);
        ss_res += e * e;
        ss_tot += (y[i] - mean) * (y[i] - mean);
    }
    *r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : 1;
}

#endif
