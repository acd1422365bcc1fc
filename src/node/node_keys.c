/* The node's key tables beyond the subnets: application keys (kept compact
 * so the upper transport's keyring points straight at them; during key
 * refresh an index has two entries, the new one flagged in app_new) and the
 * device keys (ours, and, on a provisioner, every provisioned node's). */
#include <string.h>

#include "node.h"

/* Appends an entry (is_new: the new key of an index in key refresh). */
static int app_entry_add(struct bm_node *node, uint16_t net_idx, uint16_t app_idx,
                         const uint8_t key[BM_KEY_LEN], bool is_new)
{
    if (node->app_count >= BM_CFG_APP_KEYS)
        return BM_ENOSPC;
    uint8_t aid;
    int rc = bm_crypto_k4(key, &aid);
    if (rc != BM_OK)
        return rc;
    uint8_t n = node->app_count++;
    struct bm_upper_appkey *ak = &node->app_keys[n];
    ak->app_idx = app_idx;
    ak->aid = aid;
    memcpy(ak->key, key, BM_KEY_LEN);
    node->app_net_idx[n] = net_idx;
    node->app_new[n] = is_new;
    bm_persist_sync(node); /* a store failure is logged; the key works */
    return BM_OK;
}

/* BM_OK when entry i holds key (the same message again), else BM_EEXIST. */
static int app_entry_same(const struct bm_node *node, uint8_t i, const uint8_t key[BM_KEY_LEN])
{
    return bm_crypto_memcmp(node->app_keys[i].key, key, BM_KEY_LEN) == 0 ? BM_OK : BM_EEXIST;
}

/* The indexes are 12-bit: the Configuration Server unpacks them so. */
int bm_node_app_key_add(struct bm_node *node, uint16_t net_idx, uint16_t app_idx,
                        const uint8_t key[BM_KEY_LEN])
{
    if (!bm_net_subnet_find(&node->net, net_idx))
        return BM_ENOENT;
    for (uint8_t i = 0; i < node->app_count; i++) {
        if (node->app_keys[i].app_idx != app_idx)
            continue;
        /* Config AppKey Add of an existing index: the same key is fine */
        if (node->app_net_idx[i] != net_idx)
            return BM_EEXIST;
        return app_entry_same(node, i, key);
    }
    return app_entry_add(node, net_idx, app_idx, key, false);
}

/* Removes entry i, keeping the table compact. */
static void app_entry_del(struct bm_node *node, uint8_t i)
{
    uint8_t last = (uint8_t)(node->app_count - 1);
    node->app_keys[i] = node->app_keys[last];
    node->app_net_idx[i] = node->app_net_idx[last];
    node->app_new[i] = node->app_new[last];
    bm_crypto_wipe(&node->app_keys[last], sizeof(node->app_keys[last]));
    node->app_new[last] = false;
    node->app_count = last;
}

int bm_node_app_key_del(struct bm_node *node, uint16_t app_idx)
{
    int rc = BM_ENOENT;
    /* both keys of an index in key refresh go */
    for (uint8_t i = 0; i < node->app_count;) {
        if (node->app_keys[i].app_idx == app_idx) {
            app_entry_del(node, i);
            rc = BM_OK;
        } else {
            i++;
        }
    }
    if (rc == BM_OK)
        bm_persist_sync(node);
    return rc;
}

int bm_node_app_key_update(struct bm_node *node, uint16_t app_idx, const uint8_t key[BM_KEY_LEN])
{
    int old = -1;
    for (uint8_t i = 0; i < node->app_count; i++) {
        if (node->app_keys[i].app_idx != app_idx)
            continue;
        if (node->app_new[i])
            return app_entry_same(node, i, key);
        old = i;
    }
    if (old < 0)
        return BM_ENOENT;
    return app_entry_add(node, node->app_net_idx[old], app_idx, key, true);
}

void bm_node_app_key_revoke(struct bm_node *node, uint16_t net_idx)
{
    for (uint8_t i = 0; i < node->app_count; i++) {
        if (!node->app_new[i] || node->app_net_idx[i] != net_idx)
            continue;
        uint16_t app_idx = node->app_keys[i].app_idx;
        node->app_new[i] = false;
        for (uint8_t k = 0; k < node->app_count; k++) {
            if (k != i && node->app_keys[k].app_idx == app_idx && !node->app_new[k]) {
                app_entry_del(node, k);
                i = (uint8_t)-1; /* the table moved: rescan */
                break;
            }
        }
    }
}

static uint8_t kr_phase(const struct bm_node *node, uint16_t net_idx)
{
    for (size_t i = 0; i < BM_CFG_SUBNETS; i++)
        if (node->net.subnets[i].used && node->net.subnets[i].net_idx == net_idx)
            return node->net.subnets[i].kr_phase;
    return BM_KR_NORMAL;
}

const struct bm_upper_appkey *bm_node_app_key(const struct bm_node *node, uint16_t app_idx,
                                              uint16_t *net_idx)
{
    int found = -1;
    for (uint8_t i = 0; i < node->app_count; i++) {
        if (node->app_keys[i].app_idx != app_idx)
            continue;
        /* Mesh Profile 3.10.4: in key refresh an index has two entries,
         * bound to the same NetKey; the new key transmits from phase 2
         * on, the old one before */
        if (found < 0 ||
            node->app_new[i] == (kr_phase(node, node->app_net_idx[i]) >= BM_KR_PHASE2))
            found = i;
    }
    if (found < 0)
        return NULL;
    if (net_idx)
        *net_idx = node->app_net_idx[found];
    return &node->app_keys[found];
}

const uint8_t *bm_node_dev_key(const struct bm_node *node, uint16_t addr)
{
    if (!node->provisioned)
        return NULL;
    if (bm_node_is_local(node, addr))
        return node->dev_key;
    if (!BM_CFG_PROVISIONER)
        return NULL; /* the database below is filled only in that role */
    for (size_t i = 0; i < BM_CFG_PROV_NODES; i++) {
        const struct bm_prov_db_node *d = &node->db[i];
        if (d->used && addr >= d->addr && addr < d->addr + d->elements)
            return d->dev_key;
    }
    return NULL;
}
