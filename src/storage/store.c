/* Record access through the platform's store hooks (see records.h). */
#include "storage/records.h"

#include "blemesh/errors.h"
#include "node/node.h"

int bm_store_put(struct bm_node *node, uint16_t key, const void *data, size_t len)
{
    if (!node->plat.store_put)
        return BM_OK;
    return node->plat.store_put(node->plat.ctx, key, data, len);
}

int bm_store_get(struct bm_node *node, uint16_t key, void *data, size_t size, size_t *len)
{
    if (!node->plat.store_get)
        return BM_ENOENT;
    return node->plat.store_get(node->plat.ctx, key, data, size, len);
}

int bm_store_del(struct bm_node *node, uint16_t key)
{
    int rc = node->plat.store_del ? node->plat.store_del(node->plat.ctx, key) : BM_OK;
    return rc == BM_ENOENT ? BM_OK : rc; /* absent already: done */
}
