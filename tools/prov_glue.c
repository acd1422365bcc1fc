/* Stopgaps for the provisioner API (see prov_glue.h): the only code in
 * tools/ that reads or writes struct bm_node. Each function does what the
 * core would do for the public function it stands in for, and checks its
 * arguments the same way. */
#include "prov_glue.h"

#include <string.h>

#include "access/model.h"
#include "crypto/crypto.h"
#include "models/generic_common.h"
#include "net/net.h"
#include "node/node.h"
#include "prov/prov_link.h"

/* Mesh Model 3.3.1.1 / 3.3.2.1: Generic OnOff Get, Generic Level Get. */
#define OP_ONOFF_GET 0x8201
#define OP_LEVEL_GET 0x8205

int bm_glue_prov_restore(struct bm_node *node, const uint8_t net_key[16], uint16_t net_idx,
                         uint32_t iv_index, uint16_t own_addr, const uint8_t dev_key[16],
                         uint32_t seq_floor, uint16_t next_addr)
{
    if (!node || !net_key || !dev_key || net_idx > 0xfff || !bm_addr_is_unicast(own_addr) ||
        !bm_addr_is_unicast(next_addr))
        return BM_EINVAL;
    if (!node->initialized)
        return BM_ESTATE;
    if (!node->provisioned) {
        int rc = bm_node_provisioned(node, net_key, net_idx, 0, iv_index, own_addr, dev_key);
        if (rc != BM_OK)
            return rc;
        /* The store that held our sequence number is gone: resume above
         * the last one the database recorded, so none is sent twice. The
         * next send stores a new reservation mark first. */
        node->seq = seq_floor;
        node->seq_reserved = seq_floor;
    } else if (node->addr != own_addr ||
               !bm_net_subnet_find(&node->net, net_idx)) {
        return BM_EEXIST; /* the store belongs to another network */
    }
    node->is_provisioner = true;
    node->prov_net_idx = net_idx;
    node->next_addr = next_addr;
    bm_prov_link_device_enable(&node->link, NULL, false);
    return BM_OK;
}

int bm_glue_prov_set_next_addr(struct bm_node *node, uint16_t next_addr)
{
    if (!node || !bm_addr_is_unicast(next_addr))
        return BM_EINVAL;
    if (!node->is_provisioner)
        return BM_ESTATE;
    node->next_addr = next_addr;
    return BM_OK;
}

int bm_glue_prov_node_add(struct bm_node *node, const uint8_t uuid[16], uint16_t addr,
                          uint8_t elements, const uint8_t dev_key[16])
{
    if (!node || !uuid || !dev_key || !bm_addr_is_unicast(addr) || elements == 0)
        return BM_EINVAL;
    if (!node->is_provisioner)
        return BM_ESTATE;
    struct bm_prov_db_node *slot = NULL;
    for (size_t i = 0; i < BM_CFG_PROV_NODES; i++) {
        if (node->db[i].used && node->db[i].addr == addr)
            return BM_EEXIST;
        if (!node->db[i].used && !slot)
            slot = &node->db[i];
    }
    if (!slot)
        return BM_ENOSPC;
    slot->used = true;
    memcpy(slot->uuid, uuid, 16);
    slot->addr = addr;
    slot->elements = elements;
    memcpy(slot->dev_key, dev_key, BM_KEY_LEN);
    return BM_OK;
}

int bm_glue_prov_node_del(struct bm_node *node, uint16_t addr)
{
    if (!node)
        return BM_EINVAL;
    for (size_t i = 0; i < BM_CFG_PROV_NODES; i++) {
        if (node->db[i].used && node->db[i].addr == addr) {
            bm_crypto_wipe(&node->db[i], sizeof(node->db[i]));
            node->db[i].used = false;
            return BM_OK;
        }
    }
    return BM_ENOENT;
}

int bm_glue_dev_key(const struct bm_node *node, uint16_t addr, uint8_t key[16])
{
    if (!node || !key)
        return BM_EINVAL;
    const uint8_t *k = bm_node_dev_key(node, addr);
    if (!k)
        return BM_ENOENT;
    memcpy(key, k, BM_KEY_LEN);
    return BM_OK;
}

uint32_t bm_glue_seq(const struct bm_node *node)
{
    return node ? node->seq : 0;
}

int bm_glue_local_app_key(struct bm_node *node, uint16_t net_idx, uint16_t app_idx,
                          const uint8_t key[16], struct bm_model *model)
{
    if (!node || !key)
        return BM_EINVAL;
    int rc = bm_node_app_key_add(node, net_idx, app_idx, key);
    if (rc != BM_OK)
        return rc;
    if (!model || bm_access_is_bound(model, app_idx))
        return BM_OK;
    return bm_access_bind(model, app_idx);
}

int bm_glue_generic_get(struct bm_node *node, struct bm_model *client, bool level, uint16_t dst,
                        uint16_t app_idx)
{
    if (!node || !client)
        return BM_EINVAL;
    uint8_t none[1] = {0};
    return bm_gen_cli_send(node, client, level ? OP_LEVEL_GET : OP_ONOFF_GET, true, 0, none, 0,
                           dst, app_idx);
}
