/* Fuzz target: lower transport reassembly (transport/reasm.c, lower.c)
 * fed a sequence of segments. Each record of the input is either a raw
 * transport PDU (parsed first) or a structured segment the harness builds
 * from fields (source, CTL, SZMIC, AKF, SeqZero, SegO, SegN, SEQ, payload)
 * so that most of them parse; time advances between records and the
 * incomplete timer may run. Properties: every rejected segment leaves the
 * pool byte-identical (reasm.c invariant), a completed message is exactly
 * the segments that were accepted for it, in order, with SeqAuth and
 * length consistent, and every parsed PDU builds back to its octets. */
#include <string.h>

#include "fuzz_common.h"
#include "net/net.h"
#include "transport_checks.h"

static const uint16_t srcs[4] = {0x0003, 0x0004, 0x7fff, 0x1201};

/* What the harness expects a source's message in progress to hold. */
struct shadow {
    bool active;
    uint32_t iv_index, seq_first;
    uint32_t have;
    uint8_t seg[32][BM_LOWER_SEG_ACCESS_LEN];
    size_t len[32];
};

static void sync_shadow(const struct bm_reasm_pool *pool, struct shadow *sh, uint16_t src)
{
    for (size_t i = 0; i < BM_CFG_RX_SEG_CTX; i++) {
        const struct bm_reasm *r = &pool->ctx[i];
        if (r->busy && r->src == src && r->iv_index == sh->iv_index &&
            r->seq_first == sh->seq_first)
            return;
    }
    sh->active = false;
    sh->have = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f;
    fz_init(&f, data, size);
    static struct bm_reasm_pool pool;
    bm_lower_reasm_init(&pool);
    static struct shadow sh[4];
    memset(sh, 0, sizeof(sh));
    uint32_t now = fz_u8(&f) ? 0xffff0000u : 1000; /* also across the 32-bit wrap */
    uint32_t iv = FZ_IV_INDEX;

    while (fz_more(&f)) {
        uint8_t flags = fz_u8(&f);
        unsigned si = flags & 3;
        uint16_t src = srcs[si];
        uint8_t ctl = (flags >> 3) & 1;
        uint16_t dst = (flags & 0x40) ? 0xc001 : FZ_NODE_ADDR;
        uint8_t pdu[BM_NET_MAX_TRANSPORT];
        size_t len;
        uint32_t seq;
        if (flags & 4) {
            seq = fz_u24(&f);
            len = fz_chunk(&f, pdu, sizeof(pdu));
        } else {
            struct bm_lower_hdr h = {.ctl = ctl, .seg = 1};
            h.seg_n = fz_u8(&f) & 0x1f;
            h.seg_o = fz_u8(&f) & 0x1f;
            h.seq_zero = fz_u16(&f) & 0x1fff;
            if (ctl) {
                h.opcode = (flags & 0x20) ? 0x0a : 0x01;
            } else {
                h.szmic = (flags >> 4) & 1;
                h.akf = (flags >> 5) & 1;
                h.aid = h.akf ? 0x26 : 0;
            }
            seq = ((uint32_t)fz_u8(&f) << 13 | h.seq_zero) + h.seg_o;
            size_t full = ctl ? BM_LOWER_SEG_CTL_LEN : BM_LOWER_SEG_ACCESS_LEN;
            size_t plen = h.seg_o < h.seg_n ? full : (size_t)(fz_u8(&f) % full) + 1;
            uint8_t payload[BM_LOWER_SEG_ACCESS_LEN] = {0};
            fz_take(&f, payload, plen);
            if (bm_lower_build(&h, payload, plen, pdu, sizeof(pdu), &len) != BM_OK)
                continue;
        }
        seq &= BM_SEQ_MAX;
        if (flags & 0x80) {
            now += (uint32_t)fz_u8(&f) * 100u;
            bm_lower_reasm_expire(&pool, now);
            for (unsigned i = 0; i < 4; i++)
                sync_shadow(&pool, &sh[i], srcs[i]);
        }

        struct bm_lower_hdr h;
        const uint8_t *payload;
        size_t plen;
        if (fz_lower_roundtrip(ctl, pdu, len, &h, &payload, &plen) != BM_OK || !h.seg)
            continue;
        struct bm_reasm_pool before = pool;
        struct bm_lower_msg msg;
        const struct bm_lower_msg seg = {.hdr = h,
                                         .src = src,
                                         .dst = dst,
                                         .ttl = 5,
                                         .seq = seq,
                                         .iv_index = iv,
                                         .upper = payload,
                                         .upper_len = plen};
        int rc = bm_lower_reasm_rx(&pool, &seg, now, &msg);
        switch (rc) {
        case BM_OK:
        case BM_EINCOMPLETE: {
            uint32_t first = bm_lower_first_seq(seq, h.seq_zero);
            /* a first SEQ that wrapped below 0 belongs to the previous IV index */
            uint32_t first_iv = first > seq ? iv - 1 : iv;
            struct shadow *s = &sh[si];
            if (!s->active || s->seq_first != first || s->iv_index != first_iv) {
                memset(s, 0, sizeof(*s));
                s->active = true;
                s->seq_first = first;
                s->iv_index = first_iv;
            }
            if (s->have & (1u << h.seg_o))
                FZ_CHECK(s->len[h.seg_o] == plen && memcmp(s->seg[h.seg_o], payload, plen) == 0);
            memcpy(s->seg[h.seg_o], payload, plen);
            s->len[h.seg_o] = plen;
            s->have |= 1u << h.seg_o;
            break;
        }
        default:
            FZ_CHECK(rc == BM_EMALFORMED || rc == BM_EDUP || rc == BM_EREPLAY ||
                     rc == BM_ENOSPC);
            FZ_CHECK(memcmp(&before, &pool, sizeof(pool)) == 0);
            break;
        }
        for (unsigned i = 0; i < 4; i++)
            if (i != si)
                sync_shadow(&pool, &sh[i], srcs[i]);
        if (rc != BM_OK)
            continue;
        /* the completed message is what the shadow holds */
        struct shadow *s = &sh[si];
        FZ_CHECK(msg.src == src && msg.dst == dst && msg.hdr.seg == 1 && msg.hdr.ctl == ctl);
        FZ_CHECK(msg.seq == s->seq_first && msg.iv_index == s->iv_index);
        FZ_CHECK(s->have == (h.seg_n >= 31 ? 0xffffffffu : (1u << (h.seg_n + 1)) - 1));
        size_t off = 0;
        for (unsigned i = 0; i <= h.seg_n; i++) {
            FZ_CHECK(off + s->len[i] <= msg.upper_len);
            FZ_CHECK(memcmp(msg.upper + off, s->seg[i], s->len[i]) == 0);
            off += s->len[i];
        }
        FZ_CHECK(off == msg.upper_len && msg.upper_len <= BM_LOWER_MAX_UPPER);
        if (!msg.hdr.ctl)
            fz_upper_check(msg.hdr.akf, msg.hdr.aid, msg.hdr.szmic, msg.seq, msg.src, msg.dst,
                           msg.iv_index, msg.upper, msg.upper_len);
        if (flags & 0x10)
            iv++; /* a later IV index: SeqAuth moves on */
    }
    return 0;
}
