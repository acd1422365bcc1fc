/* The IV Update procedure of a node (Mesh Profile 3.10.5) and IV Index
 * Recovery (3.10.6).
 *
 * States: Normal Operation (iv_update false: send and receive with IV
 * index I, also accept I - 1) and IV Update in Progress (iv_update true,
 * iv_index holds the new index I + 1: send with I, accept I and I + 1).
 *
 * Rules, each with its constant in node.h:
 * - a state lasts at least BM_IV_MIN_MS (96 h) before the node leaves it,
 *   counted on the platform clock and carried across restarts in whole
 *   hours by the IV record; test mode (bm_iv_test_mode) replaces it;
 * - Normal -> In Progress: initiated (bm_iv_update_start, or sequence
 *   numbers past BM_IV_SEQ_LIMIT) or following an authenticated beacon of
 *   the primary subnet showing I + 1 with the IV Update flag;
 * - In Progress -> Normal: after the minimum time, or on a beacon showing
 *   the same index without the flag, once no segmented message is being
 *   sent (its segments must keep one IV index); seq restarts at 0;
 * - IV Index Recovery, only in Normal Operation: a beacon with an index
 *   from I + 1 (flag clear) to I + BM_IV_RECOVERY_MAX is adopted with its
 *   flag, seq restarts at 0, at most once per 2 * minimum; larger jumps
 *   and older indexes are ignored;
 * - every transition is stored (IV record) before the node acts on it. */
#include <string.h>

#include "blemesh/network.h"
#include "node.h"

#define HOUR_MS 3600000ull
#define HOUR_MS_SHR7 28125u /* HOUR_MS >> 7 */
/* A deferred return to Normal is tried again this soon. */
#define IV_RETRY_MS 500u

/* The minimum time of a state: 96 hours (below 2^32 ms) or the test
 * mode's. */
static uint32_t min_ms(const struct bm_node *node)
{
    return node->iv_test ? node->iv_min_ms : (uint32_t)BM_IV_MIN_MS;
}

/* True while the current state is younger than the minimum time (twice
 * that with twice). */
static bool too_soon(const struct bm_node *node, bool twice)
{
    uint64_t min = min_ms(node);
    if (twice)
        min += min; /* not a 64-bit shift: libgcc's costs 24 octets on M0+ */
    return bm_node_iv_elapsed(node) < min;
}

/* Whole hours in ms, and the ms into the last one, without a 64-bit
 * division (libgcc's costs about 0.8 KB on Cortex-M0+): 3,600,000 ms =
 * 2^7 * 28,125, so ms / 2^7 (32 bits up to 17 years) is divided by 28,125,
 * by shift and subtract (no call to libgcc's __udivsi3 either): the
 * quotient is below 2^32 / 28,125 < 2^18, so 18 steps, the first
 * subtracting 28,125 << 17 (< 2^32). Past 17 years it answers UINT32_MAX
 * hours (stored as 0xffff anyway) and 0 ms into the hour. */
uint32_t bm_node_iv_hours(uint64_t ms, uint32_t *into_ms)
{
    uint64_t q = ms >> 7;
    *into_ms = 0;
    if (q > UINT32_MAX)
        return UINT32_MAX;
    uint32_t r = (uint32_t)q, h = 0;
    for (int b = 17; b >= 0; b--) {
        if (r >= HOUR_MS_SHR7 << b) {
            r -= HOUR_MS_SHR7 << b;
            h |= 1u << b;
        }
    }
    *into_ms = (uint32_t)ms - h * (uint32_t)HOUR_MS; /* modulo 2^32, exact */
    return h;
}

void bm_node_iv_reset_clock(struct bm_node *node, uint64_t already_ms)
{
    uint32_t into;
    uint32_t hours = bm_node_iv_hours(already_ms, &into);
    node->iv_since_ms = bm_node_clock64(node);
    node->iv_base_ms = already_ms;
    node->iv_hours_saved = (uint16_t)(hours > 0xffff ? 0xffff : hours);
}

/* On the platform's 64-bit clock, not the core's 32-bit time: a state can
 * last longer than the 49.7 days after which that wraps. */
uint64_t bm_node_iv_elapsed(const struct bm_node *node)
{
    return node->iv_base_ms + (bm_node_clock64(node) - node->iv_since_ms);
}

static bool sar_busy(const struct bm_node *node)
{
    for (size_t i = 0; i < BM_CFG_TX_SEG_CTX; i++)
        if (node->sar_tx[i].busy)
            return true;
    return false;
}

/* Moves to (iv_index, update); reset_seq when the transmit IV index grows. */
static void enter(struct bm_node *node, uint32_t iv_index, bool update, bool reset_seq,
                  bool recovery)
{
    node->net.iv_index = iv_index;
    node->net.iv_update = update;
    node->iv_want_normal = false;
    node->iv_recovered = recovery;
    bm_node_iv_reset_clock(node, 0);
    if (reset_seq) {
        /* the IV record goes first: a crash between the two then resumes
         * at the old, higher mark under the new index (a skip), never at 0
         * under the old one */
        node->seq = 0;
        node->seq_reserved = 0;
    }
    int rc = bm_persist_iv(node);
    bm_node_log(node, BM_LOG_INF, "net", "iv index=0x%08x %s%s store=%d", (unsigned)iv_index,
                update ? "update in progress" : "normal", recovery ? " (recovery)" : "", rc);
    /* tell the network now rather than at the next beacon period */
    if (node->net_beacon)
        bm_node_timer_set(node, BM_TIMER_NET_BEACON, 0);
    bm_node_timer_set(node, BM_TIMER_IV, 0);
}

static void try_normal(struct bm_node *node, const char *why)
{
    if (too_soon(node, false)) {
        bm_node_log(node, BM_LOG_DBG, "net", "iv normal refused (%s): too soon", why);
        return;
    }
    if (sar_busy(node)) {
        node->iv_want_normal = true;
        bm_node_timer_set(node, BM_TIMER_IV, IV_RETRY_MS);
        return;
    }
    enter(node, node->net.iv_index, false, true, false);
}

static int initiate(struct bm_node *node, const char *why)
{
    if (!node->provisioned || node->net.iv_update)
        return BM_ESTATE;
    if (node->net.iv_index == UINT32_MAX)
        return BM_ESTATE; /* the last IV index: nothing follows it */
    if (too_soon(node, false))
        return BM_ESTATE;
    bm_node_log(node, BM_LOG_INF, "net", "iv update initiated (%s)", why);
    enter(node, node->net.iv_index + 1, true, false, false);
    return BM_OK;
}

void bm_node_iv_beacon(struct bm_node *node, uint16_t net_idx, uint32_t iv_index, bool iv_update)
{
    if (!node->provisioned)
        return;
    /* 3.10.5: with the primary subnet, only its beacons move the IV index
     * (the same index serves every subnet) */
    if (net_idx != 0 && bm_net_subnet_find(&node->net, 0))
        return;
    uint32_t cur = node->net.iv_index;
    if (node->net.iv_update) {
        /* In Progress: only the end of this same update counts */
        if (iv_index == cur && !iv_update)
            try_normal(node, "beacon");
        else if (iv_index > cur)
            bm_node_log(node, BM_LOG_WRN, "net", "iv beacon 0x%08x ignored in progress",
                        (unsigned)iv_index);
        return;
    }
    if (iv_index <= cur)
        return; /* the same index, or an older one: nothing to learn */
    if (iv_index - cur > BM_IV_RECOVERY_MAX) { /* iv_index > cur: no wrap */
        node->stats.beacons_bad++;
        bm_node_log(node, BM_LOG_WRN, "net", "iv beacon 0x%08x too far from 0x%08x: ignored",
                    (unsigned)iv_index, (unsigned)cur);
        return;
    }
    if (iv_index == cur + 1 && iv_update) {
        if (too_soon(node, false)) {
            bm_node_log(node, BM_LOG_DBG, "net", "iv update refused: normal too short");
            return;
        }
        enter(node, iv_index, true, false, false);
        return;
    }
    /* 3.10.6 IV Index Recovery: the node missed one or more updates */
    if (node->iv_recovered && too_soon(node, true)) {
        bm_node_log(node, BM_LOG_WRN, "net", "iv recovery refused: one already within 192 h");
        return;
    }
    enter(node, iv_index, iv_update, true, true);
}

void bm_node_iv_seq_check(struct bm_node *node)
{
    /* initiate() refuses while too soon, with nothing changed */
    if (node->seq >= BM_IV_SEQ_LIMIT && !node->net.iv_update)
        initiate(node, "sequence numbers running out");
}

void bm_node_iv_process(struct bm_node *node, bm_ms_t now)
{
    (void)now;
    if (!node->provisioned)
        return;
    uint32_t min = min_ms(node);
    if (node->net.iv_update && (bm_node_iv_elapsed(node) >= min || node->iv_want_normal)) {
        try_normal(node, "timer");
        if (node->iv_want_normal)
            return; /* retried shortly */
    } else {
        bm_node_iv_seq_check(node); /* Normal Operation: sequence numbers running out */
    }
    uint64_t elapsed = bm_node_iv_elapsed(node);
    uint32_t into;
    if (bm_node_iv_hours(elapsed, &into) != node->iv_hours_saved)
        bm_persist_iv(node); /* the 96 hours survive a restart, to the hour */
    uint32_t next = (uint32_t)HOUR_MS - into; /* the next whole hour */
    bool waiting = node->net.iv_update || node->seq >= BM_IV_SEQ_LIMIT;
    /* elapsed < min: the difference fits in 32 bits */
    if (waiting && elapsed < min && min - (uint32_t)elapsed < next)
        next = min - (uint32_t)elapsed;
    bm_node_timer_set(node, BM_TIMER_IV, next);
}

/* --- public API --- */

int bm_iv_get(const struct bm_node *node, uint32_t *iv_index, bool *in_progress)
{
    if (!node)
        return BM_EINVAL;
    if (!node->provisioned)
        return BM_ESTATE;
    if (iv_index)
        *iv_index = node->net.iv_index;
    if (in_progress)
        *in_progress = node->net.iv_update;
    return BM_OK;
}

int bm_iv_update_start(struct bm_node *node)
{
    if (!node)
        return BM_EINVAL;
    return initiate(node, "requested");
}

int bm_iv_test_mode(struct bm_node *node, bool enable, uint32_t min_ms_value)
{
    if (!node)
        return BM_EINVAL;
    node->iv_test = enable;
    node->iv_min_ms = enable ? min_ms_value : 0;
    if (node->provisioned)
        bm_node_timer_set(node, BM_TIMER_IV, 0);
    return BM_OK;
}
