/* A rogue PB-ADV peer (see rogue.h): the bearer by hand on the codecs of
 * src/prov, driven by the test's script.
 *
 * Invariants: at most one transaction of ours in flight (queue[queue_head]
 * while tx_pending); the peer's transactions are taken in order, the
 * completed one re-acknowledged when retransmitted; a silent rogue puts
 * nothing on the air. */
#include "rogue.h"

#include <stdlib.h>
#include <string.h>

#include "blemesh/errors.h"
#include "blemesh/platform.h"

enum { ROGUE_IDLE = 0, ROGUE_OPENING, ROGUE_OPEN };

static uint64_t now_of(const struct rogue *r)
{
    return r->plat->now_ms(r->plat->ctx);
}

/* One AD structure of the given type, count transmissions 20 ms apart. */
static int send_ad(struct rogue *r, uint8_t type, const uint8_t *data, size_t len, uint8_t count)
{
    uint8_t adv[BM_ADV_MAX_LEN];
    if (len > BM_AD_MAX_DATA)
        return BM_EINVAL;
    adv[0] = (uint8_t)(len + 1);
    adv[1] = type;
    memcpy(adv + 2, data, len);
    const struct bm_adv_xmit xmit = {.count = count, .interval_ms = 20};
    return r->plat->adv_send(r->plat->ctx, adv, len + 2, &xmit);
}

static void send_pbadv(struct rogue *r, const uint8_t *pdu, size_t len)
{
    if (!r->silent)
        send_ad(r, BM_PBADV_AD_TYPE, pdu, len, 2);
}

static void send_link_ctl(struct rogue *r, uint8_t opcode, uint8_t reason)
{
    uint8_t out[BM_PBADV_MAX_LEN];
    size_t len = 0;
    int rc = BM_EINVAL;
    if (opcode == BM_PBADV_LINK_OPEN)
        rc = bm_pbadv_build_link_open(r->link_id, r->uuid, out, sizeof(out), &len);
    else if (opcode == BM_PBADV_LINK_ACK)
        rc = bm_pbadv_build_link_ack(r->link_id, out, sizeof(out), &len);
    else if (opcode == BM_PBADV_LINK_CLOSE)
        rc = bm_pbadv_build_link_close(r->link_id, reason, out, sizeof(out), &len);
    if (rc == BM_OK && !r->silent)
        send_ad(r, BM_PBADV_AD_TYPE, out, len, opcode == BM_PBADV_LINK_CLOSE ? 3 : 2);
}

static void send_tx_ack(struct rogue *r, uint8_t tn)
{
    uint8_t out[BM_PBADV_MAX_LEN];
    size_t len;
    if (bm_pbadv_build_tx_ack(r->link_id, tn, out, sizeof(out), &len) == BM_OK)
        send_pbadv(r, out, len);
}

static void send_segments(struct rogue *r)
{
    const uint8_t *pdu = r->queue[r->queue_head];
    size_t len = r->queue_len[r->queue_head];
    uint8_t n = bm_pbadv_seg_count(len);
    for (uint8_t i = 0; i < n; i++) {
        uint8_t out[BM_PBADV_MAX_LEN];
        size_t olen;
        if (bm_pbadv_build_segment(r->link_id, r->tx_tn, pdu, len, i, out, sizeof(out), &olen) ==
            BM_OK)
            send_pbadv(r, out, olen);
    }
}

static void start_next(struct rogue *r, uint64_t now)
{
    if (r->tx_pending || r->queue_count == 0 || r->state != ROGUE_OPEN)
        return;
    r->tx_pending = true;
    r->tx_due = now + ROGUE_RETRANSMIT_MS;
    send_segments(r);
}

static void tx_acked(struct rogue *r, uint64_t now)
{
    r->tx_pending = false;
    r->queue_head = (r->queue_head + 1) % ROGUE_QUEUE;
    r->queue_count--;
    r->tx_tn = bm_pbadv_tn_next(r->tx_tn);
    start_next(r, now);
}

static void forget_link(struct rogue *r)
{
    r->state = ROGUE_IDLE;
    r->tx_pending = false;
    r->queue_count = 0;
    r->queue_head = 0;
    bm_pbadv_rx_reset(&r->rx);
}

static void event(struct rogue *r, enum rogue_event ev, const uint8_t *pdu, size_t len)
{
    if (r->script)
        r->script(r->user, r, ev, pdu, len);
}

static void rx_ctl(struct rogue *r, const struct bm_pbadv_pdu *p, uint64_t now)
{
    switch (p->u.ctl.opcode) {
    case BM_PBADV_LINK_OPEN:
        if (!r->device || memcmp(p->u.ctl.uuid, r->uuid, 16) != 0)
            return;
        if (r->state == ROGUE_OPEN && p->link_id == r->link_id) {
            send_link_ctl(r, BM_PBADV_LINK_ACK, 0); /* our Link Ack was lost */
            return;
        }
        if (r->state != ROGUE_IDLE)
            return;
        forget_link(r);
        r->link_id = p->link_id;
        r->state = ROGUE_OPEN;
        r->tx_tn = BM_PBADV_TN_DEVICE_FIRST;
        r->rx_tn = BM_PBADV_TN_PROVISIONER_FIRST;
        r->rx_any = false;
        r->link_up_ms = now;
        send_link_ctl(r, BM_PBADV_LINK_ACK, 0);
        event(r, ROGUE_EVT_LINK_UP, NULL, 0);
        return;
    case BM_PBADV_LINK_ACK:
        if (r->device || r->state != ROGUE_OPENING || p->link_id != r->link_id)
            return;
        r->state = ROGUE_OPEN;
        r->link_up_ms = now;
        event(r, ROGUE_EVT_LINK_UP, NULL, 0);
        start_next(r, now);
        return;
    case BM_PBADV_LINK_CLOSE:
        if (r->state == ROGUE_IDLE || p->link_id != r->link_id)
            return;
        forget_link(r);
        event(r, ROGUE_EVT_LINK_CLOSED, &p->u.ctl.reason, 1);
        return;
    default:
        return;
    }
}

static void rx_pbadv(struct rogue *r, const uint8_t *buf, size_t len, uint64_t now)
{
    struct bm_pbadv_pdu p;
    if (bm_pbadv_parse(buf, len, &p) != BM_OK)
        return;
    if (p.gpcf == BM_PBADV_GPCF_CTL) {
        rx_ctl(r, &p, now);
        return;
    }
    if (r->state != ROGUE_OPEN || p.link_id != r->link_id)
        return;
    if (p.gpcf == BM_PBADV_GPCF_ACK) {
        if (r->tx_pending && p.tn == r->tx_tn)
            tx_acked(r, now);
        return;
    }
    /* the peer's transactions come from the other half of the numbers */
    if (bm_pbadv_tn_is_device(p.tn) == r->device)
        return;
    if (r->rx_any && p.tn == r->last_rx_tn) {
        send_tx_ack(r, p.tn);
        return;
    }
    if (p.tn != r->rx_tn)
        return;
    const uint8_t *pdu;
    size_t pdu_len;
    int rc = bm_pbadv_rx_add(&r->rx, &p, &pdu, &pdu_len);
    if (rc == BM_ESTATE) {
        bm_pbadv_rx_reset(&r->rx);
        rc = bm_pbadv_rx_add(&r->rx, &p, &pdu, &pdu_len);
    }
    if (rc != BM_OK)
        return;
    /* a new transaction from the peer: it has ours */
    if (r->tx_pending)
        tx_acked(r, now);
    send_tx_ack(r, p.tn);
    r->last_rx_tn = p.tn;
    r->rx_any = true;
    r->rx_tn = bm_pbadv_tn_next(p.tn);
    uint8_t copy[BM_PBADV_RX_MAX_LEN];
    memcpy(copy, pdu, pdu_len);
    bm_pbadv_rx_reset(&r->rx);
    event(r, ROGUE_EVT_PDU, copy, pdu_len);
}

/* --- jamming --- */

static uint32_t rnd32(struct rogue *r)
{
    uint8_t b[4];
    r->plat->random(r->plat->ctx, b, sizeof(b));
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void jam_random(struct rogue *r)
{
    uint8_t junk[BM_PBADV_MAX_LEN];
    size_t len = 1 + rnd32(r) % BM_PBADV_MAX_LEN;
    r->plat->random(r->plat->ctx, junk, len);
    if (send_ad(r, BM_PBADV_AD_TYPE, junk, len, 1) == BM_OK)
        r->garbage_sent++;
}

/* Garbage made from a PDU just heard: cut short, its FCS broken (a
 * Transaction Start), or one payload octet changed. None of them is a
 * valid PDU of the link: a receiver must drop them all. */
static void jam_reply(struct rogue *r, const uint8_t *pdu, size_t len)
{
    uint8_t copy[BM_PBADV_MAX_LEN];
    if (len < BM_PBADV_HDR_LEN + 1 || len > sizeof(copy))
        return;
    uint8_t gpcf = pdu[BM_PBADV_HDR_LEN] & 0x03;

    /* truncated: at least one octet short */
    size_t cut = BM_PBADV_HDR_LEN + rnd32(r) % (len - BM_PBADV_HDR_LEN);
    if (cut > 0 && send_ad(r, BM_PBADV_AD_TYPE, pdu, cut, 1) == BM_OK)
        r->garbage_sent++;

    if (gpcf == BM_PBADV_GPCF_START && len > BM_PBADV_HDR_LEN + 4) {
        memcpy(copy, pdu, len);
        copy[BM_PBADV_HDR_LEN + 3] ^= (uint8_t)(1 + rnd32(r) % 255); /* FCS */
        if (send_ad(r, BM_PBADV_AD_TYPE, copy, len, 1) == BM_OK)
            r->garbage_sent++;
    }
    if ((gpcf == BM_PBADV_GPCF_START && len > BM_PBADV_HDR_LEN + 4) ||
        (gpcf == BM_PBADV_GPCF_CONT && len > BM_PBADV_HDR_LEN + 1)) {
        memcpy(copy, pdu, len);
        copy[len - 1] ^= (uint8_t)(1 + rnd32(r) % 255); /* payload: the FCS no longer fits */
        if (send_ad(r, BM_PBADV_AD_TYPE, copy, len, 1) == BM_OK)
            r->garbage_sent++;
    }
}

/* --- simulator node --- */

static void node_rx(void *user, const uint8_t *adv, size_t len, int8_t rssi)
{
    struct rogue *r = user;
    (void)rssi;
    uint64_t now = now_of(r);
    size_t pos = 0;
    while (pos + 1 < len) {
        size_t l = adv[pos];
        if (l == 0 || pos + 1 + l > len)
            break;
        if (adv[pos + 1] == BM_PBADV_AD_TYPE) {
            if (r->jam && !r->silent)
                jam_reply(r, adv + pos + 2, l - 1);
            else
                rx_pbadv(r, adv + pos + 2, l - 1, now);
        }
        pos += 1 + l;
    }
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static uint64_t node_process(void *user, uint64_t now)
{
    struct rogue *r = user;
    uint64_t next = UINT64_MAX;
    if (r->silent)
        return next;
    if (r->state == ROGUE_OPENING) {
        if (now >= r->open_due) {
            send_link_ctl(r, BM_PBADV_LINK_OPEN, 0);
            r->open_due = now + ROGUE_RETRANSMIT_MS;
        }
        next = earliest(next, r->open_due);
    }
    if (r->state == ROGUE_OPEN && r->tx_pending) {
        if (now >= r->tx_due) {
            send_segments(r);
            r->tx_due = now + ROGUE_RETRANSMIT_MS;
        }
        next = earliest(next, r->tx_due);
    }
    if (r->jam) {
        if (now >= r->jam_due) {
            jam_random(r);
            r->jam_due = now + ROGUE_JAM_PERIOD_MS;
        }
        next = earliest(next, r->jam_due);
    }
    return next;
}

static const struct bm_sim_node_ops rogue_ops = {.rx = node_rx, .process = node_process};

struct rogue *rogue_add(struct bm_sim *sim, rogue_script_fn script, void *user)
{
    struct rogue *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    if (bm_sim_add_node(sim, &rogue_ops, r, &r->id) != BM_OK) {
        free(r);
        return NULL;
    }
    r->sim = sim;
    r->plat = bm_sim_platform(sim, r->id);
    r->script = script;
    r->user = user;
    return r;
}

void rogue_free(struct rogue *r)
{
    if (r)
        bm_crypto_wipe(r, sizeof(*r));
    free(r);
}

int rogue_open(struct rogue *r, const uint8_t uuid[16])
{
    uint8_t id[4];
    if (r->plat->random(r->plat->ctx, id, sizeof(id)) != 0)
        return BM_ECRYPTO;
    forget_link(r);
    r->device = false;
    memcpy(r->uuid, uuid, 16);
    r->link_id = (uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 | (uint32_t)id[2] << 8 | id[3];
    r->state = ROGUE_OPENING;
    r->tx_tn = BM_PBADV_TN_PROVISIONER_FIRST;
    r->rx_tn = BM_PBADV_TN_DEVICE_FIRST;
    r->rx_any = false;
    r->open_due = now_of(r); /* process() sends the first Link Open */
    return bm_sim_kick(r->sim, r->id);
}

void rogue_listen(struct rogue *r, const uint8_t uuid[16])
{
    forget_link(r);
    r->device = true;
    memcpy(r->uuid, uuid, 16);
}

int rogue_send(struct rogue *r, const uint8_t *pdu, size_t len)
{
    if (r->state == ROGUE_IDLE)
        return BM_ESTATE;
    if (len == 0 || len > ROGUE_PDU_MAX || bm_pbadv_seg_count(len) == 0)
        return BM_EINVAL;
    if (r->queue_count == ROGUE_QUEUE)
        return BM_ENOSPC;
    unsigned tail = (r->queue_head + r->queue_count) % ROGUE_QUEUE;
    memcpy(r->queue[tail], pdu, len);
    r->queue_len[tail] = len;
    r->queue_count++;
    start_next(r, now_of(r));
    return BM_OK;
}

int rogue_send_pdu(struct rogue *r, const struct bm_prov_pdu *p)
{
    uint8_t buf[BM_PROV_PDU_MAX_LEN];
    size_t len;
    int rc = bm_prov_pdu_build(p, buf, sizeof(buf), &len);
    return rc == BM_OK ? rogue_send(r, buf, len) : rc;
}

void rogue_close(struct rogue *r, uint8_t reason)
{
    if (r->state == ROGUE_IDLE)
        return;
    send_link_ctl(r, BM_PBADV_LINK_CLOSE, reason);
    forget_link(r);
}

void rogue_silence(struct rogue *r)
{
    r->silent = true;
}

void rogue_jam(struct rogue *r, bool on)
{
    r->jam = on;
    r->jam_due = now_of(r);
    bm_sim_kick(r->sim, r->id);
}

int rogue_send_adv(struct rogue *r, const uint8_t *adv, size_t len)
{
    const struct bm_adv_xmit once = {.count = 1, .interval_ms = 20};
    return r->plat->adv_send(r->plat->ctx, adv, len, &once);
}

/* --- session --- */

int rogue_random(struct rogue *r, uint8_t *buf, size_t len)
{
    return r->plat->random(r->plat->ctx, buf, len);
}

int rogue_keygen(struct rogue *r)
{
    return bm_crypto_p256_keygen(r->plat->random, r->plat->ctx, r->s.priv, r->s.pub);
}

int rogue_confirm_setup(struct rogue *r)
{
    struct rogue_session *s = &r->s;
    uint8_t inputs[BM_PROV_CONF_INPUTS_LEN];
    int rc = bm_crypto_p256_ecdh(s->priv, s->peer_pub, s->secret);
    if (rc == BM_OK)
        rc = bm_prov_conf_inputs(s->invite, s->caps, s->start, r->device ? s->peer_pub : s->pub,
                                 r->device ? s->pub : s->peer_pub, inputs);
    if (rc == BM_OK)
        rc = bm_prov_conf_salt(s->alg, inputs, s->conf_salt);
    if (rc == BM_OK)
        rc = bm_prov_conf_key(s->alg, s->secret, s->conf_salt, s->auth, s->conf_key);
    return rc;
}

int rogue_confirmation(const struct rogue *r, const uint8_t *random, uint8_t *conf)
{
    return bm_prov_confirmation(r->s.alg, r->s.conf_key, random, r->s.auth, conf);
}
