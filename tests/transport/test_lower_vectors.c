/* Mesh Profile 8.3 sample Messages #1-#24 (../shared/vectors/messages.json)
 * through the lower transport layer (3.5.2-3.5.3): every listed lower
 * transport PDU is built from its fields and parsed back, segmented access
 * messages are segmented and reassembled (in order, reversed, with
 * duplicates and with the spec's retransmissions), control messages are
 * framed, and the Segment Acknowledgments (#7, #9) are decoded.
 *
 * Vector notes: Message #6 segment 1 prints SeqZero as 3129ab; the JSON
 * carries the 13-bit value 09ab (spec_inconsistencies). Messages #22/#23
 * use the LowerTransportPDU table's first octet 0x66, not the misprinted
 * 0x34. Message #11's BlueZ alternative header (AKF=1, AID=0) is parsed as
 * a second, equally valid PDU. */
#include <stdio.h>
#include <string.h>

#include "blemesh/errors.h"
#include "test.h"
#include "transport/lower.h"
#include "vectors.h"

static cJSON *mv;

struct seg_in {
    struct bm_lower_hdr hdr;
    const uint8_t *payload;
    size_t len;
    uint32_t seq;
};

static const char *label(const cJSON *m, int i, const char *what)
{
    static char buf[96];
    snprintf(buf, sizeof(buf), "msg #%d pdu %d %s", bm_vec_int(m, "message_number"), i, what);
    return buf;
}

/* The header as the vector prints it; false for network-layer-only rows. */
static bool hdr_from_vector(const cJSON *m, const cJSON *l, struct bm_lower_hdr *h)
{
    memset(h, 0, sizeof(*h));
    if (!bm_vec_find(l, "seg"))
        return false;
    h->ctl = (uint8_t)bm_vec_int(m, "ctl");
    h->seg = (uint8_t)bm_vec_int(l, "seg");
    if (h->ctl) {
        h->opcode = (uint8_t)bm_vec_num(l, "opcode");
    } else {
        h->akf = (uint8_t)bm_vec_int(l, "akf");
        h->aid = (uint8_t)bm_vec_num(l, "aid");
    }
    if (h->seg) {
        if (!h->ctl)
            h->szmic = (uint8_t)bm_vec_int(l, "szmic");
        h->seq_zero = (uint16_t)bm_vec_num(l, "seq_zero");
        h->seg_o = (uint8_t)bm_vec_num(l, "seg_o");
        h->seg_n = (uint8_t)bm_vec_num(l, "seg_n");
    }
    return true;
}

static void check_hdr_eq(const struct bm_lower_hdr *a, const struct bm_lower_hdr *b)
{
    CHECK_EQ(a->ctl, b->ctl);
    CHECK_EQ(a->seg, b->seg);
    CHECK_EQ(a->akf, b->akf);
    CHECK_EQ(a->aid, b->aid);
    CHECK_EQ(a->opcode, b->opcode);
    CHECK_EQ(a->szmic, b->szmic);
    CHECK_EQ(a->seq_zero, b->seq_zero);
    CHECK_EQ(a->seg_o, b->seg_o);
    CHECK_EQ(a->seg_n, b->seg_n);
}

/* Which truncations of a valid PDU stay valid, from the length rules of
 * 3.5.2.1-3.5.2.4 (k = octets kept). */
static bool truncation_valid(const struct bm_lower_hdr *h, size_t k)
{
    if (!h->seg)
        return h->ctl ? k >= 1 : k >= 1 + 1 + 4; /* header, opcode, TransMIC */
    if (k < 4 + 1)
        return false;
    if (h->seg_o < h->seg_n)
        return false; /* segments before the last are full */
    if (!h->ctl && h->seg_n == 0)
        return k - 4 >= 1u + (h->szmic ? 8u : 4u);
    return true;
}

static void check_truncations(const cJSON *m, int i, uint8_t ctl, const uint8_t *pdu, size_t len,
                              const struct bm_lower_hdr *full)
{
    for (size_t k = 0; k < len; k++) {
        struct bm_lower_hdr h, sentinel;
        memset(&h, 0xa5, sizeof(h));
        sentinel = h;
        const uint8_t *pl = NULL;
        size_t pll = 999;
        int rc = bm_lower_parse(ctl, pdu, k, &h, &pl, &pll);
        if (truncation_valid(full, k)) {
            CHECK_EQ(rc, BM_OK);
            check_hdr_eq(&h, full);
            CHECK_EQ(pll, k - (full->seg ? 4 : 1));
        } else {
            if (rc != BM_EMALFORMED)
                bm_test_fail(__FILE__, __LINE__, "%s: truncation to %zu accepted",
                             label(m, i, "pdu"), k);
            CHECK_EQ(rc, BM_EMALFORMED);
            CHECK(memcmp(&h, &sentinel, sizeof(h)) == 0);
            CHECK(pl == NULL && pll == 999);
        }
    }
}

static void test_3_5_2_build_and_parse_every_lower_pdu(void)
{
    const cJSON *m;
    int rows = 0;
    cJSON_ArrayForEach(m, bm_vec_get(mv, "messages"))
    {
        uint8_t ctl = (uint8_t)bm_vec_int(m, "ctl");
        const cJSON *l;
        int i = 0;
        cJSON_ArrayForEach(l, bm_vec_get(m, "lower_transport_pdus"))
        {
            uint8_t pdu[32], payload[32], out[32], hdr_bytes[8];
            size_t len = bm_vec_hex(l, "lower_transport_pdu", pdu, sizeof(pdu));
            struct bm_lower_hdr parsed, want;
            const uint8_t *pl;
            size_t pll, out_len = 0;
            CHECK_EQ(bm_lower_parse(ctl, pdu, len, &parsed, &pl, &pll), BM_OK);
            CHECK(pl == pdu + (parsed.seg ? 4 : 1));
            if (hdr_from_vector(m, l, &want)) {
                size_t n = bm_vec_hex(l, want.seg ? "segment" : "upper_transport_pdu", payload,
                                      sizeof(payload));
                size_t hn = bm_vec_hex(l, "header", hdr_bytes, sizeof(hdr_bytes));
                check_hdr_eq(&parsed, &want);
                CHECK_MEM(label(m, i, "payload"), pl, pll, payload, n);
                CHECK_MEM(label(m, i, "header"), pdu, parsed.seg ? 4u : 1u, hdr_bytes, hn);
                CHECK_EQ(bm_lower_build(&want, payload, n, out, sizeof(out), &out_len), BM_OK);
            } else {
                /* Network-layer-only rows: the PDU must survive a round trip. */
                CHECK_EQ(bm_lower_build(&parsed, pl, pll, out, sizeof(out), &out_len), BM_OK);
            }
            CHECK_MEM(label(m, i, "built"), out, out_len, pdu, len);
            check_truncations(m, i, ctl, pdu, len, &parsed);
            rows++;
            i++;
        }
    }
    CHECK_EQ(rows, 26);
}

/* Message #11's BlueZ variant carries AKF=1, AID=0 in the same segment. */
static void test_3_5_2_2_message_11_alternative_header(void)
{
    uint8_t pdu[32], out[32];
    size_t len =
        bm_vec_hex(mv, "messages.10.alternative_values.0.lower_transport_pdu", pdu, sizeof(pdu));
    struct bm_lower_hdr h;
    const uint8_t *pl;
    size_t pll, out_len;
    CHECK_EQ(bm_lower_parse(0, pdu, len, &h, &pl, &pll), BM_OK);
    CHECK_EQ(h.akf, 1);
    CHECK_EQ(h.aid, 0);
    CHECK_EQ(h.seq_zero, bm_vec_num(mv, "messages.5.lower_transport_pdus.0.seq_zero"));
    CHECK_EQ(bm_lower_build(&h, pl, pll, out, sizeof(out), &out_len), BM_OK);
    CHECK_MEM("#11 alternative", out, out_len, pdu, len);
}

static void test_3_5_3_1_segment_every_segmented_message(void)
{
    const cJSON *m;
    int msgs = 0;
    cJSON_ArrayForEach(m, bm_vec_get(mv, "messages"))
    {
        if (strcmp(bm_vec_str(m, "message_kind"), "segmented_access") != 0)
            continue;
        uint8_t upper[64], want[32], out[32];
        size_t ul = bm_vec_hex(m, "upper_transport.upper_transport_pdu", upper, sizeof(upper));
        const cJSON *lts = bm_vec_get(m, "lower_transport_pdus");
        const cJSON *segs = bm_vec_get(m, "upper_transport.upper_transport_pdu_segments");
        int count = bm_lower_seg_count(0, ul);
        CHECK_EQ(count, cJSON_GetArraySize(lts));
        CHECK_EQ(count, cJSON_GetArraySize(segs));

        uint32_t seq = bm_vec_num(m, "seq");
        struct bm_lower_hdr h;
        hdr_from_vector(m, cJSON_GetArrayItem(lts, 0), &h);
        CHECK_EQ(bm_lower_seq_zero(seq), h.seq_zero);
        h.seg_o = 0x1f; /* set by bm_lower_segment */
        h.seg_n = 0x1f;
        for (int i = 0; i < count; i++) {
            size_t out_len = 0;
            char path[64];
            snprintf(path, sizeof(path), "lower_transport_pdus.%d.lower_transport_pdu", i);
            size_t wl = bm_vec_hex(m, path, want, sizeof(want));
            CHECK_EQ(bm_lower_segment(&h, upper, ul, (uint8_t)i, out, sizeof(out), &out_len),
                     BM_OK);
            CHECK_MEM(label(m, i, "segment"), out, out_len, want, wl);
            snprintf(path, sizeof(path), "%d", i);
            wl = bm_vec_hex(segs, path, want, sizeof(want));
            CHECK_MEM(label(m, i, "upper slice"), out + 4, out_len - 4, want, wl);
        }
        size_t out_len;
        CHECK_EQ(bm_lower_segment(&h, upper, ul, (uint8_t)count, out, sizeof(out), &out_len),
                 BM_EINVAL);
        msgs++;
    }
    CHECK_EQ(msgs, 2);
}

static void test_3_5_3_1_seqauth_from_every_segment(void)
{
    const cJSON *m;
    uint32_t msg6_seq = bm_vec_num(mv, "messages.5.seq");
    cJSON_ArrayForEach(m, bm_vec_get(mv, "messages"))
    {
        const cJSON *l;
        uint32_t first = bm_vec_num(m, "seq");
        bool related = strcmp(bm_vec_str(m, "message_kind"), "network_layer_only") == 0;
        cJSON_ArrayForEach(l, bm_vec_get(m, "lower_transport_pdus"))
        {
            uint8_t pdu[32];
            size_t len = bm_vec_hex(l, "lower_transport_pdu", pdu, sizeof(pdu));
            struct bm_lower_hdr h;
            const uint8_t *pl;
            size_t pll;
            if (bm_lower_parse((uint8_t)bm_vec_int(m, "ctl"), pdu, len, &h, &pl, &pll) != BM_OK ||
                !h.seg)
                continue;
            uint32_t seq = bm_vec_num(l, "seq");
            /* Retransmissions (#8, #11, #13, #15) belong to Message #6. */
            uint32_t want = related ? msg6_seq : first;
            CHECK_EQ(bm_lower_first_seq(seq, h.seq_zero), want);
            CHECK_EQ(bm_lower_seq_zero(want), h.seq_zero);
        }
    }
}

/* Parses the listed segments of message m into segs[]. */
static int parse_segments(const cJSON *m, uint8_t pdus[][32], struct seg_in *segs, int max)
{
    const cJSON *l;
    int n = 0;
    cJSON_ArrayForEach(l, bm_vec_get(m, "lower_transport_pdus"))
    {
        if (n == max)
            break;
        size_t len = bm_vec_hex(l, "lower_transport_pdu", pdus[n], 32);
        CHECK_EQ(bm_lower_parse((uint8_t)bm_vec_int(m, "ctl"), pdus[n], len, &segs[n].hdr,
                                &segs[n].payload, &segs[n].len),
                 BM_OK);
        segs[n].seq = bm_vec_num(l, "seq");
        n++;
    }
    return n;
}

static int feed(struct bm_reasm_pool *pool, const cJSON *m, const struct seg_in *s, uint32_t now_ms,
                struct bm_lower_msg *msg)
{
    const struct bm_lower_msg seg = {.hdr = s->hdr,
                                     .src = (uint16_t)bm_vec_num(m, "src"),
                                     .dst = (uint16_t)bm_vec_num(m, "dst"),
                                     .ttl = (uint8_t)bm_vec_num(m, "ttl"),
                                     .seq = s->seq,
                                     .iv_index = bm_vec_num(m, "iv_index"),
                                     .upper = s->payload,
                                     .upper_len = s->len};
    return bm_lower_reasm_rx(pool, &seg, now_ms, msg);
}

static void check_msg(const cJSON *m, const struct bm_lower_msg *msg)
{
    uint8_t upper[64];
    size_t ul = bm_vec_hex(m, "upper_transport.upper_transport_pdu", upper, sizeof(upper));
    CHECK_MEM("reassembled upper PDU", msg->upper, msg->upper_len, upper, ul);
    CHECK_EQ(msg->seq, bm_vec_num(m, "seq"));
    CHECK_EQ(msg->iv_index, bm_vec_num(m, "iv_index"));
    CHECK_EQ(msg->src, bm_vec_num(m, "src"));
    CHECK_EQ(msg->dst, bm_vec_num(m, "dst"));
    CHECK_EQ(msg->ttl, bm_vec_num(m, "ttl"));
    CHECK_EQ(msg->hdr.ctl, bm_vec_int(m, "ctl"));
    CHECK_EQ(msg->hdr.seg, 1);
    CHECK_EQ(msg->hdr.akf, bm_vec_int(m, "upper_transport.akf"));
    CHECK_EQ(msg->hdr.aid, bm_vec_num(m, "upper_transport.aid"));
    CHECK_EQ(msg->hdr.szmic, bm_vec_int(m, "upper_transport.szmic"));
}

/* Feeds segs in the given order; the last one must complete the message. */
static void reassemble(const cJSON *m, const struct seg_in *segs, const int *order, int n)
{
    struct bm_reasm_pool pool;
    struct bm_lower_msg msg;
    bm_lower_reasm_init(&pool);
    uint32_t held = 0;
    for (int i = 0; i < n; i++) {
        const struct seg_in *s = &segs[order[i]];
        int rc = feed(&pool, m, s, 1000u + (uint32_t)i, &msg);
        uint32_t bit = 1u << s->hdr.seg_o;
        held |= bit;
        uint32_t all = (1u << (s->hdr.seg_n + 1)) - 1;
        CHECK_EQ(rc, held == all ? BM_OK : BM_EINCOMPLETE);
        if (rc == BM_OK)
            check_msg(m, &msg);
    }
    /* Once complete, every segment is a duplicate. */
    for (int i = 0; i < n; i++)
        CHECK_EQ(feed(&pool, m, &segs[order[i]], 2000, &msg), BM_EDUP);
}

static void test_3_5_3_4_reassemble_every_segmented_message(void)
{
    const cJSON *m;
    int msgs = 0;
    cJSON_ArrayForEach(m, bm_vec_get(mv, "messages"))
    {
        if (strcmp(bm_vec_str(m, "message_kind"), "segmented_access") != 0)
            continue;
        uint8_t pdus[4][32];
        struct seg_in segs[4];
        int n = parse_segments(m, pdus, segs, 4);
        CHECK_EQ(n, 2);
        static const int in_order[] = {0, 1}, reversed[] = {1, 0};
        static const int dups[] = {0, 0, 1}, dups_rev[] = {1, 1, 0};
        reassemble(m, segs, in_order, 2);
        reassemble(m, segs, reversed, 2);
        reassemble(m, segs, dups, 3);
        reassemble(m, segs, dups_rev, 3);
        msgs++;
    }
    CHECK_EQ(msgs, 2);
}

/* 8.3.8/8.3.15: segment 0 of #6 resent with SEQ 3129ad, segment 1 delivered
 * from the friend queue with its original SEQ: still Message #6. */
static void test_8_3_8_retransmitted_segments_reassemble_message_6(void)
{
    const cJSON *m6 = bm_vec_get(mv, "messages.5");
    uint8_t pdus[2][32];
    struct seg_in retx[2];
    parse_segments(bm_vec_get(mv, "messages.7"), &pdus[0], &retx[0], 1);
    parse_segments(bm_vec_get(mv, "messages.14"), &pdus[1], &retx[1], 1);
    CHECK_EQ(retx[0].hdr.seg_o, 0);
    CHECK_EQ(retx[1].hdr.seg_o, 1);

    struct bm_reasm_pool pool;
    struct bm_lower_msg msg;
    bm_lower_reasm_init(&pool);
    CHECK_EQ(feed(&pool, m6, &retx[0], 10, &msg), BM_EINCOMPLETE);
    CHECK_EQ(feed(&pool, m6, &retx[0], 11, &msg), BM_EINCOMPLETE);
    CHECK_EQ(feed(&pool, m6, &retx[1], 12, &msg), BM_OK);
    check_msg(m6, &msg);
    CHECK_EQ(feed(&pool, m6, &retx[0], 13, &msg), BM_EDUP);
}

static void test_3_5_2_3_every_control_message(void)
{
    const cJSON *m;
    int msgs = 0;
    cJSON_ArrayForEach(m, bm_vec_get(mv, "messages"))
    {
        if (strcmp(bm_vec_str(m, "message_kind"), "unsegmented_control") != 0)
            continue;
        uint8_t params[16], want[16], out[16];
        size_t pn = bm_vec_hex(m, "upper_transport_pdu", params, sizeof(params));
        size_t wn = bm_vec_hex(m, "lower_transport_pdus.0.lower_transport_pdu", want, sizeof(want));
        struct bm_lower_hdr h = {.ctl = 1, .seg = 0};
        h.opcode = (uint8_t)bm_vec_num(m, "transport_control_message.opcode");
        size_t out_len = 0;
        CHECK_EQ(bm_lower_build(&h, params, pn, out, sizeof(out), &out_len), BM_OK);
        CHECK_MEM("control PDU", out, out_len, want, wn);

        struct bm_lower_hdr p;
        const uint8_t *pl;
        size_t pll;
        CHECK_EQ(bm_lower_parse(1, want, wn, &p, &pl, &pll), BM_OK);
        CHECK_EQ(p.opcode, h.opcode);
        CHECK_MEM("control params", pl, pll, params, pn);
        msgs++;
    }
    CHECK_EQ(msgs, 10);
}

/* 8.3.7 / 8.3.9: Segment Acknowledgment parameters. */
static void test_3_5_2_3_1_segment_acks_7_and_9(void)
{
    static const char *const which[] = {"messages.6", "messages.8"};
    for (int i = 0; i < 2; i++) {
        const cJSON *m = bm_vec_get(mv, which[i]);
        const cJSON *tc = bm_vec_get(m, "transport_control_message");
        CHECK_EQ(bm_vec_num(tc, "opcode"), BM_CTL_OP_SEG_ACK);
        uint8_t params[16], out[BM_SEG_ACK_LEN];
        size_t pn = bm_vec_hex(m, "upper_transport_pdu", params, sizeof(params));
        struct bm_seg_ack ack;
        CHECK_EQ(bm_lower_ack_decode(params, pn, &ack), BM_OK);
        CHECK_EQ(ack.obo, bm_vec_num(tc, "parameters.obo"));
        CHECK_EQ(ack.seq_zero, bm_vec_num(tc, "parameters.seq_zero"));
        CHECK_EQ(ack.block_ack, bm_vec_num(tc, "parameters.block_ack"));
        /* The acknowledged message is #6. */
        CHECK_EQ(ack.seq_zero, bm_lower_seq_zero(bm_vec_num(mv, "messages.5.seq")));
        CHECK_EQ(bm_lower_ack_encode(&ack, out), BM_OK);
        CHECK_MEM("ack params", out, sizeof(out), params, pn);

        /* Wrong lengths and RFU bits (3.5.2.3.1: ignored on receipt). */
        struct bm_seg_ack before = ack;
        CHECK_EQ(bm_lower_ack_decode(params, pn - 1, &ack), BM_EMALFORMED);
        CHECK_EQ(bm_lower_ack_decode(params, 0, &ack), BM_EMALFORMED);
        uint8_t longer[8] = {0};
        memcpy(longer, params, pn);
        CHECK_EQ(bm_lower_ack_decode(longer, pn + 1, &ack), BM_EMALFORMED);
        CHECK(memcmp(&ack, &before, sizeof(ack)) == 0);
        params[1] |= 0x03;
        struct bm_seg_ack rfu;
        CHECK_EQ(bm_lower_ack_decode(params, pn, &rfu), BM_OK);
        CHECK_EQ(rfu.seq_zero, ack.seq_zero);
        CHECK_EQ(rfu.obo, ack.obo);
    }
    uint8_t out[BM_SEG_ACK_LEN];
    struct bm_seg_ack bad = {.obo = 2};
    CHECK_EQ(bm_lower_ack_encode(&bad, out), BM_EINVAL);
    bad.obo = 0;
    bad.seq_zero = 0x2000;
    CHECK_EQ(bm_lower_ack_encode(&bad, out), BM_EINVAL);
}

/* 3.5.2.4: no vector carries a segmented control message, so each control
 * message's parameters go through segmentation and reassembly (property). */
static void test_3_5_2_4_segmented_control_round_trip(void)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, bm_vec_get(mv, "messages"))
    {
        if (strcmp(bm_vec_str(m, "message_kind"), "unsegmented_control") != 0)
            continue;
        uint8_t params[16], out[16];
        size_t pn = bm_vec_hex(m, "upper_transport_pdu", params, sizeof(params));
        uint32_t seq = bm_vec_num(m, "seq");
        struct bm_lower_hdr h = {.ctl = 1, .seq_zero = bm_lower_seq_zero(seq)};
        h.opcode = (uint8_t)bm_vec_num(m, "transport_control_message.opcode");
        size_t out_len;
        int count = bm_lower_seg_count(1, pn);
        CHECK_EQ(count, (int)((pn + 7) / 8));
        if (h.opcode == BM_CTL_OP_SEG_ACK) {
            CHECK_EQ(bm_lower_segment(&h, params, pn, 0, out, sizeof(out), &out_len), BM_EINVAL);
            continue;
        }
        struct bm_reasm_pool pool;
        struct bm_lower_msg msg;
        memset(&msg, 0, sizeof(msg));
        bm_lower_reasm_init(&pool);
        for (int i = count - 1; i >= 0; i--) {
            CHECK_EQ(bm_lower_segment(&h, params, pn, (uint8_t)i, out, sizeof(out), &out_len),
                     BM_OK);
            struct bm_lower_hdr p;
            const uint8_t *pl;
            size_t pll;
            CHECK_EQ(bm_lower_parse(1, out, out_len, &p, &pl, &pll), BM_OK);
            CHECK_EQ(p.seg, 1);
            CHECK_EQ(p.opcode, h.opcode);
            CHECK_EQ(p.seg_o, i);
            CHECK_EQ(p.seg_n, count - 1);
            const struct bm_lower_msg seg = {.hdr = p,
                                             .src = 0x2345,
                                             .dst = 0x1201,
                                             .ttl = 5,
                                             .seq = seq + (uint32_t)i,
                                             .iv_index = bm_vec_num(m, "iv_index"),
                                             .upper = pl,
                                             .upper_len = pll};
            int rc = bm_lower_reasm_rx(&pool, &seg, 0, &msg);
            CHECK_EQ(rc, i == 0 ? BM_OK : BM_EINCOMPLETE);
        }
        CHECK_MEM("segmented control", msg.upper, msg.upper_len, params, pn);
        CHECK_EQ(msg.hdr.ctl, 1);
        CHECK_EQ(msg.hdr.opcode, h.opcode);
        CHECK_EQ(msg.seq, seq);
    }
}

int main(void)
{
    mv = bm_vec_load("messages.json");
    BM_RUN(test_3_5_2_build_and_parse_every_lower_pdu);
    BM_RUN(test_3_5_2_2_message_11_alternative_header);
    BM_RUN(test_3_5_3_1_segment_every_segmented_message);
    BM_RUN(test_3_5_3_1_seqauth_from_every_segment);
    BM_RUN(test_3_5_3_4_reassemble_every_segmented_message);
    BM_RUN(test_8_3_8_retransmitted_segments_reassemble_message_6);
    BM_RUN(test_3_5_2_3_every_control_message);
    BM_RUN(test_3_5_2_3_1_segment_acks_7_and_9);
    BM_RUN(test_3_5_2_4_segmented_control_round_trip);
    return bm_test_done();
}
