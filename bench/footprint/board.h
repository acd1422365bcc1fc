/* Footprint images: the stand-in board every configuration links with. A
 * platform whose hooks touch volatile "registers", so the compiler keeps
 * the calls but no real driver adds to the size: radio, clock, random,
 * a record store, and for the light the GATT side of the controller; no
 * log (bm_node_log then formats nothing). Every hook a real device of the
 * image's kind has is there, so that link-time optimisation cannot drop
 * code that only a missing hook makes unreachable. The node lives in a
 * static buffer. */
#ifndef BM_FOOTPRINT_BOARD_H
#define BM_FOOTPRINT_BOARD_H

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>

#include "blemesh/blemesh.h"

extern const struct bm_platform board_platform;

/* The image's node, in a static buffer. */
struct bm_node *board_node_create(void);
/* Provisioning events: nothing to show on these boards. */
void board_on_prov(void *user, const struct bm_prov_info *info);

/* One received advertisement, if the radio has one: its length, else 0. */
size_t board_radio_rx(uint8_t adv[BM_ADV_MAX_LEN], int8_t *rssi);
/* Milliseconds since reset. */
uint64_t board_now_ms(void);
/* A button press (the switch's input). */
int board_button(void);

/* The light's GATT events (Proxy Service): a phone connecting, one ATT
 * value written, the connection ending. */
enum board_gatt_event {
    BOARD_GATT_NONE = 0,
    BOARD_GATT_CONNECTED = 1,
    BOARD_GATT_RX = 2,
    BOARD_GATT_DISCONNECTED = 3,
};
#define BOARD_GATT_MAX 64
enum board_gatt_event board_gatt_poll(uint16_t *conn, uint16_t *mtu, uint8_t *data, size_t *len);

#endif
