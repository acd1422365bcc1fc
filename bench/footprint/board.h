/* Footprint images: the stand-in board every configuration links with. A
 * platform whose hooks touch volatile "registers", so the compiler keeps
 * the calls but no real driver adds to the size; no storage, no log
 * (bm_node_log then formats nothing). The node lives in a static buffer. */
#ifndef BM_FOOTPRINT_BOARD_H
#define BM_FOOTPRINT_BOARD_H

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>

#include "blemesh/blemesh.h"

extern const struct bm_platform board_platform;

/* One received advertisement, if the radio has one: its length, else 0. */
size_t board_radio_rx(uint8_t adv[BM_ADV_MAX_LEN], int8_t *rssi);
/* Milliseconds since reset. */
uint64_t board_now_ms(void);
/* A button press (the switch's input). */
int board_button(void);

#endif
