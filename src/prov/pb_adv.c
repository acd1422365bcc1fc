/* PB-ADV PDUs and the Generic Provisioning layer (Mesh Profile 1.0.1
 * 5.2.1, 5.3): parse/build of Transaction Start/Ack/Continuation and
 * Provisioning Bearer Control, the FCS, segmentation and the reassembly of
 * one transaction.
 *
 * Invariants: the parser checks every length and field before writing its
 * output; the reassembler validates a segment completely before it touches
 * its state, so a rejected segment leaves it byte-identical (the one
 * exception, an FCS mismatch on completion, discards the transaction). */
#include "prov/pb_adv.h"

#include <stdbool.h>
#include <string.h>

#include "blemesh/errors.h"

enum { RX_IDLE = 0, RX_COLLECTING, RX_COMPLETE };

uint8_t bm_pbadv_fcs(const uint8_t *data, size_t len)
{
    /* 3GPP TS 27.010 FCS: the reflected form of x^8 + x^2 + x + 1 is
     * 0xe0; the register starts at 0xff and the FCS is its complement. */
    uint8_t crc = 0xff;
    for (size_t i = 0; i < len; i++) {
        crc ^= data[i];
        for (int b = 0; b < 8; b++)
            crc = (crc & 1) ? (uint8_t)((crc >> 1) ^ 0xe0) : (uint8_t)(crc >> 1);
    }
    return (uint8_t)~crc;
}

uint8_t bm_pbadv_seg_count(size_t pdu_len)
{
    if (pdu_len == 0 || pdu_len > BM_PBADV_TOTAL_LEN_MAX)
        return 0;
    /* the Start segment, then Continuation segments until pdu_len is
     * covered (a handful: no division call) */
    uint8_t n = 1;
    for (size_t done = BM_PBADV_START_DATA_MAX; done < pdu_len; done += BM_PBADV_CONT_DATA_MAX)
        n++;
    return n;
}

static size_t seg_offset(uint8_t i)
{
    return i == 0 ? 0 : BM_PBADV_START_DATA_MAX + (size_t)(i - 1) * BM_PBADV_CONT_DATA_MAX;
}

/* Octets segment i of a total_len transaction carries; 0 if none. */
static size_t seg_len(size_t total_len, uint8_t i)
{
    if (i >= bm_pbadv_seg_count(total_len))
        return 0;
    size_t left = total_len - seg_offset(i);
    size_t max = i == 0 ? BM_PBADV_START_DATA_MAX : BM_PBADV_CONT_DATA_MAX;
    return left < max ? left : max;
}

static void put_hdr(uint8_t *out, uint32_t link_id, uint8_t tn)
{
    out[0] = (uint8_t)(link_id >> 24);
    out[1] = (uint8_t)(link_id >> 16);
    out[2] = (uint8_t)(link_id >> 8);
    out[3] = (uint8_t)link_id;
    out[4] = tn;
}

int bm_pbadv_parse(const uint8_t *buf, size_t len, struct bm_pbadv_pdu *pdu)
{
    if (!buf || !pdu)
        return BM_EINVAL;
    if (len < BM_PBADV_HDR_LEN + 1 || len > BM_PBADV_MAX_LEN)
        return BM_EMALFORMED;
    struct bm_pbadv_pdu out;
    memset(&out, 0, sizeof(out));
    out.link_id = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
    out.tn = buf[4];
    uint8_t gpc = buf[5];
    out.gpcf = gpc & 0x03;
    uint8_t hi = gpc >> 2; /* SegN, SegmentIndex, padding or opcode */
    const uint8_t *p = buf + 6;
    size_t n = len - 6;

    switch (out.gpcf) {
    case BM_PBADV_GPCF_START: {
        /* 5.3.1.1: TotalLength(2) || FCS(1) || first segment. */
        if (n < 4)
            return BM_EMALFORMED;
        uint16_t total = (uint16_t)(p[0] << 8 | p[1]);
        size_t data_len = n - 3;
        /* SegN is implied by TotalLength, and every segment but the last
         * is full, so the first one holds min(TotalLength, 20) octets. */
        if (total == 0 || bm_pbadv_seg_count(total) != hi + 1u || data_len != seg_len(total, 0))
            return BM_EMALFORMED;
        out.u.start.seg_n = hi;
        out.u.start.total_len = total;
        out.u.start.fcs = p[2];
        out.u.start.data = p + 3;
        out.u.start.data_len = (uint8_t)data_len;
        break;
    }
    case BM_PBADV_GPCF_ACK:
        /* 5.3.1.2: one octet, the 6 padding bits zero. */
        if (hi != 0 || n != 0)
            return BM_EMALFORMED;
        break;
    case BM_PBADV_GPCF_CONT:
        /* 5.3.1.3: segment 0 is always the Start. */
        if (hi == 0 || n < 1 || n > BM_PBADV_CONT_DATA_MAX)
            return BM_EMALFORMED;
        out.u.cont.seg_index = hi;
        out.u.cont.data = p;
        out.u.cont.data_len = (uint8_t)n;
        break;
    case BM_PBADV_GPCF_CTL:
        /* 5.3.1.4: opcodes 0x03..0x3f are RFU. */
        out.u.ctl.opcode = hi;
        switch (hi) {
        case BM_PBADV_LINK_OPEN:
            if (n != 16)
                return BM_EMALFORMED;
            memcpy(out.u.ctl.uuid, p, 16);
            break;
        case BM_PBADV_LINK_ACK:
            if (n != 0)
                return BM_EMALFORMED;
            break;
        case BM_PBADV_LINK_CLOSE:
            if (n != 1 || p[0] > BM_PBADV_CLOSE_FAIL)
                return BM_EMALFORMED;
            out.u.ctl.reason = p[0];
            break;
        default:
            return BM_EMALFORMED;
        }
        break;
    }
    *pdu = out;
    return BM_OK;
}

int bm_pbadv_build_ctl(uint32_t link_id, uint8_t opcode, const uint8_t *param, size_t param_len,
                     uint8_t *out, size_t out_size, size_t *out_len)
{
    if (!out || !out_len)
        return BM_EINVAL;
    size_t n = BM_PBADV_HDR_LEN + 1 + param_len;
    if (out_size < n)
        return BM_ENOSPC;
    put_hdr(out, link_id, BM_PBADV_TN_BEARER_CTL);
    out[5] = (uint8_t)(opcode << 2 | BM_PBADV_GPCF_CTL);
    if (param_len)
        memcpy(out + 6, param, param_len);
    *out_len = n;
    return BM_OK;
}

int bm_pbadv_build_link_open(uint32_t link_id, const uint8_t uuid[16], uint8_t *out,
                             size_t out_size, size_t *out_len)
{
    if (!uuid)
        return BM_EINVAL;
    return bm_pbadv_build_ctl(link_id, BM_PBADV_LINK_OPEN, uuid, 16, out, out_size, out_len);
}

int bm_pbadv_build_link_ack(uint32_t link_id, uint8_t *out, size_t out_size, size_t *out_len)
{
    return bm_pbadv_build_ctl(link_id, BM_PBADV_LINK_ACK, NULL, 0, out, out_size, out_len);
}

int bm_pbadv_build_link_close(uint32_t link_id, uint8_t reason, uint8_t *out, size_t out_size,
                              size_t *out_len)
{
    if (reason > BM_PBADV_CLOSE_FAIL)
        return BM_EINVAL;
    return bm_pbadv_build_ctl(link_id, BM_PBADV_LINK_CLOSE, &reason, 1, out, out_size, out_len);
}

int bm_pbadv_build_tx_ack(uint32_t link_id, uint8_t tn, uint8_t *out, size_t out_size,
                          size_t *out_len)
{
    if (!out || !out_len)
        return BM_EINVAL;
    if (out_size < BM_PBADV_HDR_LEN + 1)
        return BM_ENOSPC;
    put_hdr(out, link_id, tn);
    out[5] = BM_PBADV_GPCF_ACK;
    *out_len = BM_PBADV_HDR_LEN + 1;
    return BM_OK;
}

int bm_pbadv_build_segment(uint32_t link_id, uint8_t tn, const uint8_t *pdu, size_t pdu_len,
                           uint8_t seg_index, uint8_t *out, size_t out_size, size_t *out_len)
{
    if (!pdu || !out || !out_len)
        return BM_EINVAL;
    uint8_t count = bm_pbadv_seg_count(pdu_len);
    if (count == 0 || seg_index >= count)
        return BM_EINVAL;
    size_t data_len = seg_len(pdu_len, seg_index);
    size_t hdr = seg_index == 0 ? 4 : 1; /* GPC octet (+ TotalLength, FCS) */
    size_t n = BM_PBADV_HDR_LEN + hdr + data_len;
    if (out_size < n)
        return BM_ENOSPC;
    put_hdr(out, link_id, tn);
    if (seg_index == 0) {
        out[5] = (uint8_t)((count - 1) << 2 | BM_PBADV_GPCF_START);
        out[6] = (uint8_t)(pdu_len >> 8);
        out[7] = (uint8_t)pdu_len;
        out[8] = bm_pbadv_fcs(pdu, pdu_len);
    } else {
        out[5] = (uint8_t)(seg_index << 2 | BM_PBADV_GPCF_CONT);
    }
    memcpy(out + BM_PBADV_HDR_LEN + hdr, pdu + seg_offset(seg_index), data_len);
    *out_len = n;
    return BM_OK;
}

void bm_pbadv_rx_reset(struct bm_pbadv_rx *rx)
{
    if (rx)
        memset(rx, 0, sizeof(*rx));
}

/* The reassembler holds at most one Public Key PDU: a segment mask of 8
 * bits covers it. */
_Static_assert(BM_PBADV_RX_MAX_LEN <= BM_PBADV_START_DATA_MAX + 7 * BM_PBADV_CONT_DATA_MAX,
               "seg_mask has a bit per segment");

int bm_pbadv_rx_add(struct bm_pbadv_rx *rx, const struct bm_pbadv_pdu *seg, const uint8_t **pdu,
                    size_t *pdu_len)
{
    if (!rx || !seg || !pdu || !pdu_len)
        return BM_EINVAL;
    if (seg->gpcf != BM_PBADV_GPCF_START && seg->gpcf != BM_PBADV_GPCF_CONT)
        return BM_EINVAL;
    bool start = seg->gpcf == BM_PBADV_GPCF_START;
    bool collecting = rx->state == RX_COLLECTING;

    if (rx->state == RX_COMPLETE && seg->tn == rx->tn)
        return BM_EDUP;
    if (collecting && seg->tn != rx->tn)
        return BM_ESTATE;
    if (!collecting && !start)
        return BM_ESTATE; /* Mesh Profile 5.3: the sender retransmits the Start too */

    uint8_t i = 0;
    uint16_t total = rx->total_len;
    const uint8_t *data;
    size_t len;
    bool bad;
    if (start) {
        /* Re-check what the parser checked: seg may be hand-made. */
        total = seg->u.start.total_len;
        data = seg->u.start.data;
        len = seg->u.start.data_len;
        bad = total == 0 || bm_pbadv_seg_count(total) != seg->u.start.seg_n + 1u;
    } else {
        i = seg->u.cont.seg_index;
        data = seg->u.cont.data;
        len = seg->u.cont.data_len;
        bad = i == 0 || i > rx->seg_n;
    }
    if (bad || !data || len != seg_len(total, i))
        return BM_EMALFORMED;
    if (total > BM_PBADV_RX_MAX_LEN)
        return BM_ENOSPC;
    if (start && collecting && (total != rx->total_len || seg->u.start.fcs != rx->fcs))
        return BM_EMALFORMED;
    /* A segment we already hold must repeat exactly what we hold. */
    if (collecting && (rx->seg_mask & 1u << i))
        return memcmp(rx->buf + seg_offset(i), data, len) != 0 ? BM_EMALFORMED : BM_EINCOMPLETE;
    if (start) {
        /* A new transaction: nothing else can fail from here on. */
        memset(rx, 0, sizeof(*rx));
        rx->state = RX_COLLECTING;
        rx->tn = seg->tn;
        rx->total_len = total;
        rx->seg_n = seg->u.start.seg_n;
        rx->fcs = seg->u.start.fcs;
    }

    memcpy(rx->buf + seg_offset(i), data, len);
    rx->seg_mask = (uint8_t)(rx->seg_mask | 1u << i);
    if (rx->seg_mask != (1u << (rx->seg_n + 1)) - 1)
        return BM_EINCOMPLETE;

    /* Mesh Profile 5.3: a PDU whose FCS fails is discarded unacknowledged; the
     * sender then retransmits the whole transaction. */
    if (bm_pbadv_fcs(rx->buf, rx->total_len) != rx->fcs) {
        memset(rx, 0, sizeof(*rx));
        return BM_EMALFORMED;
    }
    rx->state = RX_COMPLETE;
    *pdu = rx->buf;
    *pdu_len = rx->total_len;
    return BM_OK;
}
