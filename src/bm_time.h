/* Time inside the core: milliseconds of the platform clock kept modulo
 * 2^32 (bm_ms_t wraps every 49.7 days). 32 bits, not the platform's 64:
 * on a Cortex-M0+ every 64-bit compare, add, load and store costs 2-4x
 * the code of a 32-bit one. The public API keeps 64-bit time and converts
 * at one place (bm_node_process).
 *
 * Rules: a wrapping time is never compared with < or <= (use the helpers
 * below, which compare the signed distance); every duration in the core
 * is far below 2^31 ms (24.8 days; the longest is the IV Update 96 hours,
 * whose state clock stays 64-bit in node_iv.c); a stored deadline of 0
 * means "none", so bm_ms_after() never returns 0. A deadline is cleared
 * (or re-armed) when reached: one left standing would seem to lie ahead
 * again 24.8 days later. */
#ifndef BM_TIME_H
#define BM_TIME_H

#include <stdbool.h>
#include <stdint.h>

typedef uint32_t bm_ms_t;

/* The deadline delay_ms (< 2^31) after now; never 0 (0 = no deadline), a
 * deadline that would fall on 0 is 1 ms later. */
static inline bm_ms_t bm_ms_after(bm_ms_t now, uint32_t delay_ms)
{
    bm_ms_t at = now + delay_ms;
    return at ? at : 1;
}

/* True once deadline at has been reached at now (at at most 2^31 - 1 ms
 * ahead or behind). */
static inline bool bm_ms_reached(bm_ms_t now, bm_ms_t at)
{
    return (int32_t)(now - at) >= 0;
}

/* True when deadline at is set (not 0) and reached. */
static inline bool bm_ms_due(bm_ms_t now, bm_ms_t at)
{
    return at && bm_ms_reached(now, at);
}

/* Ms from now until deadline at; 0 once reached. */
static inline uint32_t bm_ms_left(bm_ms_t now, bm_ms_t at)
{
    return bm_ms_reached(now, at) ? 0 : at - now;
}

/* The earlier of deadlines a and b as seen from now; 0 is "none" (the
 * other wins). */
static inline bm_ms_t bm_ms_min(bm_ms_t now, bm_ms_t a, bm_ms_t b)
{
    if (!a || !b)
        return a | b;
    return (int32_t)(a - now) <= (int32_t)(b - now) ? a : b;
}

#endif
