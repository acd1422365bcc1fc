/* The Low Power side of friendship (Mesh Profile 3.6.6.4), see lpn.h.
 *
 * One deadline (next_ms) drives a small state machine: REQUEST -> (Friend
 * Request sent) WAIT_OFFERS -> (best offer) ESTABLISHING -> (Friend Update)
 * IDLE <-> POLLING / SUB. A response is any PDU our friend sends with the
 * friendship credentials inside the receive window; after one, the FSN
 * flips and we poll again at once unless it was a Friend Update with MD=0.
 * BM_LPN_ATTEMPTS windows without a response lose the friendship: the
 * search starts again and names the friend we lost.
 *
 * Invariants: the radio listens only in [listen_from, listen_until); the
 * credentials are wiped whenever the friendship ends; a rejected PDU
 * changes nothing. */
#include <string.h>

#include "friend/lpn.h"
#include "node/node.h"

static const struct bm_adv_xmit lpn_xmit = {.count = 1, .interval_ms = 20};

void bm_lpn_init(struct bm_lpn *l)
{
    memset(l, 0, sizeof(*l));
    l->req.rssi_factor = 1;
    l->req.recv_win_factor = 1;
    l->req.min_queue_size_log = 3;
    l->req.receive_delay_ms = BM_LPN_RECEIVE_DELAY_MS;
    l->req.poll_timeout = BM_LPN_POLL_TIMEOUT;
    l->req.num_elements = 1;
    l->poll_interval_ms = BM_LPN_POLL_INTERVAL_MS;
}

static void end_friendship(struct bm_lpn *l)
{
    bm_crypto_wipe(&l->creds, sizeof(l->creds));
    l->friend_addr = 0;
    l->fsub_count = 0;
    l->listen_from = l->listen_until = 0;
}

void bm_lpn_reset(struct bm_lpn *l)
{
    end_friendship(l);
    l->state = BM_LPN_OFF;
    l->next_ms = 0;
    l->prev_friend = 0;
    memset(l->offers, 0, sizeof(l->offers));
}

bool bm_lpn_established(const struct bm_node *node)
{
    const struct bm_lpn *l = &node->lpn;
    return l->friend_addr != 0 && l->state >= BM_LPN_IDLE;
}

/* True while now is in [listen_from, listen_until), modulo 2^32. */
static bool listening(const struct bm_lpn *l, bm_ms_t now)
{
    return (uint32_t)(now - l->listen_from) < (uint32_t)(l->listen_until - l->listen_from);
}

bool bm_lpn_asleep(struct bm_node *node)
{
    struct bm_lpn *l = &node->lpn;
    if (!l->enabled || !node->provisioned || l->state == BM_LPN_OFF)
        return false;
    if (listening(l, bm_node_now(node)))
        return false;
    l->dropped_asleep++;
    return true;
}

static void listen(struct bm_lpn *l, bm_ms_t from, uint32_t len_ms)
{
    l->listen_from = from;
    l->listen_until = from + len_ms;
    l->listen_ms += len_ms;
}

/* What is left of the window at now, from where it starts or now. */
static uint32_t listen_left(const struct bm_lpn *l, bm_ms_t now, bm_ms_t *from)
{
    if (bm_ms_reached(now, l->listen_until))
        return 0;
    *from = bm_ms_reached(now, l->listen_from) ? now : l->listen_from;
    return l->listen_until - *from;
}

/* A response came: the radio goes back to sleep now. */
static void stop_listening(struct bm_lpn *l, bm_ms_t now)
{
    bm_ms_t from;
    uint32_t left = listen_left(l, now, &from);
    if (left) {
        l->listen_ms -= left;
        l->listen_until = from;
    }
}

static void notify(struct bm_lpn *l, bool established, uint16_t addr)
{
    if (l->cb)
        l->cb(l->cb_user, established, addr);
}

/* --- sending --- */

static uint16_t first_net_idx(const struct bm_node *node)
{
    for (size_t i = 0; i < BM_CFG_SUBNETS; i++)
        if (node->net.subnets[i].used)
            return node->net.subnets[i].net_idx;
    return 0;
}

static void send_request(struct bm_node *node, bm_ms_t now)
{
    struct bm_lpn *l = &node->lpn;
    l->net_idx = first_net_idx(node);
    l->req.prev_addr = l->prev_friend;
    l->req.num_elements = node->prov_elements ? node->prov_elements : 1;
    l->req.lpn_counter = l->lpn_counter;
    uint8_t p[BM_FRIEND_REQ_LEN];
    memset(l->offers, 0, sizeof(l->offers));
    if (bm_friend_req_encode(&l->req, p) < 0)
        return;
    /* 3.6.6.4.1: to all-friends, master credentials, TTL 0 */
    if (bm_node_send_ctl(node, l->net_idx, BM_ADDR_ALL_FRIENDS, 0, BM_CTL_OP_FRIEND_REQUEST, p,
                         sizeof(p)) == BM_OK)
        l->lpn_counter++;
    bm_node_log(node, BM_LOG_INF, "lpn", "request prev=0x%04x counter=%u", l->prev_friend,
                l->req.lpn_counter);
    listen(l, now + BM_LPN_OFFER_DELAY_MS, BM_LPN_OFFER_WINDOW_MS);
    l->state = BM_LPN_WAIT_OFFERS;
    l->next_ms = bm_ms_after(l->listen_until, 0);
}

/* Opens the receive window of a request to our friend (3.6.6.4.2). */
static void await_response(struct bm_lpn *l, bm_ms_t now, uint8_t state)
{
    listen(l, now + l->req.receive_delay_ms, l->receive_window_ms);
    l->state = state;
    l->got_response = false;
    l->next_ms = bm_ms_after(l->listen_until, BM_LPN_RETRY_MS);
}

static void send_poll(struct bm_node *node, bm_ms_t now, uint8_t state)
{
    struct bm_lpn *l = &node->lpn;
    uint8_t p[1];
    if (bm_friend_poll_encode(l->fsn, p) < 0)
        return;
    bm_node_send_ctl_creds(node, l->net_idx, &l->creds, l->friend_addr, 0, BM_CTL_OP_FRIEND_POLL, p,
                           sizeof(p), &lpn_xmit);
    l->polls++;
    await_response(l, now, state);
}

static void send_sub(struct bm_node *node, bm_ms_t now)
{
    struct bm_lpn *l = &node->lpn;
    uint8_t p[1 + 2 * BM_FRIEND_SUB_MAX];
    l->sub_req.transaction = l->transaction;
    int n = bm_friend_sub_encode(&l->sub_req, p, sizeof(p));
    if (n < 0)
        return;
    bm_node_send_ctl_creds(node, l->net_idx, &l->creds, l->friend_addr, 0, l->sub_op, p, (size_t)n,
                           &lpn_xmit);
    await_response(l, now, BM_LPN_SUB);
}

/* --- the Friend Subscription List follows our models' subscriptions --- */

static bool in_list(const uint16_t *list, size_t n, uint16_t a)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == a)
            return true;
    return false;
}

static size_t wanted_subs(const struct bm_node *node, uint16_t *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < BM_CFG_MODELS; i++) {
        const struct bm_model *m = &node->models[i];
        for (uint8_t k = 0; m->used && k < m->sub_count; k++)
            if (n < max && (m->subs[k] & 0x8000) && !in_list(out, n, m->subs[k]))
                out[n++] = m->subs[k];
    }
    return n;
}

/* Prepares the next Add or Remove; false when the friend's list is right. */
static bool next_sub_change(struct bm_node *node)
{
    struct bm_lpn *l = &node->lpn;
    uint16_t want[BM_CFG_FRIEND_SUBS];
    size_t nwant = wanted_subs(node, want, BM_CFG_FRIEND_SUBS);
    struct bm_friend_sub *r = &l->sub_req;
    r->count = 0;
    for (uint8_t i = 0; i < l->fsub_count && r->count < BM_FRIEND_SUB_MAX; i++)
        if (!in_list(want, nwant, l->fsubs[i]))
            r->addrs[r->count++] = l->fsubs[i];
    if (r->count) {
        l->sub_op = BM_CTL_OP_FRIEND_SUB_REMOVE;
        return true;
    }
    for (size_t i = 0; i < nwant && r->count < BM_FRIEND_SUB_MAX; i++)
        if (!in_list(l->fsubs, l->fsub_count, want[i]) &&
            l->fsub_count + r->count < BM_CFG_FRIEND_SUBS)
            r->addrs[r->count++] = want[i];
    l->sub_op = BM_CTL_OP_FRIEND_SUB_ADD;
    return r->count > 0;
}

static void apply_sub_change(struct bm_lpn *l)
{
    const struct bm_friend_sub *r = &l->sub_req;
    for (uint8_t i = 0; i < r->count; i++) {
        if (l->sub_op == BM_CTL_OP_FRIEND_SUB_ADD) {
            if (!in_list(l->fsubs, l->fsub_count, r->addrs[i]) &&
                l->fsub_count < BM_CFG_FRIEND_SUBS)
                l->fsubs[l->fsub_count++] = r->addrs[i];
            continue;
        }
        for (uint8_t k = 0; k < l->fsub_count; k++) {
            if (l->fsubs[k] == r->addrs[i]) {
                l->fsubs[k] = l->fsubs[--l->fsub_count];
                break;
            }
        }
    }
    l->transaction++;
}

/* --- receiving --- */

int bm_lpn_net_rx(struct bm_node *node, const uint8_t *pdu, size_t len, struct bm_net_rx *rx)
{
    struct bm_lpn *l = &node->lpn;
    if (!l->enabled || l->friend_addr == 0 || l->state < BM_LPN_ESTABLISHING ||
        len < BM_NET_MIN_PDU_LEN)
        return BM_ENOKEY;
    struct bm_net_rx r;
    struct bm_net_in in = {.pdu = pdu,
                           .len = len,
                           .iv_index = bm_net_rx_iv_index(&node->net, (uint8_t)(pdu[0] >> 7)),
                           .kind = BM_NET_NONCE_NETWORK};
    int rc = bm_net_open(&l->creds, &in, &r);
    if (rc != BM_OK)
        return rc;
    bm_ms_t now = bm_node_now(node);
    if (l->state == BM_LPN_POLLING || l->state == BM_LPN_ESTABLISHING) {
        /* a response, even one the network cache already holds */
        l->got_response = true;
        l->more_data = true;
        stop_listening(l, now);
        l->next_ms = now;
    }
    if (bm_net_cache_has(&node->net.cache, r.hdr.src, r.hdr.seq))
        return BM_EDUP;
    bm_net_cache_add(&node->net.cache, r.hdr.src, r.hdr.seq);
    r.net_idx = l->net_idx;
    r.key_set = 0;
    *rx = r;
    return BM_OK;
}

static void rx_offer(struct bm_node *node, const struct bm_net_rx *rx, const uint8_t *params,
                     size_t len)
{
    struct bm_lpn *l = &node->lpn;
    struct bm_friend_offer o;
    if (l->state != BM_LPN_WAIT_OFFERS || rx->hdr.dst != node->addr ||
        !bm_addr_is_unicast(rx->hdr.src) || bm_friend_offer_decode(params, len, &o) != BM_OK)
        return;
    struct bm_lpn_offer *slot = NULL;
    for (size_t i = 0; i < BM_CFG_LPN_OFFERS; i++) {
        struct bm_lpn_offer *e = &l->offers[i];
        if (e->used && e->src == rx->hdr.src) {
            slot = e;
            break;
        }
        if (!e->used && !slot)
            slot = e;
    }
    if (!slot)
        return;
    slot->used = true;
    slot->src = rx->hdr.src;
    slot->net_idx = rx->net_idx;
    slot->offer = o;
    bm_node_log(node, BM_LOG_INF, "lpn", "offer from=0x%04x window=%u queue=%u rssi=%d",
                rx->hdr.src, o.receive_window_ms, o.queue_size, o.rssi);
}

void bm_lpn_rx_ctl(struct bm_node *node, const struct bm_net_rx *rx, bool friendship,
                   uint8_t opcode, const uint8_t *params, size_t len)
{
    struct bm_lpn *l = &node->lpn;
    if (!l->enabled)
        return;
    if (!friendship) {
        if (opcode == BM_CTL_OP_FRIEND_OFFER)
            rx_offer(node, rx, params, len);
        return;
    }
    if (rx->hdr.src != l->friend_addr || rx->hdr.dst != node->addr)
        return;
    if (opcode == BM_CTL_OP_FRIEND_UPDATE) {
        struct bm_friend_update u;
        if (bm_friend_update_decode(params, len, &u) != BM_OK)
            return;
        if (l->got_response)
            l->more_data = u.md != 0;
    } else if (opcode == BM_CTL_OP_FRIEND_SUB_CONFIRM) {
        uint8_t t;
        if (l->state != BM_LPN_SUB || bm_friend_sub_confirm_decode(params, len, &t) != BM_OK ||
            t != l->transaction)
            return;
        bm_ms_t now = bm_node_now(node);
        apply_sub_change(l);
        stop_listening(l, now);
        l->got_response = true;
        l->next_ms = now;
    }
}

/* --- the state machine --- */

/* 3.6.6.3.1 / 3.6.5.3: our criteria weigh a long ReceiveWindow and a
 * weak link against each offer, as a Friend weighs its own before
 * offering. An offer whose queue is below our MinQueueSizeLog comes last
 * but is not refused: the sample data's offers (8.3.2-8.3.3) answer a
 * request asking for 8 entries with 3 and 2. */
static struct bm_lpn_offer *best_offer(struct bm_lpn *l)
{
    struct bm_lpn_offer *best = NULL;
    int64_t best_d = 0;
    for (size_t i = 0; i < BM_CFG_LPN_OFFERS; i++) {
        struct bm_lpn_offer *e = &l->offers[i];
        if (!e->used)
            continue;
        int64_t d = bm_friend_local_delay_x10(l->req.recv_win_factor, e->offer.receive_window_ms,
                                              l->req.rssi_factor, e->offer.rssi);
        if (e->offer.queue_size < (1u << l->req.min_queue_size_log))
            d += (int64_t)1 << 40;
        if (!best || d < best_d) {
            best = e;
            best_d = d;
        }
    }
    return best;
}

static void lost(struct bm_node *node, bm_ms_t now)
{
    struct bm_lpn *l = &node->lpn;
    bool was = bm_lpn_established(node);
    uint16_t addr = l->friend_addr;
    bm_node_log(node, BM_LOG_WRN, "lpn", "friendship %s friend=0x%04x",
                was ? "lost" : "not established", addr);
    if (was) {
        l->prev_friend = addr;
        l->losses++;
    }
    end_friendship(l);
    l->state = BM_LPN_REQUEST;
    l->next_ms = now;
    if (was)
        notify(l, false, addr);
}

static void choose(struct bm_node *node, bm_ms_t now)
{
    struct bm_lpn *l = &node->lpn;
    struct bm_lpn_offer *o = best_offer(l);
    struct bm_subnet *sub = o ? bm_net_subnet_find(&node->net, o->net_idx) : NULL;
    if (!o || !sub ||
        bm_net_creds_friend(&l->creds, bm_net_tx_keys(sub)->net_key, node->addr, o->src,
                            l->req.lpn_counter, o->offer.friend_counter) != BM_OK) {
        l->state = BM_LPN_REQUEST;
        l->next_ms = bm_ms_after(now, BM_LPN_REQ_RETRY_MS);
        return;
    }
    l->net_idx = o->net_idx;
    l->friend_addr = o->src;
    l->friend_counter = o->offer.friend_counter;
    l->receive_window_ms = o->offer.receive_window_ms;
    l->fsn = 0;
    l->attempts = 0;
    l->fsub_count = 0;
    memset(l->offers, 0, sizeof(l->offers));
    bm_node_log(node, BM_LOG_INF, "lpn", "chose friend=0x%04x", l->friend_addr);
    send_poll(node, now, BM_LPN_ESTABLISHING);
}

/* After a response (or a confirm): the next step. */
static void responded(struct bm_node *node, bm_ms_t now)
{
    struct bm_lpn *l = &node->lpn;
    l->got_response = false;
    l->attempts = 0;
    if (l->state == BM_LPN_SUB) {
        l->state = BM_LPN_IDLE;
        l->next_ms = now;
        return;
    }
    l->fsn ^= 1;
    if (l->state == BM_LPN_ESTABLISHING) {
        l->friendships++;
        l->state = BM_LPN_IDLE;
        bm_node_log(node, BM_LOG_INF, "lpn", "established friend=0x%04x", l->friend_addr);
        notify(l, true, l->friend_addr);
    }
    if (l->more_data) {
        send_poll(node, now, BM_LPN_POLLING);
        return;
    }
    l->state = BM_LPN_IDLE;
    l->next_ms = bm_ms_after(now, l->poll_interval_ms);
    if (next_sub_change(node))
        l->next_ms = now;
}

bm_ms_t bm_lpn_process(struct bm_node *node, bm_ms_t now)
{
    struct bm_lpn *l = &node->lpn;
    if (!l->enabled || !node->provisioned)
        return 0;
    if (l->state == BM_LPN_OFF) {
        l->state = BM_LPN_REQUEST;
        l->next_ms = now;
        if (!l->enabled_ms) {
            uint64_t t = bm_node_clock64(node);
            l->enabled_ms = t ? t : 1;
        }
    }
    if (l->next_ms && !bm_ms_reached(now, l->next_ms))
        return l->next_ms;
    switch (l->state) {
    case BM_LPN_REQUEST:
        send_request(node, now);
        break;
    case BM_LPN_WAIT_OFFERS:
        choose(node, now);
        break;
    case BM_LPN_ESTABLISHING:
    case BM_LPN_POLLING:
    case BM_LPN_SUB:
        if (l->got_response) {
            responded(node, now);
        } else if (++l->attempts >= BM_LPN_ATTEMPTS) {
            lost(node, now);
        } else if (l->state == BM_LPN_SUB) {
            send_sub(node, now); /* same transaction number */
        } else {
            send_poll(node, now, l->state); /* same FSN */
        }
        break;
    case BM_LPN_IDLE:
        if (next_sub_change(node))
            send_sub(node, now);
        else
            send_poll(node, now, BM_LPN_POLLING);
        break;
    default:
        break;
    }
    return l->next_ms && !bm_ms_reached(now, l->next_ms) ? l->next_ms : bm_ms_after(now, 1);
}

/* --- public API (blemesh.h) --- */

int bm_lpn_set(struct bm_node *node, bool enable)
{
    if (!node)
        return BM_EINVAL;
    if (!(node->features & BM_LOW_POWER))
        return BM_ENOTSUP;
    struct bm_lpn *l = &node->lpn;
    if (!enable && l->enabled) {
        if (bm_lpn_established(node)) {
            /* 3.6.6.4.3: the Low Power node ends the friendship with a
             * Friend Clear to its friend */
            struct bm_friend_clear c = {.lpn_addr = node->addr, .lpn_counter = l->req.lpn_counter};
            uint8_t p[BM_FRIEND_CLEAR_LEN];
            if (bm_friend_clear_encode(&c, p) > 0)
                bm_node_send_ctl(node, l->net_idx, l->friend_addr, BM_TTL_DEFAULT,
                                 BM_CTL_OP_FRIEND_CLEAR, p, sizeof(p));
            notify(l, false, l->friend_addr);
        }
        bm_lpn_reset(l);
    }
    l->enabled = enable;
    bm_node_timer_set(node, BM_TIMER_MODELS, 0); /* run process() soon */
    return BM_OK;
}

int bm_lpn_poll(struct bm_node *node)
{
    if (!node)
        return BM_EINVAL;
    if (!bm_lpn_established(node) || node->lpn.state != BM_LPN_IDLE)
        return BM_ESTATE;
    node->lpn.next_ms = bm_node_now(node);
    bm_node_timer_set(node, BM_TIMER_MODELS, 0);
    return BM_OK;
}

int bm_lpn_set_cb(struct bm_node *node, bm_friendship_fn cb, void *user)
{
    if (!node)
        return BM_EINVAL;
    node->lpn.cb = cb;
    node->lpn.cb_user = user;
    return BM_OK;
}

int bm_lpn_get_status(const struct bm_node *node, struct bm_lpn_status *st)
{
    if (!node || !st)
        return BM_EINVAL;
    const struct bm_lpn *l = &node->lpn;
    memset(st, 0, sizeof(*st));
    st->enabled = l->enabled;
    st->established = bm_lpn_established(node);
    st->friend_addr = st->established ? l->friend_addr : 0;
    st->receive_delay_ms = l->req.receive_delay_ms;
    st->receive_window_ms = st->established ? l->receive_window_ms : 0;
    st->poll_timeout_ms = l->req.poll_timeout * 100u;
    uint64_t t = bm_node_clock64(node);
    st->elapsed_ms = l->enabled_ms && t > l->enabled_ms ? t - l->enabled_ms : 0;
    /* a window still open counts up to now, not to its end */
    bm_ms_t from;
    st->listen_ms = l->listen_ms - listen_left(l, bm_node_now(node), &from);
    st->polls = l->polls;
    st->friendships = l->friendships;
    st->losses = l->losses;
    return BM_OK;
}
