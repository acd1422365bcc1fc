/* Footprint image 2: a battery switch. Low Power feature, no relay, no
 * beacons, PB-ADV provisioning, a Generic OnOff Client that sends an
 * unacknowledged Set to its publication address on each button press. */
#include "board.h"

int main(void)
{
    struct bm_node *node = board_node_create();
    struct bm_model *sw;
    bm_create_element(node, true, BM_LOW_POWER, false, 7, NULL);
    bm_init(node, "switch", BM_OOB_NONE);
    bm_add_model(node, 0, BM_GENERIC, BM_ONOFF, BM_CLIENT, NULL, NULL, 0, &sw);
    bm_set_node_prov(node, BM_PROV_ADV, board_on_prov, NULL);
    int32_t on = 0;
    for (;;) {
        uint8_t adv[BM_ADV_MAX_LEN];
        int8_t rssi;
        size_t len = board_radio_rx(adv, &rssi);
        if (len)
            bm_node_rx_adv(node, adv, len, rssi);
        if (board_button()) {
            on = !on;
            bm_model_set_state(node, sw, on, BM_ADDR_PUBLISH, 0, false);
        }
        bm_node_process(node, board_now_ms());
    }
}
