/* Table sizes of the light (footprint image relay_proxy_onoff, included by
 * footprint_config.h) and of the host test that runs the core with them
 * (tests/models/test_light_limits.c, built by tests/models/tests.cmake):
 * one place, so the test cannot drift from the image.
 *
 * Sized like Zephyr's mesh defaults (CONFIG_BT_MESH_SUBNET_COUNT=1,
 * APP_KEY_COUNT=1, MODEL_KEY_COUNT=1, MODEL_GROUP_COUNT=1) for what a light
 * needs: one element with Configuration Server, Health Server and Generic
 * OnOff Server (3 models, plus one spare: config.h's range starts at 2),
 * one NetKey, AppKeys for one application plus one spare, one Label UUID,
 * two group subscriptions per model (a room and all lights; -12 octets of
 * flash -flto M0+). BM_CFG_MODEL_KEYS stays 4: at 2 it costs 4 octets of
 * flash and saves no RAM (padding), and with MODEL_SUBS 2 it trades 32
 * octets of RAM for 22 of flash. config.h documents each knob and its
 * range. */
#ifndef BM_LIGHT_LIMITS_H
#define BM_LIGHT_LIMITS_H

#define BM_CFG_ELEMENTS 1
#define BM_CFG_SUBNETS 1
#define BM_CFG_APP_KEYS 2
#define BM_CFG_MODELS 4
#define BM_CFG_LABELS 1
#define BM_CFG_MODEL_SUBS 2

#endif
