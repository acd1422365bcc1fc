/* The Friend side of friendship (Mesh Profile 3.6.6.3, 3.5.5 Friend Queue,
 * 4.2.13 Friend state, 4.2.21 LPN PollTimeout).
 *
 * Invariants: a slot is FREE, OFFERED (an offer sent or due; credentials
 * derived, no Poll yet) or ESTABLISHED (a Poll arrived with the offer's
 * credentials). Only ESTABLISHED slots store PDUs. A queue never holds more
 * than BM_CFG_FRIEND_QUEUE PDUs: the oldest message goes first, all its
 * segments together (3.5.5). A segmented message is delivered only once
 * every segment is in the queue. The friendship credentials are wiped
 * whenever a slot is freed. Rejected PDUs change nothing. */
#include <string.h>

#include "friend/friend.h"
#include "friend/pdu.h"
#include "node/node.h"
#include "transport/lower.h"

/* 3.6.6.3.1: a Friend waits at least 100 ms before sending its offer, and
 * the offer lapses when no Friend Poll follows within 1 s. */
#define OFFER_MIN_DELAY_MS 100u
#define OFFER_TIMEOUT_MS 1000u
/* 3.6.6.3.1: the Friend Clear procedure repeats after 1 s, doubling, for at
 * most two PollTimeouts. */
#define CLEAR_FIRST_MS 1000u
/* PDUs to a Low Power node go out once: it listens only in its window. */
static const struct bm_adv_xmit frnd_xmit = {.count = 1, .interval_ms = 20};

void bm_frnd_init(struct bm_frnd *f)
{
    memset(f, 0, sizeof(*f));
    f->receive_window_ms = BM_FRND_RECEIVE_WINDOW_MS;
}

static void slot_free(struct bm_frnd_lpn *s)
{
    bm_crypto_wipe(s, sizeof(*s));
    s->state = BM_FRND_FREE;
}

void bm_frnd_reset(struct bm_frnd *f)
{
    for (size_t i = 0; i < BM_CFG_FRIENDS; i++)
        slot_free(&f->lpns[i]);
}

void bm_frnd_set_enabled(struct bm_node *node, bool enabled)
{
    if (!enabled)
        bm_frnd_reset(&node->frnd);
    node->frnd.enabled = enabled;
}

static bool lpn_has(const struct bm_frnd_lpn *s, uint16_t addr)
{
    return addr >= s->lpn && addr < s->lpn + s->num_elements;
}

static struct bm_frnd_lpn *find_lpn(struct bm_node *node, uint16_t lpn)
{
    for (size_t i = 0; i < BM_CFG_FRIENDS; i++)
        if (node->frnd.lpns[i].state != BM_FRND_FREE && node->frnd.lpns[i].lpn == lpn)
            return &node->frnd.lpns[i];
    return NULL;
}

/* --- receive with friendship credentials --- */

int bm_frnd_net_rx(struct bm_node *node, const uint8_t *pdu, size_t len, struct bm_net_rx *rx)
{
    if (!node->frnd.enabled || len < BM_NET_MIN_PDU_LEN)
        return BM_ENOKEY;
    int result = BM_ENOKEY;
    struct bm_net_in in = {.pdu = pdu,
                           .len = len,
                           .iv_index = bm_net_rx_iv_index(&node->net, (uint8_t)(pdu[0] >> 7)),
                           .kind = BM_NET_NONCE_NETWORK};
    for (size_t i = 0; i < BM_CFG_FRIENDS; i++) {
        struct bm_frnd_lpn *s = &node->frnd.lpns[i];
        if (s->state == BM_FRND_FREE)
            continue;
        struct bm_net_rx r;
        int rc = bm_net_open(&s->creds, &in, &r);
        if (rc == BM_EAUTH)
            result = BM_EAUTH;
        if (rc != BM_OK)
            continue;
        /* only the Low Power node itself uses these credentials towards us */
        if (!lpn_has(s, r.hdr.src)) {
            result = BM_EAUTH;
            continue;
        }
        if (bm_net_cache_has(&node->net.cache, r.hdr.src, r.hdr.seq))
            return BM_EDUP;
        bm_net_cache_add(&node->net.cache, r.hdr.src, r.hdr.seq);
        r.net_idx = s->net_idx;
        r.key_set = 0;
        *rx = r;
        return BM_OK;
    }
    return result;
}

/* --- the Friend Queue --- */

static void queue_remove(struct bm_frnd_lpn *s, uint8_t i)
{
    memmove(&s->queue[i], &s->queue[i + 1], (size_t)(s->queue_count - i - 1) * sizeof(s->queue[0]));
    s->queue_count--;
    memset(&s->queue[s->queue_count], 0, sizeof(s->queue[0]));
}

static bool same_msg(const struct bm_frnd_pdu *a, const struct bm_frnd_pdu *b)
{
    return a->seg && b->seg && a->src == b->src && a->seq_zero == b->seq_zero && a->ctl == b->ctl;
}

/* 3.5.5: when the queue is full the oldest entry is discarded; a message's
 * segments only make sense together, so they all go. */
static void discard_oldest(struct bm_node *node, struct bm_frnd_lpn *s)
{
    struct bm_frnd_pdu oldest = s->queue[0];
    queue_remove(s, 0);
    node->frnd.discarded++;
    for (uint8_t i = 0; oldest.seg && i < s->queue_count;) {
        if (same_msg(&s->queue[i], &oldest)) {
            queue_remove(s, i);
            node->frnd.discarded++;
        } else {
            i++;
        }
    }
}

static bool store(struct bm_node *node, struct bm_frnd_lpn *s, const struct bm_net_rx *rx,
                  uint8_t ttl)
{
    struct bm_lower_hdr h;
    const uint8_t *payload;
    size_t plen;
    if (bm_lower_parse(rx->hdr.ctl, rx->transport, rx->transport_len, &h, &payload, &plen) != BM_OK)
        return false;
    struct bm_frnd_pdu p = {.src = rx->hdr.src,
                            .dst = rx->hdr.dst,
                            .seq = rx->hdr.seq,
                            .iv_index = rx->iv_index,
                            .ctl = rx->hdr.ctl,
                            .ttl = ttl,
                            .seg = h.seg != 0,
                            .ready = h.seg == 0,
                            .seq_zero = h.seq_zero,
                            .seg_n = h.seg_n,
                            .len = (uint8_t)rx->transport_len};
    memcpy(p.transport, rx->transport, rx->transport_len);
    uint8_t have = 0;
    for (uint8_t i = 0; p.seg && i < s->queue_count; i++) {
        const struct bm_frnd_pdu *q = &s->queue[i];
        if (!same_msg(q, &p))
            continue;
        struct bm_lower_hdr qh;
        if (bm_lower_parse(q->ctl, q->transport, q->len, &qh, &payload, &plen) == BM_OK &&
            qh.seg_o == h.seg_o)
            return true; /* a retransmitted segment we hold already */
        have++;
    }
    if (s->queue_count >= BM_CFG_FRIEND_QUEUE)
        discard_oldest(node, s);
    s->queue[s->queue_count++] = p;
    node->frnd.stored++;
    if (p.seg && have + 1u == p.seg_n + 1u) {
        for (uint8_t i = 0; i < s->queue_count; i++)
            if (same_msg(&s->queue[i], &p))
                s->queue[i].ready = true;
    }
    bm_node_log(node, BM_LOG_DBG, "friend",
                "queue lpn=0x%04x src=0x%04x dst=0x%04x seq=0x%06x n=%u", s->lpn, p.src, p.dst,
                (unsigned)p.seq, s->queue_count);
    return true;
}

static bool subscribed(const struct bm_frnd_lpn *s, uint16_t dst)
{
    for (uint8_t i = 0; i < s->sub_count; i++)
        if (s->subs[i] == dst)
            return true;
    return false;
}

/* relayed: the PDU was received (TTL - 1 on the way to the LPN), else
 * it is our own */
static bool enqueue(struct bm_node *node, const struct bm_net_rx *rx, bool relayed)
{
    bool unicast = false;
    if (!node->frnd.enabled)
        return false;
    for (size_t i = 0; i < BM_CFG_FRIENDS; i++) {
        struct bm_frnd_lpn *s = &node->frnd.lpns[i];
        if (s->state != BM_FRND_ESTABLISHED || s->net_idx != rx->net_idx)
            continue;
        if (lpn_has(s, rx->hdr.src))
            continue; /* its own messages do not come back to it */
        bool to_lpn = lpn_has(s, rx->hdr.dst);
        if (!to_lpn && rx->hdr.dst != BM_ADDR_ALL_NODES && !subscribed(s, rx->hdr.dst))
            continue;
        /* 3.5.5: the queue keeps what a relay could forward (TTL >= 2); it
         * goes to the Low Power node with TTL - 1 */
        if (relayed && rx->hdr.ttl < 2)
            continue;
        uint8_t ttl = relayed ? (uint8_t)(rx->hdr.ttl - 1) : rx->hdr.ttl;
        if (store(node, s, rx, ttl) && to_lpn)
            unicast = true;
    }
    return unicast;
}

bool bm_frnd_enqueue(struct bm_node *node, const struct bm_net_rx *rx)
{
    return enqueue(node, rx, true);
}

void bm_frnd_enqueue_local(struct bm_node *node, uint16_t net_idx, const struct bm_net_hdr *hdr,
                           const uint8_t *transport, size_t len)
{
    if (!node->frnd.enabled || len == 0 || len > BM_NET_MAX_TRANSPORT)
        return;
    struct bm_net_rx rx = {.hdr = *hdr,
                           .iv_index = bm_net_tx_iv_index(&node->net),
                           .net_idx = net_idx,
                           .transport_len = len};
    memcpy(rx.transport, transport, len);
    enqueue(node, &rx, false);
}

/* --- sending --- */

static bool has_ready(const struct bm_frnd_lpn *s)
{
    for (uint8_t i = 0; i < s->queue_count; i++)
        if (s->queue[i].ready)
            return true;
    return false;
}

static void send_update(struct bm_node *node, struct bm_frnd_lpn *s, uint8_t md)
{
    const struct bm_subnet *sub = bm_net_subnet_find(&node->net, s->net_idx);
    struct bm_friend_update u = {.flags = 0, .iv_index = node->net.iv_index, .md = md};
    if (sub && sub->kr_phase == BM_KR_PHASE2)
        u.flags |= 1;
    if (node->net.iv_update)
        u.flags |= 2;
    uint8_t p[BM_FRIEND_UPDATE_LEN];
    if (bm_friend_update_encode(&u, p) < 0)
        return;
    bm_node_send_ctl_creds(node, s->net_idx, &s->creds, s->lpn, 0, BM_CTL_OP_FRIEND_UPDATE, p,
                           sizeof(p), &frnd_xmit);
}

static void send_pdu(struct bm_node *node, struct bm_frnd_lpn *s, const struct bm_frnd_pdu *q)
{
    struct bm_net_hdr h = {
        .ctl = q->ctl, .ttl = q->ttl, .seq = q->seq, .src = q->src, .dst = q->dst};
    uint8_t pdu[BM_NET_MAX_PDU_LEN];
    size_t len;
    if (bm_net_encode(&s->creds, q->iv_index, BM_NET_NONCE_NETWORK, &h, q->transport, q->len, pdu,
                      sizeof(pdu), &len) == BM_OK)
        bm_node_send_ad(node, BM_AD_MESH_MESSAGE, pdu, len, &frnd_xmit);
}

/* The response to a Poll (3.6.6.3.2): the first Poll of a friendship gets
 * a Friend Update; then each new FSN moves on to the oldest complete
 * message in the queue, or a Friend Update with MD=0 once it is empty; a
 * repeated FSN gets the last PDU again. */
static void answer_poll(struct bm_node *node, struct bm_frnd_lpn *s, bool advance)
{
    if (advance) {
        s->last_valid = false;
        for (uint8_t i = 0; i < s->queue_count; i++) {
            if (s->queue[i].ready) {
                s->last = s->queue[i];
                s->last_is_update = false;
                s->last_valid = true;
                queue_remove(s, i);
                break;
            }
        }
        if (!s->last_valid) {
            s->last_is_update = true;
            s->last_valid = true;
        }
    }
    if (s->last_is_update)
        send_update(node, s, has_ready(s) ? 1 : 0);
    else
        send_pdu(node, s, &s->last);
}

static void send_offer(struct bm_node *node, struct bm_frnd_lpn *s)
{
    struct bm_friend_offer o = {.receive_window_ms = node->frnd.receive_window_ms,
                                .queue_size = BM_CFG_FRIEND_QUEUE,
                                .sub_list_size = BM_CFG_FRIEND_SUBS,
                                .rssi = s->req_rssi,
                                .friend_counter = s->friend_counter};
    uint8_t p[BM_FRIEND_OFFER_LEN];
    if (bm_friend_offer_encode(&o, p) < 0)
        return;
    /* 3.6.6.3.1: the offer goes with master credentials and TTL 0 */
    bm_node_send_ctl(node, s->net_idx, s->lpn, 0, BM_CTL_OP_FRIEND_OFFER, p, sizeof(p));
    bm_node_log(node, BM_LOG_INF, "friend", "offer lpn=0x%04x rssi=%d counter=%u", s->lpn,
                s->req_rssi, s->friend_counter);
}

static void send_clear(struct bm_node *node, uint16_t net_idx, uint16_t dst, uint8_t opcode,
                       uint16_t lpn, uint16_t lpn_counter)
{
    struct bm_friend_clear c = {.lpn_addr = lpn, .lpn_counter = lpn_counter};
    uint8_t p[BM_FRIEND_CLEAR_LEN];
    if (bm_friend_clear_encode(&c, p) < 0)
        return;
    bm_node_send_ctl(node, net_idx, dst, BM_TTL_DEFAULT, opcode, p, sizeof(p));
}

/* --- control messages --- */

static void rx_request(struct bm_node *node, const struct bm_net_rx *rx, const uint8_t *params,
                       size_t len, int8_t rssi)
{
    struct bm_friend_req r;
    if (bm_friend_req_decode(params, len, &r) != BM_OK)
        return;
    /* we can only offer a queue at least as large as asked */
    if ((1u << r.min_queue_size_log) > BM_CFG_FRIEND_QUEUE)
        return;
    const struct bm_subnet *sub = bm_net_subnet_find(&node->net, rx->net_idx);
    if (!sub)
        return;
    struct bm_frnd_lpn *s = find_lpn(node, rx->hdr.src);
    if (!s) {
        for (size_t i = 0; i < BM_CFG_FRIENDS && !s; i++)
            if (node->frnd.lpns[i].state == BM_FRND_FREE)
                s = &node->frnd.lpns[i];
    }
    if (!s)
        return; /* no room for another friendship: no offer */
    struct bm_net_creds creds;
    uint16_t counter = node->frnd.counter;
    if (bm_net_creds_friend(&creds, bm_net_tx_keys(sub)->net_key, rx->hdr.src, node->addr,
                            r.lpn_counter, counter) != BM_OK)
        return;
    node->frnd.counter++;
    /* a new request ends what we had with that node (it lost us) */
    slot_free(s);
    s->state = BM_FRND_OFFERED;
    s->net_idx = rx->net_idx;
    s->lpn = rx->hdr.src;
    s->num_elements = r.num_elements;
    s->lpn_counter = r.lpn_counter;
    s->friend_counter = counter;
    s->prev_friend = r.prev_addr;
    s->receive_delay_ms = r.receive_delay_ms;
    s->poll_timeout = r.poll_timeout;
    s->req_rssi = rssi;
    s->creds = creds;
    bm_crypto_wipe(&creds, sizeof(creds));
    /* 3.6.6.3.1: Offer Delay = max(100 ms, Local Delay) */
    int32_t d10 = bm_friend_local_delay_x10(r.recv_win_factor, node->frnd.receive_window_ms,
                                            r.rssi_factor, rssi);
    uint32_t delay =
        d10 > (int32_t)(10 * OFFER_MIN_DELAY_MS) ? (uint32_t)d10 / 10 : OFFER_MIN_DELAY_MS;
    s->offer_due_ms = bm_ms_after(bm_node_now(node), delay);
    s->expire_ms = bm_ms_after(s->offer_due_ms, OFFER_TIMEOUT_MS);
    bm_node_log(node, BM_LOG_INF, "friend", "request lpn=0x%04x prev=0x%04x delay=%u", s->lpn,
                s->prev_friend, (unsigned)delay);
}

static void rx_poll(struct bm_node *node, struct bm_frnd_lpn *s, const uint8_t *params, size_t len)
{
    uint8_t fsn;
    if (bm_friend_poll_decode(params, len, &fsn) != BM_OK)
        return;
    bm_ms_t now = bm_node_now(node);
    if (s->state == BM_FRND_OFFERED) {
        s->state = BM_FRND_ESTABLISHED;
        s->offer_due_ms = 0;
        bm_node_log(node, BM_LOG_INF, "friend", "established lpn=0x%04x", s->lpn);
        if (bm_addr_is_unicast(s->prev_friend) && s->prev_friend != node->addr) {
            s->clear_next_ms = bm_ms_after(now, 0);
            s->clear_interval_ms = CLEAR_FIRST_MS;
            /* PollTimeout is at most 96 h: twice that fits 31 bits */
            s->clear_end_ms = bm_ms_after(now, 2u * s->poll_timeout * 100u);
        }
    }
    if (!s->polled) {
        /* 3.6.6.3.1: the first Poll is answered with a Friend Update */
        s->last_is_update = true;
        s->last_valid = true;
    } else if (fsn != s->fsn) {
        s->last_valid = false; /* the last PDU arrived: move on when replying */
    }
    s->polled = true;
    s->fsn = fsn;
    s->reply = BM_FRND_REPLY_POLL;
    s->reply_ms = bm_ms_after(now, s->receive_delay_ms);
    s->expire_ms = bm_ms_after(now, s->poll_timeout * 100u);
}

static void rx_sub(struct bm_node *node, struct bm_frnd_lpn *s, bool add, const uint8_t *params,
                   size_t len)
{
    struct bm_friend_sub m;
    if (s->state != BM_FRND_ESTABLISHED || bm_friend_sub_decode(params, len, &m) != BM_OK)
        return;
    for (uint8_t i = 0; i < m.count; i++) {
        uint16_t a = m.addrs[i];
        if (add) {
            if (!subscribed(s, a) && s->sub_count < BM_CFG_FRIEND_SUBS)
                s->subs[s->sub_count++] = a;
        } else {
            for (uint8_t k = 0; k < s->sub_count; k++) {
                if (s->subs[k] == a) {
                    s->subs[k] = s->subs[--s->sub_count];
                    break;
                }
            }
        }
    }
    bm_ms_t now = bm_node_now(node);
    s->sub_transaction = m.transaction;
    s->reply = BM_FRND_REPLY_SUB_CONFIRM;
    s->reply_ms = bm_ms_after(now, s->receive_delay_ms);
    s->expire_ms = bm_ms_after(now, s->poll_timeout * 100u);
}

static void rx_clear(struct bm_node *node, const struct bm_net_rx *rx, const uint8_t *params,
                     size_t len)
{
    struct bm_friend_clear c;
    if (bm_friend_clear_decode(params, len, &c) != BM_OK)
        return;
    struct bm_frnd_lpn *s = find_lpn(node, c.lpn_addr);
    if (!s || s->state != BM_FRND_ESTABLISHED)
        return;
    /* 3.6.6.3.1: only a counter at most 255 ahead of the one we know
     * comes from a newer request of the same node */
    if ((uint16_t)(c.lpn_counter - s->lpn_counter) > 255)
        return;
    bm_node_log(node, BM_LOG_INF, "friend", "cleared lpn=0x%04x by 0x%04x", s->lpn, rx->hdr.src);
    uint16_t net_idx = s->net_idx;
    slot_free(s);
    node->frnd.cleared++;
    send_clear(node, net_idx, rx->hdr.src, BM_CTL_OP_FRIEND_CLEAR_CONFIRM, c.lpn_addr,
               c.lpn_counter);
}

static void rx_clear_confirm(struct bm_node *node, const struct bm_net_rx *rx,
                             const uint8_t *params, size_t len)
{
    struct bm_friend_clear c;
    if (bm_friend_clear_decode(params, len, &c) != BM_OK)
        return;
    struct bm_frnd_lpn *s = find_lpn(node, c.lpn_addr);
    if (s && s->clear_next_ms && s->prev_friend == rx->hdr.src && c.lpn_counter == s->lpn_counter)
        s->clear_next_ms = 0;
}

void bm_frnd_rx_ctl(struct bm_node *node, const struct bm_net_rx *rx, bool friendship,
                    uint8_t opcode, const uint8_t *params, size_t len, int8_t rssi)
{
    if (!node->frnd.enabled)
        return;
    if (!friendship) {
        /* master credentials: requests to all-friends, clears between friends */
        if (opcode == BM_CTL_OP_FRIEND_REQUEST && rx->hdr.dst == BM_ADDR_ALL_FRIENDS)
            rx_request(node, rx, params, len, rssi);
        else if (opcode == BM_CTL_OP_FRIEND_CLEAR && rx->hdr.dst == node->addr)
            rx_clear(node, rx, params, len);
        else if (opcode == BM_CTL_OP_FRIEND_CLEAR_CONFIRM && rx->hdr.dst == node->addr)
            rx_clear_confirm(node, rx, params, len);
        return;
    }
    if (rx->hdr.dst != node->addr)
        return;
    struct bm_frnd_lpn *s = find_lpn(node, rx->hdr.src);
    if (!s)
        return;
    if (opcode == BM_CTL_OP_FRIEND_POLL)
        rx_poll(node, s, params, len);
    else if (opcode == BM_CTL_OP_FRIEND_SUB_ADD || opcode == BM_CTL_OP_FRIEND_SUB_REMOVE)
        rx_sub(node, s, opcode == BM_CTL_OP_FRIEND_SUB_ADD, params, len);
}

/* --- timers --- */

bm_ms_t bm_frnd_process(struct bm_node *node, bm_ms_t now)
{
    bm_ms_t next = 0;
    if (!node->frnd.enabled || !node->provisioned)
        return next;
    for (size_t i = 0; i < BM_CFG_FRIENDS; i++) {
        struct bm_frnd_lpn *s = &node->frnd.lpns[i];
        if (s->state == BM_FRND_OFFERED) {
            if (bm_ms_due(now, s->offer_due_ms)) {
                s->offer_due_ms = 0;
                send_offer(node, s);
            }
            if (!s->offer_due_ms && bm_ms_reached(now, s->expire_ms)) {
                slot_free(s);
                continue;
            }
            next = bm_ms_min(now, bm_ms_min(now, next, s->offer_due_ms), s->expire_ms);
            continue;
        }
        if (s->state != BM_FRND_ESTABLISHED)
            continue;
        if (s->reply && bm_ms_reached(now, s->reply_ms)) {
            if (s->reply == BM_FRND_REPLY_POLL) {
                answer_poll(node, s, !s->last_valid);
            } else {
                uint8_t t = s->sub_transaction;
                bm_node_send_ctl_creds(node, s->net_idx, &s->creds, s->lpn, 0,
                                       BM_CTL_OP_FRIEND_SUB_CONFIRM, &t, 1, &frnd_xmit);
            }
            s->reply = BM_FRND_REPLY_NONE;
        }
        if (bm_ms_due(now, s->clear_next_ms)) {
            if (bm_ms_reached(now, s->clear_end_ms)) {
                s->clear_next_ms = 0;
            } else {
                send_clear(node, s->net_idx, s->prev_friend, BM_CTL_OP_FRIEND_CLEAR, s->lpn,
                           s->lpn_counter);
                s->clear_next_ms = bm_ms_after(now, s->clear_interval_ms);
                s->clear_interval_ms *= 2;
            }
        }
        /* 3.6.6.3.2: no Poll within PollTimeout ends the friendship */
        if (bm_ms_reached(now, s->expire_ms)) {
            bm_node_log(node, BM_LOG_INF, "friend", "poll timeout lpn=0x%04x", s->lpn);
            slot_free(s);
            node->frnd.cleared++;
            continue;
        }
        if (s->reply)
            next = bm_ms_min(now, next, s->reply_ms);
        next = bm_ms_min(now, bm_ms_min(now, next, s->clear_next_ms), s->expire_ms);
    }
    return next;
}

uint32_t bm_frnd_poll_timeout(const struct bm_node *node, uint16_t lpn_addr)
{
    bm_ms_t now = bm_node_now(node);
    for (size_t i = 0; i < BM_CFG_FRIENDS; i++) {
        const struct bm_frnd_lpn *s = &node->frnd.lpns[i];
        if (s->state == BM_FRND_ESTABLISHED && s->lpn == lpn_addr)
            return (bm_ms_left(now, s->expire_ms) + 99) / 100;
    }
    return 0;
}
