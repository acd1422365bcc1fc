/* Network message cache (Mesh Profile 3.4.6.5): the (SRC, SEQ) pairs of
 * recently accepted network PDUs, so a PDU heard twice (relayed, or sent
 * on several bearers) is processed once.
 *
 * A fixed ring of BM_CFG_NET_CACHE_SIZE entries inside struct bm_net_cache:
 * `next` is the slot the next entry overwrites (0..SIZE-1) and `count` the
 * number of valid entries (0..SIZE). When full the oldest entry is evicted.
 * tag[i] is a one-octet hash of (src[i], seq[i]): a lookup scans the tags
 * and compares the full entry only where the tag matches (on
 * average SIZE/256 false matches), which is the relay path's cost per PDU
 * (BENCHMARKS.md section 1). No heap, no statics. */
#include <string.h>

#include "net/net.h"

static uint8_t tag_of(uint16_t src, uint32_t seq)
{
    /* Fibonacci hashing: the top octet of the product mixes every bit of
     * SEQ (which advances by one per PDU) and SRC. */
    uint32_t h = (seq ^ (uint32_t)src << 20 ^ (uint32_t)src) * 0x9e3779b1u;
    return (uint8_t)(h >> 24);
}

bool bm_net_cache_has(const struct bm_net_cache *c, uint16_t src, uint32_t seq)
{
    size_t n = c->count < BM_CFG_NET_CACHE_SIZE ? c->count : BM_CFG_NET_CACHE_SIZE;
    uint8_t t = tag_of(src, seq);
    /* four tags per step (one of them equal to t makes a zero octet in
     * v): the relay path's cost, without a libc memchr in small images.
     * The last step may read tags past n (the array is a whole number of
     * words): those are never compared in full. */
    uint32_t pat = 0x01010101u * t;
    for (size_t i = 0; i < n; i += 4) {
        uint32_t v;
        memcpy(&v, &c->tag[i], 4);
        v ^= pat;
        if (((v - 0x01010101u) & ~v & 0x80808080u) == 0)
            continue;
        for (size_t k = i; k < i + 4 && k < n; k++)
            if (c->tag[k] == t && c->src[k] == src && c->seq[k] == seq)
                return true;
    }
    return false;
}

void bm_net_cache_add(struct bm_net_cache *c, uint16_t src, uint32_t seq)
{
    /* Slots 0..count-1 are the valid ones: the ring fills from slot 0 and
     * wraps only once count has reached the size. */
    uint16_t slot = (uint16_t)(c->next % BM_CFG_NET_CACHE_SIZE);
    c->src[slot] = src;
    c->seq[slot] = seq;
    c->tag[slot] = tag_of(src, seq);
    c->next = (uint16_t)((slot + 1) % BM_CFG_NET_CACHE_SIZE);
    if (c->count < BM_CFG_NET_CACHE_SIZE)
        c->count++;
}
