/* Lower transport PDU framing (Mesh Profile 3.5.2): the four PDU formats
 * (unsegmented/segmented x access/control), segmentation of an upper
 * transport PDU, SeqAuth recovery from SeqZero, and the Segment
 * Acknowledgment message (3.5.2.3.1).
 *
 * Invariants: a PDU is accepted by bm_lower_parse() exactly when
 * bm_lower_build() would produce it from the parsed header (apart from RFU
 * bits, which are written as 0 and ignored on receipt), so parse(build(x))
 * is the identity. Every length and field width goes through
 * bm_lower_check(). Nothing here keeps state. */
#include "transport/lower.h"

#include <string.h>

#include "blemesh/errors.h"

#define SEQ_ZERO_MASK 0x1fffu
#define SEQ_MASK 0xffffffu
#define SEG_FIELD_MAX 31u /* SegO and SegN are 5 bits */
#define TRANSMIC_MIN 4
#define TRANSMIC_MAX 8

static size_t seg_len(uint8_t ctl)
{
    return ctl ? BM_LOWER_SEG_CTL_LEN : BM_LOWER_SEG_ACCESS_LEN;
}

int bm_lower_check(const struct bm_lower_hdr *hdr, size_t len)
{
    if (!hdr || hdr->ctl > 1 || hdr->seg > 1)
        return BM_EMALFORMED;
    /* 3.5.2.1: an unsegmented access PDU has no SZMIC field (it always
     * carries the 32-bit TransMIC), so SZMIC can only be 1 when segmented;
     * in control PDUs the bit is RFU (3.5.2.4). */
    if (hdr->ctl ? hdr->opcode > 0x7f
                 : (hdr->akf > 1 || hdr->aid > 0x3f || hdr->szmic > hdr->seg))
        return BM_EMALFORMED;
    /* Lengths: a segment 1..12 (access) or 1..8 (control); an unsegmented
     * PDU up to 15 (access) or 11 (control: 3.5.2.3, 0..88 bits of
     * parameters after the 7-bit opcode), control ones from 0. */
    size_t max = seg_len(hdr->ctl);
    size_t min = hdr->seg;
    if (hdr->seg) {
        if (hdr->seq_zero > SEQ_ZERO_MASK || hdr->seg_n > SEG_FIELD_MAX ||
            hdr->seg_o > hdr->seg_n)
            return BM_EMALFORMED;
        /* 3.5.2.4: a Segment Acknowledgment is never segmented. */
        if (hdr->ctl && hdr->opcode == BM_CTL_OP_SEG_ACK)
            return BM_EMALFORMED;
        /* 3.5.3.1: every segment but the last carries a full segment, so
         * the offset of segment n is always n * full. */
        if (hdr->seg_o < hdr->seg_n)
            min = max;
    } else {
        max = hdr->ctl ? BM_LOWER_UNSEG_CTL_MAX : BM_LOWER_UNSEG_ACCESS_MAX;
    }
    /* 3.5.2.1: an Upper Transport Access PDU in one PDU (unsegmented, or a
     * one-segment message) holds at least a 1-octet opcode and the
     * TransMIC. */
    if (!hdr->ctl && (!hdr->seg || hdr->seg_n == 0))
        min = 1u + (hdr->szmic ? TRANSMIC_MAX : TRANSMIC_MIN);
    return len >= min && len <= max ? BM_OK : BM_EMALFORMED;
}

int bm_lower_parse(uint8_t ctl, const uint8_t *pdu, size_t len, struct bm_lower_hdr *hdr,
                   const uint8_t **payload, size_t *payload_len)
{
    if (!hdr || !payload || !payload_len)
        return BM_EINVAL;
    if (!pdu || len < 1 || ctl > 1)
        return BM_EMALFORMED;

    struct bm_lower_hdr h;
    memset(&h, 0, sizeof(h));
    h.ctl = ctl;
    h.seg = (uint8_t)(pdu[0] >> 7);
    if (ctl) {
        h.opcode = pdu[0] & 0x7f;
    } else {
        h.akf = (pdu[0] >> 6) & 1;
        h.aid = pdu[0] & 0x3f;
    }
    size_t hdr_len = 1;
    if (h.seg) {
        if (len < BM_LOWER_SEG_HDR_LEN)
            return BM_EMALFORMED;
        uint32_t b = (uint32_t)pdu[1] << 16 | (uint32_t)pdu[2] << 8 | pdu[3];
        /* 3.5.2.4: in a segmented control PDU this bit is RFU: ignored. */
        if (!ctl)
            h.szmic = (uint8_t)(b >> 23);
        h.seq_zero = (uint16_t)((b >> 10) & SEQ_ZERO_MASK);
        h.seg_o = (uint8_t)((b >> 5) & 0x1f);
        h.seg_n = (uint8_t)(b & 0x1f);
        hdr_len = BM_LOWER_SEG_HDR_LEN;
    }
    if (bm_lower_check(&h, len - hdr_len) != BM_OK)
        return BM_EMALFORMED;
    *hdr = h;
    *payload = pdu + hdr_len;
    *payload_len = len - hdr_len;
    return BM_OK;
}

int bm_lower_build(const struct bm_lower_hdr *hdr, const uint8_t *payload, size_t payload_len,
                   uint8_t *out, size_t out_size, size_t *out_len)
{
    if (!hdr || (!payload && payload_len) || !out || !out_len)
        return BM_EINVAL;
    if (bm_lower_check(hdr, payload_len) != BM_OK)
        return BM_EINVAL;
    size_t hdr_len = hdr->seg ? BM_LOWER_SEG_HDR_LEN : 1;
    if (out_size < hdr_len + payload_len)
        return BM_ENOSPC;

    /* payload may already sit at out + hdr_len (headroom): then it stays
     * where it is and only the header is written in front of it. Any other
     * placement must not overlap out (memcpy, no memmove in the image). */
    if (payload_len && payload != out + hdr_len)
        memcpy(out + hdr_len, payload, payload_len);
    uint8_t first = hdr->ctl ? hdr->opcode : (uint8_t)(hdr->akf << 6 | hdr->aid);
    out[0] = (uint8_t)(hdr->seg << 7 | first);
    if (hdr->seg) {
        uint32_t szmic = hdr->ctl ? 0 : hdr->szmic; /* RFU for control */
        uint32_t b =
            szmic << 23 | (uint32_t)hdr->seq_zero << 10 | (uint32_t)hdr->seg_o << 5 | hdr->seg_n;
        out[1] = (uint8_t)(b >> 16);
        out[2] = (uint8_t)(b >> 8);
        out[3] = (uint8_t)b;
    }
    *out_len = hdr_len + payload_len;
    return BM_OK;
}

int bm_lower_seg_count(uint8_t ctl, size_t upper_len)
{
    if (ctl > 1)
        return BM_EINVAL;
    size_t full = seg_len(ctl);
    if (upper_len == 0 || upper_len > full * BM_CFG_MAX_SEGMENTS)
        return BM_EINVAL;
    int count = 0; /* ceil(upper_len / full), at most 32: no division call */
    for (size_t done = 0; done < upper_len; done += full)
        count++;
    return count;
}

int bm_lower_segment(const struct bm_lower_hdr *hdr, const uint8_t *upper, size_t upper_len,
                     uint8_t seg_o, uint8_t *out, size_t out_size, size_t *out_len)
{
    if (!hdr || !upper)
        return BM_EINVAL;
    int count = bm_lower_seg_count(hdr->ctl, upper_len);
    if (count < 0)
        return count;
    if (seg_o >= count)
        return BM_EINVAL;

    struct bm_lower_hdr h = *hdr;
    h.seg = 1;
    h.seg_o = seg_o;
    h.seg_n = (uint8_t)(count - 1);
    size_t full = seg_len(h.ctl);
    size_t off = (size_t)seg_o * full;
    size_t n = upper_len - off < full ? upper_len - off : full;
    return bm_lower_build(&h, upper + off, n, out, out_size, out_len);
}

uint32_t bm_lower_first_seq(uint32_t seq, uint16_t seq_zero)
{
    /* 3.5.3.1: SeqZero is the low 13 bits of the first segment's SEQ and
     * every segment is sent within 8191 SEQ values of it, so the first SEQ
     * is the largest value <= seq with those low bits. Below 0 it wraps
     * modulo 2^24 (the caller then looks at the previous IV index). */
    uint32_t back = (seq - seq_zero) & SEQ_ZERO_MASK;
    return (seq - back) & SEQ_MASK;
}

int bm_lower_ack_encode(const struct bm_seg_ack *ack, uint8_t out[BM_SEG_ACK_LEN])
{
    if (!ack || !out || ack->obo > 1 || ack->seq_zero > SEQ_ZERO_MASK)
        return BM_EINVAL;
    /* 3.5.2.3.1: OBO(1) | SeqZero(13) | RFU(2), then BlockAck, big-endian. */
    uint16_t h = (uint16_t)(ack->obo << 15 | ack->seq_zero << 2);
    out[0] = (uint8_t)(h >> 8);
    out[1] = (uint8_t)h;
    out[2] = (uint8_t)(ack->block_ack >> 24);
    out[3] = (uint8_t)(ack->block_ack >> 16);
    out[4] = (uint8_t)(ack->block_ack >> 8);
    out[5] = (uint8_t)ack->block_ack;
    return BM_OK;
}

int bm_lower_ack_decode(const uint8_t *params, size_t len, struct bm_seg_ack *ack)
{
    if (!ack)
        return BM_EINVAL;
    if (!params || len != BM_SEG_ACK_LEN)
        return BM_EMALFORMED;
    uint16_t h = (uint16_t)(params[0] << 8 | params[1]);
    ack->obo = (uint8_t)(h >> 15);
    ack->seq_zero = (uint16_t)((h >> 2) & SEQ_ZERO_MASK); /* RFU bits ignored */
    ack->block_ack = (uint32_t)params[2] << 24 | (uint32_t)params[3] << 16 |
                     (uint32_t)params[4] << 8 | params[5];
    return BM_OK;
}
