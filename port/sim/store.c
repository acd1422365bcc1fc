/* The per-node in-memory store behind the bm_platform store hooks: records
 * by 16-bit key, up to BM_SIM_STORE_RECORDS of at most BM_SIM_STORE_MAX_LEN
 * octets each.
 *
 * Invariants: keys are unique among recs[0..n_recs); a put either replaces
 * the record whole or leaves it untouched (the new value is copied into a
 * fresh buffer before the old one is released), as platform.h asks of a
 * flash store; a node restart (bm_sim_node_restart) does not touch it. */
#include <stdlib.h>
#include <string.h>

#include "blemesh/errors.h"
#include "sim_int.h"

static struct bm_sim_rec *find_rec(struct bm_sim_node *n, uint16_t key)
{
    for (uint16_t i = 0; i < n->n_recs; i++)
        if (n->recs[i].key == key)
            return &n->recs[i];
    return NULL;
}

int bm_sim_store_put(void *ctx, uint16_t key, const void *data, size_t len)
{
    struct bm_sim_node *n = ctx;
    if (len > BM_SIM_STORE_MAX_LEN || (len && !data))
        return BM_EINVAL;
    if (!n->recs) {
        n->recs = calloc(BM_SIM_STORE_RECORDS, sizeof(*n->recs));
        if (!n->recs)
            return BM_ENOSPC;
    }
    struct bm_sim_rec *r = find_rec(n, key);
    if (!r && n->n_recs == BM_SIM_STORE_RECORDS)
        return BM_ENOSPC;
    uint8_t *buf = NULL;
    if (len) {
        buf = malloc(len);
        if (!buf)
            return BM_ENOSPC;
        memcpy(buf, data, len);
    }
    if (!r) {
        r = &n->recs[n->n_recs++];
        r->key = key;
    } else {
        free(r->data);
    }
    r->data = buf;
    r->len = (uint16_t)len;
    n->stats.store_puts++;
    return 0;
}

int bm_sim_store_get(void *ctx, uint16_t key, void *data, size_t size, size_t *len)
{
    struct bm_sim_node *n = ctx;
    struct bm_sim_rec *r = find_rec(n, key);
    if (!r)
        return BM_ENOENT;
    if (len)
        *len = r->len;
    if (r->len > size || (r->len && !data))
        return BM_ENOSPC;
    if (r->len)
        memcpy(data, r->data, r->len);
    return 0;
}

int bm_sim_store_del(void *ctx, uint16_t key)
{
    struct bm_sim_node *n = ctx;
    struct bm_sim_rec *r = find_rec(n, key);
    if (!r)
        return BM_ENOENT;
    free(r->data);
    *r = n->recs[--n->n_recs];
    return 0;
}

void bm_sim_store_free(struct bm_sim_node *n)
{
    for (uint16_t i = 0; i < n->n_recs; i++)
        free(n->recs[i].data);
    free(n->recs);
    n->recs = NULL;
    n->n_recs = 0;
}

size_t bm_sim_store_count(struct bm_sim *sim, uint32_t id)
{
    return sim && id < sim->n_nodes ? sim->nodes[id]->n_recs : 0;
}

int bm_sim_store_clear(struct bm_sim *sim, uint32_t id)
{
    if (!sim || id >= sim->n_nodes)
        return BM_EINVAL;
    bm_sim_store_free(sim->nodes[id]);
    return 0;
}

int bm_sim_store_record(struct bm_sim *sim, uint32_t id, size_t index, uint16_t *key,
                        const uint8_t **data, size_t *len)
{
    if (!sim || id >= sim->n_nodes || !key || !data || !len)
        return BM_EINVAL;
    const struct bm_sim_node *n = sim->nodes[id];
    if (index >= n->n_recs)
        return BM_ENOENT;
    *key = n->recs[index].key;
    *data = n->recs[index].data;
    *len = n->recs[index].len;
    return 0;
}
