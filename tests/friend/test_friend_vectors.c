/* Mesh Profile 8.3.1-8.3.15 sample data for friendship: the control
 * messages' parameters both ways (Friend Request #1, Friend Offer #2/#3,
 * Friend Poll #4/#10/#12/#14, Friend Update #5), and the network PDUs the
 * Low Power and Friend sides send, byte for byte, including the friend
 * queue's deliveries of Message #6 with friendship credentials (#11, #13,
 * #15). Every expected byte comes from messages.json. The nodes run on a
 * fake port that records what goes on the air; the clock is set by hand. */
#include <stdalign.h>
#include <string.h>

#include "friend/pdu.h"
#include "net/net.h"
#include "node/node.h"
#include "test.h"
#include "vectors.h"

static cJSON *root, *msgs;

static const cJSON *msg(int number)
{
    char path[16];
    snprintf(path, sizeof(path), "%d", number - 1);
    return bm_vec_get(msgs, path);
}

static const cJSON *net0(const cJSON *m)
{
    return bm_vec_get(m, "lower_transport_pdus.0.network");
}

/* --- a node on a port that records the air --- */

struct fake {
    uint64_t now;
    uint8_t adv[16][31];
    size_t len[16];
    int count;
};

static uint64_t f_now(void *ctx)
{
    return ((struct fake *)ctx)->now;
}

static int f_random(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    memset(buf, 0x42, len);
    return 0;
}

static int f_adv(void *ctx, const uint8_t *adv, size_t len, const struct bm_adv_xmit *x)
{
    (void)x;
    struct fake *f = ctx;
    if (f->count < 16) {
        memcpy(f->adv[f->count], adv, len);
        f->len[f->count++] = len;
    }
    return 0;
}

struct vnode {
    alignas(max_align_t) uint8_t mem[sizeof(struct bm_node)];
    struct fake fake;
    struct bm_platform plat;
    struct bm_node *node;
};

static void vnode_setup(struct vnode *v, uint16_t addr, uint8_t feature, uint32_t seq)
{
    memset(&v->fake, 0, sizeof(v->fake));
    v->fake.now = 1000;
    v->plat = (struct bm_platform){
        .ctx = &v->fake, .now_ms = f_now, .random = f_random, .adv_send = f_adv};
    v->node = bm_node_create(v->mem, sizeof(v->mem), &v->plat);
    CHECK(v->node != NULL);
    CHECK_EQ(bm_create_element(v->node, true, feature, false, 7, NULL), BM_OK);
    CHECK_EQ(bm_init(v->node, "v", BM_OOB_NONE), BM_OK);
    uint8_t net_key[16], dev_key[16] = {0};
    bm_vec_hex(bm_vec_get(msgs, "0"), "net_key", net_key, 16);
    CHECK_EQ(bm_node_provisioned(v->node, net_key, 0, 0, 0x12345678, addr, dev_key), BM_OK);
    v->node->seq = seq;
    v->fake.count = 0;
}

/* The last advertisement sent, as a network PDU (after [len][0x2a]). */
static void check_sent(struct vnode *v, const char *what, const cJSON *m)
{
    uint8_t want[29];
    size_t wlen = bm_vec_hex(net0(m), "network_pdu", want, sizeof(want));
    CHECK(v->fake.count > 0);
    if (v->fake.count == 0)
        return;
    const uint8_t *adv = v->fake.adv[v->fake.count - 1];
    size_t len = v->fake.len[v->fake.count - 1];
    CHECK_EQ(adv[1], BM_AD_MESH_MESSAGE);
    CHECK_MEM(what, adv + 2, len - 2, want, wlen);
}

static void rx_vector(struct vnode *v, const cJSON *m)
{
    uint8_t pdu[29];
    size_t len = bm_vec_hex(net0(m), "network_pdu", pdu, sizeof(pdu));
    bm_node_rx_network(v->node, pdu, len, -70);
}

static void friendship_creds(struct bm_net_creds *c)
{
    const cJSON *m = msg(4);
    uint8_t nk[16];
    bm_vec_hex(m, "net_key", nk, 16);
    const cJSON *f = bm_vec_get(m, "friendship_credentials");
    CHECK_EQ(bm_net_creds_friend(c, nk, (uint16_t)bm_vec_num(f, "lpn_address"),
                                 (uint16_t)bm_vec_num(f, "friend_address"),
                                 (uint16_t)bm_vec_num(f, "lpn_counter"),
                                 (uint16_t)bm_vec_num(f, "friend_counter")),
             BM_OK);
}

/* --- parameters --- */

static void s8_3_1_friend_request_params(void)
{
    const cJSON *m = msg(1);
    const cJSON *p = bm_vec_get(m, "transport_control_message.parameters");
    uint8_t want[16];
    size_t wlen = bm_vec_hex(m, "upper_transport_pdu", want, sizeof(want));
    struct bm_friend_req r;
    CHECK_EQ(bm_friend_req_decode(want, wlen, &r), BM_OK);
    /* criteria 0x4b: RSSIFactor 0b10, ReceiveWindowFactor 0b01, MinQueueSizeLog 0b011 */
    CHECK_EQ(bm_vec_num(p, "criteria"), 0x4b);
    CHECK_EQ(r.rssi_factor, 2);
    CHECK_EQ(r.recv_win_factor, 1);
    CHECK_EQ(r.min_queue_size_log, 3);
    CHECK_EQ(r.receive_delay_ms, bm_vec_num(p, "receive_delay"));
    CHECK_EQ(r.poll_timeout, bm_vec_num(p, "poll_timeout"));
    CHECK_EQ(r.prev_addr, bm_vec_num(p, "previous_address"));
    CHECK_EQ(r.num_elements, bm_vec_num(p, "num_elements"));
    CHECK_EQ(r.lpn_counter, bm_vec_num(p, "lpn_counter"));
    uint8_t out[BM_FRIEND_REQ_LEN];
    CHECK_EQ(bm_friend_req_encode(&r, out), BM_FRIEND_REQ_LEN);
    CHECK_MEM("Friend Request", out, sizeof(out), want, wlen);
    /* negative: every length but 10, the RFU bit, prohibited values */
    for (size_t l = 0; l < sizeof(want); l++)
        if (l != BM_FRIEND_REQ_LEN)
            CHECK_EQ(bm_friend_req_decode(want, l, &r), BM_EMALFORMED);
    uint8_t bad[BM_FRIEND_REQ_LEN];
    memcpy(bad, want, sizeof(bad));
    bad[0] |= 0x80;
    CHECK_EQ(bm_friend_req_decode(bad, sizeof(bad), &r), BM_EMALFORMED);
    memcpy(bad, want, sizeof(bad));
    bad[0] &= 0xf8; /* MinQueueSizeLog 0 */
    CHECK_EQ(bm_friend_req_decode(bad, sizeof(bad), &r), BM_EMALFORMED);
    memcpy(bad, want, sizeof(bad));
    bad[1] = 0x09; /* ReceiveDelay below 10 ms */
    CHECK_EQ(bm_friend_req_decode(bad, sizeof(bad), &r), BM_EMALFORMED);
    memcpy(bad, want, sizeof(bad));
    bad[2] = 0x34, bad[3] = 0xbc, bad[4] = 0x00; /* PollTimeout 0x34bc00 */
    CHECK_EQ(bm_friend_req_decode(bad, sizeof(bad), &r), BM_EMALFORMED);
    memcpy(bad, want, sizeof(bad));
    bad[2] = 0, bad[3] = 0, bad[4] = 9; /* PollTimeout 0x000009 */
    CHECK_EQ(bm_friend_req_decode(bad, sizeof(bad), &r), BM_EMALFORMED);
    memcpy(bad, want, sizeof(bad));
    bad[7] = 0; /* NumElements */
    CHECK_EQ(bm_friend_req_decode(bad, sizeof(bad), &r), BM_EMALFORMED);
}

static void s8_3_2_friend_offer_params(void)
{
    for (int n = 2; n <= 3; n++) {
        const cJSON *m = msg(n);
        const cJSON *p = bm_vec_get(m, "transport_control_message.parameters");
        uint8_t want[16];
        size_t wlen = bm_vec_hex(m, "upper_transport_pdu", want, sizeof(want));
        struct bm_friend_offer o;
        CHECK_EQ(bm_friend_offer_decode(want, wlen, &o), BM_OK);
        CHECK_EQ(o.receive_window_ms, bm_vec_num(p, "receive_window"));
        CHECK_EQ(o.queue_size, bm_vec_num(p, "queue_size"));
        CHECK_EQ(o.sub_list_size, bm_vec_num(p, "subscription_list_size"));
        CHECK_EQ(o.rssi, bm_vec_int(bm_vec_get(m, "transport_control_message"), "rssi_dbm"));
        CHECK_EQ(o.friend_counter, bm_vec_num(p, "friend_counter"));
        uint8_t out[BM_FRIEND_OFFER_LEN];
        CHECK_EQ(bm_friend_offer_encode(&o, out), BM_FRIEND_OFFER_LEN);
        CHECK_MEM("Friend Offer", out, sizeof(out), want, wlen);
        CHECK_EQ(bm_friend_offer_decode(want, wlen - 1, &o), BM_EMALFORMED);
        want[0] = 0; /* ReceiveWindow 0 is prohibited */
        CHECK_EQ(bm_friend_offer_decode(want, wlen, &o), BM_EMALFORMED);
    }
}

/* 3.6.6.3.1 worked by hand for the two offers with the criteria of #1
 * (RSSIFactor 2, ReceiveWindowFactor 1.5): #2 1.5 * 50 - 2 * (-70) = 215 ms,
 * #3 1.5 * 250 - 2 * (-90) = 555 ms: #2 is the better offer. */
static void s3_6_6_3_1_offer_delay(void)
{
    CHECK_EQ(bm_friend_local_delay_x10(1, 0x32, 2, -70), 2150);
    CHECK_EQ(bm_friend_local_delay_x10(1, 0xfa, 2, -90), 5550);
    CHECK_EQ(bm_friend_local_delay_x10(0, 10, 0, 0), 100);
    CHECK_EQ(bm_friend_local_delay_x10(3, 10, 3, -10), 500);
}

static void s8_3_4_friend_poll_params(void)
{
    static const int polls[] = {4, 10, 12, 14};
    for (size_t i = 0; i < 4; i++) {
        const cJSON *m = msg(polls[i]);
        uint8_t want[4], out[1], fsn = 9;
        size_t wlen = bm_vec_hex(m, "upper_transport_pdu", want, sizeof(want));
        CHECK_EQ(bm_friend_poll_decode(want, wlen, &fsn), BM_OK);
        CHECK_EQ(fsn, bm_vec_num(bm_vec_get(m, "transport_control_message.parameters"), "fsn"));
        CHECK_EQ(bm_friend_poll_encode(fsn, out), 1);
        CHECK_MEM("Friend Poll", out, 1, want, wlen);
    }
    uint8_t pad = 0x02, fsn = 0;
    CHECK_EQ(bm_friend_poll_decode(&pad, 1, &fsn), BM_EMALFORMED);
    CHECK_EQ(bm_friend_poll_decode(&pad, 0, &fsn), BM_EMALFORMED);
    CHECK_EQ(fsn, 0);
}

static void s8_3_5_friend_update_params(void)
{
    const cJSON *m = msg(5);
    const cJSON *p = bm_vec_get(m, "transport_control_message.parameters");
    uint8_t want[16];
    size_t wlen = bm_vec_hex(m, "upper_transport_pdu", want, sizeof(want));
    struct bm_friend_update u;
    CHECK_EQ(bm_friend_update_decode(want, wlen, &u), BM_OK);
    CHECK_EQ(u.flags, bm_vec_num(p, "flags"));
    CHECK_EQ(u.iv_index, bm_vec_num(p, "iv_index"));
    CHECK_EQ(u.md, bm_vec_num(p, "md"));
    uint8_t out[BM_FRIEND_UPDATE_LEN];
    CHECK_EQ(bm_friend_update_encode(&u, out), BM_FRIEND_UPDATE_LEN);
    CHECK_MEM("Friend Update", out, sizeof(out), want, wlen);
    want[5] = 2; /* MD 0x02 is prohibited */
    CHECK_EQ(bm_friend_update_decode(want, wlen, &u), BM_EMALFORMED);
    CHECK_EQ(bm_friend_update_decode(want, wlen - 1, &u), BM_EMALFORMED);
}

/* Hand-worked encodings of the messages the sample data does not show
 * (3.6.5.5-3.6.5.9): big-endian addresses and counters. */
static void s3_6_5_clear_and_subscription_list(void)
{
    struct bm_friend_clear c = {.lpn_addr = 0x1201, .lpn_counter = 0x0001};
    uint8_t out[11];
    static const uint8_t clear[] = {0x12, 0x01, 0x00, 0x01};
    CHECK_EQ(bm_friend_clear_encode(&c, out), 4);
    CHECK_MEM("Friend Clear", out, 4, clear, sizeof(clear));
    struct bm_friend_clear d;
    CHECK_EQ(bm_friend_clear_decode(clear, 4, &d), BM_OK);
    CHECK_EQ(d.lpn_addr, 0x1201);
    CHECK_EQ(d.lpn_counter, 1);
    static const uint8_t group_lpn[] = {0xc0, 0x01, 0x00, 0x01};
    CHECK_EQ(bm_friend_clear_decode(group_lpn, 4, &d), BM_EMALFORMED);
    CHECK_EQ(bm_friend_clear_decode(clear, 3, &d), BM_EMALFORMED);
    struct bm_friend_sub s = {.transaction = 0x07, .count = 2, .addrs = {0xc001, 0x8123}};
    static const uint8_t add[] = {0x07, 0xc0, 0x01, 0x81, 0x23};
    CHECK_EQ(bm_friend_sub_encode(&s, out, sizeof(out)), 5);
    CHECK_MEM("Subscription List Add", out, 5, add, sizeof(add));
    struct bm_friend_sub t;
    CHECK_EQ(bm_friend_sub_decode(add, sizeof(add), &t), BM_OK);
    CHECK_EQ(t.count, 2);
    CHECK_EQ(t.addrs[1], 0x8123);
    CHECK_EQ(bm_friend_sub_decode(add, 4, &t), BM_EMALFORMED); /* half an address */
    CHECK_EQ(bm_friend_sub_decode(add, 1, &t), BM_EMALFORMED); /* no address */
    static const uint8_t unicast[] = {0x07, 0x00, 0x01};
    CHECK_EQ(bm_friend_sub_decode(unicast, 3, &t), BM_EMALFORMED);
    uint8_t six[13] = {0};
    for (int i = 0; i < 6; i++)
        six[1 + 2 * i] = 0xc0;
    CHECK_EQ(bm_friend_sub_decode(six, 13, &t), BM_EMALFORMED); /* 6 addresses: 13 octets */
    uint8_t txn = 0;
    CHECK_EQ(bm_friend_sub_confirm_decode(add, 1, &txn), BM_OK);
    CHECK_EQ(txn, 7);
    CHECK_EQ(bm_friend_sub_confirm_decode(add, 2, &txn), BM_EMALFORMED);
}

/* --- network PDUs: encoders against the samples --- */

/* #2/#3 use master credentials; the others friendship credentials. */
static void s8_3_network_pdus_of_control_messages(void)
{
    static const int nums[] = {1, 2, 3, 4, 5, 10, 12, 14};
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
        const cJSON *m = msg(nums[i]);
        const cJSON *n = net0(m);
        struct bm_net_creds c;
        uint8_t nk[16];
        bm_vec_hex(m, "net_key", nk, 16);
        if (strcmp(bm_vec_str(m, "security_credentials"), "friendship") == 0)
            friendship_creds(&c);
        else
            CHECK_EQ(bm_net_creds_master(&c, nk), BM_OK);
        uint8_t upper[16], lower[16], pdu[29], want[29];
        size_t ulen = bm_vec_hex(m, "upper_transport_pdu", upper, sizeof(upper));
        struct bm_lower_hdr h = {
            .ctl = 1, .opcode = (uint8_t)bm_vec_num(m, "transport_control_message.opcode")};
        size_t llen, plen;
        CHECK_EQ(bm_lower_build(&h, upper, ulen, lower, sizeof(lower), &llen), BM_OK);
        struct bm_net_hdr nh = {.ctl = 1,
                                .ttl = (uint8_t)bm_vec_num(n, "ttl"),
                                .seq = bm_vec_num(n, "seq"),
                                .src = (uint16_t)bm_vec_num(n, "src"),
                                .dst = (uint16_t)bm_vec_num(n, "dst")};
        CHECK_EQ(bm_net_encode(&c, bm_vec_num(n, "iv_index"), BM_NET_NONCE_NETWORK, &nh, lower,
                               llen, pdu, sizeof(pdu), &plen),
                 BM_OK);
        size_t wlen = bm_vec_hex(n, "network_pdu", want, sizeof(want));
        CHECK_MEM(bm_vec_str(m, "spec_section"), pdu, plen, want, wlen);
    }
}

/* --- network PDUs: sent by the Low Power and Friend code --- */

/* #1: the Low Power node's Friend Request with the sample's criteria. */
static void s8_3_1_lpn_sends_friend_request(void)
{
    static struct vnode v;
    vnode_setup(&v, 0x1201, BM_LOW_POWER, 1);
    struct bm_lpn *l = &v.node->lpn;
    l->req.rssi_factor = 2;
    l->req.recv_win_factor = 1;
    l->req.min_queue_size_log = 3;
    l->req.receive_delay_ms = 0x50;
    l->req.poll_timeout = 0x057e40;
    bm_node_process(v.node, v.fake.now);
    CHECK_EQ(l->state, BM_LPN_WAIT_OFFERS);
    check_sent(&v, "Message #1", msg(1));
    /* the offer window: 100 ms after the request, for 1 s */
    v.fake.now += 50;
    CHECK(bm_lpn_asleep(v.node));
    v.fake.now += 100;
    CHECK(!bm_lpn_asleep(v.node));
    /* #2 and #3 arrive; #2 is the better offer by the criteria */
    rx_vector(&v, msg(3));
    rx_vector(&v, msg(2));
    v.fake.count = 0;
    v.fake.now = 1000 + 1100;
    bm_node_process(v.node, v.fake.now);
    CHECK_EQ(l->state, BM_LPN_ESTABLISHING);
    CHECK_EQ(l->friend_addr, 0x2345);
    CHECK_EQ(l->receive_window_ms, 0x32);
    /* #4: the first Poll with friendship credentials, FSN 0 */
    check_sent(&v, "Message #4", msg(4));
    /* #5: the Friend Update establishes the friendship */
    v.fake.now += 0x50 + 10;
    rx_vector(&v, msg(5));
    v.fake.count = 0;
    CHECK_EQ(l->more_data, false);
    bm_node_process(v.node, v.fake.now);
    CHECK(bm_lpn_established(v.node));
    CHECK_EQ(l->fsn, 1);
    /* #10: the next Poll has FSN 1 */
    v.node->seq = 3;
    l->next_ms = v.fake.now;
    bm_node_process(v.node, v.fake.now);
    check_sent(&v, "Message #10", msg(10));
    /* no response in the window: #12 polls again with the same FSN */
    v.fake.now = l->next_ms;
    bm_node_process(v.node, v.fake.now);
    check_sent(&v, "Message #12", msg(12));
    /* #13 (= #11) answers: the next poll, #14, has FSN 0 */
    v.fake.now += 0x50 + 5;
    rx_vector(&v, msg(13));
    bm_node_process(v.node, v.fake.now);
    check_sent(&v, "Message #14", msg(14));
    bm_node_destroy(v.node);
}

/* #5, #11, #13, #15: the Friend answers Polls #4, #10, #12 and #14 from its
 * queue holding Message #6 segment 0 (retransmitted as #8) and segment 1. */
static void s8_3_5_friend_answers_polls(void)
{
    static struct vnode v;
    vnode_setup(&v, 0x2345, BM_RELAY | BM_FRIEND, 0x014834);
    struct bm_frnd_lpn *s = &v.node->frnd.lpns[0];
    /* the friendship of #1/#2 */
    s->state = BM_FRND_OFFERED;
    s->net_idx = 0;
    s->lpn = 0x1201;
    s->num_elements = 1;
    s->lpn_counter = 0;
    s->friend_counter = 0x072f;
    s->receive_delay_ms = 0x50;
    s->poll_timeout = 0x057e40;
    s->expire_ms = v.fake.now + 1000;
    friendship_creds(&s->creds);
    rx_vector(&v, msg(4));
    CHECK_EQ(s->state, BM_FRND_ESTABLISHED);
    CHECK_EQ(s->reply, BM_FRND_REPLY_POLL);
    /* the response waits for the ReceiveDelay */
    bm_node_process(v.node, v.fake.now + 0x50 - 1);
    CHECK_EQ(v.fake.count, 0);
    v.fake.now += 0x50;
    bm_node_process(v.node, v.fake.now);
    CHECK_EQ(v.fake.count, 1);
    check_sent(&v, "Message #5", msg(5));
    /* Message #6 for the LPN: segment 0 again (#8), then segment 1 */
    const cJSON *m6 = msg(6);
    const cJSON *seg1 = bm_vec_get(m6, "lower_transport_pdus.1.network");
    rx_vector(&v, msg(8));
    uint8_t pdu[29];
    size_t len = bm_vec_hex(seg1, "network_pdu", pdu, sizeof(pdu));
    bm_node_rx_network(v.node, pdu, len, -60);
    CHECK_EQ(s->queue_count, 2);
    CHECK(s->queue[0].ready && s->queue[1].ready);
    static const int polls[] = {10, 12, 14};
    static const int answers[] = {11, 13, 15};
    for (int i = 0; i < 3; i++) {
        v.fake.now += 1000;
        v.fake.count = 0;
        rx_vector(&v, msg(polls[i]));
        v.fake.now += 0x50;
        bm_node_process(v.node, v.fake.now);
        char what[16];
        snprintf(what, sizeof(what), "Message #%d", answers[i]);
        check_sent(&v, what, msg(answers[i]));
    }
    /* the queue is empty: the next Poll (FSN 1) gets a Friend Update, MD 0 */
    CHECK_EQ(s->queue_count, 0);
    bm_node_destroy(v.node);
}

/* A Poll with bad padding, or from a stranger's credentials, changes nothing. */
static void s3_6_5_1_rejected_poll_changes_nothing(void)
{
    static struct vnode v;
    vnode_setup(&v, 0x2345, BM_FRIEND, 0x014834);
    struct bm_frnd_lpn *s = &v.node->frnd.lpns[0];
    s->state = BM_FRND_OFFERED;
    s->lpn = 0x1201;
    s->num_elements = 1;
    s->friend_counter = 0x072f;
    s->receive_delay_ms = 0x50;
    s->poll_timeout = 0x057e40;
    s->expire_ms = v.fake.now + 1000;
    friendship_creds(&s->creds);
    struct bm_frnd before = v.node->frnd;
    uint8_t pdu[29];
    size_t len = bm_vec_hex(net0(msg(4)), "network_pdu", pdu, sizeof(pdu));
    pdu[len - 1] ^= 1; /* bad NetMIC */
    bm_node_rx_network(v.node, pdu, len, -60);
    CHECK(memcmp(&before, &v.node->frnd, sizeof(before)) == 0);
    bm_node_rx_network(v.node, pdu, 5, -60);
    CHECK(memcmp(&before, &v.node->frnd, sizeof(before)) == 0);
    bm_node_destroy(v.node);
}

int main(void)
{
    root = bm_vec_load("messages.json");
    msgs = bm_vec_get(root, "messages");
    BM_RUN(s8_3_1_friend_request_params);
    BM_RUN(s8_3_2_friend_offer_params);
    BM_RUN(s3_6_6_3_1_offer_delay);
    BM_RUN(s8_3_4_friend_poll_params);
    BM_RUN(s8_3_5_friend_update_params);
    BM_RUN(s3_6_5_clear_and_subscription_list);
    BM_RUN(s8_3_network_pdus_of_control_messages);
    BM_RUN(s8_3_1_lpn_sends_friend_request);
    BM_RUN(s8_3_5_friend_answers_polls);
    BM_RUN(s3_6_5_1_rejected_poll_changes_nothing);
    return bm_test_done();
}
