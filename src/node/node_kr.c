/* The Key Refresh procedure of a node (Mesh Profile 3.10.4) beyond the
 * Configuration Server's messages: the phase changes secure network
 * beacons drive (3.10.4.2-3.10.4.3), the AppKeys that follow the NetKey,
 * storage of every step, and the provisioner's calls on its own keys.
 *
 * Only a beacon authenticated with the new NetKey moves a phase: in phase
 * 1 its Key Refresh flag set means phase 2, clear means the provisioner
 * already finished (a node that missed phase 2, e.g. switched off): the
 * old keys are revoked; in phase 2 a clear flag revokes them too. A
 * beacon with the old key proves nothing about the new one. */
#include <string.h>

#include "blemesh/network.h"
#include "node.h"

int bm_node_kr_set_phase(struct bm_node *node, uint16_t net_idx, uint8_t phase)
{
    int rc = bm_net_subnet_set_phase(&node->net, net_idx, phase);
    if (rc != BM_OK)
        return rc;
    /* 3.10.4.3: revoking the old NetKey revokes the old AppKeys bound to it */
    if (phase == BM_KR_PHASE3)
        bm_node_app_key_revoke(node, net_idx);
    bm_node_log(node, BM_LOG_INF, "net", "key refresh idx=0x%03x transition=%u", net_idx, phase);
    bm_persist_sync(node);
    /* the beacon's Key Refresh flag changed: say so now */
    if (node->net_beacon && node->provisioned)
        bm_node_timer_set(node, BM_TIMER_NET_BEACON, 0);
    return BM_OK;
}

void bm_node_kr_beacon(struct bm_node *node, uint16_t net_idx, bool kr_flag, bool new_key)
{
    const struct bm_subnet *sub = bm_net_subnet_find(&node->net, net_idx);
    if (!sub || !new_key)
        return;
    if (sub->kr_phase == BM_KR_PHASE1)
        bm_node_kr_set_phase(node, net_idx, kr_flag ? BM_KR_PHASE2 : BM_KR_PHASE3);
    else if (sub->kr_phase == BM_KR_PHASE2 && !kr_flag)
        bm_node_kr_set_phase(node, net_idx, BM_KR_PHASE3);
}

int bm_kr_net_key_update(struct bm_node *node, uint16_t net_idx, const uint8_t key[16])
{
    if (!node || !key || net_idx > 0x0fff)
        return BM_EINVAL;
    if (!node->provisioned)
        return BM_ESTATE;
    int rc = bm_net_subnet_update(&node->net, net_idx, key);
    if (rc == BM_OK) {
        bm_node_log(node, BM_LOG_INF, "net", "key refresh idx=0x%03x phase 1", net_idx);
        bm_persist_sync(node);
    }
    return rc;
}

int bm_kr_app_key_update(struct bm_node *node, uint16_t app_idx, const uint8_t key[16])
{
    if (!node || !key || app_idx > 0x0fff)
        return BM_EINVAL;
    uint16_t net_idx;
    if (!bm_node_app_key(node, app_idx, &net_idx))
        return BM_ENOENT;
    const struct bm_subnet *sub = bm_net_subnet_find(&node->net, net_idx);
    if (!sub || sub->kr_phase != BM_KR_PHASE1)
        return BM_ESTATE; /* 3.10.4.1: AppKeys are updated in phase 1 */
    return bm_node_app_key_update(node, app_idx, key);
}

int bm_kr_phase_set(struct bm_node *node, uint16_t net_idx, uint8_t transition)
{
    if (!node || net_idx > 0x0fff || (transition != BM_KR_PHASE2 && transition != BM_KR_PHASE3))
        return BM_EINVAL;
    if (!node->provisioned)
        return BM_ESTATE;
    return bm_node_kr_set_phase(node, net_idx, transition);
}

int bm_kr_phase_get(const struct bm_node *node, uint16_t net_idx, uint8_t *phase)
{
    if (!node || !phase)
        return BM_EINVAL;
    for (size_t i = 0; i < BM_CFG_SUBNETS; i++) {
        const struct bm_subnet *s = &node->net.subnets[i];
        if (s->used && s->net_idx == net_idx) {
            *phase = s->kr_phase;
            return BM_OK;
        }
    }
    return BM_ENOENT;
}
