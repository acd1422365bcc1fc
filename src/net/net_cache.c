/* Network message cache (Mesh Profile 3.4.6.5): the (SRC, SEQ) pairs of
 * recently accepted network PDUs, so a PDU heard twice (relayed, or sent
 * on several bearers) is processed once.
 *
 * A fixed ring of BM_CFG_NET_CACHE_SIZE entries inside struct bm_net_cache:
 * `next` is the slot the next entry overwrites (0..SIZE-1) and `count` the
 * number of valid entries (0..SIZE). When full the oldest entry is evicted.
 * No heap, no statics. */
#include "net/net.h"

bool bm_net_cache_has(const struct bm_net_cache *c, uint16_t src, uint32_t seq)
{
    uint16_t n = c->count < BM_CFG_NET_CACHE_SIZE ? c->count : BM_CFG_NET_CACHE_SIZE;
    for (uint16_t i = 0; i < n; i++) {
        if (c->src[i] == src && c->seq[i] == seq)
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
    c->next = (uint16_t)((slot + 1) % BM_CFG_NET_CACHE_SIZE);
    if (c->count < BM_CFG_NET_CACHE_SIZE)
        c->count++;
}
