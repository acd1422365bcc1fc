/* Reassembly (Mesh Profile 3.5.3.4) against the contract in lower.h:
 * contexts keyed by (src, SeqAuth), consistency of segments, duplicates,
 * completed messages, newer and older SeqAuth, a full pool, expiry, and
 * that a rejected segment leaves the pool byte-identical. Messages are the
 * upper transport PDUs of sample Messages #6 and #24 (messages.json) and
 * synthetic PDUs whose expected output is the input (round trip). */
#include <string.h>

#include "blemesh/errors.h"
#include "test.h"
#include "transport/lower.h"
#include "vectors.h"

#define DST 0x1201
#define IV 0x12345678u
#define TTL 4

static cJSON *mv;

/* The segments of one upper transport PDU, built and parsed back. */
struct segs {
    int n;
    uint32_t seq_first;
    struct bm_lower_hdr hdr[32];
    uint8_t pdu[32][16];
    const uint8_t *pl[32];
    size_t len[32];
};

static void make_segs(struct segs *s, const struct bm_lower_hdr *proto, uint32_t seq_first,
                      const uint8_t *upper, size_t len)
{
    struct bm_lower_hdr h = *proto;
    h.seq_zero = bm_lower_seq_zero(seq_first);
    s->seq_first = seq_first;
    s->n = bm_lower_seg_count(h.ctl, len);
    CHECK(s->n > 0);
    for (int i = 0; i < s->n; i++) {
        size_t out_len = 0;
        CHECK_EQ(bm_lower_segment(&h, upper, len, (uint8_t)i, s->pdu[i], 16, &out_len), BM_OK);
        CHECK_EQ(bm_lower_parse(h.ctl, s->pdu[i], out_len, &s->hdr[i], &s->pl[i], &s->len[i]),
                 BM_OK);
    }
}

/* Message #6 (2 segments, DevKey) from its sample upper transport PDU. */
static void msg6_segs(struct segs *s, uint32_t seq_first)
{
    uint8_t upper[64];
    size_t n =
        bm_vec_hex(mv, "messages.5.upper_transport.upper_transport_pdu", upper, sizeof(upper));
    struct bm_lower_hdr h = {.ctl = 0, .akf = 0, .aid = 0, .szmic = 0};
    make_segs(s, &h, seq_first, upper, n);
    CHECK_EQ(s->n, 2);
}

/* Segment i of s from src, in *msg: the segment goes in and the message
 * comes out in the same struct, as node_msg.c feeds it. */
static int rx(struct bm_reasm_pool *pool, uint16_t src, const struct segs *s, int i,
              uint32_t now_ms, struct bm_lower_msg *msg)
{
    *msg = (struct bm_lower_msg){.hdr = s->hdr[i],
                                 .src = src,
                                 .dst = DST,
                                 .ttl = TTL,
                                 .seq = s->seq_first + (uint32_t)i,
                                 .iv_index = IV,
                                 .upper = s->pl[i],
                                 .upper_len = s->len[i]};
    return bm_lower_reasm_rx(pool, msg, now_ms, msg);
}

/* One segment, given field by field, with the message in another struct. */
static int feed(struct bm_reasm_pool *pool, uint16_t src, uint16_t dst, uint32_t seq, uint32_t iv,
                const struct bm_lower_hdr *hdr, const uint8_t *pl, size_t len, uint32_t now_ms,
                struct bm_lower_msg *msg)
{
    const struct bm_lower_msg seg = {.hdr = *hdr,
                                     .src = src,
                                     .dst = dst,
                                     .ttl = TTL,
                                     .seq = seq,
                                     .iv_index = iv,
                                     .upper = pl,
                                     .upper_len = len};
    return bm_lower_reasm_rx(pool, &seg, now_ms, msg);
}

/* Feeds a segment that must be refused with want, leaving pool as it was. */
static void expect_reject(struct bm_reasm_pool *pool, int want, uint16_t src, uint16_t dst,
                          uint32_t seq, uint32_t iv, const struct bm_lower_hdr *hdr,
                          const uint8_t *pl, size_t len, uint32_t now_ms, int line)
{
    struct bm_reasm_pool before;
    struct bm_lower_msg msg;
    memcpy(&before, pool, sizeof(before));
    int rc = feed(pool, src, dst, seq, iv, hdr, pl, len, now_ms, &msg);
    if (rc != want)
        bm_test_fail(__FILE__, line, "rc %d, want %d", rc, want);
    CHECK_EQ(rc, want);
    if (memcmp(&before, pool, sizeof(before)) != 0)
        bm_test_fail(__FILE__, line, "pool changed by a rejected segment");
    CHECK(memcmp(&before, pool, sizeof(before)) == 0);
}

static void test_short_non_last_segment_rejected(void)
{
    struct segs s;
    struct bm_reasm_pool pool;
    bm_lower_reasm_init(&pool);
    msg6_segs(&s, 0x3129ab);
    expect_reject(&pool, BM_EMALFORMED, 3, DST, 0x3129ab, IV, &s.hdr[0], s.pl[0], 11, 0, __LINE__);
    struct bm_lower_msg msg;
    CHECK_EQ(rx(&pool, 3, &s, 1, 0, &msg), BM_EINCOMPLETE);
    expect_reject(&pool, BM_EMALFORMED, 3, DST, 0x3129ab, IV, &s.hdr[0], s.pl[0], 11, 0, __LINE__);
    expect_reject(&pool, BM_EMALFORMED, 3, DST, 0x3129ab, IV, &s.hdr[0], s.pl[0], 0, 0, __LINE__);
}

static void test_seg_o_above_seg_n_rejected(void)
{
    struct segs s;
    struct bm_reasm_pool pool;
    bm_lower_reasm_init(&pool);
    msg6_segs(&s, 0x3129ab);
    struct bm_lower_hdr h = s.hdr[1];
    h.seg_o = 2;
    expect_reject(&pool, BM_EMALFORMED, 3, DST, 0x3129ad, IV, &h, s.pl[1], s.len[1], 0, __LINE__);
    h = s.hdr[1];
    h.seg = 0; /* not a segment at all */
    expect_reject(&pool, BM_EMALFORMED, 3, DST, 0x3129ac, IV, &h, s.pl[1], s.len[1], 0, __LINE__);
}

static void test_inconsistent_segments_rejected(void)
{
    struct segs s;
    struct bm_reasm_pool pool;
    struct bm_lower_msg msg;
    bm_lower_reasm_init(&pool);
    msg6_segs(&s, 0x3129ab);
    CHECK_EQ(rx(&pool, 3, &s, 0, 100, &msg), BM_EINCOMPLETE);
    uint32_t seq1 = 0x3129ac;

    struct bm_lower_hdr h = s.hdr[1];
    h.akf = 1;
    expect_reject(&pool, BM_EMALFORMED, 3, DST, seq1, IV, &h, s.pl[1], s.len[1], 101, __LINE__);
    h = s.hdr[1];
    h.aid = 0x26;
    expect_reject(&pool, BM_EMALFORMED, 3, DST, seq1, IV, &h, s.pl[1], s.len[1], 101, __LINE__);
    h = s.hdr[1];
    h.szmic = 1;
    expect_reject(&pool, BM_EMALFORMED, 3, DST, seq1, IV, &h, s.pl[1], s.len[1], 101, __LINE__);
    h = s.hdr[1];
    h.seg_n = 2; /* a full 12-octet middle segment, but SegN differs */
    expect_reject(&pool, BM_EMALFORMED, 3, DST, seq1, IV, &h, s.pl[1], s.len[1], 101, __LINE__);
    h = s.hdr[1];
    expect_reject(&pool, BM_EMALFORMED, 3, DST + 1, seq1, IV, &h, s.pl[1], s.len[1], 101, __LINE__);
    h.ctl = 1;
    h.akf = 0;
    h.opcode = 0x0a;
    expect_reject(&pool, BM_EMALFORMED, 3, DST, seq1, IV, &h, s.pl[1], 8, 101, __LINE__);
    /* A "retransmission" of segment 0 with other bytes. */
    uint8_t other[12];
    memcpy(other, s.pl[0], 12);
    other[5] ^= 0x10;
    expect_reject(&pool, BM_EMALFORMED, 3, DST, 0x3129ab, IV, &s.hdr[0], other, 12, 101, __LINE__);

    /* The last segment fixes the length: a different one is refused. */
    uint8_t upper[64];
    for (size_t i = 0; i < sizeof(upper); i++)
        upper[i] = (uint8_t)(0x40 + i);
    struct segs t;
    struct bm_lower_hdr p = {.ctl = 0, .akf = 1, .aid = 0x26};
    make_segs(&t, &p, 0x000100, upper, 29); /* 12 + 12 + 5 */
    CHECK_EQ(t.n, 3);
    CHECK_EQ(rx(&pool, 7, &t, 2, 100, &msg), BM_EINCOMPLETE);
    expect_reject(&pool, BM_EMALFORMED, 7, DST, 0x000102, IV, &t.hdr[2], t.pl[2], 6, 101, __LINE__);
    expect_reject(&pool, BM_EMALFORMED, 7, DST, 0x000102, IV, &t.hdr[2], t.pl[2], 4, 101, __LINE__);

    /* The real segments still complete both messages. */
    CHECK_EQ(rx(&pool, 3, &s, 1, 102, &msg), BM_OK);
    uint8_t want[64];
    size_t wn =
        bm_vec_hex(mv, "messages.5.upper_transport.upper_transport_pdu", want, sizeof(want));
    CHECK_MEM("#6 after rejects", msg.upper, msg.upper_len, want, wn);
    CHECK_EQ(rx(&pool, 7, &t, 0, 103, &msg), BM_EINCOMPLETE);
    CHECK_EQ(rx(&pool, 7, &t, 1, 104, &msg), BM_OK);
    CHECK_MEM("3-segment message", msg.upper, msg.upper_len, upper, 29);
}

/* Duplicates change nothing but the incomplete timer's start. */
static void test_duplicates_are_harmless(void)
{
    struct segs s;
    struct bm_reasm_pool pool, before;
    struct bm_lower_msg msg;
    bm_lower_reasm_init(&pool);
    msg6_segs(&s, 0x3129ab);
    CHECK_EQ(rx(&pool, 3, &s, 1, 50, &msg), BM_EINCOMPLETE);
    memcpy(&before, &pool, sizeof(pool));
    CHECK_EQ(rx(&pool, 3, &s, 1, 50, &msg), BM_EINCOMPLETE);
    CHECK(memcmp(&before, &pool, sizeof(pool)) == 0);
    CHECK_EQ(rx(&pool, 3, &s, 1, 60, &msg), BM_EINCOMPLETE);
    CHECK_EQ(pool.ctx[0].last_rx_ms, 60);
    pool.ctx[0].last_rx_ms = 50;
    CHECK(memcmp(&before, &pool, sizeof(pool)) == 0);

    CHECK_EQ(rx(&pool, 3, &s, 0, 70, &msg), BM_OK);
    /* Completed: duplicates are BM_EDUP and change nothing at all. */
    memcpy(&before, &pool, sizeof(pool));
    CHECK_EQ(rx(&pool, 3, &s, 0, 80, &msg), BM_EDUP);
    CHECK_EQ(rx(&pool, 3, &s, 1, 90, &msg), BM_EDUP);
    CHECK(memcmp(&before, &pool, sizeof(pool)) == 0);
}

static void test_older_seqauth_rejected_newer_replaces(void)
{
    struct segs a, b, c;
    struct bm_reasm_pool pool;
    struct bm_lower_msg msg;
    bm_lower_reasm_init(&pool);
    msg6_segs(&a, 0x3129ab);
    msg6_segs(&b, 0x312a00);
    msg6_segs(&c, 0x400000);

    CHECK_EQ(rx(&pool, 3, &a, 0, 10, &msg), BM_EINCOMPLETE);
    CHECK_EQ(rx(&pool, 3, &b, 0, 11, &msg), BM_EINCOMPLETE); /* replaces a */
    expect_reject(&pool, BM_EREPLAY, 3, DST, a.seq_first + 1, IV, &a.hdr[1], a.pl[1], a.len[1], 12,
                  __LINE__);
    expect_reject(&pool, BM_EREPLAY, 3, DST, a.seq_first, IV, &a.hdr[0], a.pl[0], a.len[0], 12,
                  __LINE__);
    /* Same SEQ under a smaller IV index is older too. */
    expect_reject(&pool, BM_EREPLAY, 3, DST, b.seq_first + 1, IV - 1, &b.hdr[1], b.pl[1], b.len[1],
                  12, __LINE__);
    CHECK_EQ(rx(&pool, 3, &b, 1, 13, &msg), BM_OK);
    CHECK_EQ(msg.seq, b.seq_first);

    /* An older message after completion is still refused, the completed
     * one is a duplicate, and a newer one replaces it. */
    expect_reject(&pool, BM_EREPLAY, 3, DST, a.seq_first, IV, &a.hdr[0], a.pl[0], a.len[0], 14,
                  __LINE__);
    CHECK_EQ(rx(&pool, 3, &b, 0, 15, &msg), BM_EDUP);
    CHECK_EQ(rx(&pool, 3, &c, 1, 16, &msg), BM_EINCOMPLETE);
    CHECK_EQ(rx(&pool, 3, &c, 0, 17, &msg), BM_OK);
    CHECK_EQ(msg.seq, c.seq_first);
    /* A newer IV index makes the same SEQ newer. */
    CHECK_EQ(feed(&pool, 3, DST, a.seq_first, IV + 1, &a.hdr[0], a.pl[0], a.len[0], 18, &msg),
             BM_EINCOMPLETE);
}

static void test_full_pool_then_eviction_of_completed(void)
{
    struct segs s;
    struct bm_reasm_pool pool;
    struct bm_lower_msg msg;
    bm_lower_reasm_init(&pool);
    msg6_segs(&s, 0x3129ab);
    for (uint16_t src = 1; src <= BM_CFG_RX_SEG_CTX; src++)
        CHECK_EQ(rx(&pool, src, &s, 0, src, &msg), BM_EINCOMPLETE);
    /* Every context holds an incomplete message: no room, nothing lost. */
    uint16_t extra = BM_CFG_RX_SEG_CTX + 1;
    expect_reject(&pool, BM_ENOSPC, extra, DST, s.seq_first, IV, &s.hdr[0], s.pl[0], s.len[0], 100,
                  __LINE__);
    /* Complete the message of src 1: its context may now be evicted. */
    CHECK_EQ(rx(&pool, 1, &s, 1, 101, &msg), BM_OK);
    CHECK_EQ(rx(&pool, extra, &s, 0, 102, &msg), BM_EINCOMPLETE);
    CHECK_EQ(rx(&pool, extra, &s, 1, 103, &msg), BM_OK);
    /* Every other message still completes. */
    for (uint16_t src = 2; src <= BM_CFG_RX_SEG_CTX; src++)
        CHECK_EQ(rx(&pool, src, &s, 1, 104, &msg), BM_OK);
    /* src 1 was forgotten: its message would start again (documented). */
    CHECK_EQ(rx(&pool, 1, &s, 1, 105, &msg), BM_EINCOMPLETE);
}

static void test_incomplete_timer_expiry(void)
{
    struct segs s;
    struct bm_reasm_pool pool, before;
    struct bm_lower_msg msg;
    bm_lower_reasm_init(&pool);
    msg6_segs(&s, 0x3129ab);
    uint32_t t0 = 5000;
    CHECK_EQ(rx(&pool, 3, &s, 0, t0, &msg), BM_EINCOMPLETE);
    memcpy(&before, &pool, sizeof(pool));
    bm_lower_reasm_expire(&pool, t0 + BM_SAR_INCOMPLETE_MS - 1);
    CHECK(memcmp(&before, &pool, sizeof(pool)) == 0);
    bm_lower_reasm_expire(&pool, t0 + BM_SAR_INCOMPLETE_MS);
    for (int i = 0; i < BM_CFG_RX_SEG_CTX; i++)
        CHECK(!pool.ctx[i].busy);
    /* Segment 0 is gone with the context: segment 1 alone is incomplete. */
    CHECK_EQ(rx(&pool, 3, &s, 1, t0 + BM_SAR_INCOMPLETE_MS + 1, &msg), BM_EINCOMPLETE);

    /* A duplicate restarts the timer. */
    bm_lower_reasm_init(&pool);
    CHECK_EQ(rx(&pool, 3, &s, 0, 0, &msg), BM_EINCOMPLETE);
    CHECK_EQ(rx(&pool, 3, &s, 0, 6000, &msg), BM_EINCOMPLETE);
    bm_lower_reasm_expire(&pool, BM_SAR_INCOMPLETE_MS);
    CHECK(pool.ctx[0].busy);
    CHECK_EQ(rx(&pool, 3, &s, 1, 7000, &msg), BM_OK);
    /* Completed contexts expire on the same timer. */
    bm_lower_reasm_expire(&pool, 7000 + BM_SAR_INCOMPLETE_MS);
    CHECK(!pool.ctx[0].busy);

    /* The millisecond clock may wrap. */
    bm_lower_reasm_init(&pool);
    CHECK_EQ(rx(&pool, 3, &s, 0, 0xfffff000u, &msg), BM_EINCOMPLETE);
    bm_lower_reasm_expire(&pool, 0x1000); /* 8192 ms later */
    CHECK(pool.ctx[0].busy);
    bm_lower_reasm_expire(&pool, 0xfffff000u + BM_SAR_INCOMPLETE_MS);
    CHECK(!pool.ctx[0].busy);
}

/* 32 segments in a scrambled order give back the same bytes (property). */
static void test_largest_message_any_order(void)
{
    static uint8_t upper[12 * 32];
    size_t len = 12 * BM_CFG_MAX_SEGMENTS - 3;
    for (size_t i = 0; i < len; i++)
        upper[i] = (uint8_t)(i * 13 + 7);
    static struct segs s;
    struct bm_lower_hdr p = {.ctl = 0, .akf = 1, .aid = 0x11, .szmic = 1};
    make_segs(&s, &p, 0x001ff0, upper, len); /* SeqZero wraps inside */
    CHECK_EQ(s.n, BM_CFG_MAX_SEGMENTS);
    struct bm_reasm_pool pool;
    struct bm_lower_msg msg;
    bm_lower_reasm_init(&pool);
    for (int k = 0; k < s.n; k++) {
        int i = (k * 7) % s.n; /* 7 is coprime with 32 */
        if (s.n % 7 == 0)
            i = s.n - 1 - k;
        int rc = rx(&pool, 0x0042, &s, i, (uint32_t)k, &msg);
        CHECK_EQ(rc, k == s.n - 1 ? BM_OK : BM_EINCOMPLETE);
    }
    CHECK_MEM("largest message", msg.upper, msg.upper_len, upper, len);
    CHECK_EQ(msg.seq, 0x001ff0);
    CHECK_EQ(msg.hdr.szmic, 1);
    CHECK_EQ(msg.hdr.aid, 0x11);
}

/* 3.5.3.1: SeqAuth = IV index || SEQ of the first segment; a first SEQ
 * that wraps below 0 belongs to the previous IV index. */
static void test_seqauth_across_iv_index(void)
{
    uint8_t upper[64];
    size_t n =
        bm_vec_hex(mv, "messages.23.upper_transport.upper_transport_pdu", upper, sizeof(upper));
    struct segs s;
    struct bm_lower_hdr p = {.ctl = 0, .akf = 1, .aid = 0x26, .szmic = 1};
    make_segs(&s, &p, 0xffffff, upper, n);
    CHECK_EQ(s.n, 2);
    struct bm_reasm_pool pool;
    struct bm_lower_msg msg;
    bm_lower_reasm_init(&pool);
    CHECK_EQ(feed(&pool, 0x1234, 0x9736, 0xffffff, 5, &s.hdr[0], s.pl[0], s.len[0], 0, &msg),
             BM_EINCOMPLETE);
    CHECK_EQ(feed(&pool, 0x1234, 0x9736, 0x000000, 6, &s.hdr[1], s.pl[1], s.len[1], 0, &msg),
             BM_OK);
    CHECK_EQ(msg.seq, 0xffffff);
    CHECK_EQ(msg.iv_index, 5);
    CHECK_MEM("across IV", msg.upper, msg.upper_len, upper, n);
    /* Under IV index 0 there is no previous IV index. */
    bm_lower_reasm_init(&pool);
    expect_reject(&pool, BM_EMALFORMED, 0x1234, 0x9736, 0x000000, 0, &s.hdr[1], s.pl[1], s.len[1],
                  0, __LINE__);
}

static void test_two_sources_interleaved(void)
{
    if (BM_CFG_RX_SEG_CTX < 2)
        return;
    struct segs a, b;
    struct bm_reasm_pool pool;
    struct bm_lower_msg msg;
    bm_lower_reasm_init(&pool);
    msg6_segs(&a, 0x3129ab);
    uint8_t upper[64];
    size_t n =
        bm_vec_hex(mv, "messages.23.upper_transport.upper_transport_pdu", upper, sizeof(upper));
    struct bm_lower_hdr p = {.ctl = 0, .akf = 1, .aid = 0x26, .szmic = 1};
    make_segs(&b, &p, bm_vec_num(mv, "messages.23.seq"), upper, n);
    CHECK_EQ(rx(&pool, 0x0003, &a, 1, 0, &msg), BM_EINCOMPLETE);
    CHECK_EQ(rx(&pool, 0x1234, &b, 1, 0, &msg), BM_EINCOMPLETE);
    CHECK_EQ(rx(&pool, 0x0003, &a, 0, 0, &msg), BM_OK);
    CHECK_EQ(msg.src, 0x0003);
    CHECK_EQ(rx(&pool, 0x1234, &b, 0, 0, &msg), BM_OK);
    CHECK_EQ(msg.src, 0x1234);
    CHECK_MEM("#24 upper", msg.upper, msg.upper_len, upper, n);
}

static void test_reasm_checks_arguments(void)
{
    struct segs s;
    struct bm_lower_msg msg;
    struct bm_reasm_pool pool;
    bm_lower_reasm_init(&pool);
    msg6_segs(&s, 0x3129ab);
    CHECK_EQ(feed(NULL, 3, DST, 0x3129ab, IV, &s.hdr[0], s.pl[0], s.len[0], 0, &msg), BM_EINVAL);
    CHECK_EQ(bm_lower_reasm_rx(&pool, NULL, 0, &msg), BM_EINVAL);
    expect_reject(&pool, BM_EMALFORMED, 3, DST, 0x3129ab, IV, &s.hdr[0], NULL, s.len[0], 0,
                  __LINE__);
    bm_lower_reasm_expire(NULL, 0);
    bm_lower_reasm_init(NULL);
    if (BM_CFG_MAX_SEGMENTS < 32) {
        struct bm_lower_hdr h = s.hdr[1];
        h.seg_n = BM_CFG_MAX_SEGMENTS;
        h.seg_o = BM_CFG_MAX_SEGMENTS;
        expect_reject(&pool, BM_ENOSPC, 3, DST, 0x3129ab + BM_CFG_MAX_SEGMENTS, IV, &h, s.pl[1],
                      s.len[1], 0, __LINE__);
    }
}

int main(void)
{
    mv = bm_vec_load("messages.json");
    BM_RUN(test_short_non_last_segment_rejected);
    BM_RUN(test_seg_o_above_seg_n_rejected);
    BM_RUN(test_inconsistent_segments_rejected);
    BM_RUN(test_duplicates_are_harmless);
    BM_RUN(test_older_seqauth_rejected_newer_replaces);
    BM_RUN(test_full_pool_then_eviction_of_completed);
    BM_RUN(test_incomplete_timer_expiry);
    BM_RUN(test_largest_message_any_order);
    BM_RUN(test_seqauth_across_iv_index);
    BM_RUN(test_two_sources_interleaved);
    BM_RUN(test_reasm_checks_arguments);
    return bm_test_done();
}
