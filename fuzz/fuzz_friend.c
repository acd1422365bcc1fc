/* Fuzz target: friendship (Mesh Profile 3.6.5, 3.6.6.3, 3.6.6.4).
 *
 * 1. Every decoder of src/friend/pdu.h on the raw input; what decodes
 *    must encode again (no BM_EINVAL for a value the decoder accepted) to
 *    the same octets.
 * 2. Structure-aware: the input's first octet picks a fixture, a
 *    provisioned node with the FRIEND feature (0x2345) or one with
 *    LOW_POWER (0x1201, which starts looking for a friend). Records then
 *    send it friendship control messages (opcodes 0x01-0x09 or any, any
 *    parameters, any order) from a chosen source to a chosen destination,
 *    encrypted by the harness with the master credentials, the friendship
 *    credentials the node itself holds (friend side: offer/friendship
 *    slot 0 or 1; LPN side: its friendship), or friendship credentials
 *    derived from counters in the input; or lower transport PDUs with the
 *    master credentials (they fill a Friend Queue); or raw network PDUs.
 *    Time moves between records (up to 10 s, or to the LPN's next receive
 *    window) so offers, responses, polls, PollTimeout and Friend Clear
 *    retries run.
 * Properties: every Friend Queue holds at most BM_CFG_FRIEND_QUEUE PDUs
 * and every subscription list at most BM_CFG_FRIEND_SUBS addresses; at
 * most BM_CFG_FRIENDS offers/friendships, each in a valid state; the LPN
 * state is valid; no sanitizer report, no timer livelock. */
#include <string.h>

#include "friend/pdu.h"
#include "node_fixture.h"
#include "transport/lower.h"

#define FRIEND_ADDR 0x2345
#define LPN_ADDR 0x1201

/* --- 1. the decoders --- */

static void check_decoders(const uint8_t *p, size_t len)
{
    uint8_t out[16];
    struct bm_friend_req r;
    if (bm_friend_req_decode(p, len, &r) == BM_OK) {
        FZ_CHECK(len == BM_FRIEND_REQ_LEN);
        FZ_CHECK(r.min_queue_size_log >= 1 && r.min_queue_size_log <= 7);
        FZ_CHECK(r.receive_delay_ms >= BM_RECEIVE_DELAY_MIN);
        FZ_CHECK(r.poll_timeout >= BM_POLL_TIMEOUT_MIN && r.poll_timeout <= BM_POLL_TIMEOUT_MAX);
        FZ_CHECK(r.num_elements >= 1);
        FZ_CHECK(bm_friend_req_encode(&r, out) == BM_FRIEND_REQ_LEN);
        FZ_CHECK(memcmp(out, p, len) == 0);
        (void)bm_friend_local_delay_x10(r.recv_win_factor, p[0], r.rssi_factor, (int8_t)p[1]);
    }
    struct bm_friend_offer o;
    if (bm_friend_offer_decode(p, len, &o) == BM_OK) {
        FZ_CHECK(len == BM_FRIEND_OFFER_LEN && o.receive_window_ms >= 1);
        FZ_CHECK(bm_friend_offer_encode(&o, out) == BM_FRIEND_OFFER_LEN);
        FZ_CHECK(memcmp(out, p, len) == 0);
    }
    uint8_t fsn = 0xaa;
    if (bm_friend_poll_decode(p, len, &fsn) == BM_OK) {
        FZ_CHECK(len == 1 && fsn <= 1);
        FZ_CHECK(bm_friend_poll_encode(fsn, out) == 1);
        FZ_CHECK(out[0] == p[0]);
    }
    struct bm_friend_update u;
    if (bm_friend_update_decode(p, len, &u) == BM_OK) {
        FZ_CHECK(len == BM_FRIEND_UPDATE_LEN && u.md <= 1);
        FZ_CHECK(bm_friend_update_encode(&u, out) == BM_FRIEND_UPDATE_LEN);
        /* Flags bits 2-7 are RFU: ignored on receipt, sent as zero */
        FZ_CHECK(out[0] == (p[0] & 3) && memcmp(out + 1, p + 1, len - 1) == 0);
    }
    struct bm_friend_clear c;
    if (bm_friend_clear_decode(p, len, &c) == BM_OK) {
        FZ_CHECK(len == BM_FRIEND_CLEAR_LEN && bm_addr_is_unicast(c.lpn_addr));
        FZ_CHECK(bm_friend_clear_encode(&c, out) == BM_FRIEND_CLEAR_LEN);
        FZ_CHECK(memcmp(out, p, len) == 0);
    }
    struct bm_friend_sub s;
    if (bm_friend_sub_decode(p, len, &s) == BM_OK) {
        FZ_CHECK(s.count >= 1 && s.count <= BM_FRIEND_SUB_MAX);
        FZ_CHECK(len == 1 + 2u * s.count);
        for (uint8_t i = 0; i < s.count; i++)
            FZ_CHECK(bm_addr_is_group(s.addrs[i]) || bm_addr_is_virtual(s.addrs[i]));
        FZ_CHECK(bm_friend_sub_encode(&s, out, sizeof(out)) == (int)len);
        FZ_CHECK(memcmp(out, p, len) == 0);
    }
    uint8_t txn = 0;
    if (bm_friend_sub_confirm_decode(p, len, &txn) == BM_OK)
        FZ_CHECK(len == 1 && txn == p[0]);
}

/* --- 2. two nodes --- */

static struct fz_node fn, ln; /* the Friend and the Low Power fixture */
static struct bm_net_creds master;
static bool ready;
static uint32_t seqs[8];

static void check_state(const struct bm_node *node)
{
    int used = 0;
    for (size_t i = 0; i < BM_CFG_FRIENDS; i++) {
        const struct bm_frnd_lpn *s = &node->frnd.lpns[i];
        FZ_CHECK(s->state <= BM_FRND_ESTABLISHED);
        FZ_CHECK(s->queue_count <= BM_CFG_FRIEND_QUEUE);
        FZ_CHECK(s->sub_count <= BM_CFG_FRIEND_SUBS);
        if (s->state != BM_FRND_FREE)
            used++;
    }
    FZ_CHECK(used <= BM_CFG_FRIENDS);
    const struct bm_lpn *l = &node->lpn;
    FZ_CHECK(l->state <= BM_LPN_SUB);
    FZ_CHECK(l->fsub_count <= BM_CFG_FRIEND_SUBS);
    FZ_CHECK(l->sub_req.count <= BM_FRIEND_SUB_MAX);
}

static void send_net(struct fz_node *n, const struct bm_net_creds *c, uint8_t ctl, uint8_t ttl,
                     uint16_t src, uint16_t dst, const uint8_t *transport, size_t len)
{
    struct bm_net_hdr h = {.ctl = ctl, .ttl = ttl, .seq = seqs[src & 7]++, .src = src, .dst = dst};
    uint8_t pdu[BM_NET_MAX_PDU_LEN], adv[BM_ADV_MAX_LEN];
    size_t pdu_len;
    if (bm_net_encode(c, FZ_IV_INDEX, BM_NET_NONCE_NETWORK, &h, transport, len, pdu, sizeof(pdu),
                      &pdu_len) != BM_OK)
        return;
    size_t adv_len = fz_ad_wrap(BM_AD_MESH_MESSAGE, pdu, pdu_len, adv);
    bm_node_rx_adv(n->node, adv, adv_len, -60);
}

/* The credentials a record asks for (sel & 3); false if there are none. */
static bool pick_creds(struct fz *f, struct fz_node *n, bool lpn_side, uint8_t sel, uint16_t src,
                       struct bm_net_creds *c)
{
    const struct bm_node *node = n->node;
    switch (sel & 3) {
    case 0:
        *c = master;
        return true;
    case 1:
    case 2:
        if (lpn_side) {
            if (!node->lpn.friend_addr)
                return false;
            *c = node->lpn.creds;
            return true;
        }
        if (node->frnd.lpns[((sel & 3) - 1) % BM_CFG_FRIENDS].state == BM_FRND_FREE)
            return false;
        *c = node->frnd.lpns[((sel & 3) - 1) % BM_CFG_FRIENDS].creds;
        return true;
    default: {
        uint16_t lpn_counter = fz_u16(f), friend_counter = fz_u16(f);
        uint16_t lpn = lpn_side ? node->addr : src, frnd = lpn_side ? src : node->addr;
        return bm_net_creds_friend(c, fz_net_key, lpn, frnd, lpn_counter, friend_counter) ==
               BM_OK;
    }
    }
}

static void run_nodes(const uint8_t *data, size_t size)
{
    struct fz f;
    fz_init(&f, data, size);
    bool lpn_side = fz_u8(&f) & 1;
    struct fz_node *n = lpn_side ? &ln : &fn;
    fz_node_restore(n);
    for (int i = 0; i < 8; i++)
        seqs[i] = 0x000100;
    check_state(n->node);
    while (fz_more(&f)) {
        uint8_t op = fz_u8(&f);
        uint8_t sel = fz_u8(&f);
        const struct bm_node *node = n->node;
        uint16_t peer = lpn_side ? node->lpn.friend_addr : node->frnd.lpns[0].lpn;
        uint16_t peer2 = lpn_side ? FRIEND_ADDR : node->frnd.lpns[BM_CFG_FRIENDS - 1].lpn;
        const uint16_t srcs[8] = {LPN_ADDR, FRIEND_ADDR, 0x2fe3, 0x0003,
                                  0x1202,   0x0005,      peer ? peer : 0x0006, node->addr};
        const uint16_t dsts[8] = {node->addr, BM_ADDR_ALL_FRIENDS, LPN_ADDR, BM_ADDR_ALL_NODES,
                                  FZ_GROUP,   LPN_ADDR + 1,        peer2 ? peer2 : 0x1203,
                                  0x0003};
        uint16_t src = srcs[(op >> 2) & 7];
        uint16_t dst = dsts[(sel >> 2) & 7];
        uint8_t ttl = sel >> 5;
        switch (op & 3) {
        case 0: { /* a friendship control message */
            struct bm_net_creds c;
            bool have = pick_creds(&f, n, lpn_side, sel, src, &c);
            uint8_t x = fz_u8(&f);
            uint8_t opcode = (x & 0x80) ? (x & 0x7f) : (x % 9 ? x % 9 : 9);
            uint8_t params[BM_LOWER_UNSEG_CTL_MAX], t[BM_NET_MAX_TRANSPORT];
            size_t plen = fz_chunk(&f, params, sizeof(params)), tlen;
            struct bm_lower_hdr h = {.ctl = 1, .opcode = opcode};
            if (have && bm_lower_build(&h, params, plen, t, sizeof(t), &tlen) == BM_OK)
                send_net(n, &c, 1, ttl, src, dst, t, tlen);
            break;
        }
        case 1: { /* a lower transport PDU, master credentials: queue material */
            uint8_t t[BM_NET_MAX_TRANSPORT];
            size_t tlen = fz_chunk(&f, t, sizeof(t));
            if (tlen)
                send_net(n, &master, sel & 1, ttl, src, dst, t, tlen);
            break;
        }
        case 2: { /* a raw network PDU */
            uint8_t pdu[BM_NET_MAX_PDU_LEN], adv[BM_ADV_MAX_LEN];
            size_t len = fz_chunk(&f, pdu, sizeof(pdu));
            size_t adv_len = fz_ad_wrap(BM_AD_MESH_MESSAGE, pdu, len, adv);
            bm_node_rx_adv(n->node, adv, adv_len, (int8_t)(-40 - (sel & 0x3f)));
            break;
        }
        default:
            break;
        }
        check_state(n->node);
        static const uint32_t steps[7] = {0, 10, 50, 100, 400, 1100, 3000};
        uint8_t step = op >> 5;
        if (step < 7) {
            fz_node_advance(n, steps[step]);
        } else {
            /* to the LPN's next receive window, or 10 s */
            uint64_t from = n->node->lpn.listen_from;
            fz_node_advance(n, lpn_side && from > n->st.now_ms ? from - n->st.now_ms : 10000);
        }
        check_state(n->node);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready) {
        fz_node_setup_provisioned_features(&fn, FRIEND_ADDR, BM_RELAY | BM_FRIEND);
        fz_node_snapshot(&fn);
        fz_node_setup_provisioned_features(&ln, LPN_ADDR, BM_LOW_POWER);
        fz_node_snapshot(&ln);
        FZ_CHECK(bm_net_creds_master(&master, fz_net_key) == BM_OK);
        ready = true;
    }
    check_decoders(data, size);
    if (size > 1)
        check_decoders(data + 1, size - 1);
    run_nodes(data, size);
    return 0;
}
