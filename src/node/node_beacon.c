/* Beacons of a node (Mesh Profile 3.9): the Unprovisioned Device beacon
 * while unprovisioned (with the device name in the same advertisement), the
 * secure network beacon of each subnet once provisioned, and the receive
 * side of both (scan results for a provisioner; an authenticated network
 * beacon drives Key Refresh, node_kr.c, and IV Update, node_iv.c). */
#include <string.h>

#include "net/beacon.h"
#include "node.h"

void bm_node_send_unprov_beacon(struct bm_node *node)
{
    uint8_t adv[BM_ADV_MAX_LEN];
    bm_beacon_udb_write(node->uuid, 0, adv + 2);
    adv[0] = BM_UDB_LEN + 1;
    adv[1] = BM_AD_MESH_BEACON;
    size_t len = BM_UDB_LEN + 2;
    /* The name fills what is left of the 31 octets: complete if it fits,
     * else shortened (Core Supplement 1.2). */
    size_t room = BM_ADV_MAX_LEN - len;
    size_t nlen = strlen(node->name);
    if (room > 2 && nlen > 0) {
        size_t take = nlen <= room - 2 ? nlen : room - 2;
        adv[len] = (uint8_t)(take + 1);
        adv[len + 1] = take == nlen ? BM_AD_COMPLETE_NAME : BM_AD_SHORT_NAME;
        memcpy(adv + len + 2, node->name, take);
        len += take + 2;
    }
    node->stats.adv_tx++;
    static const struct bm_adv_xmit once = {.count = 1, .interval_ms = 20};
    node->plat.adv_send(node->plat.ctx, adv, len, &once);
}

int bm_node_net_beacon(const struct bm_node *node, const struct bm_subnet *sub,
                       uint8_t out[BM_SNB_LEN])
{
    const struct bm_net_keyset *ks = bm_net_tx_keys(sub);
    uint8_t flags = node->net.iv_update ? BM_SNB_FLAG_IVU : 0;
    if (sub->kr_phase == BM_KR_PHASE2)
        flags |= BM_SNB_FLAG_KR;
    return bm_beacon_snb_write(ks->beacon_key, flags, ks->network_id, node->net.iv_index, out);
}

void bm_node_send_net_beacons(struct bm_node *node)
{
    if (!node->provisioned || !node->net_beacon)
        return;
    for (size_t i = 0; i < BM_CFG_SUBNETS; i++) {
        uint8_t out[BM_SNB_LEN];
        if (node->net.subnets[i].used &&
            bm_node_net_beacon(node, &node->net.subnets[i], out) == BM_OK)
            bm_node_send_ad(node, BM_AD_MESH_BEACON, out, sizeof(out), NULL);
    }
}

static void rx_snb(struct bm_node *node, const uint8_t *data, size_t len)
{
    struct bm_snb b;
    if (node->provisioned && bm_beacon_snb_parse(data, len, &b) == BM_OK) {
        for (size_t i = 0; i < BM_CFG_SUBNETS; i++) {
            const struct bm_subnet *sub = &node->net.subnets[i];
            /* the old key set, and during a Key Refresh the new one too */
            size_t sets = !sub->used ? 0 : sub->kr_phase == BM_KR_NORMAL ? 1 : 2;
            for (size_t k = 0; k < sets; k++) {
                const struct bm_net_keyset *ks = &sub->keys[k];
                /* the Network ID at data + 2, authenticated as parsed */
                if (memcmp(ks->network_id, data + 2, 8) != 0 ||
                    bm_beacon_snb_auth(ks->beacon_key, data) != BM_OK)
                    continue;
                node->stats.beacons_rx++;
                uint16_t net_idx = sub->net_idx;
                bm_node_kr_beacon(node, net_idx, (b.flags & BM_SNB_FLAG_KR) != 0, k == 1);
                bm_node_iv_beacon(node, net_idx, b.iv_index, (b.flags & BM_SNB_FLAG_IVU) != 0);
                return;
            }
        }
    }
    node->stats.beacons_bad++;
}

static void rx_udb(struct bm_node *node, const uint8_t *data, size_t len, int8_t rssi,
                   const char *name)
{
    struct bm_udb udb;
    if (!bm_node_is_provisioner(node) || !node->scan_cb ||
        bm_beacon_udb_parse(data, len, &udb) != BM_OK)
        return;
    struct bm_scan_entry *free_slot = NULL, *oldest = NULL;
    for (size_t i = 0; i < BM_CFG_SCAN_RESULTS; i++) {
        struct bm_scan_entry *e = &node->scan[i];
        if (e->used && memcmp(e->dev.uuid, udb.uuid, 16) == 0) {
            e->dev.rssi = rssi;
            e->dev.last_seen_ms = bm_node_now(node);
            if (name[0])
                memcpy(e->dev.name, name, strlen(name) + 1);
            return;
        }
        if (!e->used && !free_slot)
            free_slot = e;
        if (e->used && (!oldest || e->dev.last_seen_ms < oldest->dev.last_seen_ms))
            oldest = e;
    }
    struct bm_scan_entry *e = free_slot ? free_slot : oldest;
    memset(e, 0, sizeof(*e));
    e->used = true;
    memcpy(e->dev.uuid, udb.uuid, 16);
    e->dev.oob_info = udb.oob_info;
    e->dev.rssi = rssi;
    e->dev.last_seen_ms = bm_node_now(node);
    memcpy(e->dev.name, name, strlen(name) + 1);
    node->scan_cb(node->scan_user, &e->dev);
}

void bm_node_rx_beacon(struct bm_node *node, const uint8_t *data, size_t len, int8_t rssi,
                       const char *name)
{
    if (len < 1)
        return;
    if (data[0] == BM_BEACON_SECURE)
        rx_snb(node, data, len);
    else if (data[0] == BM_BEACON_UNPROVISIONED)
        rx_udb(node, data, len, rssi, name);
}
