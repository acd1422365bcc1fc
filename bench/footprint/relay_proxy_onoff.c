/* Footprint image 1: a mains-powered light. Relay and GATT Proxy
 * features, secure network beacons, PB-ADV provisioning, a Generic OnOff
 * Server on the primary element (with the Configuration and Health
 * Servers every primary element carries); a phone connects over GATT to
 * the Proxy Service. */
#include "board.h"

static void on_onoff(void *user, struct bm_model *model, const struct bm_model_event_info *e)
{
    (void)user, (void)model, (void)e;
}

int main(void)
{
    struct bm_node *node = board_node_create();
    struct bm_model *light;
    bm_create_element(node, true, BM_RELAY | BM_GATT_PROXY, true, 7, NULL);
    bm_init(node, "light", BM_OOB_NONE);
    bm_add_model(node, 0, BM_GENERIC, BM_ONOFF, BM_SERVER, on_onoff, NULL, 0, &light);
    bm_set_node_prov(node, BM_PROV_ADV, board_on_prov, NULL);
    for (;;) {
        uint8_t adv[BM_ADV_MAX_LEN];
        int8_t rssi;
        size_t len = board_radio_rx(adv, &rssi);
        if (len)
            bm_node_rx_adv(node, adv, len, rssi);
        uint8_t att[BOARD_GATT_MAX];
        uint16_t conn, mtu;
        switch (board_gatt_poll(&conn, &mtu, att, &len)) {
        case BOARD_GATT_CONNECTED:
            bm_node_gatt_connected(node, conn, mtu);
            break;
        case BOARD_GATT_RX:
            bm_node_gatt_rx(node, conn, att, len);
            break;
        case BOARD_GATT_DISCONNECTED:
            bm_node_gatt_disconnected(node, conn);
            break;
        case BOARD_GATT_NONE:
            break;
        }
        bm_node_process(node, board_now_ms());
    }
}
