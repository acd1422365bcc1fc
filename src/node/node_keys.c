/* The node's key tables beyond the subnets: application keys (kept compact
 * so the upper transport's keyring points straight at them) and the
 * device keys (ours, and, on a provisioner, every provisioned node's). */
#include <string.h>

#include "node.h"

int bm_node_app_key_add(struct bm_node *node, uint16_t net_idx, uint16_t app_idx,
                        const uint8_t key[BM_KEY_LEN])
{
    if (app_idx > 0xfff || net_idx > 0xfff)
        return BM_EINVAL;
    if (!bm_net_subnet_find(&node->net, net_idx))
        return BM_ENOENT;
    for (uint8_t i = 0; i < node->app_count; i++) {
        if (node->app_keys[i].app_idx != app_idx)
            continue;
        /* Config AppKey Add of an existing index: the same key is fine */
        if (node->app_net_idx[i] == net_idx &&
            bm_crypto_memcmp(node->app_keys[i].key, key, BM_KEY_LEN) == 0)
            return BM_OK;
        return BM_EEXIST;
    }
    if (node->app_count >= BM_CFG_APP_KEYS)
        return BM_ENOSPC;
    struct bm_upper_appkey *ak = &node->app_keys[node->app_count];
    uint8_t aid;
    int rc = bm_crypto_k4(key, &aid);
    if (rc != BM_OK)
        return rc;
    ak->app_idx = app_idx;
    ak->aid = aid;
    memcpy(ak->key, key, BM_KEY_LEN);
    node->app_net_idx[node->app_count] = net_idx;
    node->app_count++;
    return BM_OK;
}

int bm_node_app_key_del(struct bm_node *node, uint16_t app_idx)
{
    for (uint8_t i = 0; i < node->app_count; i++) {
        if (node->app_keys[i].app_idx != app_idx)
            continue;
        uint8_t last = (uint8_t)(node->app_count - 1);
        node->app_keys[i] = node->app_keys[last];
        node->app_net_idx[i] = node->app_net_idx[last];
        bm_crypto_wipe(&node->app_keys[last], sizeof(node->app_keys[last]));
        node->app_count = last;
        return BM_OK;
    }
    return BM_ENOENT;
}

const struct bm_upper_appkey *bm_node_app_key(const struct bm_node *node, uint16_t app_idx,
                                              uint16_t *net_idx)
{
    for (uint8_t i = 0; i < node->app_count; i++) {
        if (node->app_keys[i].app_idx == app_idx) {
            if (net_idx)
                *net_idx = node->app_net_idx[i];
            return &node->app_keys[i];
        }
    }
    return NULL;
}

const uint8_t *bm_node_dev_key(const struct bm_node *node, uint16_t addr)
{
    if (!node->provisioned)
        return NULL;
    if (bm_node_is_local(node, addr))
        return node->dev_key;
    for (size_t i = 0; i < BM_CFG_PROV_NODES; i++) {
        const struct bm_prov_db_node *d = &node->db[i];
        if (d->used && addr >= d->addr && addr < d->addr + d->elements)
            return d->dev_key;
    }
    return NULL;
}
