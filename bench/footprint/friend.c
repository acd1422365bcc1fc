/* Footprint image 3: a Friend node. Friend and Relay features, secure
 * network beacons, PB-ADV provisioning, the primary element's foundation
 * models only. */
#include "board.h"
#include "node/node.h"

static union {
    max_align_t align;
    unsigned char bytes[sizeof(struct bm_node)];
} node_mem;

static void on_prov(void *user, const struct bm_prov_info *info)
{
    (void)user, (void)info;
}

int main(void)
{
    struct bm_node *node = bm_node_create(&node_mem, sizeof(node_mem), &board_platform);
    bm_create_element(node, true, BM_RELAY | BM_FRIEND, true, 7, NULL);
    bm_init(node, "friend", BM_OOB_NONE);
    bm_set_node_prov(node, BM_PROV_ADV, on_prov, NULL);
    for (;;) {
        uint8_t adv[BM_ADV_MAX_LEN];
        int8_t rssi;
        size_t len = board_radio_rx(adv, &rssi);
        if (len)
            bm_node_rx_adv(node, adv, len, rssi);
        bm_node_process(node, board_now_ms());
    }
}
