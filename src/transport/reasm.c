/* Reassembly of segmented lower transport PDUs (Mesh Profile 3.5.3.4)
 * into the caller's fixed pool (struct bm_reasm_pool); no heap, no clock:
 * the caller passes now_ms.
 *
 * Invariants:
 * - At most one context per source address: a source sends one segmented
 *   message at a time, so a newer SeqAuth from it replaces whatever is held
 *   (complete or not) and an older one is refused (BM_EREPLAY).
 * - A context holds the header fields every segment of its message must
 *   repeat (ctl, akf/aid or opcode, szmic, seg_n, dst); segment i sits at
 *   buf + i * segment size, which is exact because every segment but the
 *   last is full (checked by bm_lower_check()).
 * - `received` only ever has bits 0..seg_n; done == (received is all of
 *   them); last_len is set exactly when bit seg_n is.
 * - Every check runs before the first write: a rejected segment leaves the
 *   pool byte-identical. A duplicate of a segment already held (same bytes)
 *   only restarts the incomplete timer (last_rx_ms), since it shows the
 *   sender is still working on the message; for a completed message it
 *   changes nothing and returns BM_EDUP so the caller can re-acknowledge.
 * - A completed context is kept (done) until it expires, is replaced by a
 *   newer message from its source or is evicted to make room (oldest first).
 *   Once it is gone, a late duplicate starts a fresh reassembly; the replay
 *   protection list above (Mesh Profile 3.8.8) stops it being handled twice.
 */
#include "transport/lower.h"

#include <string.h>

#include "blemesh/errors.h"

static size_t seg_len(uint8_t ctl)
{
    return ctl ? BM_LOWER_SEG_CTL_LEN : BM_LOWER_SEG_ACCESS_LEN;
}

static uint32_t age_ms(const struct bm_reasm *r, uint32_t now_ms)
{
    return now_ms - r->last_rx_ms; /* modulo 2^32: survives clock wrap */
}

/* One pass over the pool: returns the context of src (at most one), or
 * NULL; *slot is where a new message goes when src has none: the first
 * free context, else the completed context idle the longest, else NULL. */
static struct bm_reasm *find_src(struct bm_reasm_pool *pool, uint16_t src, uint32_t now_ms,
                                 struct bm_reasm **slot)
{
    struct bm_reasm *found = NULL, *unused = NULL, *oldest = NULL;
    for (size_t i = 0; i < BM_CFG_RX_SEG_CTX; i++) {
        struct bm_reasm *r = &pool->ctx[i];
        if (!r->busy) {
            if (!unused)
                unused = r;
        } else if (r->src == src) {
            found = r;
        } else if (r->done && (!oldest || age_ms(r, now_ms) > age_ms(oldest, now_ms))) {
            oldest = r;
        }
    }
    *slot = unused ? unused : oldest;
    return found;
}

/* The fields of hdr every segment of its message repeats (struct
 * bm_reasm's hdr), the others 0, so that two segments belong to the same
 * message exactly when these compare equal. */
static void msg_fields(const struct bm_lower_hdr *hdr, struct bm_lower_hdr *out)
{
    memset(out, 0, sizeof(*out));
    out->ctl = hdr->ctl;
    out->seg = 1;
    out->seg_n = hdr->seg_n;
    if (hdr->ctl) {
        out->opcode = hdr->opcode;
    } else {
        out->akf = hdr->akf;
        out->aid = hdr->aid;
        out->szmic = hdr->szmic;
    }
}

void bm_lower_reasm_init(struct bm_reasm_pool *pool)
{
    if (pool)
        memset(pool, 0, sizeof(*pool));
}

int bm_lower_reasm_rx(struct bm_reasm_pool *pool, const struct bm_lower_msg *seg, uint32_t now_ms,
                      struct bm_lower_msg *msg)
{
    if (!pool || !seg || !msg)
        return BM_EINVAL;
    const struct bm_lower_hdr *hdr = &seg->hdr;
    const uint8_t *payload = seg->upper;
    size_t payload_len = seg->upper_len;
    if (!payload || !hdr->seg || bm_lower_check(hdr, payload_len) != BM_OK)
        return BM_EMALFORMED;
    if (hdr->seg_n >= BM_CFG_MAX_SEGMENTS)
        return BM_ENOSPC;

    /* 3.5.3.1: SeqAuth = IV Index || SEQ of the first segment. A first SEQ
     * above this segment's SEQ wrapped below 0, i.e. it was sent under the
     * previous IV index; under IV index 0 no such segment can exist. */
    uint32_t seq = seg->seq & 0xffffffu;
    uint32_t first = bm_lower_first_seq(seq, hdr->seq_zero);
    uint32_t iv = seg->iv_index;
    if (first > seq) {
        if (iv == 0)
            return BM_EMALFORMED;
        iv--;
    }

    size_t off = (size_t)hdr->seg_o * seg_len(hdr->ctl);
    uint32_t bit = 1u << hdr->seg_o;
    bool last = hdr->seg_o == hdr->seg_n;
    struct bm_lower_hdr fields;
    msg_fields(hdr, &fields);

    /* SeqAuth compared as (IV index, first SEQ): no 64-bit arithmetic */
    struct bm_reasm *slot;
    struct bm_reasm *r = find_src(pool, seg->src, now_ms, &slot);
    if (r && r->iv_index == iv && r->seq_first == first) {
        /* The last segment fixes the total length; it must not change. */
        if (memcmp(&r->hdr, &fields, sizeof(fields)) != 0 || r->dst != seg->dst ||
            (last && (r->received & bit) && r->last_len != payload_len))
            return BM_EMALFORMED;
        if (r->received & bit) {
            /* A retransmission repeats the same bytes; anything else
             * under this SeqAuth is not part of the message. */
            if (memcmp(r->buf + off, payload, payload_len) != 0)
                return BM_EMALFORMED;
            if (r->done)
                return BM_EDUP;
            r->last_rx_ms = now_ms;
            return BM_EINCOMPLETE;
        }
    } else {
        /* 3.5.3.4: segments of a message older than the one in progress
         * (or last completed) from this source are ignored. */
        if (r && (iv < r->iv_index || (iv == r->iv_index && first < r->seq_first)))
            return BM_EREPLAY;
        if (!r)
            r = slot;
        if (!r)
            return BM_ENOSPC;
        memset(r, 0, sizeof(*r));
        r->busy = true;
        r->src = seg->src;
        r->dst = seg->dst;
        r->ttl = seg->ttl;
        r->iv_index = iv;
        r->seq_first = first;
        r->hdr = fields;
    }

    memcpy(r->buf + off, payload, payload_len);
    r->received |= bit;
    if (last)
        r->last_len = (uint8_t)payload_len;
    r->last_rx_ms = now_ms;
    /* bits 0..seg_n; for seg_n 31 the shift wraps to 0 and this is all 32 */
    if (r->received != (2u << r->hdr.seg_n) - 1u)
        return BM_EINCOMPLETE;
    r->done = true;
    /* every read of seg is done: msg may be seg; every field is set */
    msg->hdr = r->hdr; /* seg is 1 */
    msg->src = r->src;
    msg->dst = r->dst;
    msg->ttl = r->ttl;
    msg->seq = r->seq_first;
    msg->iv_index = r->iv_index;
    msg->upper = r->buf;
    msg->upper_len = (size_t)r->hdr.seg_n * seg_len(r->hdr.ctl) + r->last_len;
    return BM_OK;
}

void bm_lower_reasm_expire(struct bm_reasm_pool *pool, uint32_t now_ms)
{
    if (!pool)
        return;
    /* 3.5.3.4: an incomplete message is abandoned when the incomplete
     * timer (restarted by every segment) runs out; a completed one is only
     * remembered for re-acknowledgment and is dropped on the same timer. */
    for (size_t i = 0; i < BM_CFG_RX_SEG_CTX; i++) {
        struct bm_reasm *r = &pool->ctx[i];
        if (r->busy && age_ms(r, now_ms) >= BM_SAR_INCOMPLETE_MS)
            memset(r, 0, sizeof(*r));
    }
}
