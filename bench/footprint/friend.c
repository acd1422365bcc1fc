/* Footprint image 3: a Friend node. Friend and Relay features, secure
 * network beacons, PB-ADV provisioning, the primary element's foundation
 * models only. */
#include "board.h"

int main(void)
{
    struct bm_node *node = board_node_create();
    bm_create_element(node, true, BM_RELAY | BM_FRIEND, true, 7, NULL);
    bm_init(node, "friend", BM_OOB_NONE);
    bm_set_node_prov(node, BM_PROV_ADV, board_on_prov, NULL);
    for (;;) {
        uint8_t adv[BM_ADV_MAX_LEN];
        int8_t rssi;
        size_t len = board_radio_rx(adv, &rssi);
        if (len)
            bm_node_rx_adv(node, adv, len, rssi);
        bm_node_process(node, board_now_ms());
    }
}
