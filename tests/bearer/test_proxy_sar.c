/* Proxy PDU SAR (Mesh Profile 6.3), proxy configuration message parsing
 * (6.5) and the proxy filter (6.7): segmentation over several MTUs,
 * reassembly and its negative cases (a rejected PDU changes nothing), the
 * 20 s SAR timer, and the filter rules. */
#include <string.h>

#include "bearer/proxy.h"
#include "blemesh/errors.h"
#include "test.h"

static void segment_then_reassemble_every_mtu(void)
{
    uint8_t msg[BM_PROXY_MSG_MAX];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 7 + 1);
    static const uint16_t mtus[] = {23, 24, 30, 69, 70, 517};
    for (size_t m = 0; m < sizeof(mtus) / sizeof(mtus[0]); m++) {
        for (size_t len = 1; len <= sizeof(msg); len += 16) {
            size_t n = bm_proxy_sar_count(len, mtus[m]);
            CHECK(n >= 1);
            struct bm_proxy_sar_rx r;
            bm_proxy_sar_rx_reset(&r);
            for (size_t i = 0; i < n; i++) {
                uint8_t pdu[600];
                size_t pl;
                CHECK_EQ(bm_proxy_sar_segment(BM_PROXY_TYPE_NET, msg, len, mtus[m], i, pdu,
                                              sizeof(pdu), &pl),
                         BM_OK);
                CHECK(pl <= (size_t)mtus[m] - 3);
                uint8_t type;
                const uint8_t *out;
                size_t ol;
                int rc = bm_proxy_sar_rx_add(&r, pdu, pl, 0, &type, &out, &ol);
                CHECK_EQ(rc, i + 1 == n ? BM_OK : BM_EINCOMPLETE);
                if (rc == BM_OK)
                    CHECK_MEM("message", out, ol, msg, len);
            }
        }
    }
    /* 20 octets fit one value of MTU 23 with the header: 19 do, 20 do not */
    CHECK_EQ(bm_proxy_sar_count(19, 23), 1);
    CHECK_EQ(bm_proxy_sar_count(20, 23), 2);
    CHECK_EQ(bm_proxy_sar_count(0, 23), 0);
    CHECK_EQ(bm_proxy_sar_count(10, 22), 0);
    uint8_t pdu[32];
    size_t pl;
    CHECK_EQ(bm_proxy_sar_segment(0x40, msg, 10, 23, 0, pdu, sizeof(pdu), &pl), BM_EINVAL);
    CHECK_EQ(bm_proxy_sar_segment(0, msg, 10, 23, 1, pdu, sizeof(pdu), &pl), BM_EINVAL);
    CHECK_EQ(bm_proxy_sar_segment(0, msg, 10, 23, 0, pdu, 5, &pl), BM_ENOSPC);
}

struct sent {
    int count;
    int fail_at; /* the call that returns BM_EBUSY; -1 none */
    uint8_t pdu[8][600];
    size_t len[8];
};

static int record(void *ctx, uint16_t conn, const uint8_t *pdu, size_t len)
{
    CHECK_EQ(conn, 0x0123);
    struct sent *s = ctx;
    if (s->count == s->fail_at)
        return BM_EBUSY;
    if (s->count < 8) {
        memcpy(s->pdu[s->count], pdu, len);
        s->len[s->count] = len;
    }
    s->count++;
    return BM_OK;
}

/* bm_proxy_sar_send() sends what bm_proxy_sar_segment() builds, in order */
static void send_matches_segment(void)
{
    uint8_t msg[BM_PROXY_MSG_MAX];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 13 + 5);
    static const uint16_t mtus[] = {23, 24, 30, 69, 70, 517};
    static struct sent s;
    for (size_t m = 0; m < sizeof(mtus) / sizeof(mtus[0]); m++) {
        for (size_t len = 1; len <= sizeof(msg); len += 8) {
            memset(&s, 0, sizeof(s));
            s.fail_at = -1;
            CHECK_EQ(bm_proxy_sar_send(BM_PROXY_TYPE_BEACON, msg, len, mtus[m], record, &s, 0x0123),
                     BM_OK);
            CHECK_EQ((size_t)s.count, bm_proxy_sar_count(len, mtus[m]));
            for (int i = 0; i < s.count && i < 8; i++) {
                uint8_t pdu[600];
                size_t pl;
                CHECK_EQ(bm_proxy_sar_segment(BM_PROXY_TYPE_BEACON, msg, len, mtus[m], (size_t)i,
                                              pdu, sizeof(pdu), &pl),
                         BM_OK);
                CHECK_MEM("PDU", s.pdu[i], s.len[i], pdu, pl);
            }
        }
    }
    /* 8 octets over MTU 23: Complete 0x01 | 8 octets; 20 octets: First
     * (0x41) with 19, Last (0xc1) with 1 */
    memset(&s, 0, sizeof(s));
    s.fail_at = -1;
    CHECK_EQ(bm_proxy_sar_send(BM_PROXY_TYPE_BEACON, msg, 20, 23, record, &s, 0x0123), BM_OK);
    CHECK_EQ(s.count, 2);
    CHECK_EQ(s.len[0], 20);
    CHECK_EQ(s.pdu[0][0], 0x41);
    CHECK_EQ(s.len[1], 2);
    CHECK_EQ(s.pdu[1][0], 0xc1);
    CHECK_EQ(s.pdu[1][1], msg[19]);
    /* bad arguments send nothing; the first error stops the message */
    memset(&s, 0, sizeof(s));
    s.fail_at = -1;
    CHECK_EQ(bm_proxy_sar_send(0x40, msg, 10, 23, record, &s, 0x0123), BM_EINVAL);
    CHECK_EQ(bm_proxy_sar_send(0, msg, 0, 23, record, &s, 0x0123), BM_EINVAL);
    CHECK_EQ(bm_proxy_sar_send(0, msg, 10, 22, record, &s, 0x0123), BM_EINVAL);
    CHECK_EQ(bm_proxy_sar_send(0, msg, 10, 518, record, &s, 0x0123), BM_EINVAL);
    CHECK_EQ(bm_proxy_sar_send(0, NULL, 10, 23, record, &s, 0x0123), BM_EINVAL);
    CHECK_EQ(bm_proxy_sar_send(0, msg, BM_PROXY_MSG_MAX + 1, 517, record, &s, 0x0123), BM_ENOSPC);
    CHECK_EQ(s.count, 0);
    s.fail_at = 1;
    CHECK_EQ(bm_proxy_sar_send(0, msg, 40, 23, record, &s, 0x0123), BM_EBUSY);
    CHECK_EQ(s.count, 1);
}

static void reassembly_rejects_out_of_order_and_keeps_state(void)
{
    struct bm_proxy_sar_rx r, before;
    bm_proxy_sar_rx_reset(&r);
    uint8_t type;
    const uint8_t *msg;
    size_t ml;
    static const uint8_t empty[1] = {0};
    CHECK_EQ(bm_proxy_sar_rx_add(&r, empty, 0, 0, &type, &msg, &ml), BM_EMALFORMED);
    /* Continuation and Last without a First */
    static const uint8_t cont[] = {0x80, 1, 2}, last[] = {0xc0, 3};
    CHECK_EQ(bm_proxy_sar_rx_add(&r, cont, sizeof(cont), 0, &type, &msg, &ml), BM_EMALFORMED);
    CHECK_EQ(bm_proxy_sar_rx_add(&r, last, sizeof(last), 0, &type, &msg, &ml), BM_EMALFORMED);
    static const uint8_t first[] = {0x40, 9, 9};
    CHECK_EQ(bm_proxy_sar_rx_add(&r, first, sizeof(first), 100, &type, &msg, &ml),
             BM_EINCOMPLETE);
    before = r;
    /* Complete or First inside a message; a Continuation of another type */
    static const uint8_t complete[] = {0x00, 7}, first2[] = {0x41, 1}, other[] = {0x81, 1};
    CHECK_EQ(bm_proxy_sar_rx_add(&r, complete, sizeof(complete), 0, &type, &msg, &ml),
             BM_EMALFORMED);
    CHECK_EQ(bm_proxy_sar_rx_add(&r, first2, sizeof(first2), 0, &type, &msg, &ml), BM_EMALFORMED);
    CHECK_EQ(bm_proxy_sar_rx_add(&r, other, sizeof(other), 0, &type, &msg, &ml), BM_EMALFORMED);
    /* a message past BM_PROXY_MSG_MAX */
    uint8_t big[BM_PROXY_MSG_MAX + 1];
    memset(big, 0, sizeof(big));
    big[0] = 0x80;
    CHECK_EQ(bm_proxy_sar_rx_add(&r, big, sizeof(big), 0, &type, &msg, &ml), BM_EMALFORMED);
    CHECK(memcmp(&r, &before, sizeof(r)) == 0);
    /* the SAR timer: 20 s after the last segment (6.3.2) */
    CHECK(!bm_proxy_sar_rx_expired(&r, 100 + BM_PROXY_SAR_TIMEOUT_MS - 1));
    CHECK(bm_proxy_sar_rx_expired(&r, 100 + BM_PROXY_SAR_TIMEOUT_MS));
    CHECK_EQ(bm_proxy_sar_rx_add(&r, last, sizeof(last), 200, &type, &msg, &ml), BM_OK);
    static const uint8_t want[] = {9, 9, 3};
    CHECK_MEM("message", msg, ml, want, sizeof(want));
    CHECK(!bm_proxy_sar_rx_expired(&r, UINT64_MAX));
    /* a Complete PDU longer than any message is refused */
    uint8_t huge[BM_PROXY_MSG_MAX + 2];
    memset(huge, 0, sizeof(huge));
    CHECK_EQ(bm_proxy_sar_rx_add(&r, huge, sizeof(huge), 0, &type, &msg, &ml), BM_EMALFORMED);
}

static void cfg_parse_checks_every_length(void)
{
    struct bm_proxy_cfg_msg m, keep;
    memset(&keep, 0xa5, sizeof(keep));
    m = keep;
    static const uint8_t set_bad[] = {0x00, 0x02}, set_long[] = {0x00, 0x00, 0x00},
                         set_short[] = {0x00}, add_odd[] = {0x01, 0x00, 0x01, 0x02},
                         add_none[] = {0x01}, rfu[] = {0x04, 0x00},
                         status_short[] = {0x03, 0x00, 0x00};
    CHECK_EQ(bm_proxy_cfg_parse(set_bad, sizeof(set_bad), &m), BM_EMALFORMED);
    CHECK_EQ(bm_proxy_cfg_parse(set_long, sizeof(set_long), &m), BM_EMALFORMED);
    CHECK_EQ(bm_proxy_cfg_parse(set_short, sizeof(set_short), &m), BM_EMALFORMED);
    CHECK_EQ(bm_proxy_cfg_parse(add_odd, sizeof(add_odd), &m), BM_EMALFORMED);
    CHECK_EQ(bm_proxy_cfg_parse(add_none, sizeof(add_none), &m), BM_EMALFORMED);
    CHECK_EQ(bm_proxy_cfg_parse(rfu, sizeof(rfu), &m), BM_ENOTSUP);
    CHECK_EQ(bm_proxy_cfg_parse(status_short, sizeof(status_short), &m), BM_EMALFORMED);
    CHECK_EQ(bm_proxy_cfg_parse(set_bad, 0, &m), BM_EMALFORMED);
    CHECK(memcmp(&m, &keep, sizeof(m)) == 0);
    /* addresses are big-endian (6.5.2) */
    static const uint8_t add[] = {0x01, 0x12, 0x34, 0xc0, 0x01};
    CHECK_EQ(bm_proxy_cfg_parse(add, sizeof(add), &m), BM_OK);
    CHECK_EQ(m.count, 2);
    CHECK_EQ(m.addrs[0], 0x1234);
    CHECK_EQ(m.addrs[1], 0xc001);
    static const uint8_t status[] = {0x03, 0x01, 0x00, 0x05};
    CHECK_EQ(bm_proxy_cfg_parse(status, sizeof(status), &m), BM_OK);
    CHECK_EQ(m.filter_type, BM_PROXY_FILTER_REJECT);
    CHECK_EQ(m.list_size, 5);
    uint8_t out[BM_PROXY_CFG_MAX_LEN];
    size_t ol;
    CHECK_EQ(bm_proxy_cfg_build(&m, out, sizeof(out), &ol), BM_OK);
    CHECK_MEM("status", out, ol, status, sizeof(status));
}

static void filter_accept_and_reject_lists(void)
{
    struct bm_proxy_filter f;
    bm_proxy_filter_init(&f);
    /* a new connection forwards nothing (6.7: empty accept list) */
    CHECK(!bm_proxy_filter_match(&f, 0x0001));
    CHECK(!bm_proxy_filter_match(&f, 0xffff));
    struct bm_proxy_cfg_msg add = {.opcode = BM_PROXY_OP_ADD_ADDRS,
                                   .count = 3,
                                   .addrs = {0x0001, 0xc000, 0x0000}};
    bm_proxy_filter_apply(&f, &add);
    CHECK_EQ(f.count, 2); /* the unassigned address is not an entry */
    bm_proxy_filter_apply(&f, &add);
    CHECK_EQ(f.count, 2); /* nor twice */
    CHECK(bm_proxy_filter_match(&f, 0x0001));
    CHECK(bm_proxy_filter_match(&f, 0xc000));
    CHECK(!bm_proxy_filter_match(&f, 0x0002));
    struct bm_proxy_cfg_msg rm = {.opcode = BM_PROXY_OP_REMOVE_ADDRS, .count = 1, .addrs = {1}};
    bm_proxy_filter_apply(&f, &rm);
    CHECK(!bm_proxy_filter_match(&f, 0x0001));
    struct bm_proxy_cfg_msg rej = {.opcode = BM_PROXY_OP_SET_FILTER_TYPE,
                                   .filter_type = BM_PROXY_FILTER_REJECT};
    bm_proxy_filter_apply(&f, &rej);
    CHECK_EQ(f.count, 0); /* a new type starts empty */
    CHECK(bm_proxy_filter_match(&f, 0x0001));
    bm_proxy_filter_apply(&f, &add);
    CHECK(!bm_proxy_filter_match(&f, 0x0001));
    CHECK(bm_proxy_filter_match(&f, 0x0002));
    /* a full list takes no more */
    bm_proxy_filter_init(&f);
    for (uint16_t a = 1; a <= BM_CFG_PROXY_FILTER_SIZE + 3; a++)
        bm_proxy_filter_add(&f, a);
    CHECK_EQ(f.count, BM_CFG_PROXY_FILTER_SIZE);
    CHECK(!bm_proxy_filter_match(&f, BM_CFG_PROXY_FILTER_SIZE + 1));
}

static void adv_parse_rejects_bad_lengths(void)
{
    struct bm_gatt_adv_info info;
    static const uint8_t runs_past[] = {0x05, 0x16, 0x28, 0x18};
    CHECK_EQ(bm_gatt_adv_parse(runs_past, sizeof(runs_past), &info), BM_EMALFORMED);
    static const uint8_t short_id[] = {0x06, 0x16, 0x28, 0x18, 0x00, 1, 2};
    CHECK_EQ(bm_gatt_adv_parse(short_id, sizeof(short_id), &info), BM_EMALFORMED);
    static const uint8_t other[] = {0x02, 0x01, 0x06, 0x05, 0x16, 0x0f, 0x18, 1, 2};
    CHECK_EQ(bm_gatt_adv_parse(other, sizeof(other), &info), BM_ENOENT);
}

int main(void)
{
    BM_RUN(segment_then_reassemble_every_mtu);
    BM_RUN(send_matches_segment);
    BM_RUN(reassembly_rejects_out_of_order_and_keeps_state);
    BM_RUN(cfg_parse_checks_every_length);
    BM_RUN(filter_accept_and_reject_lists);
    BM_RUN(adv_parse_rejects_bad_lengths);
    return bm_test_done();
}
