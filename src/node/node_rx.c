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

/* The AD structure at *pos, moving *pos past it; false at the end, at
 * padding (length 0) or at a structure whose length runs past len. */
static bool next_ad(const uint8_t *adv, size_t len, size_t *pos, struct ad_view *ad)
{
    size_t at = *pos;
    if (at >= len)
        return false;
    uint8_t l = adv[at];
    if (l == 0 || at + 1 + l > len)
        return false; /* the rest is padding, or malformed */
    ad->type = adv[at + 1];
    ad->data = adv + at + 2;
    ad->len = (size_t)l - 1;
    *pos = at + 1 + (size_t)l;
    return true;
}

void bm_node_rx_adv(struct bm_node *node, const uint8_t *adv, size_t len, int8_t rssi)
{
    if (!node || !adv || len > BM_ADV_MAX_LEN || !node->initialized)
        return;
    node->stats.adv_rx++;
    /* a Low Power node's radio sleeps outside its receive windows */
    if (BM_CFG_LPN && bm_lpn_asleep(node))
        return;

    /* Two walks over the AD structures rather than a table of them: this
     * frame is under every receive path, the deepest included. */
    struct ad_view ad;
    size_t pos = 0;
    /* A name AD travelling with an Unprovisioned Device beacon names it. */
    char name[BM_NAME_MAX + 1];
    name[0] = '\0'; /* a C string: nothing reads past its end */
    while (next_ad(adv, len, &pos, &ad)) {
        if ((ad.type == BM_AD_COMPLETE_NAME || ad.type == BM_AD_SHORT_NAME) &&
            ad.len <= BM_NAME_MAX) {
            memcpy(name, ad.data, ad.len);
            name[ad.len] = 0;
        }
    }
    pos = 0;
    while (next_ad(adv, len, &pos, &ad)) {
        switch (ad.type) {
        case BM_AD_PB_ADV:
            bm_node_prov_rx(node, ad.data, ad.len);
            break;
        case BM_AD_MESH_MESSAGE:
            bm_node_rx_network(node, ad.data, ad.len, rssi);
            break;
        case BM_AD_MESH_BEACON:
            bm_node_rx_beacon(node, ad.data, ad.len, rssi, name);
            break;
        default:
            break;
        }
    }
}
