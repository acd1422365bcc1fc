/* PB-ADV and the Generic Provisioning layer (Mesh Profile 5.2.1, 5.3)
 * against every step of the sample run in Mesh Profile 8.7: link open, ack
 * and close, transaction acks, and each Provisioning PDU segmented into
 * exactly the listed PB-ADV PDUs with the listed FCS, then parsed and
 * reassembled back. Then the negative cases: truncations, GPCF/padding
 * combinations, FCS mismatch, inconsistent segments and buffer bounds,
 * each checked to leave the reassembler byte-identical. Expected bytes
 * come from provisioning.json or from the PDU layouts of 5.3.1. */
#include <string.h>

#include "blemesh/errors.h"
#include "prov/pb_adv.h"
#include "test.h"
#include "vectors.h"

static cJSON *pv;

static const cJSON *step(int i)
{
    char path[32];
    snprintf(path, sizeof(path), "pb_adv.steps.%d", i);
    return bm_vec_get(pv, path);
}

static int step_count(void)
{
    return cJSON_GetArraySize(bm_vec_get(pv, "pb_adv.steps"));
}

static int kind_is(const cJSON *s, const char *kind)
{
    return strcmp(bm_vec_str(s, "kind"), kind) == 0;
}

static void test_8_7_bearer_control_build_and_parse(void)
{
    int seen = 0;
    for (int i = 0; i < step_count(); i++) {
        const cJSON *s = step(i);
        if (!kind_is(s, "provisioning_bearer_control"))
            continue;
        uint32_t link_id = bm_vec_num(s, "link_id");
        uint8_t opcode = (uint8_t)bm_vec_num(s, "bearer_opcode");
        uint8_t params[16], want[32], got[32];
        size_t plen = bm_vec_hex(s, "parameters", params, sizeof(params));
        size_t want_len = bm_vec_hex(s, "pb_adv_pdu", want, sizeof(want)), got_len = 0;
        int rc = BM_EINVAL;
        if (opcode == BM_PBADV_LINK_OPEN && plen == 16)
            rc = bm_pbadv_build_link_open(link_id, params, got, sizeof(got), &got_len);
        else if (opcode == BM_PBADV_LINK_ACK && plen == 0)
            rc = bm_pbadv_build_link_ack(link_id, got, sizeof(got), &got_len);
        else if (opcode == BM_PBADV_LINK_CLOSE && plen == 1)
            rc = bm_pbadv_build_link_close(link_id, params[0], got, sizeof(got), &got_len);
        CHECK_EQ(rc, BM_OK);
        CHECK_MEM(bm_vec_str(s, "title"), got, got_len, want, want_len);
        CHECK_EQ(want[5], bm_vec_num(s, "generic_provisioning_control_octet"));

        struct bm_pbadv_pdu p;
        CHECK_EQ(bm_pbadv_parse(want, want_len, &p), BM_OK);
        CHECK_EQ(p.link_id, link_id);
        CHECK_EQ(p.tn, bm_vec_num(s, "transaction_number"));
        CHECK_EQ(p.gpcf, BM_PBADV_GPCF_CTL);
        CHECK_EQ(p.u.ctl.opcode, opcode);
        if (opcode == BM_PBADV_LINK_OPEN) {
            uint8_t uuid[16];
            bm_vec_hex(pv, "pb_adv.device_uuid", uuid, 16);
            CHECK_MEM("Link Open UUID", p.u.ctl.uuid, 16, uuid, 16);
        }
        if (opcode == BM_PBADV_LINK_CLOSE)
            CHECK_EQ(p.u.ctl.reason, bm_vec_num(s, "fields.reason"));
        seen++;
    }
    CHECK_EQ(seen, 3);
}

static void test_8_7_transaction_acks_build_and_parse(void)
{
    int seen = 0;
    for (int i = 0; i < step_count(); i++) {
        const cJSON *s = step(i);
        if (!kind_is(s, "transaction_ack"))
            continue;
        uint32_t link_id = bm_vec_num(s, "link_id");
        uint8_t tn = (uint8_t)bm_vec_num(s, "transaction_number");
        uint8_t want[16], got[16];
        size_t want_len = bm_vec_hex(s, "pb_adv_pdu", want, sizeof(want)), got_len = 0;
        CHECK_EQ(bm_pbadv_build_tx_ack(link_id, tn, got, sizeof(got), &got_len), BM_OK);
        CHECK_MEM(bm_vec_str(s, "title"), got, got_len, want, want_len);
        struct bm_pbadv_pdu p;
        CHECK_EQ(bm_pbadv_parse(want, want_len, &p), BM_OK);
        CHECK_EQ(p.link_id, link_id);
        CHECK_EQ(p.tn, tn);
        CHECK_EQ(p.gpcf, BM_PBADV_GPCF_ACK);
        seen++;
    }
    CHECK_EQ(seen, 11);
}

static void test_8_7_transactions_segment_exactly(void)
{
    int seen = 0;
    for (int i = 0; i < step_count(); i++) {
        const cJSON *s = step(i);
        if (!kind_is(s, "provisioning_pdu_transaction"))
            continue;
        uint32_t link_id = bm_vec_num(s, "link_id");
        uint8_t tn = (uint8_t)bm_vec_num(s, "transaction_number");
        uint8_t pdu[80];
        size_t pdu_len = bm_vec_hex(s, "provisioning_pdu", pdu, sizeof(pdu));
        const cJSON *list = bm_vec_get(s, "pb_adv_pdus");
        int count = cJSON_GetArraySize(list);

        CHECK_EQ(bm_pbadv_fcs(pdu, pdu_len), bm_vec_num(s, "fcs"));
        CHECK_EQ(pdu_len, bm_vec_num(s, "total_length"));
        CHECK_EQ(bm_pbadv_seg_count(pdu_len), count);
        CHECK_EQ(count, (int)bm_vec_num(s, "seg_n") + 1);
        CHECK_EQ(bm_pbadv_tn_is_device(tn), strcmp(bm_vec_str(s, "sender"), "device") == 0);
        for (int k = 0; k < count; k++) {
            uint8_t want[32], got[32];
            size_t want_len = bm_hex(cJSON_GetArrayItem(list, k)->valuestring, want, 32);
            size_t got_len = 0;
            CHECK_EQ(bm_pbadv_build_segment(link_id, tn, pdu, pdu_len, (uint8_t)k, got, sizeof(got),
                                            &got_len),
                     BM_OK);
            CHECK_MEM(bm_vec_str(s, "title"), got, got_len, want, want_len);
            CHECK(got_len <= BM_PBADV_MAX_LEN);
        }
        uint8_t out[32];
        size_t out_len;
        CHECK_EQ(bm_pbadv_build_segment(link_id, tn, pdu, pdu_len, (uint8_t)count, out, sizeof(out),
                                        &out_len),
                 BM_EINVAL);
        seen++;
    }
    CHECK_EQ(seen, 11);
}

/* Parses the k-th listed PB-ADV PDU of step s into p (buf keeps the bytes
 * p points into). */
static size_t parse_listed(const cJSON *s, int k, uint8_t buf[32], struct bm_pbadv_pdu *p)
{
    const cJSON *item = cJSON_GetArrayItem(bm_vec_get(s, "pb_adv_pdus"), k);
    size_t len = bm_hex(item ? item->valuestring : "", buf, 32);
    CHECK_EQ(bm_pbadv_parse(buf, len, p), BM_OK);
    return len;
}

static void test_8_7_transactions_parse_and_reassemble(void)
{
    for (int i = 0; i < step_count(); i++) {
        const cJSON *s = step(i);
        if (!kind_is(s, "provisioning_pdu_transaction"))
            continue;
        uint8_t want[80];
        size_t want_len = bm_vec_hex(s, "provisioning_pdu", want, sizeof(want));
        const cJSON *segs = bm_vec_get(s, "segments");
        int count = cJSON_GetArraySize(segs);
        struct bm_pbadv_rx rx;
        bm_pbadv_rx_reset(&rx);
        for (int k = 0; k < count; k++) {
            uint8_t buf[32], seg[32];
            struct bm_pbadv_pdu p;
            parse_listed(s, k, buf, &p);
            size_t seg_len = bm_hex(cJSON_GetArrayItem(segs, k)->valuestring, seg, 32);
            CHECK_EQ(p.link_id, bm_vec_num(s, "link_id"));
            CHECK_EQ(p.tn, bm_vec_num(s, "transaction_number"));
            if (k == 0) {
                CHECK_EQ(p.gpcf, BM_PBADV_GPCF_START);
                CHECK_EQ(p.u.start.seg_n, bm_vec_num(s, "seg_n"));
                CHECK_EQ(p.u.start.total_len, bm_vec_num(s, "total_length"));
                CHECK_EQ(p.u.start.fcs, bm_vec_num(s, "fcs"));
                CHECK_MEM("start data", p.u.start.data, p.u.start.data_len, seg, seg_len);
            } else {
                CHECK_EQ(p.gpcf, BM_PBADV_GPCF_CONT);
                CHECK_EQ(p.u.cont.seg_index, k);
                CHECK_MEM("cont data", p.u.cont.data, p.u.cont.data_len, seg, seg_len);
            }
            const uint8_t *out = NULL;
            size_t out_len = 0;
            int rc = bm_pbadv_rx_add(&rx, &p, &out, &out_len);
            if (k + 1 < count) {
                CHECK_EQ(rc, BM_EINCOMPLETE);
            } else {
                CHECK_EQ(rc, BM_OK);
                CHECK_MEM(bm_vec_str(s, "title"), out, out_len, want, want_len);
            }
        }
        /* A retransmitted segment of the completed transaction asks for the ack again. */
        uint8_t buf[32];
        struct bm_pbadv_pdu p;
        parse_listed(s, count - 1, buf, &p);
        const uint8_t *out;
        size_t out_len;
        CHECK_EQ(bm_pbadv_rx_add(&rx, &p, &out, &out_len), BM_EDUP);
    }
}

/* The 8.7.6 Public Key transaction (three segments) for the order tests. */
struct xact {
    uint8_t buf[3][32];
    struct bm_pbadv_pdu seg[3];
    uint8_t pdu[80];
    size_t pdu_len;
};

static void load_pubkey_xact(struct xact *x)
{
    for (int i = 0; i < step_count(); i++) {
        const cJSON *s = step(i);
        if (strcmp(bm_vec_str(s, "spec_section"), "8.7.6") != 0)
            continue;
        for (int k = 0; k < 3; k++)
            parse_listed(s, k, x->buf[k], &x->seg[k]);
        x->pdu_len = bm_vec_hex(s, "provisioning_pdu", x->pdu, sizeof(x->pdu));
        return;
    }
    CHECK(0);
}

static void test_5_3_continuations_in_any_order_with_duplicates(void)
{
    struct xact x;
    load_pubkey_xact(&x);
    struct bm_pbadv_rx rx;
    bm_pbadv_rx_reset(&rx);
    const uint8_t *out;
    size_t out_len;
    CHECK_EQ(bm_pbadv_rx_add(&rx, &x.seg[0], &out, &out_len), BM_EINCOMPLETE);
    CHECK_EQ(bm_pbadv_rx_add(&rx, &x.seg[0], &out, &out_len), BM_EINCOMPLETE);
    CHECK_EQ(bm_pbadv_rx_add(&rx, &x.seg[2], &out, &out_len), BM_EINCOMPLETE);
    CHECK_EQ(bm_pbadv_rx_add(&rx, &x.seg[2], &out, &out_len), BM_EINCOMPLETE);
    CHECK_EQ(bm_pbadv_rx_add(&rx, &x.seg[1], &out, &out_len), BM_OK);
    CHECK_MEM("reassembled", out, out_len, x.pdu, x.pdu_len);
    CHECK_EQ(bm_pbadv_rx_add(&rx, &x.seg[0], &out, &out_len), BM_EDUP);
}

/* Feeds seg and expects rc with the reassembler left byte-identical. */
static void expect_unchanged(struct bm_pbadv_rx *rx, const struct bm_pbadv_pdu *seg, int want_rc)
{
    struct bm_pbadv_rx before;
    memcpy(&before, rx, sizeof(before));
    const uint8_t *out = NULL;
    size_t out_len = 0;
    CHECK_EQ(bm_pbadv_rx_add(rx, seg, &out, &out_len), want_rc);
    CHECK(memcmp(&before, rx, sizeof(before)) == 0);
    CHECK(out == NULL && out_len == 0);
}

static void test_5_3_inconsistent_segments_change_nothing(void)
{
    struct xact x;
    load_pubkey_xact(&x);
    struct bm_pbadv_rx rx;
    bm_pbadv_rx_reset(&rx);
    const uint8_t *out;
    size_t out_len;

    /* Idle: a Continuation with no Start is not ours to place yet. */
    expect_unchanged(&rx, &x.seg[1], BM_ESTATE);
    CHECK_EQ(bm_pbadv_rx_add(&rx, &x.seg[0], &out, &out_len), BM_EINCOMPLETE);
    CHECK_EQ(bm_pbadv_rx_add(&rx, &x.seg[1], &out, &out_len), BM_EINCOMPLETE);

    struct bm_pbadv_pdu bad = x.seg[1]; /* held segment, different content */
    uint8_t data[32];
    memcpy(data, bad.u.cont.data, bad.u.cont.data_len);
    data[3] ^= 0x01;
    bad.u.cont.data = data;
    expect_unchanged(&rx, &bad, BM_EMALFORMED);

    bad = x.seg[2]; /* last segment one octet short */
    bad.u.cont.data_len--;
    expect_unchanged(&rx, &bad, BM_EMALFORMED);
    bad = x.seg[2]; /* SegIndex beyond SegN */
    bad.u.cont.seg_index = 3;
    expect_unchanged(&rx, &bad, BM_EMALFORMED);
    bad.u.cont.seg_index = 63;
    expect_unchanged(&rx, &bad, BM_EMALFORMED);
    bad = x.seg[2]; /* a middle segment must be full: the short last one as #1 */
    bad.u.cont.seg_index = 1;
    expect_unchanged(&rx, &bad, BM_EMALFORMED);
    bad = x.seg[1]; /* and the last one exactly what TotalLength leaves */
    bad.u.cont.seg_index = 2;
    expect_unchanged(&rx, &bad, BM_EMALFORMED);

    bad = x.seg[0]; /* a second Start that disagrees */
    bad.u.start.fcs ^= 0xff;
    expect_unchanged(&rx, &bad, BM_EMALFORMED);
    bad = x.seg[0];
    bad.u.start.total_len = 64;
    expect_unchanged(&rx, &bad, BM_EMALFORMED);
    bad = x.seg[0];
    memcpy(data, bad.u.start.data, bad.u.start.data_len);
    data[0] ^= 0x80;
    bad.u.start.data = data;
    expect_unchanged(&rx, &bad, BM_EMALFORMED);

    bad = x.seg[2]; /* another transaction while this one runs */
    bad.tn = 0x03;
    expect_unchanged(&rx, &bad, BM_ESTATE);
    bad = x.seg[0];
    bad.tn = 0x03;
    expect_unchanged(&rx, &bad, BM_ESTATE);

    bad.gpcf = BM_PBADV_GPCF_ACK; /* not a segment at all */
    expect_unchanged(&rx, &bad, BM_EINVAL);

    /* After all that, the real last segment still completes it. */
    CHECK_EQ(bm_pbadv_rx_add(&rx, &x.seg[2], &out, &out_len), BM_OK);
    CHECK_MEM("reassembled", out, out_len, x.pdu, x.pdu_len);

    /* A new transaction replaces a completed one. */
    bad = x.seg[0];
    bad.tn = 0x03;
    CHECK_EQ(bm_pbadv_rx_add(&rx, &bad, &out, &out_len), BM_EINCOMPLETE);
}

static void test_5_3_reassembly_buffer_bounds(void)
{
    struct xact x;
    load_pubkey_xact(&x);
    struct bm_pbadv_rx rx;
    bm_pbadv_rx_reset(&rx);
    /* A consistent Start whose TotalLength exceeds what we hold: 66 octets
     * (SegN 2) and the largest SegN can describe, 1469 (SegN 63). */
    struct bm_pbadv_pdu big = x.seg[0];
    big.u.start.total_len = BM_PBADV_RX_MAX_LEN + 1;
    big.u.start.seg_n = (uint8_t)(bm_pbadv_seg_count(BM_PBADV_RX_MAX_LEN + 1) - 1);
    expect_unchanged(&rx, &big, BM_ENOSPC);
    big.u.start.total_len = BM_PBADV_TOTAL_LEN_MAX;
    big.u.start.seg_n = 63;
    expect_unchanged(&rx, &big, BM_ENOSPC);
    /* Inconsistent SegN / TotalLength / first segment length. */
    big = x.seg[0];
    big.u.start.seg_n = 1;
    expect_unchanged(&rx, &big, BM_EMALFORMED);
    big = x.seg[0];
    big.u.start.total_len = 0;
    expect_unchanged(&rx, &big, BM_EMALFORMED);
    big = x.seg[0];
    big.u.start.data_len = 19;
    expect_unchanged(&rx, &big, BM_EMALFORMED);
    /* The largest transaction we hold is exactly BM_PBADV_RX_MAX_LEN. */
    uint8_t pdu[BM_PBADV_RX_MAX_LEN];
    for (size_t i = 0; i < sizeof(pdu); i++)
        pdu[i] = (uint8_t)(i * 7);
    uint8_t n = bm_pbadv_seg_count(sizeof(pdu));
    int rc = BM_EINVAL;
    const uint8_t *out = NULL;
    size_t out_len = 0;
    for (uint8_t k = 0; k < n; k++) {
        uint8_t buf[BM_PBADV_MAX_LEN];
        size_t len;
        struct bm_pbadv_pdu p;
        CHECK_EQ(bm_pbadv_build_segment(1, 0x80, pdu, sizeof(pdu), k, buf, sizeof(buf), &len),
                 BM_OK);
        CHECK_EQ(bm_pbadv_parse(buf, len, &p), BM_OK);
        rc = bm_pbadv_rx_add(&rx, &p, &out, &out_len);
    }
    CHECK_EQ(rc, BM_OK);
    CHECK_MEM("max transaction", out, out_len, pdu, sizeof(pdu));
}

static void test_5_3_fcs_mismatch_discards_the_transaction(void)
{
    struct xact x;
    load_pubkey_xact(&x);
    struct bm_pbadv_rx rx;
    bm_pbadv_rx_reset(&rx);
    struct bm_pbadv_pdu start = x.seg[0];
    start.u.start.fcs ^= 0x01;
    const uint8_t *out = NULL;
    size_t out_len = 0;
    CHECK_EQ(bm_pbadv_rx_add(&rx, &start, &out, &out_len), BM_EINCOMPLETE);
    CHECK_EQ(bm_pbadv_rx_add(&rx, &x.seg[1], &out, &out_len), BM_EINCOMPLETE);
    CHECK_EQ(bm_pbadv_rx_add(&rx, &x.seg[2], &out, &out_len), BM_EMALFORMED);
    CHECK(out == NULL);
    struct bm_pbadv_rx idle;
    bm_pbadv_rx_reset(&idle);
    CHECK(memcmp(&rx, &idle, sizeof(rx)) == 0);
    /* the sender's retransmission, with the right FCS, then goes through */
    for (int k = 0; k < 3; k++)
        bm_pbadv_rx_add(&rx, &x.seg[k], &out, &out_len);
    CHECK_MEM("after retransmission", out, out_len, x.pdu, x.pdu_len);
}

static void expect_parse_fail(const uint8_t *buf, size_t len)
{
    struct bm_pbadv_pdu p, before;
    memset(&p, 0x3c, sizeof(p));
    before = p;
    CHECK_EQ(bm_pbadv_parse(buf, len, &p), BM_EMALFORMED);
    CHECK(memcmp(&p, &before, sizeof(p)) == 0);
}

static void test_5_3_1_every_listed_pdu_truncated_fails(void)
{
    /* Every listed PB-ADV PDU cut by one octet fails: each has an exact
     * length, or (Start, last Continuation) a length fixed by TotalLength
     * that the parser or the reassembler enforces. */
    for (int i = 0; i < step_count(); i++) {
        const cJSON *s = step(i);
        uint8_t buf[32];
        if (!kind_is(s, "provisioning_pdu_transaction")) {
            size_t len = bm_vec_hex(s, "pb_adv_pdu", buf, sizeof(buf));
            expect_parse_fail(buf, len - 1);
            buf[len] = 0;
            expect_parse_fail(buf, len + 1); /* and one longer */
            continue;
        }
        struct bm_pbadv_pdu p;
        size_t len = parse_listed(s, 0, buf, &p);
        expect_parse_fail(buf, len - 1); /* Start: first segment length */
        if (len < BM_PBADV_MAX_LEN) {
            buf[len] = 0;
            expect_parse_fail(buf, len + 1);
        }
    }
    uint8_t hdr[6] = {0x23, 0xaf, 0x58, 0x50, 0x00, 0x00};
    for (size_t len = 0; len < 6; len++)
        expect_parse_fail(hdr, len);
    uint8_t longest[BM_PBADV_MAX_LEN + 1] = {0x23, 0xaf, 0x58, 0x50, 0x00, 0x06};
    struct bm_pbadv_pdu p;
    CHECK_EQ(bm_pbadv_parse(longest, BM_PBADV_MAX_LEN, &p), BM_OK); /* 23 data octets */
    CHECK_EQ(p.u.cont.data_len, BM_PBADV_CONT_DATA_MAX);
    expect_parse_fail(longest, BM_PBADV_MAX_LEN + 1); /* no AD carries 30 */
}

static void test_5_3_1_gpcf_and_padding_combinations(void)
{
    /* LinkID 23af5850, TN 00, then the Generic Provisioning PDU. */
    static const struct {
        const char *hex;
        int ok;
    } rows[] = {
        {"23af58500001", 1},                               /* Transaction Ack */
        {"23af58500005", 0},                               /* Ack with padding bits set */
        {"23af585000fd", 0},                               /* Ack with all padding bits set */
        {"23af5850000100", 0},                             /* Ack with a parameter */
        {"23af5850000207", 0},                             /* Continuation with SegmentIndex 0 */
        {"23af585000fe07", 1},                             /* Continuation SegmentIndex 63 */
        {"23af585000fe", 0},                               /* Continuation with no data */
        {"23af5850000700", 0},                             /* Link Ack with a parameter */
        {"23af5850000b", 0},                               /* Link Close with no reason */
        {"23af5850000b0000", 0},                           /* Link Close, two octets */
        {"23af5850000b01", 1},                             /* Link Close, timeout */
        {"23af5850000b02", 1},                             /* Link Close, fail */
        {"23af5850000b03", 0},                             /* Link Close, RFU reason */
        {"23af5850000f", 0},                               /* bearer opcode 0x03 RFU */
        {"23af585000ff", 0},                               /* bearer opcode 0x3f RFU */
        {"23af5850000370cf7c9732a345b691494810d2e9cb", 0}, /* Link Open, short UUID */
        {"23af58500000000114", 0},                         /* Start: TotalLength 1, no data */
        {"23af5850000000000000", 0},                       /* Start: TotalLength 0 */
        {"23af585000040002140000", 0},                     /* Start: SegN 1 for 2 octets */
        {"23af5850000000021400", 0},                       /* Start: 1 of 2 octets */
        {"23af585000000002140000", 1},                     /* 8.7.3 Invite */
        {"23af58500000000214000000", 0},                   /* Start: 3 of 2 octets */
        {"23af5850000000", 0},                             /* Start: no TotalLength */
        {"23af585000000000", 0},                           /* Start: no FCS */
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        uint8_t buf[32];
        size_t len = bm_hex(rows[i].hex, buf, sizeof(buf));
        struct bm_pbadv_pdu p;
        if (rows[i].ok)
            CHECK_EQ(bm_pbadv_parse(buf, len, &p), BM_OK);
        else
            expect_parse_fail(buf, len);
    }
    /* Start with the largest TotalLength SegN can describe parses; one
     * more does not (SegN would need 7 bits). */
    uint8_t start[29] = {
        0, 0, 0, 1, 0, 63 << 2, BM_PBADV_TOTAL_LEN_MAX >> 8, BM_PBADV_TOTAL_LEN_MAX & 0xff, 0};
    struct bm_pbadv_pdu p;
    CHECK_EQ(bm_pbadv_parse(start, sizeof(start), &p), BM_OK);
    CHECK_EQ(p.u.start.seg_n, 63);
    start[7]++;
    expect_parse_fail(start, sizeof(start));
}

static void test_builders_check_their_arguments(void)
{
    uint8_t out[BM_PBADV_MAX_LEN], pdu[70] = {0}, uuid[16] = {0};
    size_t len;
    CHECK_EQ(bm_pbadv_build_link_close(1, 3, out, sizeof(out), &len), BM_EINVAL);
    CHECK_EQ(bm_pbadv_build_link_open(1, uuid, out, 21, &len), BM_ENOSPC);
    CHECK_EQ(bm_pbadv_build_link_open(1, uuid, out, 22, &len), BM_OK);
    CHECK_EQ(bm_pbadv_build_tx_ack(1, 0, out, 5, &len), BM_ENOSPC);
    CHECK_EQ(bm_pbadv_build_segment(1, 0, pdu, 0, 0, out, sizeof(out), &len), BM_EINVAL);
    CHECK_EQ(bm_pbadv_build_segment(1, 0, pdu, 65, 0, out, 28, &len), BM_ENOSPC);
    CHECK_EQ(bm_pbadv_seg_count(0), 0);
    CHECK_EQ(bm_pbadv_seg_count(20), 1);
    CHECK_EQ(bm_pbadv_seg_count(21), 2);
    CHECK_EQ(bm_pbadv_seg_count(43), 2);
    CHECK_EQ(bm_pbadv_seg_count(44), 3);
    CHECK_EQ(bm_pbadv_seg_count(BM_PBADV_TOTAL_LEN_MAX), 64);
    CHECK_EQ(bm_pbadv_seg_count(BM_PBADV_TOTAL_LEN_MAX + 1), 0);
}

static void test_5_3_2_transaction_numbers(void)
{
    /* Provisioner 0x00..0x7f, device 0x80..0xff, each wrapping in its half. */
    CHECK_EQ(bm_pbadv_tn_next(0x00), 0x01);
    CHECK_EQ(bm_pbadv_tn_next(0x7f), 0x00);
    CHECK_EQ(bm_pbadv_tn_next(0x80), 0x81);
    CHECK_EQ(bm_pbadv_tn_next(0xff), 0x80);
    CHECK(!bm_pbadv_tn_is_device(0x7f));
    CHECK(bm_pbadv_tn_is_device(0x80));
    /* The 8.7 run numbers its transactions this way, in order per sender. */
    int next[2] = {BM_PBADV_TN_PROVISIONER_FIRST, BM_PBADV_TN_DEVICE_FIRST};
    for (int i = 0; i < step_count(); i++) {
        const cJSON *s = step(i);
        if (!kind_is(s, "provisioning_pdu_transaction"))
            continue;
        int dev = strcmp(bm_vec_str(s, "sender"), "device") == 0;
        uint8_t tn = (uint8_t)bm_vec_num(s, "transaction_number");
        CHECK_EQ(tn, next[dev]);
        next[dev] = bm_pbadv_tn_next(tn);
    }
}

static void test_fcs_receiver_check_27_010(void)
{
    /* 3GPP TS 27.010: the receiver runs the same CRC over the data and the
     * received FCS; an undamaged frame leaves the register at 0xcf. The
     * register update is written out here from the polynomial, apart from
     * bm_pbadv_fcs(). */
    const uint8_t msgs[][10] = {
        {'1', '2', '3', '4', '5', '6', '7', '8', '9'}, {0x08}, {0x00, 0x00}};
    const size_t lens[] = {9, 1, 2};
    for (int m = 0; m < 3; m++) {
        uint8_t all[11];
        memcpy(all, msgs[m], lens[m]);
        all[lens[m]] = bm_pbadv_fcs(msgs[m], lens[m]);
        uint8_t crc = 0xff;
        for (size_t i = 0; i <= lens[m]; i++) {
            crc ^= all[i];
            for (int b = 0; b < 8; b++)
                crc = (crc & 1) ? (uint8_t)((crc >> 1) ^ 0xe0) : (uint8_t)(crc >> 1);
        }
        CHECK_EQ(crc, 0xcf);
    }
}

int main(void)
{
    pv = bm_vec_load("provisioning.json");
    BM_RUN(test_8_7_bearer_control_build_and_parse);
    BM_RUN(test_8_7_transaction_acks_build_and_parse);
    BM_RUN(test_8_7_transactions_segment_exactly);
    BM_RUN(test_8_7_transactions_parse_and_reassemble);
    BM_RUN(test_5_3_continuations_in_any_order_with_duplicates);
    BM_RUN(test_5_3_inconsistent_segments_change_nothing);
    BM_RUN(test_5_3_reassembly_buffer_bounds);
    BM_RUN(test_5_3_fcs_mismatch_discards_the_transaction);
    BM_RUN(test_5_3_1_every_listed_pdu_truncated_fails);
    BM_RUN(test_5_3_1_gpcf_and_padding_combinations);
    BM_RUN(test_builders_check_their_arguments);
    BM_RUN(test_5_3_2_transaction_numbers);
    BM_RUN(test_fcs_receiver_check_27_010);
    return bm_test_done();
}
