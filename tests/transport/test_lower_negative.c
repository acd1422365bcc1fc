/* Lower transport PDUs that must be refused (Mesh Profile 3.5.2): SegO
 * above SegN, over-long PDUs, segmented Segment Acknowledgments, headers
 * out of range on the send side, and the limits of segmentation. Start
 * points are the sample PDUs of ../shared/vectors/messages.json; expected
 * results come from the spec's rules, never from this code. */
#include <string.h>

#include "blemesh/errors.h"
#include "test.h"
#include "transport/lower.h"
#include "vectors.h"

static cJSON *mv;

/* Writes SZMIC|SeqZero|SegO|SegN into octets 1..3 (3.5.2.2 layout). */
static void put_seg_fields(uint8_t *pdu, unsigned szmic, unsigned seq_zero, unsigned seg_o,
                           unsigned seg_n)
{
    uint32_t b = (uint32_t)szmic << 23 | (uint32_t)seq_zero << 10 | seg_o << 5 | seg_n;
    pdu[1] = (uint8_t)(b >> 16);
    pdu[2] = (uint8_t)(b >> 8);
    pdu[3] = (uint8_t)b;
}

static int parse(uint8_t ctl, const uint8_t *pdu, size_t len)
{
    struct bm_lower_hdr h;
    const uint8_t *pl;
    size_t pll;
    return bm_lower_parse(ctl, pdu, len, &h, &pl, &pll);
}

static void test_3_5_2_2_seg_o_above_seg_n(void)
{
    uint8_t pdu[32];
    size_t len =
        bm_vec_hex(mv, "messages.5.lower_transport_pdus.1.lower_transport_pdu", pdu, sizeof(pdu));
    CHECK_EQ(parse(0, pdu, len), BM_OK);
    put_seg_fields(pdu, 0, 0x9ab, 2, 1);
    CHECK_EQ(parse(0, pdu, len), BM_EMALFORMED);
    put_seg_fields(pdu, 0, 0x9ab, 31, 0);
    CHECK_EQ(parse(0, pdu, len), BM_EMALFORMED);
    put_seg_fields(pdu, 0, 0x9ab, 1, 1);
    CHECK_EQ(parse(0, pdu, len), BM_OK);

    /* The same for a segmented control PDU (opcode 0x0a, 8-octet segment). */
    uint8_t ctl[12] = {0x8a};
    put_seg_fields(ctl, 0, 0x123, 3, 2);
    CHECK_EQ(parse(1, ctl, 12), BM_EMALFORMED);
    put_seg_fields(ctl, 0, 0x123, 2, 2);
    CHECK_EQ(parse(1, ctl, 12), BM_OK);
}

static void test_3_5_2_4_segment_ack_is_never_segmented(void)
{
    uint8_t ctl[12] = {0x80};
    put_seg_fields(ctl, 0, 0x123, 0, 0);
    CHECK_EQ(parse(1, ctl, 12), BM_EMALFORMED);
    ctl[0] = 0x81;
    CHECK_EQ(parse(1, ctl, 12), BM_OK);

    struct bm_lower_hdr h = {.ctl = 1, .seg = 1, .opcode = BM_CTL_OP_SEG_ACK};
    uint8_t params[6] = {0}, out[16];
    size_t out_len;
    CHECK_EQ(bm_lower_build(&h, params, 6, out, sizeof(out), &out_len), BM_EINVAL);
    h.seg = 0;
    CHECK_EQ(bm_lower_build(&h, params, 6, out, sizeof(out), &out_len), BM_OK);
}

/* 3.5.2.4: the bit before SeqZero of a segmented control PDU is RFU. */
static void test_3_5_2_4_rfu_bit_ignored_and_sent_as_zero(void)
{
    uint8_t ctl[12] = {0x8a}, out[16];
    put_seg_fields(ctl, 1, 0x123, 1, 1);
    struct bm_lower_hdr h;
    const uint8_t *pl;
    size_t pll, out_len;
    CHECK_EQ(bm_lower_parse(1, ctl, 12, &h, &pl, &pll), BM_OK);
    CHECK_EQ(h.seq_zero, 0x123);
    CHECK_EQ(h.szmic, 0);
    h.szmic = 1; /* not a field of control PDUs: never sent */
    CHECK_EQ(bm_lower_build(&h, pl, pll, out, sizeof(out), &out_len), BM_OK);
    CHECK_EQ(out[1] & 0x80, 0);
}

static void test_3_5_2_too_long_pdus(void)
{
    uint8_t pdu[32] = {0};
    /* Unsegmented access: 1 + 15 octets at most (3.5.2.1). */
    size_t len =
        bm_vec_hex(mv, "messages.17.lower_transport_pdus.0.lower_transport_pdu", pdu, sizeof(pdu));
    CHECK_EQ(parse(0, pdu, len), BM_OK);
    CHECK_EQ(parse(0, pdu, 16), BM_OK);
    CHECK_EQ(parse(0, pdu, 17), BM_EMALFORMED);
    /* Unsegmented control: 1 + 11 (3.5.2.3). */
    pdu[0] = 0x03;
    CHECK_EQ(parse(1, pdu, 12), BM_OK);
    CHECK_EQ(parse(1, pdu, 13), BM_EMALFORMED);
    /* Segments: 4 + 12 (access), 4 + 8 (control). */
    len = bm_vec_hex(mv, "messages.5.lower_transport_pdus.1.lower_transport_pdu", pdu, sizeof(pdu));
    CHECK_EQ(len, 16);
    CHECK_EQ(parse(0, pdu, 17), BM_EMALFORMED);
    uint8_t ctl[16] = {0x8a};
    put_seg_fields(ctl, 0, 1, 0, 0);
    CHECK_EQ(parse(1, ctl, 12), BM_OK);
    CHECK_EQ(parse(1, ctl, 13), BM_EMALFORMED);
    CHECK_EQ(parse(1, ctl, 4), BM_EMALFORMED); /* empty segment */
    /* A one-segment access message with SZMIC=1 holds opcode + 64-bit MIC. */
    len =
        bm_vec_hex(mv, "messages.23.lower_transport_pdus.0.lower_transport_pdu", pdu, sizeof(pdu));
    put_seg_fields(pdu, 1, 0x80d, 0, 0);
    CHECK_EQ(parse(0, pdu, 4 + 9), BM_OK);
    CHECK_EQ(parse(0, pdu, 4 + 8), BM_EMALFORMED);
    put_seg_fields(pdu, 0, 0x80d, 0, 0);
    CHECK_EQ(parse(0, pdu, 4 + 5), BM_OK);
    CHECK_EQ(parse(0, pdu, 4 + 4), BM_EMALFORMED);
    CHECK_EQ(parse(2, pdu, 9), BM_EMALFORMED);
    CHECK_EQ(parse(0, NULL, 9), BM_EMALFORMED);
}

static void test_3_5_2_build_rejects_bad_headers(void)
{
    uint8_t payload[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, out[32];
    size_t out_len = 0;
    struct bm_lower_hdr ok = {
        .ctl = 0, .seg = 1, .akf = 1, .aid = 0x26, .seq_zero = 0x80d, .seg_o = 0, .seg_n = 1};
    CHECK_EQ(bm_lower_build(&ok, payload, 12, out, sizeof(out), &out_len), BM_OK);
    CHECK_EQ(out_len, 16);

    struct bm_lower_hdr h = ok;
    h.aid = 0x40;
    CHECK_EQ(bm_lower_build(&h, payload, 12, out, sizeof(out), &out_len), BM_EINVAL);
    h = ok;
    h.seq_zero = 0x2000;
    CHECK_EQ(bm_lower_build(&h, payload, 12, out, sizeof(out), &out_len), BM_EINVAL);
    h = ok;
    h.seg_o = 2;
    CHECK_EQ(bm_lower_build(&h, payload, 12, out, sizeof(out), &out_len), BM_EINVAL);
    h = ok;
    h.seg_n = 32;
    h.seg_o = 32;
    CHECK_EQ(bm_lower_build(&h, payload, 12, out, sizeof(out), &out_len), BM_EINVAL);
    h = ok;
    CHECK_EQ(bm_lower_build(&h, payload, 11, out, sizeof(out), &out_len), BM_EINVAL);
    CHECK_EQ(bm_lower_build(&h, payload, 13, out, sizeof(out), &out_len), BM_EINVAL);
    h.ctl = 2;
    CHECK_EQ(bm_lower_build(&h, payload, 12, out, sizeof(out), &out_len), BM_EINVAL);
    h = ok;
    h.seg = 0;
    h.szmic = 1; /* no SZMIC field in an unsegmented access PDU */
    CHECK_EQ(bm_lower_build(&h, payload, 8, out, sizeof(out), &out_len), BM_EINVAL);
    h.szmic = 0;
    CHECK_EQ(bm_lower_build(&h, payload, 4, out, sizeof(out), &out_len), BM_EINVAL);
    CHECK_EQ(bm_lower_build(&h, payload, 16, out, sizeof(out), &out_len), BM_EINVAL);
    CHECK_EQ(bm_lower_build(&h, payload, 15, out, 15, &out_len), BM_ENOSPC);
    CHECK_EQ(bm_lower_build(&h, payload, 15, out, 16, &out_len), BM_OK);
    struct bm_lower_hdr c = {.ctl = 1, .opcode = 0x80};
    CHECK_EQ(bm_lower_build(&c, payload, 1, out, sizeof(out), &out_len), BM_EINVAL);
    c.opcode = 0x7f;
    CHECK_EQ(bm_lower_build(&c, payload, 12, out, sizeof(out), &out_len), BM_EINVAL);
    CHECK_EQ(bm_lower_build(&c, NULL, 0, out, sizeof(out), &out_len), BM_OK);
    CHECK_EQ(out_len, 1);
    CHECK_EQ(out[0], 0x7f);
}

/* 3.5.2.2/3.5.2.4: up to 32 segments of 12 (access) or 8 (control). */
static void test_3_5_3_1_segment_counts(void)
{
    CHECK_EQ(bm_lower_seg_count(0, 0), BM_EINVAL);
    CHECK_EQ(bm_lower_seg_count(0, 1), 1);
    CHECK_EQ(bm_lower_seg_count(0, 12), 1);
    CHECK_EQ(bm_lower_seg_count(0, 13), 2);
    CHECK_EQ(bm_lower_seg_count(1, 8), 1);
    CHECK_EQ(bm_lower_seg_count(1, 9), 2);
    CHECK_EQ(bm_lower_seg_count(2, 9), BM_EINVAL);
    if (BM_CFG_MAX_SEGMENTS == 32) {
        CHECK_EQ(bm_lower_seg_count(0, 384), 32);
        CHECK_EQ(bm_lower_seg_count(1, 256), 32);
    }
    CHECK_EQ(bm_lower_seg_count(0, 12 * BM_CFG_MAX_SEGMENTS + 1), BM_EINVAL);
    CHECK_EQ(bm_lower_seg_count(1, 8 * BM_CFG_MAX_SEGMENTS + 1), BM_EINVAL);

    uint8_t upper[400], out[32];
    for (size_t i = 0; i < sizeof(upper); i++)
        upper[i] = (uint8_t)(i * 7 + 1);
    struct bm_lower_hdr h = {.ctl = 0, .akf = 1, .aid = 5, .szmic = 1, .seq_zero = 0x1fff};
    size_t out_len;
    /* A lone segment too short for opcode + 64-bit TransMIC is refused. */
    CHECK_EQ(bm_lower_segment(&h, upper, 8, 0, out, sizeof(out), &out_len), BM_EINVAL);
    CHECK_EQ(bm_lower_segment(&h, upper, 9, 0, out, sizeof(out), &out_len), BM_OK);
    size_t max = 12 * BM_CFG_MAX_SEGMENTS;
    uint8_t last = (uint8_t)(BM_CFG_MAX_SEGMENTS - 1);
    CHECK_EQ(bm_lower_segment(&h, upper, max, last, out, sizeof(out), &out_len), BM_OK);
    CHECK_EQ(out_len, 16);
    CHECK_MEM("last segment", out + 4, 12, upper + max - 12, 12);
    CHECK_EQ(bm_lower_segment(&h, upper, max + 1, 0, out, sizeof(out), &out_len), BM_EINVAL);
    CHECK_EQ(bm_lower_segment(&h, upper, max, 0, out, 15, &out_len), BM_ENOSPC);
}

/* 3.5.3.1: SeqZero holds the low 13 bits of SeqAuth's SEQ; later segments
 * are at most 8191 SEQ values after it. */
static void test_3_5_3_1_first_seq_wraps(void)
{
    CHECK_EQ(bm_lower_first_seq(0x001fff, 0x1fff), 0x001fff);
    CHECK_EQ(bm_lower_first_seq(0x002000, 0x1fff), 0x001fff);
    CHECK_EQ(bm_lower_first_seq(0x003ffe, 0x1fff), 0x001fff);
    CHECK_EQ(bm_lower_first_seq(0x003fff, 0x1fff), 0x003fff);
    CHECK_EQ(bm_lower_first_seq(0x000000, 0x0000), 0x000000);
    CHECK_EQ(bm_lower_first_seq(0xffffff, 0x1ffe), 0xfffffe);
    /* Below zero: modulo 2^24 (the first segment used the previous IV). */
    CHECK_EQ(bm_lower_first_seq(0x000001, 0x1fff), 0xffffff);
    for (uint32_t d = 0; d < 0x2000; d += 0x3ff) {
        uint32_t first = 0x3129ab;
        CHECK_EQ(bm_lower_first_seq(first + d, bm_lower_seq_zero(first)), first);
    }
}

static void test_3_5_2_parse_checks_arguments(void)
{
    uint8_t pdu[2] = {0x03, 0x00};
    struct bm_lower_hdr h;
    const uint8_t *pl;
    size_t pll;
    CHECK_EQ(bm_lower_parse(1, pdu, 2, NULL, &pl, &pll), BM_EINVAL);
    CHECK_EQ(bm_lower_parse(1, pdu, 2, &h, NULL, &pll), BM_EINVAL);
    CHECK_EQ(bm_lower_parse(1, pdu, 2, &h, &pl, NULL), BM_EINVAL);
    CHECK_EQ(bm_lower_parse(1, pdu, 0, &h, &pl, &pll), BM_EMALFORMED);
    CHECK_EQ(bm_lower_check(NULL, 0), BM_EMALFORMED);
}

int main(void)
{
    mv = bm_vec_load("messages.json");
    BM_RUN(test_3_5_2_2_seg_o_above_seg_n);
    BM_RUN(test_3_5_2_4_segment_ack_is_never_segmented);
    BM_RUN(test_3_5_2_4_rfu_bit_ignored_and_sent_as_zero);
    BM_RUN(test_3_5_2_too_long_pdus);
    BM_RUN(test_3_5_2_build_rejects_bad_headers);
    BM_RUN(test_3_5_3_1_segment_counts);
    BM_RUN(test_3_5_3_1_first_seq_wraps);
    BM_RUN(test_3_5_2_parse_checks_arguments);
    return bm_test_done();
}
