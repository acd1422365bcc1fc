/* Fake nodes for the simulator's tests: a node that beacons from a timer and
 * optionally rebroadcasts, once, every message it hears (a flood relay), and
 * a transcript hasher. Messages are one AD structure [4][0x2a][id hi][id lo]
 * [tag], so a test can tell them apart without any mesh layer. */
#ifndef BM_TEST_SIM_FAKE_NODE_H
#define BM_TEST_SIM_FAKE_NODE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blemesh/errors.h"
#include "sim.h"

#define FAKE_MSG_LEN 5
#define FAKE_MAX_IDS 1024
#define FAKE_LOG 64

struct fake {
    struct bm_sim *sim;
    uint32_t id;
    const struct bm_platform *plat;

    /* beaconing: beacons_left messages, period_ms apart, from first_ms */
    uint64_t next_ms;
    uint64_t period_ms;
    uint32_t beacons_left;
    uint16_t msg_id; /* id of the next beacon (counts up) */
    uint8_t tag;
    struct bm_adv_xmit xmit;
    int last_err;  /* of the last adv_send */
    uint32_t errors;

    /* flood relay: rebroadcast each id the first time it is heard */
    bool relay;
    uint8_t seen[FAKE_MAX_IDS / 8];
    uint32_t distinct; /* ids heard at least once */

    /* what arrived */
    uint64_t rx;
    uint32_t n_log;
    uint64_t rx_us[FAKE_LOG];
    uint16_t rx_id[FAKE_LOG];
    uint8_t rx_tag[FAKE_LOG];
    int8_t rx_rssi[FAKE_LOG];
    size_t rx_len[FAKE_LOG];
};

static inline void fake_msg(uint8_t *m, uint16_t id, uint8_t tag)
{
    m[0] = 4;
    m[1] = BM_AD_MESH_MESSAGE;
    m[2] = (uint8_t)(id >> 8);
    m[3] = (uint8_t)id;
    m[4] = tag;
}

static inline bool fake_seen(const struct fake *f, uint16_t id)
{
    return id < FAKE_MAX_IDS && (f->seen[id / 8] >> (id % 8) & 1);
}

static inline void fake_send(struct fake *f, uint16_t id, uint8_t tag)
{
    uint8_t m[FAKE_MSG_LEN];
    fake_msg(m, id, tag);
    f->last_err = f->plat->adv_send(f->plat->ctx, m, sizeof(m), &f->xmit);
    if (f->last_err)
        f->errors++;
}

static inline void fake_rx(void *user, const uint8_t *d, size_t len, int8_t rssi)
{
    struct fake *f = user;
    uint16_t id = len >= 4 ? (uint16_t)(d[2] << 8 | d[3]) : 0xffff;
    uint8_t tag = len >= 5 ? d[4] : 0;
    if (f->n_log < FAKE_LOG) {
        f->rx_us[f->n_log] = bm_sim_now_us(f->sim);
        f->rx_id[f->n_log] = id;
        f->rx_tag[f->n_log] = tag;
        f->rx_rssi[f->n_log] = rssi;
        f->rx_len[f->n_log] = len;
        f->n_log++;
    }
    f->rx++;
    if (id >= FAKE_MAX_IDS || fake_seen(f, id))
        return;
    f->seen[id / 8] |= (uint8_t)(1u << (id % 8));
    f->distinct++;
    if (f->relay)
        fake_send(f, id, tag);
}

static inline uint64_t fake_process(void *user, uint64_t now_ms)
{
    struct fake *f = user;
    if (!f->beacons_left)
        return UINT64_MAX;
    if (now_ms >= f->next_ms) {
        /* The source marks its own messages seen so it does not relay them. */
        if (f->msg_id < FAKE_MAX_IDS && !fake_seen(f, f->msg_id)) {
            f->seen[f->msg_id / 8] |= (uint8_t)(1u << (f->msg_id % 8));
            f->distinct++;
        }
        fake_send(f, f->msg_id++, f->tag);
        f->beacons_left--;
        f->next_ms += f->period_ms;
        if (!f->beacons_left)
            return UINT64_MAX;
    }
    return f->next_ms;
}

static const struct bm_sim_node_ops fake_ops = {fake_rx, fake_process};

/* Adds n fakes (fs[0..n)) that neither beacon nor relay until told. */
static inline int fake_add(struct bm_sim *sim, struct fake *fs, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        memset(&fs[i], 0, sizeof(fs[i]));
        fs[i].sim = sim;
        fs[i].xmit = (struct bm_adv_xmit){1, 20};
        int rc = bm_sim_add_node(sim, &fake_ops, &fs[i], &fs[i].id);
        if (rc)
            return rc;
        fs[i].plat = bm_sim_platform(sim, fs[i].id);
    }
    return 0;
}

/* Beacon `count` messages starting at first_ms, every period_ms. */
static inline void fake_beacon(struct fake *f, uint64_t first_ms, uint64_t period_ms,
                               uint32_t count, uint16_t first_id)
{
    f->next_ms = first_ms;
    f->period_ms = period_ms;
    f->beacons_left = count;
    f->msg_id = first_id;
    bm_sim_kick(f->sim, f->id);
}

/* FNV-1a over every transmission of a run. */
struct tx_hash {
    uint64_t h;
    uint64_t n;
    uint64_t last_us;
};

static inline void hash_bytes(struct tx_hash *t, const void *p, size_t len)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < len; i++) {
        t->h ^= b[i];
        t->h *= 0x100000001b3ull;
    }
}

static inline void tx_hash_fn(void *ctx, uint64_t t_us, uint32_t node, const uint8_t *d,
                              size_t len)
{
    struct tx_hash *t = ctx;
    uint8_t hdr[13];
    for (int i = 0; i < 8; i++)
        hdr[i] = (uint8_t)(t_us >> (8 * i));
    for (int i = 0; i < 4; i++)
        hdr[8 + i] = (uint8_t)(node >> (8 * i));
    hdr[12] = (uint8_t)len;
    hash_bytes(t, hdr, sizeof(hdr));
    hash_bytes(t, d, len);
    t->n++;
    t->last_us = t_us;
}

static inline void tx_hash_init(struct tx_hash *t)
{
    t->h = 0xcbf29ce484222325ull;
    t->n = 0;
    t->last_us = 0;
}

#endif
