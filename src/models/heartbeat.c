/* Heartbeats (Mesh Profile 3.6.5.10, 3.6.7, 4.2.17-4.2.18): the Heartbeat
 * Publication state (periodic heartbeats, count and period kept as the
 * logarithms of 4.2.17.2-4.2.17.3, and heartbeats triggered by a feature
 * changing state), the Heartbeat Subscription state (counting heartbeats
 * from one source to one destination during a period, with the minimum and
 * maximum hop counts), and their Configuration Server messages
 * (4.3.2.61-4.3.2.66).
 *
 * The states live in struct bm_node (hb_pub, hb_sub); the Configuration
 * Server's process hook drives the publication timer. */
#include <string.h>

#include "models/cfg_srv.h"
#include "models/models.h"
#include "node/node.h"

#define CTL_OP_HEARTBEAT 0x0a
#define HB_FEAT_RELAY 0x0001
#define HB_FEAT_MASK 0x000f /* relay, proxy, friend, low power; the rest RFU */
#define LOG_MAX 0x11        /* largest count and period logarithm */

/* 2^(n-1), the value a logarithm field stands for (4.2.17.2); 0 for 0. */
static uint32_t pow2_log(uint8_t n)
{
    return n ? 1u << (n - 1) : 0;
}

/* A period of Period Log n (1..0x11) in ms: at most 2^16 s, which fits
 * 32 bits, so no 64-bit multiplication. */
static uint32_t period_ms(uint8_t n)
{
    return 1000u << (n - 1);
}

/* The logarithm field reporting v: 0 for 0, else n with 2^(n-1) <= v <
 * 2^n. */
static uint8_t log_of(uint32_t v)
{
    uint8_t n = 0;
    while (v) {
        n++;
        v >>= 1;
    }
    return n;
}

/* The features currently enabled (3.6.5.10): only relay can be today. */
static uint16_t enabled_features(const struct bm_node *node)
{
    return node->relay == BM_FEAT_STATE_ENABLED ? HB_FEAT_RELAY : 0;
}

static void send_heartbeat(struct bm_node *node)
{
    const struct bm_hb_pub *pub = &node->hb_pub;
    uint16_t feat = enabled_features(node);
    /* RFU bit, InitTTL (7 bits), Features big-endian as every transport
     * control message (3.6.5.10) */
    uint8_t params[3] = {(uint8_t)(pub->ttl & 0x7f), (uint8_t)(feat >> 8), (uint8_t)feat};
    int rc = bm_node_send_ctl(node, pub->net_idx, pub->dst, pub->ttl, CTL_OP_HEARTBEAT, params,
                              sizeof(params));
    bm_node_log(node, BM_LOG_DBG, "cfg", "heartbeat tx dst=0x%04x ttl=%u rc=%d", pub->dst, pub->ttl,
                rc);
}

bm_ms_t bm_heartbeat_process(struct bm_node *node, bm_ms_t now)
{
    struct bm_hb_pub *pub = &node->hb_pub;
    struct bm_hb_sub *sub = &node->hb_sub;
    /* a period that ended is cleared: left standing, its end would seem
     * ahead again once the 32-bit clock moved 2^31 ms on (bm_time.h) */
    if (bm_ms_due(now, sub->end_ms))
        sub->end_ms = 0;
    /* a heartbeat is due only with a destination, a count and a period
     * (hb_pub_set(), persist.c; the count's end clears it) */
    if (bm_ms_due(now, pub->next_ms)) {
        send_heartbeat(node);
        if (pub->count != 0xffff)
            pub->count--;
        pub->next_ms = pub->count ? bm_ms_after(now, period_ms(pub->period_log)) : 0;
    }
    return bm_ms_min(now, pub->next_ms, sub->end_ms);
}

void bm_heartbeat_features_changed(struct bm_node *node, uint16_t changed)
{
    /* 4.2.17.5: a change of a listed feature sends one heartbeat, outside
     * the periodic count (features are listed only with a destination:
     * hb_pub_set(), persist.c) */
    if (node->hb_pub.features & changed)
        send_heartbeat(node);
}

void bm_heartbeat_subnet_deleted(struct bm_node *node, uint16_t net_idx)
{
    /* (publication off is all zeros: clearing it again changes nothing) */
    if (node->hb_pub.net_idx == net_idx)
        memset(&node->hb_pub, 0, sizeof(node->hb_pub));
}

void bm_heartbeat_rx(struct bm_node *node, uint16_t src, uint16_t dst, uint8_t rx_ttl,
                     const uint8_t *params, size_t len)
{
    struct bm_hb_sub *sub = &node->hb_sub;
    if (len != 3)
        return; /* 3.6.5.10: exactly InitTTL and Features */
    uint8_t init_ttl = params[0] & 0x7f;
    /* counting: a period runs (it only starts with both addresses
     * assigned) and the heartbeat goes from its source to its destination */
    if (!sub->end_ms || src != sub->src || dst != sub->dst ||
        bm_ms_reached(bm_node_now(node), sub->end_ms))
        return;
    if (rx_ttl > init_ttl)
        return; /* no path adds TTL: not a heartbeat we can count */
    /* 3.6.7.4: hops = InitTTL - RxTTL + 1 */
    uint8_t hops = (uint8_t)(init_ttl - rx_ttl + 1);
    if (sub->count < 0xffff)
        sub->count++;
    if (!sub->min_hops || hops < sub->min_hops)
        sub->min_hops = hops;
    if (hops > sub->max_hops)
        sub->max_hops = hops;
    bm_node_log(node, BM_LOG_DBG, "cfg", "heartbeat rx src=0x%04x dst=0x%04x hops=%u", src, dst,
                hops);
}

/* --- Configuration Server messages --- */

/* Heartbeat Publication Set, a fixed-length one: the Status Code, or
 * BM_EMALFORMED for a prohibited field value (no Status). */
static int hb_pub_set(struct bm_node *node, const uint8_t *p)
{
    uint16_t dst = bm_cfg_get_le16(p);
    uint8_t count_log = p[2], period_log = p[3], ttl = p[4];
    uint16_t net_idx = bm_cfg_get_le16(p + 7);
    if (ttl > BM_TTL_MAX || net_idx > 0x0fff)
        return BM_EMALFORMED; /* 4.2.17.4: TTL 0x80..0xff prohibited */
    if (bm_addr_is_virtual(dst))
        return BM_CFG_ST_INVALID_ADDRESS; /* 4.2.17.1: unassigned, unicast or group */
    if ((count_log > LOG_MAX && count_log != 0xff) || period_log > LOG_MAX)
        return BM_CFG_ST_CANNOT_SET;
    if (!bm_net_subnet_find(&node->net, net_idx))
        return BM_CFG_ST_INVALID_NETKEY;
    struct bm_hb_pub *pub = &node->hb_pub;
    memset(pub, 0, sizeof(*pub));
    if (dst != BM_ADDR_UNASSIGNED) {
        /* (the fields read again from p: nothing kept across memset) */
        pub->dst = bm_cfg_get_le16(p);
        /* 2^16 does not fit the 16-bit count: the largest finite one */
        pub->count = p[2] == 0xff      ? 0xffff
                     : p[2] == LOG_MAX ? 0xfffe
                                       : (uint16_t)pow2_log(p[2]);
        pub->period_log = p[3];
        pub->ttl = p[4];
        pub->features = bm_cfg_get_le16(p + 5) & HB_FEAT_MASK;
        pub->net_idx = bm_cfg_get_le16(p + 7);
        /* the first periodic heartbeat goes as soon as possible */
        if (pub->count && pub->period_log) {
            pub->next_ms = bm_ms_after(bm_node_now(node), 0);
            bm_node_timer_set(node, BM_TIMER_MODELS, 0);
        }
    }
    bm_node_log(node, BM_LOG_INF, "cfg", "heartbeat pub dst=0x%04x count_log=%u period_log=%u", dst,
                count_log, period_log);
    return BM_CFG_ST_SUCCESS;
}

/* Heartbeat Publication Get (no parameters) and Set (4.3.2.61-62); the
 * Status (4.3.2.63) reports the state, with the Count Log of the Set, or
 * echoes a refused Set's fields (4.4.1.2.15). */
int bm_cfg_srv_hb_pub(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                      const uint8_t *p, size_t len, uint32_t opcode)
{
    (void)opcode;
    const struct bm_hb_pub *pub = &node->hb_pub;
    uint8_t out[10];
    out[0] = BM_CFG_ST_SUCCESS;
    uint8_t count_log;
    if (len) {
        int st = hb_pub_set(node, p);
        if (st < 0)
            return st;
        out[0] = (uint8_t)st;
        count_log = p[2];
    } else {
        count_log = pub->count == 0xffff ? 0xff : log_of(pub->count);
    }
    if (out[0] != BM_CFG_ST_SUCCESS) {
        memcpy(out + 1, p, 9);
    } else {
        bm_cfg_put_le16(out + 1, pub->dst);
        out[3] = count_log;
        out[4] = pub->period_log;
        out[5] = pub->ttl;
        bm_cfg_put_le16(out + 6, pub->features);
        bm_cfg_put_le16(out + 8, pub->net_idx);
    }
    return bm_cfg_srv_reply(node, model, ctx, BM_CFG_OP_HB_PUB_STATUS, out, sizeof(out));
}

/* Heartbeat Subscription Set, a fixed-length one: BM_EMALFORMED for a
 * prohibited field value (no Status), else BM_OK. */
static int hb_sub_set(struct bm_node *node, const uint8_t *p)
{
    uint16_t src = bm_cfg_get_le16(p);
    uint16_t dst = bm_cfg_get_le16(p + 2);
    uint8_t period_log = p[4];
    /* 4.2.18.1-4.2.18.3: source unassigned or unicast; destination
     * unassigned, our primary address or a group; Period Log at most
     * 0x11. Anything else is prohibited: ignored. */
    if (period_log > LOG_MAX || (src != BM_ADDR_UNASSIGNED && !bm_addr_is_unicast(src)) ||
        (dst != BM_ADDR_UNASSIGNED && dst != node->addr && !bm_addr_is_group(dst)))
        return BM_EMALFORMED;
    struct bm_hb_sub *sub = &node->hb_sub;
    if (src == BM_ADDR_UNASSIGNED || dst == BM_ADDR_UNASSIGNED) {
        /* 4.4.1.2.16: subscription off; what was counted stays readable */
        sub->src = sub->dst = BM_ADDR_UNASSIGNED;
        sub->end_ms = 0;
    } else {
        sub->src = src;
        sub->dst = dst;
        if (period_log) {
            /* a new period counts from zero */
            sub->count = 0;
            sub->min_hops = 0;
            sub->max_hops = 0;
            sub->end_ms = bm_ms_after(bm_node_now(node), period_ms(period_log));
        } else {
            sub->end_ms = 0;
        }
    }
    bm_node_log(node, BM_LOG_INF, "cfg", "heartbeat sub src=0x%04x dst=0x%04x period_log=%u", src,
                dst, period_log);
    return BM_OK;
}

/* Heartbeat Subscription Get (no parameters) and Set (4.3.2.64-65); the
 * Status (4.3.2.66) reports the state. */
int bm_cfg_srv_hb_sub(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                      const uint8_t *p, size_t len, uint32_t opcode)
{
    (void)opcode;
    if (len) {
        int rc = hb_sub_set(node, p);
        if (rc != BM_OK)
            return rc;
    }
    const struct bm_hb_sub *sub = &node->hb_sub;
    /* the Period Log reports the time left, rounded up to whole seconds,
     * s = ceil(ms / 1000), without a division: log_of(s) > n while
     * s > 2^n - 1, that is while ms > 1000 * (2^n - 1); n < 23 keeps that
     * product in 32 bits, and 23 is the log of every s that large */
    uint32_t left_ms = sub->end_ms ? bm_ms_left(bm_node_now(node), sub->end_ms) : 0;
    uint8_t period_log = 0;
    for (uint32_t below = 0; period_log < 23 && left_ms > below; below = below * 2 + 1000u)
        period_log++;
    uint8_t out[9];
    out[0] = BM_CFG_ST_SUCCESS;
    bm_cfg_put_le16(out + 1, sub->src);
    bm_cfg_put_le16(out + 3, sub->dst);
    out[5] = period_log;
    out[6] = sub->count == 0xffff ? 0xff : log_of(sub->count);
    out[7] = sub->min_hops;
    out[8] = sub->max_hops;
    return bm_cfg_srv_reply(node, model, ctx, BM_CFG_OP_HB_SUB_STATUS, out, sizeof(out));
}
