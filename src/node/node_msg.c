/* The message path of a node: sequence numbers (reserved in blocks in
 * storage), the transmit side (upper transport encryption, segmentation
 * with SAR retransmission until acknowledged, network encoding, relay) and
 * the receive side (network -> lower transport reassembly and segment
 * acknowledgements -> upper transport decryption -> replay protection ->
 * access dispatch).
 *
 * Invariants: a sequence number is never used twice, also across a
 * restart (the stored mark is always ahead of seq); our own PDUs go into
 * the network cache so they are not relayed back to us; the replay list is
 * updated only for messages that decrypted. */
#include <stddef.h>
#include <string.h>

#include "access/access.h"
#include "friend/friend.h"
#include "friend/lpn.h"
#include "friend/pdu.h"
#include "models/models.h"
#include "node.h"
#include "storage/records.h"

bool bm_node_is_local(const struct bm_node *node, uint16_t addr)
{
    /* the addresses the provisioner assigned, whether or not the script
     * has created every element again yet after a restart */
    return node->provisioned && addr >= node->addr && addr < node->addr + node->prov_elements;
}

/* --- sequence numbers --- */

int bm_node_seq_alloc(struct bm_node *node, uint32_t *seq)
{
    /* 3.10.5: the IV Update procedure starts long before this
     * (BM_IV_SEQ_LIMIT); if it could not finish, stay silent rather than
     * reuse a nonce */
    if (node->seq > BM_SEQ_MAX)
        return BM_ENOSPC;
    if (node->seq >= node->seq_reserved) {
        uint32_t mark = node->seq + BM_CFG_SEQ_BLOCK;
        int rc = bm_persist_seq(node, mark);
        if (rc != BM_OK)
            return rc; /* never send a number we could repeat after a crash */
        node->seq_reserved = mark;
    }
    *seq = node->seq++;
    bm_node_iv_seq_check(node);
    return BM_OK;
}

/* --- transmit --- */

/* Sends one network PDU with the next sequence number: encrypted with the
 * subnet's transmit credentials, or with creds (a friendship's), which
 * stay between the two friends: no proxy client nor friend queue sees
 * those. */
static int send_net(struct bm_node *node, uint16_t net_idx, const struct bm_net_creds *creds,
                    struct bm_net_hdr *hdr, const uint8_t *transport, size_t len,
                    const struct bm_adv_xmit *xmit)
{
    uint8_t pdu[BM_NET_MAX_PDU_LEN];
    size_t pdu_len;
    int rc = bm_node_seq_alloc(node, &hdr->seq);
    if (rc != BM_OK)
        return rc;
    if (creds)
        rc = bm_net_encode(creds, bm_net_tx_iv_index(&node->net), BM_NET_NONCE_NETWORK, hdr,
                           transport, len, pdu, sizeof(pdu), &pdu_len);
    else
        rc = bm_net_tx(&node->net, net_idx, hdr, transport, len, pdu, sizeof(pdu), &pdu_len);
    if (rc != BM_OK)
        return rc;
    bm_net_cache_add(&node->net.cache, hdr->src, hdr->seq);
    if (!creds) {
        /* a Friend's own messages for its Low Power nodes wait in their queues */
        if (BM_CFG_FRIEND)
            bm_frnd_enqueue_local(node, net_idx, hdr, transport, len);
        if (bm_node_gatt_net_out(node, pdu, pdu_len, hdr->dst, false))
            return BM_OK; /* a proxy client took it, or we are a phone (node_gatt.c) */
    }
    return bm_node_send_ad(node, BM_AD_MESH_MESSAGE, pdu, pdu_len, xmit);
}

/* Builds one lower transport PDU from hdr and sends it (send_net). */
static int send_lower(struct bm_node *node, uint16_t net_idx, const struct bm_net_creds *creds,
                      const struct bm_lower_hdr *hdr, struct bm_net_hdr *nh,
                      const uint8_t *payload, size_t len, const struct bm_adv_xmit *xmit)
{
    uint8_t out[BM_NET_MAX_TRANSPORT];
    size_t out_len;
    int rc = bm_lower_build(hdr, payload, len, out, sizeof(out), &out_len);
    if (rc != BM_OK)
        return rc;
    nh->ctl = hdr->ctl;
    return send_net(node, net_idx, creds, nh, out, out_len, xmit);
}

static uint8_t resolve_ttl(const struct bm_node *node, uint8_t ttl)
{
    return ttl == BM_TTL_DEFAULT ? node->default_ttl : ttl;
}

#define BM_CTL_OP_HEARTBEAT 0x0a

/* Block ack mask of a message whose last segment is seg_n (5 bits). */
static uint32_t seg_mask(uint8_t seg_n)
{
    return 0xffffffffu >> (31 - (seg_n & 31));
}

/* When the bearer queue is full, the rest of a round follows this soon. */
#define SAR_PACE_MS 20u

/* Sends the segments of t not yet acknowledged nor sent in this round, as
 * many as the bearer takes; the next step comes after the segment
 * transmission timer when the round is complete, shortly when not. */
static void sar_send(struct bm_node *node, struct bm_sar_tx *t, bm_ms_t now)
{
    uint32_t delay = bm_lower_seg_tx_timer_ms(t->ttl);
    for (uint8_t i = 0; i <= t->seg_n; i++) {
        uint32_t bit = 1u << i;
        if ((t->acked | t->sent) & bit)
            continue;
        /* 3.5.3.1: every segment but the last is full */
        struct bm_lower_hdr h = t->hdr;
        h.seg_o = i;
        h.seg_n = t->seg_n;
        size_t full = h.ctl ? BM_LOWER_SEG_CTL_LEN : BM_LOWER_SEG_ACCESS_LEN;
        size_t off = i * full;
        size_t len = t->upper_len - off < full ? t->upper_len - off : full;
        struct bm_net_hdr nh = {.ttl = t->ttl, .src = t->src, .dst = t->dst};
        if (send_lower(node, t->net_idx, NULL, &h, &nh, t->upper + off, len, NULL) == BM_ENOSPC) {
            delay = SAR_PACE_MS; /* the bearer is full: continue shortly */
            break;
        }
        t->sent |= bit;
    }
    t->next_ms = bm_ms_after(now, delay);
}

static void sar_schedule(struct bm_node *node)
{
    bm_ms_t now = bm_node_now(node);
    bm_ms_t next = 0;
    for (size_t i = 0; i < BM_CFG_TX_SEG_CTX; i++)
        if (node->sar_tx[i].busy)
            next = bm_ms_min(now, next, node->sar_tx[i].next_ms);
    for (size_t i = 0; i < BM_CFG_RX_SEG_CTX; i++)
        if (node->sar_ack[i].pending)
            next = bm_ms_min(now, next, node->sar_ack[i].due_ms);
    node->timers[BM_TIMER_SAR_TX] = next;
}

/* Starts a round: every unacknowledged segment once more. */
static void sar_round(struct bm_node *node, struct bm_sar_tx *t, bm_ms_t now)
{
    t->sent = 0;
    sar_send(node, t, now);
}

/* A free SAR transmit context, or NULL. */
static struct bm_sar_tx *sar_free(struct bm_node *node)
{
    for (size_t i = 0; i < BM_CFG_TX_SEG_CTX; i++)
        if (!node->sar_tx[i].busy)
            return &node->sar_tx[i];
    return NULL;
}

/* Sends in count segments the upper transport PDU already in t->upper
 * (upper_len octets, t free until now), whose nonce used seq0 (taken and
 * given back: node->seq is seq0). Every field before upper is set here. */
static void sar_start(struct bm_node *node, struct bm_sar_tx *t, uint16_t net_idx, uint16_t src,
                      uint16_t dst, uint8_t ttl, const struct bm_lower_hdr *hdr, uint32_t seq0,
                      size_t upper_len, int count)
{
    memset(t, 0, offsetof(struct bm_sar_tx, upper));
    t->busy = true;
    t->src = src;
    t->dst = dst;
    t->net_idx = net_idx;
    t->ttl = ttl;
    t->hdr = *hdr;
    t->hdr.seg = 1;
    t->hdr.seq_zero = bm_lower_seq_zero(seq0);
    t->seg_n = (uint8_t)(count - 1);
    t->upper_len = upper_len;
    /* Mesh Profile 3.5.3.3: group and virtual destinations get no acks, so
     * their segments are simply repeated; unicast ones until acked. Segment
     * 0 takes seq0, the rest fresh numbers. */
    t->retries_left = bm_addr_is_unicast(dst) ? BM_SAR_TX_RETRIES : 2;
    sar_round(node, t, bm_node_now(node));
    sar_schedule(node);
}

int bm_node_send_access_parts(struct bm_node *node, const struct bm_send *s, const uint8_t *head,
                              size_t head_len, const uint8_t *body, size_t body_len)
{
    if (!node->provisioned)
        return BM_ESTATE;
    size_t len = head_len + body_len; /* no overflow: each is checked first */
    if (head_len > BM_ACCESS_MAX_PAYLOAD || body_len > BM_ACCESS_MAX_PAYLOAD || !len ||
        len > BM_ACCESS_MAX_PAYLOAD || !bm_node_is_local(node, s->src) ||
        s->dst == BM_ADDR_UNASSIGNED)
        return BM_EINVAL;
    bool virt = bm_addr_is_virtual(s->dst);
    if (virt && !s->label)
        return BM_EINVAL;
    const uint8_t *key;
    uint16_t net_idx = s->net_idx;
    struct bm_lower_hdr hdr = {.ctl = 0};
    bool dev = s->app_idx == BM_APP_IDX_DEV;
    if (dev) {
        /* a configuration client uses the target's device key, a server
         * its own */
        key = bm_addr_is_unicast(s->dst) ? bm_node_dev_key(node, s->dst) : NULL;
        if (!key || bm_node_is_local(node, s->dst))
            key = node->dev_key;
    } else {
        const struct bm_upper_appkey *ak = bm_node_app_key(node, s->app_idx, &net_idx);
        if (!ak)
            return BM_ENOKEY;
        key = ak->key;
        hdr.akf = 1;
        hdr.aid = ak->aid;
    }
    if (!bm_net_subnet_find(&node->net, net_idx))
        return BM_ENOKEY;
    uint32_t seq0;
    int rc = bm_node_seq_alloc(node, &seq0);
    if (rc != BM_OK)
        return rc;
    node->seq = seq0; /* taken again by the first PDU below */
    /* SZMIC 0: a 32-bit TransMIC (3.6.2.2) */
    size_t upper_len = len + BM_TRANSMIC_SHORT;
    bool segmented = s->segmented || upper_len > BM_LOWER_UNSEG_ACCESS_MAX;
    /* the PDU is encrypted in place where it is sent from: a segmented
     * one in the SAR context that keeps it for retransmissions, the one
     * PDU of an unsegmented one here */
    uint8_t small[BM_LOWER_UNSEG_ACCESS_MAX];
    uint8_t *upper = small;
    size_t upper_size = sizeof(small);
    struct bm_sar_tx *t = NULL;
    int count = 1;
    if (segmented) {
        /* every refusal comes before the context is written */
        if (upper_len > sizeof(t->upper))
            return BM_ENOSPC;
        t = sar_free(node);
        if (!t)
            return BM_EBUSY;
        count = bm_lower_seg_count(0, upper_len);
        if (count < 0)
            return count;
        upper = t->upper;
        upper_size = sizeof(t->upper);
    }
    if (head_len)
        memcpy(upper, head, head_len);
    if (body_len)
        memcpy(upper + head_len, body, body_len);
    struct bm_upper_params p = {.dev_key = dev,
                                .seq = seq0,
                                .src = s->src,
                                .dst = s->dst,
                                .iv_index = bm_net_tx_iv_index(&node->net),
                                .label = virt ? s->label : NULL};
    rc = bm_upper_encrypt(key, &p, upper, len, upper, upper_size, &upper_len);
    if (rc != BM_OK) {
        bm_crypto_wipe(upper, upper_size); /* no plaintext left behind; t stays free */
        return rc;
    }
    uint8_t ttl = resolve_ttl(node, s->ttl);
    if (t) {
        sar_start(node, t, net_idx, s->src, s->dst, ttl, &hdr, seq0, upper_len, count);
    } else {
        /* the first number taken below is seq0, which the PDU must carry */
        struct bm_net_hdr nh = {.ttl = ttl, .src = s->src, .dst = s->dst};
        rc = send_lower(node, net_idx, NULL, &hdr, &nh, upper, upper_len, NULL);
    }
    bm_node_log(node, BM_LOG_DBG, "access", "tx src=0x%04x dst=0x%04x seq=0x%06x len=%u rc=%d",
                s->src, s->dst, (unsigned)seq0, (unsigned)len, rc);
    return rc;
}

int bm_node_send_access(struct bm_node *node, const struct bm_send *s, const uint8_t *access,
                        size_t len)
{
    return bm_node_send_access_parts(node, s, access, len, NULL, 0);
}

/* One unsegmented transport control message from src. */
static int send_ctl(struct bm_node *node, uint16_t net_idx, const struct bm_net_creds *creds,
                    uint16_t src, uint16_t dst, uint8_t ttl, uint8_t opcode,
                    const uint8_t *params, size_t len, const struct bm_adv_xmit *xmit)
{
    struct bm_lower_hdr hdr = {.ctl = 1, .opcode = opcode};
    struct bm_net_hdr nh = {.ttl = ttl, .src = src, .dst = dst};
    return send_lower(node, net_idx, creds, &hdr, &nh, params, len, xmit);
}

int bm_node_send_ctl_creds(struct bm_node *node, uint16_t net_idx, const struct bm_net_creds *creds,
                           uint16_t dst, uint8_t ttl, uint8_t opcode, const uint8_t *params,
                           size_t len, const struct bm_adv_xmit *xmit)
{
    if (!node->provisioned)
        return BM_ESTATE;
    if (len > BM_LOWER_UNSEG_CTL_MAX)
        return BM_EINVAL;
    if (creds && !bm_net_subnet_find(&node->net, net_idx))
        return BM_ENOENT;
    return send_ctl(node, net_idx, creds, node->addr, dst, resolve_ttl(node, ttl), opcode, params,
                    len, xmit);
}

int bm_node_send_ctl(struct bm_node *node, uint16_t net_idx, uint16_t dst, uint8_t ttl,
                     uint8_t opcode, const uint8_t *params, size_t len)
{
    return bm_node_send_ctl_creds(node, net_idx, NULL, dst, ttl, opcode, params, len, NULL);
}

static void send_seg_ack(struct bm_node *node, const struct bm_sar_ack *a, uint32_t block);

/* The segments received so far of the message from src with seq_zero. */
static uint32_t reasm_mask(const struct bm_node *node, uint16_t src, uint16_t seq_zero)
{
    for (size_t i = 0; i < BM_CFG_RX_SEG_CTX; i++) {
        const struct bm_reasm *r = &node->reasm.ctx[i];
        if (r->busy && r->src == src && bm_lower_seq_zero(r->seq_first) == seq_zero)
            return r->received;
    }
    return 0;
}

void bm_node_sar_process(struct bm_node *node, bm_ms_t now)
{
    for (size_t i = 0; i < BM_CFG_TX_SEG_CTX; i++) {
        struct bm_sar_tx *t = &node->sar_tx[i];
        if (!t->busy || !bm_ms_reached(now, t->next_ms))
            continue;
        /* a round the bearer could not take at once goes on; else the
         * next round starts, while retries are left */
        if ((t->sent | t->acked) == seg_mask(t->seg_n)) {
            if (t->retries_left == 0) {
                bm_node_log(node, BM_LOG_WRN, "lower", "tx to 0x%04x seq_zero=0x%04x %s",
                            t->dst, t->hdr.seq_zero,
                            bm_addr_is_unicast(t->dst) ? "not acknowledged" : "done");
                t->busy = false;
                continue;
            }
            t->retries_left--;
            t->sent = 0;
        }
        sar_send(node, t, now);
    }
    for (size_t i = 0; i < BM_CFG_RX_SEG_CTX; i++) {
        struct bm_sar_ack *a = &node->sar_ack[i];
        if (!a->pending || !bm_ms_reached(now, a->due_ms))
            continue;
        a->pending = false;
        uint32_t mask = reasm_mask(node, a->src, a->seq_zero);
        if (mask)
            send_seg_ack(node, a, mask);
    }
    sar_schedule(node);
}


/* Arms the acknowledgement timer for a message in progress (3.5.3.4):
 * 150 + 50 * TTL ms after a segment, unless one is already armed. */
static void arm_ack(struct bm_node *node, const struct bm_sar_ack *ack)
{
    struct bm_sar_ack *slot = NULL;
    for (size_t i = 0; i < BM_CFG_RX_SEG_CTX; i++) {
        struct bm_sar_ack *a = &node->sar_ack[i];
        if (a->pending && a->src == ack->src && a->seq_zero == ack->seq_zero)
            return;
        if (!a->pending && !slot)
            slot = a;
    }
    if (!slot)
        return;
    *slot = *ack;
    slot->pending = true;
    slot->due_ms = bm_ms_after(bm_node_now(node), bm_lower_ack_timer_ms(ack->ttl));
    sar_schedule(node);
}

static void disarm_ack(struct bm_node *node, uint16_t src, uint16_t seq_zero)
{
    for (size_t i = 0; i < BM_CFG_RX_SEG_CTX; i++)
        if (node->sar_ack[i].src == src && node->sar_ack[i].seq_zero == seq_zero)
            node->sar_ack[i].pending = false;
}

static void rx_seg_ack(struct bm_node *node, uint16_t src, const uint8_t *params, size_t len)
{
    struct bm_seg_ack ack;
    if (bm_lower_ack_decode(params, len, &ack) != BM_OK)
        return;
    bm_ms_t now = bm_node_now(node);
    for (size_t i = 0; i < BM_CFG_TX_SEG_CTX; i++) {
        struct bm_sar_tx *t = &node->sar_tx[i];
        if (!t->busy || t->dst != src || t->hdr.seq_zero != ack.seq_zero)
            continue;
        uint32_t all = seg_mask(t->seg_n);
        if (ack.block_ack == 0) {
            t->busy = false; /* the receiver cannot take it (3.5.3.3) */
            continue;
        }
        uint32_t before = t->acked;
        t->acked |= ack.block_ack & all;
        if (t->acked == all) {
            t->busy = false;
        } else if (t->acked != before) {
            /* progress: resend what is missing now, with fresh retries */
            t->retries_left = BM_SAR_TX_RETRIES;
            sar_round(node, t, now);
        }
    }
    sar_schedule(node);
}

/* Acknowledges the segments received of a message sent to our unicast
 * address (Mesh Profile 3.5.3.4). */
static void send_seg_ack(struct bm_node *node, const struct bm_sar_ack *a, uint32_t block)
{
    struct bm_seg_ack ack = {.obo = a->obo, .seq_zero = a->seq_zero, .block_ack = block};
    uint8_t params[BM_SEG_ACK_LEN];
    if (bm_lower_ack_encode(&ack, params) != BM_OK)
        return;
    /* answer with TTL 0 to a neighbour that sent with TTL 0 */
    send_ctl(node, a->net_idx, NULL, a->obo ? node->addr : a->dst, a->src,
             a->ttl == 0 ? 0 : node->default_ttl, BM_CTL_OP_SEG_ACK, params, sizeof(params),
             NULL);
}

/* --- receive --- */

/* Replay protection (Mesh Profile 3.8.8): the entry of src, or NULL. */
static struct bm_rpl_entry *rpl_find(struct bm_node *node, uint16_t src)
{
    for (uint16_t i = 0; i < node->rpl_count; i++)
        if (node->rpl[i].src == src)
            return &node->rpl[i];
    return NULL;
}

/* Records (src, seq, iv) in e, or in a new entry when e is NULL. */
static int rpl_record(struct bm_node *node, struct bm_rpl_entry *e, uint16_t src, uint32_t seq,
                      uint32_t iv)
{
    if (!e) {
        if (node->rpl_count >= BM_CFG_RPL_SIZE)
            return BM_ENOSPC; /* a full list must refuse new sources, not forget old ones */
        e = &node->rpl[node->rpl_count++];
        memset(e, 0, sizeof(*e));
        e->src = src;
    }
    e->seq = seq;
    e->iv_index = iv;
    bm_persist_rpl(node, (uint16_t)(e - node->rpl));
    return BM_OK;
}

/* local: dst is one of our element addresses */
static bool dst_is_ours(struct bm_node *node, uint16_t dst, bool local)
{
    if (local)
        return true;
    switch (dst) {
    case BM_ADDR_ALL_NODES:
        return true;
    case BM_ADDR_ALL_RELAYS:
        return node->relay == BM_FEAT_STATE_ENABLED;
    case BM_ADDR_ALL_PROXIES:
        return (node->features & BM_GATT_PROXY) != 0;
    case BM_ADDR_ALL_FRIENDS:
        return (node->features & BM_FRIEND) != 0;
    default:
        break;
    }
    /* Heartbeats to the group of the Heartbeat Subscription (4.2.18) */
    if (node->hb_sub.dst == dst && node->hb_sub.src != BM_ADDR_UNASSIGNED)
        return true;
    if (bm_addr_is_group(dst) || bm_addr_is_virtual(dst)) {
        for (size_t i = 0; i < BM_CFG_MODELS; i++) {
            const struct bm_model *m = &node->models[i];
            for (uint8_t k = 0; m->used && k < m->sub_count; k++)
                if (m->subs[k] == dst)
                    return true;
        }
    }
    return false;
}

/* rx is the caller's, done with: its TTL is decremented in place. */
static void relay(struct bm_node *node, struct bm_net_rx *rx, bool local)
{
    /* Mesh Profile 3.4.6.3: relay only with the feature on, only TTL >= 2,
     * never what is addressed to us alone. With the GATT Proxy state
     * enabled, PDUs go to proxy clients, and PDUs from a proxy client go
     * to the advertising bearer (6.4, node_gatt.c). */
    uint8_t via = bm_node_gatt_rx_role(node);
    bool to_gatt = bm_node_gatt_proxy_on(node);
    bool to_adv = via == BM_GATT_ROLE_NONE ? node->relay == BM_FEAT_STATE_ENABLED
                                           : via == BM_GATT_ROLE_PROXY_SERVER && to_gatt;
    if ((!to_adv && !to_gatt) || rx->hdr.ttl < 2 || local)
        return;
    const struct bm_subnet *sub = bm_net_subnet_find(&node->net, rx->net_idx);
    if (!sub)
        return;
    rx->hdr.ttl--;
    uint8_t pdu[BM_NET_MAX_PDU_LEN];
    size_t len;
    if (bm_net_encode_keyset(&sub->keys[rx->key_set], rx->iv_index, BM_NET_NONCE_NETWORK,
                             &rx->hdr, rx->transport, rx->transport_len, pdu, sizeof(pdu),
                             &len) != BM_OK)
        return;
    if (to_gatt && bm_node_gatt_net_out(node, pdu, len, rx->hdr.dst, true))
        return;
    if (to_adv)
        bm_node_send_ad(node, BM_AD_MESH_MESSAGE, pdu, len, &node->relay_xmit);
}

static void deliver_access(struct bm_node *node, const struct bm_net_rx *rx,
                           const struct bm_lower_msg *msg, bool local)
{
    uint32_t seq = msg->seq;
    /* only what is newer than what src sent before */
    struct bm_rpl_entry *e = rpl_find(node, rx->hdr.src);
    if (e && (rx->iv_index < e->iv_index || (rx->iv_index == e->iv_index && seq <= e->seq))) {
        node->stats.replay_dropped++;
        return;
    }
    /* the labels our models subscribe or publish to */
    uint8_t labels[BM_CFG_MODELS][16];
    size_t nlabels = 0;
    if (bm_addr_is_virtual(rx->hdr.dst))
        nlabels = bm_access_labels(node, rx->hdr.dst, labels, BM_CFG_MODELS);
    struct bm_upper_devkey dev[2];
    size_t ndev = 0;
    if (local) /* our device key */
        dev[ndev++] = (struct bm_upper_devkey){.addr = rx->hdr.dst, .key = node->dev_key};
    const uint8_t *k = bm_node_dev_key(node, rx->hdr.src);
    if (k)
        dev[ndev++] = (struct bm_upper_devkey){.addr = rx->hdr.src, .key = k};
    struct bm_upper_keyring ring = {.app = node->app_keys,
                                    .app_count = node->app_count,
                                    .dev = dev,
                                    .dev_count = ndev,
                                    .labels = (const uint8_t(*)[16])labels,
                                    .label_count = nlabels};
    struct bm_upper_params p = {.szmic = msg->hdr.szmic,
                                .seq = seq,
                                .src = rx->hdr.src,
                                .dst = rx->hdr.dst,
                                .iv_index = rx->iv_index};
    uint8_t access[BM_LOWER_MAX_UPPER];
    size_t access_len;
    struct bm_upper_match match;
    int rc = bm_upper_decrypt_any(&ring, msg->hdr.akf, msg->hdr.aid, p, msg->upper, msg->upper_len,
                                  access, sizeof(access), &access_len, &match);
    if (rc != BM_OK)
        return;
    if (rpl_record(node, e, rx->hdr.src, seq, rx->iv_index) != BM_OK) {
        node->stats.replay_dropped++;
        bm_crypto_wipe(access, sizeof(access));
        return;
    }
    /* match.label points into labels, which outlives the dispatch */
    struct bm_msg_ctx ctx = {.net_idx = rx->net_idx,
                             .app_idx = match.dev_key ? BM_APP_IDX_DEV : match.index,
                             .src = rx->hdr.src,
                             .dst = rx->hdr.dst,
                             .ttl = rx->hdr.ttl,
                             .label = match.label};
    bm_access_rx(node, &ctx, access, access_len);
    bm_persist_model_states(node);
    /* decrypted payloads can carry keys (AppKey Add): do not leave them */
    bm_crypto_wipe(access, sizeof(access));
}

static void rx_control(struct bm_node *node, const struct bm_net_rx *rx, bool local,
                       uint8_t opcode, const uint8_t *params, size_t len)
{
    if (opcode == BM_CTL_OP_SEG_ACK) {
        if (local)
            rx_seg_ack(node, rx->hdr.src, params, len);
        return;
    }
    if (opcode == BM_CTL_OP_HEARTBEAT) {
        bm_heartbeat_rx(node, rx->hdr.src, rx->hdr.dst, rx->hdr.ttl, params, len);
        return;
    }
    /* friendship (3.6.5.1-3.6.5.9): Poll, Request, Clear and Subscription
     * List changes go to the Friend side; Update, Offer and the
     * Subscription List Confirm to the Low Power side */
    switch (opcode) {
    case BM_CTL_OP_FRIEND_POLL:
    case BM_CTL_OP_FRIEND_REQUEST:
    case BM_CTL_OP_FRIEND_CLEAR:
    case BM_CTL_OP_FRIEND_CLEAR_CONFIRM:
    case BM_CTL_OP_FRIEND_SUB_ADD:
    case BM_CTL_OP_FRIEND_SUB_REMOVE:
        if (BM_CFG_FRIEND)
            bm_frnd_rx_ctl(node, rx, node->rx_friendship, opcode, params, len, node->rx_rssi);
        break;
    case BM_CTL_OP_FRIEND_UPDATE:
    case BM_CTL_OP_FRIEND_OFFER:
    case BM_CTL_OP_FRIEND_SUB_CONFIRM:
        if (BM_CFG_LPN)
            bm_lpn_rx_ctl(node, rx, node->rx_friendship, opcode, params, len);
        break;
    default:
        break;
    }
}

/* obo: the PDU is for a Low Power node we befriend; it is only
 * acknowledged here, on its behalf (3.5.3.4, OBO = 1), never delivered. */
static void rx_lower(struct bm_node *node, const struct bm_net_rx *rx, bool obo, bool local)
{
    /* an unsegmented PDU is the whole message; a segment goes to
     * reassembly, which replaces it with the message once complete */
    struct bm_lower_msg msg;
    if (bm_lower_parse(rx->hdr.ctl, rx->transport, rx->transport_len, &msg.hdr, &msg.upper,
                       &msg.upper_len) != BM_OK)
        return;
    msg.src = rx->hdr.src;
    msg.dst = rx->hdr.dst;
    msg.ttl = rx->hdr.ttl;
    msg.seq = rx->hdr.seq;
    msg.iv_index = rx->iv_index;
    if (msg.hdr.seg) {
        /* the segment's header, before reassembly may replace it */
        struct bm_sar_ack ack = {.src = rx->hdr.src,
                                 .dst = rx->hdr.dst,
                                 .net_idx = rx->net_idx,
                                 .seq_zero = msg.hdr.seq_zero,
                                 .ttl = rx->hdr.ttl,
                                 .obo = obo};
        uint32_t all = seg_mask(msg.hdr.seg_n);
        int rc = bm_lower_reasm_rx(&node->reasm, &msg, bm_node_now(node), &msg);
        /* a Low Power node's friend acknowledges for it */
        bool unicast = obo || (local && !(BM_CFG_LPN && bm_lpn_established(node)));
        if (unicast && rc == BM_EINCOMPLETE)
            arm_ack(node, &ack);
        /* complete, now or before (a segment again): every segment acked */
        if (unicast && (rc == BM_OK || rc == BM_EDUP)) {
            if (rc == BM_OK)
                disarm_ack(node, ack.src, ack.seq_zero);
            send_seg_ack(node, &ack, all);
        }
        if (rc != BM_OK)
            return;
    }
    if (obo)
        return;
    if (msg.hdr.ctl)
        rx_control(node, rx, local, msg.hdr.opcode, msg.upper, msg.upper_len);
    else
        deliver_access(node, rx, &msg, local);
}

void bm_node_rx_network(struct bm_node *node, const uint8_t *pdu, size_t len, int8_t rssi)
{
    if (!node->provisioned)
        return;
    struct bm_net_rx rx;
    int rc = bm_net_rx(&node->net, BM_NET_NONCE_NETWORK, pdu, len, &rx);
    /* 3.4.4: what the master credentials do not take may be a friendship's */
    bool friendship = false;
    if (rc == BM_ENOKEY || rc == BM_EAUTH) {
        int frc = BM_CFG_LPN ? bm_lpn_net_rx(node, pdu, len, &rx) : BM_ENOKEY;
        if (BM_CFG_FRIEND && (frc == BM_ENOKEY || frc == BM_EAUTH))
            frc = bm_frnd_net_rx(node, pdu, len, &rx);
        if (frc != BM_ENOKEY && frc != BM_EAUTH) {
            rc = frc;
            friendship = true;
        }
    }
    if (rc == BM_EDUP) {
        node->stats.cache_dropped++;
        return;
    }
    if (rc != BM_OK) {
        node->stats.net_dropped++;
        return;
    }
    node->stats.net_rx++;
    if (bm_node_is_local(node, rx.hdr.src))
        return; /* our own message, heard back */
    bm_node_log(node, BM_LOG_DBG, "net", "rx src=0x%04x dst=0x%04x seq=0x%06x ttl=%u",
                rx.hdr.src, rx.hdr.dst, (unsigned)rx.hdr.seq, rx.hdr.ttl);
    bm_node_gatt_rx_accepted(node, rx.hdr.src);
    node->rx_friendship = friendship;
    node->rx_rssi = rssi;
    /* a Friend keeps what is for its Low Power nodes (3.5.5) and
     * acknowledges their segments */
    bool for_lpn = BM_CFG_FRIEND && !friendship && bm_frnd_enqueue(node, &rx);
    bool local = bm_node_is_local(node, rx.hdr.dst);
    if (dst_is_ours(node, rx.hdr.dst, local))
        rx_lower(node, &rx, false, local);
    else if (for_lpn)
        rx_lower(node, &rx, true, local);
    node->rx_friendship = false;
    if (!friendship)
        relay(node, &rx, local); /* friendship PDUs stay between the two */
}
