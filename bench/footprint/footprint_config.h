/* Limits of the footprint images (BM_CFG_USER_HEADER, included first by
 * include/blemesh/config.h, which documents every knob): config.h's
 * embedded defaults, except
 *  - the provisioner's tables, which these devices never fill (they are
 *    provisioned, not provisioners): their minimum;
 *  - the friendship tables of the images that are not Friend nodes: their
 *    minimum (the light and the switch never serve a Low Power node);
 *  - the light (relay + proxy + OnOff server): one segmented message sent
 *    at a time (it only answers, mostly unsegmented), one phone
 *    connected over GATT at a time, and Zephyr-sized tables for one
 *    element (light_limits.h).
 * CMakeLists.txt defines BM_FP_<IMAGE> for the image being built. */
#ifndef BM_FOOTPRINT_CONFIG_H
#define BM_FOOTPRINT_CONFIG_H

#define BM_CFG_PROV_NODES 1
#define BM_CFG_SCAN_RESULTS 1
/* No kept AES schedules: about 1.5 KB of RAM in the node context (plus
 * mbed TLS heap) that these images do not have; every packet expands its
 * keys instead (BENCHMARKS.md, section 1). */
#define BM_CFG_CRYPTO_KEY_CACHE 0
/* No log hook on these boards: every log call compiled out, and with it
 * vsnprintf and the format strings. */
#define BM_CFG_LOG_LEVEL 0
/* Provisioned devices: no provisioner role. */
#define BM_CFG_PROVISIONER 0

#if defined(BM_FP_RELAY_PROXY_ONOFF) || defined(BM_FP_LPN_SWITCH)
#define BM_CFG_FRIENDS 1
#define BM_CFG_FRIEND_QUEUE 2
#endif
/* Only the model types each image adds: the light an OnOff Server, the
 * switch an OnOff Client, the friend none. */
#define BM_CFG_MODEL_LEVEL_SERVER 0
#define BM_CFG_MODEL_LEVEL_CLIENT 0
#if !defined(BM_FP_RELAY_PROXY_ONOFF)
#define BM_CFG_MODEL_ONOFF_SERVER 0
#endif
#if !defined(BM_FP_LPN_SWITCH)
#define BM_CFG_MODEL_ONOFF_CLIENT 0
#endif

/* Only the friendship side each image uses: the friend the Friend
 * feature, the switch the Low Power feature, the light neither. */
#if !defined(BM_FP_FRIEND)
#define BM_CFG_FRIEND 0
#endif
#if !defined(BM_FP_LPN_SWITCH)
#define BM_CFG_LPN 0
#endif

#if defined(BM_FP_RELAY_PROXY_ONOFF)
/* The light's tables: one element, one NetKey, two AppKeys (see the
 * header; tests/models/test_light_limits.c runs the core with them). */
#include "light_limits.h"
#define BM_CFG_LPN_OFFERS 1
#define BM_CFG_TX_SEG_CTX 1
#define BM_CFG_GATT_CONNS 1
#endif

#endif
