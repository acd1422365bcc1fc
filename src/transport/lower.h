/* Lower transport layer (Mesh Profile 3.5.2-3.5.3): unsegmented and
 * segmented access/control PDUs, segment acknowledgements, reassembly into
 * bounded buffers, and the SAR timer values as functions of a clock that
 * the caller passes in (nothing here sleeps or reads a clock). */
#ifndef BM_LOWER_H
#define BM_LOWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blemesh/config.h"

#define BM_LOWER_UNSEG_ACCESS_MAX 15 /* upper transport octets in one unsegmented access PDU */
#define BM_LOWER_UNSEG_CTL_MAX 11
#define BM_LOWER_SEG_ACCESS_LEN 12   /* upper transport octets per access segment */
#define BM_LOWER_SEG_CTL_LEN 8
#define BM_LOWER_SEG_HDR_LEN 4
#define BM_LOWER_MAX_UPPER (BM_CFG_MAX_SEGMENTS * BM_LOWER_SEG_ACCESS_LEN)
#define BM_CTL_OP_SEG_ACK 0x00

/* Header fields of one lower transport PDU. */
struct bm_lower_hdr {
    uint8_t ctl;      /* from the network header */
    uint8_t seg;      /* 0 unsegmented, 1 segmented */
    uint8_t akf;      /* access only */
    uint8_t aid;      /* access only, 6 bits */
    uint8_t opcode;   /* control only, 7 bits */
    uint8_t szmic;    /* segmented access only */
    uint16_t seq_zero;/* segmented only, 13 bits */
    uint8_t seg_o;    /* segmented only, 5 bits */
    uint8_t seg_n;    /* segmented only, 5 bits */
};

/* Parses a transport PDU; *payload points into pdu. Checks every length
 * (a segment of a multi-segment message other than the last must be full).
 * Returns 0 or BM_EMALFORMED. */
int bm_lower_parse(uint8_t ctl, const uint8_t *pdu, size_t len, struct bm_lower_hdr *hdr,
                   const uint8_t **payload, size_t *payload_len);

/* Checks that payload_len octets fit the header: unsegmented access 5..15
 * (opcode + TransMIC at least), unsegmented control 0..11, segments 1..12
 * (access) or 1..8 (control) and full when seg_o < seg_n, SegO <= SegN, no
 * segmented Segment Acknowledgment, every field within its width. Shared by
 * parse, build and reassembly. Returns 0 or BM_EMALFORMED. */
int bm_lower_check(const struct bm_lower_hdr *hdr, size_t payload_len);

/* Writes header + payload. payload is either out + header length (already
 * in place) or does not overlap out. Returns 0, BM_EINVAL or BM_ENOSPC. */
int bm_lower_build(const struct bm_lower_hdr *hdr, const uint8_t *payload, size_t payload_len,
                   uint8_t *out, size_t out_size, size_t *out_len);

/* Number of segments an upper transport PDU of upper_len octets needs
 * (1..32), or BM_EINVAL if it is empty or too long. */
int bm_lower_seg_count(uint8_t ctl, size_t upper_len);

/* Builds segment seg_o of upper (hdr gives ctl, akf/aid or opcode, szmic,
 * seq_zero; seg_o and seg_n are set here). */
int bm_lower_segment(const struct bm_lower_hdr *hdr, const uint8_t *upper, size_t upper_len,
                     uint8_t seg_o, uint8_t *out, size_t out_size, size_t *out_len);

/* SeqZero of a message whose first segment has sequence number seq. */
static inline uint16_t bm_lower_seq_zero(uint32_t seq) { return (uint16_t)(seq & 0x1fff); }
/* SeqAuth's SEQ part: the sequence number of the first segment, recovered
 * from a later segment's seq and its SeqZero (Mesh Profile 3.5.3.1). */
uint32_t bm_lower_first_seq(uint32_t seq, uint16_t seq_zero);

/* Segment Acknowledgment message (control opcode 0x00). */
struct bm_seg_ack {
    uint8_t obo;
    uint16_t seq_zero;
    uint32_t block_ack;
};
#define BM_SEG_ACK_LEN 6
int bm_lower_ack_encode(const struct bm_seg_ack *ack, uint8_t out[BM_SEG_ACK_LEN]);
int bm_lower_ack_decode(const uint8_t *params, size_t len, struct bm_seg_ack *ack);

/* A complete upper transport PDU handed up by reassembly. */
struct bm_lower_msg {
    /* ctl, akf, aid, opcode, szmic, seg; from reassembly also seg_n, with
     * seq_zero and seg_o 0 */
    struct bm_lower_hdr hdr;
    uint16_t src, dst;
    uint8_t ttl;
    uint32_t seq;      /* SEQ of the first (or only) segment: SeqAuth's low 24 bits */
    uint32_t iv_index;
    const uint8_t *upper;
    size_t upper_len;
};

/* One message being reassembled. */
struct bm_reasm {
    bool busy;
    bool done;          /* complete; kept to re-ack duplicates */
    uint8_t ttl;
    uint8_t last_len;   /* length of segment seg_n, once received */
    uint16_t src, dst;
    /* the header fields every segment repeats: ctl, seg, seg_n, and akf,
     * aid, szmic (access) or opcode (control); the others are 0 */
    struct bm_lower_hdr hdr;
    uint32_t iv_index;
    uint32_t seq_first; /* SeqAuth = iv_index << 24 | seq_first */
    uint32_t received;  /* bit i set: segment i is in buf */
    uint32_t last_rx_ms;
    uint8_t buf[BM_LOWER_MAX_UPPER];
};

struct bm_reasm_pool {
    struct bm_reasm ctx[BM_CFG_RX_SEG_CTX];
};

void bm_lower_reasm_init(struct bm_reasm_pool *pool);

/* Feeds one segment, already parsed: seg->hdr is its header, seg->upper
 * and seg->upper_len its payload, seg->seq its own SEQ, and src, dst, ttl
 * and iv_index those of its network PDU. msg may be seg. Returns BM_EINCOMPLETE while more
 * segments are needed, 0 when the message is complete (msg points into the
 * pool until the next call), BM_EMALFORMED for a segment inconsistent with
 * the message in progress, BM_EDUP for a segment of a completed message,
 * BM_EREPLAY for a segment older (smaller SeqAuth) than the message kept
 * for its source, BM_ENOSPC when no context is free (a completed context
 * is evicted first) or the message has more than BM_CFG_MAX_SEGMENTS
 * segments. A rejected segment changes nothing; a duplicate of a segment
 * already held only restarts the incomplete timer (last_rx_ms). */
int bm_lower_reasm_rx(struct bm_reasm_pool *pool, const struct bm_lower_msg *seg, uint32_t now_ms,
                      struct bm_lower_msg *msg);

/* Expires contexts idle longer than the incomplete timer. */
void bm_lower_reasm_expire(struct bm_reasm_pool *pool, uint32_t now_ms);

/* SAR timers (Mesh Profile 1.0.1, 3.5.3.3-3.5.3.4), in milliseconds. */
#define BM_SAR_INCOMPLETE_MS 10000u
#define BM_SAR_TX_RETRIES 4 /* retransmissions of unacknowledged segments (unicast) */
static inline uint32_t bm_lower_ack_timer_ms(uint8_t ttl) { return 150u + 50u * ttl; }
static inline uint32_t bm_lower_seg_tx_timer_ms(uint8_t ttl) { return 200u + 50u * ttl; }

#endif
