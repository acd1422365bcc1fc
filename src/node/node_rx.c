/* The advertising bearer's receive side (Mesh Profile 3.3.1): splits the
 * advertising data into AD structures and hands the mesh ones to their
 * layers (0x29 PB-ADV -> provisioning, 0x2A -> network, 0x2B -> beacons).
 * Unknown AD types are ignored; a structure whose length runs past the end
 * stops parsing (what came before it is still used). */
#include <string.h>

#include "node.h"

struct ad_view {
    uint8_t type;
    const uint8_t *data;
    size_t len;
};

/* Returns the number of well-formed AD structures found (at most max). */
static size_t split_ads(const uint8_t *adv, size_t len, struct ad_view *out, size_t max)
{
    size_t n = 0, pos = 0;
    while (pos < len && n < max) {
        uint8_t l = adv[pos];
        if (l == 0)
            break; /* the rest is padding */
        if (pos + 1 + l > len)
            break;
        out[n].type = adv[pos + 1];
        out[n].data = adv + pos + 2;
        out[n].len = (size_t)l - 1;
        n++;
        pos += 1 + (size_t)l;
    }
    return n;
}

void bm_node_rx_adv(struct bm_node *node, const uint8_t *adv, size_t len, int8_t rssi)
{
    struct ad_view ads[BM_ADV_MAX_LEN / 2];
    if (!node || !adv || len > BM_ADV_MAX_LEN || !node->initialized)
        return;
    node->stats.adv_rx++;
    /* a Low Power node's radio sleeps outside its receive windows */
    if (BM_CFG_LPN && bm_lpn_asleep(node))
        return;
    size_t n = split_ads(adv, len, ads, sizeof(ads) / sizeof(ads[0]));

    /* A name AD travelling with an Unprovisioned Device beacon names it. */
    char name[BM_NAME_MAX + 1];
    name[0] = '\0'; /* a C string: nothing reads past its end */
    for (size_t i = 0; i < n; i++) {
        if ((ads[i].type == BM_AD_COMPLETE_NAME || ads[i].type == BM_AD_SHORT_NAME) &&
            ads[i].len <= BM_NAME_MAX) {
            memcpy(name, ads[i].data, ads[i].len);
            name[ads[i].len] = 0;
        }
    }
    for (size_t i = 0; i < n; i++) {
        switch (ads[i].type) {
        case BM_AD_PB_ADV:
            bm_node_prov_rx(node, ads[i].data, ads[i].len);
            break;
        case BM_AD_MESH_MESSAGE:
            bm_node_rx_network(node, ads[i].data, ads[i].len, rssi);
            break;
        case BM_AD_MESH_BEACON:
            bm_node_rx_beacon(node, ads[i].data, ads[i].len, rssi, name);
            break;
        default:
            break;
        }
    }
}
