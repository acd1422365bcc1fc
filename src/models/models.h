/* The models blemesh implements (Mesh Profile 4.4, Mesh Model 3.x): their
 * types for the access layer's registry, and the hooks the node calls. */
#ifndef BM_MODELS_H
#define BM_MODELS_H

#include <stddef.h>
#include <stdint.h>

#include "access/model.h"

/* SIG model IDs. */
#define BM_MODEL_CFG_SRV 0x0000
#define BM_MODEL_CFG_CLI 0x0001
#define BM_MODEL_HEALTH_SRV 0x0002
#define BM_MODEL_HEALTH_CLI 0x0003
#define BM_MODEL_ONOFF_SRV 0x1000
#define BM_MODEL_ONOFF_CLI 0x1001
#define BM_MODEL_LEVEL_SRV 0x1002
#define BM_MODEL_LEVEL_CLI 0x1003

extern const struct bm_model_type bm_cfg_srv_type;
extern const struct bm_model_type bm_cfg_cli_type;
extern const struct bm_model_type bm_health_srv_type;
extern const struct bm_model_type bm_health_cli_type;
extern const struct bm_model_type bm_onoff_srv_type;
extern const struct bm_model_type bm_onoff_cli_type;
extern const struct bm_model_type bm_level_srv_type;
extern const struct bm_model_type bm_level_cli_type;

/* Adds the Configuration Server and Health Server to the primary element
 * (called by bm_create_element for the primary). */
int bm_models_add_foundation(struct bm_node *node);

/* A Heartbeat control message (opcode 0x0a) arrived (Mesh Profile 3.6.7),
 * for the Heartbeat Subscription state of the Configuration Server. */
void bm_heartbeat_rx(struct bm_node *node, uint16_t src, uint16_t dst, uint8_t rx_ttl,
                     const uint8_t *params, size_t len);

#endif
