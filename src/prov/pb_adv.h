/* PB-ADV (Mesh Profile 1.0.1 5.2.1) and the Generic Provisioning layer
 * (5.3): PB-ADV PDU parse/build, the FCS, segmentation of a Provisioning
 * PDU into one transaction, a bounded reassembler of one transaction, and
 * the transaction number rules. Neighbours: the bearer hands AD type 0x29
 * payloads to bm_pbadv_parse(); the provisioning link/state machines use
 * the rest. No timers here: retransmission and the link timeout belong to
 * the link layer above. */
#ifndef BM_PB_ADV_H
#define BM_PB_ADV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prov/prov_pdu.h"

/* A PB-ADV PDU is the payload of one AD structure of type 0x29: at most
 * 31 - 2 = 29 octets. LinkID(4) || TransactionNumber(1) || Generic
 * Provisioning PDU (at most 24 octets). */
#define BM_PBADV_AD_TYPE 0x29
#define BM_PBADV_HDR_LEN 5
#define BM_PBADV_MAX_LEN 29
#define BM_PBADV_GPP_MAX_LEN (BM_PBADV_MAX_LEN - BM_PBADV_HDR_LEN)
#define BM_PBADV_START_DATA_MAX 20 /* 24 - GPCF - TotalLength(2) - FCS */
#define BM_PBADV_CONT_DATA_MAX 23  /* 24 - GPCF */
#define BM_PBADV_SEG_N_MAX 63      /* 6-bit SegN / SegmentIndex */
/* The longest transaction SegN can describe: 20 + 63 * 23 octets. */
#define BM_PBADV_TOTAL_LEN_MAX                                                                     \
    (BM_PBADV_START_DATA_MAX + BM_PBADV_SEG_N_MAX * BM_PBADV_CONT_DATA_MAX)

/* Reassembly buffer of one transaction, in octets. Bounds the Provisioning
 * PDUs we accept; RAM: that many octets per link. Range: the longest PDU
 * we parse (65) up to BM_PBADV_TOTAL_LEN_MAX (1469). */
#ifndef BM_PBADV_RX_MAX_LEN
#define BM_PBADV_RX_MAX_LEN BM_PROV_PDU_MAX_LEN
#endif
#if BM_PBADV_RX_MAX_LEN < 65 || BM_PBADV_RX_MAX_LEN > 1469
#error "BM_PBADV_RX_MAX_LEN out of range (65..1469)"
#endif

/* Generic Provisioning Control Format: the 2 LSBs of the first octet. */
#define BM_PBADV_GPCF_START 0x0
#define BM_PBADV_GPCF_ACK 0x1
#define BM_PBADV_GPCF_CONT 0x2
#define BM_PBADV_GPCF_CTL 0x3

/* Provisioning Bearer Control opcodes (Mesh Profile 5.3.1.4). */
#define BM_PBADV_LINK_OPEN 0x00
#define BM_PBADV_LINK_ACK 0x01
#define BM_PBADV_LINK_CLOSE 0x02
/* Link Close reasons; 0x03..0xff are RFU and rejected. */
#define BM_PBADV_CLOSE_SUCCESS 0x00
#define BM_PBADV_CLOSE_TIMEOUT 0x01
#define BM_PBADV_CLOSE_FAIL 0x02

/* Transaction numbers (Mesh Profile 5.3.2): the provisioner numbers its
 * transactions 0x00..0x7f, the device 0x80..0xff, each starting at the
 * bottom of its range and wrapping within it. Bearer control PDUs carry
 * 0x00 whoever sends them. */
#define BM_PBADV_TN_PROVISIONER_FIRST 0x00
#define BM_PBADV_TN_DEVICE_FIRST 0x80
#define BM_PBADV_TN_BEARER_CTL 0x00

static inline bool bm_pbadv_tn_is_device(uint8_t tn)
{
    return (tn & 0x80) != 0;
}

/* The transaction number after tn, within tn's half (0x7f -> 0x00, 0xff ->
 * 0x80). */
static inline uint8_t bm_pbadv_tn_next(uint8_t tn)
{
    return (uint8_t)((tn & 0x80) | ((tn + 1) & 0x7f));
}

/* A parsed PB-ADV PDU. Segment data points into the parsed buffer. */
struct bm_pbadv_pdu {
    uint32_t link_id;
    uint8_t tn;   /* transaction number */
    uint8_t gpcf; /* BM_PBADV_GPCF_* */
    union {
        struct {
            uint8_t seg_n;      /* last segment index, 0..63 */
            uint16_t total_len; /* of the Provisioning PDU, 1..1469 */
            uint8_t fcs;
            const uint8_t *data;
            uint8_t data_len; /* 1..20 */
        } start;
        struct {
            uint8_t seg_index; /* 1..63 */
            const uint8_t *data;
            uint8_t data_len; /* 1..23 */
        } cont;
        struct {
            uint8_t opcode;   /* BM_PBADV_LINK_* */
            uint8_t uuid[16]; /* Link Open: the device UUID */
            uint8_t reason;   /* Link Close: BM_PBADV_CLOSE_* */
        } ctl;
    } u;
};

/* FCS of a Provisioning PDU: the CRC-8 of 3GPP TS 27.010 (polynomial
 * x^8 + x^2 + x + 1, bit-reversed, initial value 0xff, complemented). */
uint8_t bm_pbadv_fcs(const uint8_t *data, size_t len);

/* Parses one PB-ADV PDU with every length and field check that needs no
 * link state: Start's SegN must match TotalLength and the first segment
 * must be full (or the whole PDU), Ack and Link Ack/Close have exact
 * lengths, padding bits are zero, a Continuation has SegmentIndex >= 1.
 * Returns 0 or BM_EMALFORMED (nothing written); BM_EINVAL for bad args. */
int bm_pbadv_parse(const uint8_t *buf, size_t len, struct bm_pbadv_pdu *pdu);

/* Builders write a complete PB-ADV PDU into out (out_size octets) and
 * return 0 and *out_len, BM_ENOSPC if out is too small, BM_EINVAL for a
 * field out of range. */
/* Provisioning Bearer Control opcode with its parameters (param_len
 * octets, none for Link Ack), unchecked: the three below check them. */
int bm_pbadv_build_ctl(uint32_t link_id, uint8_t opcode, const uint8_t *param, size_t param_len,
                       uint8_t *out, size_t out_size, size_t *out_len);
int bm_pbadv_build_link_open(uint32_t link_id, const uint8_t uuid[16], uint8_t *out,
                             size_t out_size, size_t *out_len);
int bm_pbadv_build_link_ack(uint32_t link_id, uint8_t *out, size_t out_size, size_t *out_len);
int bm_pbadv_build_link_close(uint32_t link_id, uint8_t reason, uint8_t *out, size_t out_size,
                              size_t *out_len);
int bm_pbadv_build_tx_ack(uint32_t link_id, uint8_t tn, uint8_t *out, size_t out_size,
                          size_t *out_len);

/* Number of PB-ADV PDUs (SegN + 1) a Provisioning PDU of pdu_len octets
 * needs; 0 if pdu_len is 0 or above BM_PBADV_TOTAL_LEN_MAX. */
uint8_t bm_pbadv_seg_count(size_t pdu_len);

/* Builds segment seg_index (0 = Transaction Start) of the transaction that
 * carries pdu under transaction number tn. Built on demand, so a sender
 * keeps only the Provisioning PDU for its retransmissions. */
int bm_pbadv_build_segment(uint32_t link_id, uint8_t tn, const uint8_t *pdu, size_t pdu_len,
                           uint8_t seg_index, uint8_t *out, size_t out_size, size_t *out_len);

/* Reassembler of one transaction. Zero-initialised (or after
 * bm_pbadv_rx_reset) it is idle. Invariant: any call that returns an error
 * leaves it byte-identical, except the FCS failure described below. */
struct bm_pbadv_rx {
    uint8_t state; /* idle, collecting, complete (private) */
    uint8_t tn;
    uint8_t seg_n;
    uint8_t fcs;
    uint8_t seg_mask;   /* bit i: segment i stored */
    uint16_t total_len; /* from the Transaction Start */
    uint8_t buf[BM_PBADV_RX_MAX_LEN]; /* last: small fields first are cheaper to reach */
};

void bm_pbadv_rx_reset(struct bm_pbadv_rx *rx);

/* Feeds one parsed Transaction Start or Continuation. The caller has
 * already matched the link ID and decided that seg->tn is the transaction
 * to receive (the expected next number, or the one just completed).
 * Returns:
 *  0              the transaction completed now: *pdu / *pdu_len give the
 *                 Provisioning PDU (inside rx, valid until the next call);
 *                 acknowledge it.
 *  BM_EINCOMPLETE stored (or an identical duplicate): more to come.
 *  BM_EDUP        a segment of the transaction already completed: send the
 *                 Transaction Ack again.
 *  BM_ESTATE      a Continuation before its Start, or a segment of another
 *                 transaction while one is in progress (reset first to
 *                 abandon it).
 *  BM_ENOSPC      TotalLength above BM_PBADV_RX_MAX_LEN.
 *  BM_EMALFORMED  inconsistent with the segments held (SegIndex > SegN,
 *                 wrong length, different content or header), or the FCS
 *                 does not match the completed PDU; in that last case the
 *                 transaction is discarded (rx back to idle) so the
 *                 sender's retransmission can start it afresh.
 *  BM_EINVAL      seg is neither Start nor Continuation. */
int bm_pbadv_rx_add(struct bm_pbadv_rx *rx, const struct bm_pbadv_pdu *seg, const uint8_t **pdu,
                    size_t *pdu_len);

#endif
