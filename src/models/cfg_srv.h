/* Internal to the Configuration Server (cfg_srv.c, cfg_srv_model.c,
 * heartbeat.c): the message handlers each file provides to the opcode
 * table in cfg_srv.c, and the helpers they share. */
#ifndef BM_CFG_SRV_H
#define BM_CFG_SRV_H

#include <stddef.h>
#include <stdint.h>

#include "access/model.h"
#include "blemesh/cfg_client.h"

static inline uint16_t bm_cfg_get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline void bm_cfg_put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* Sends a Status back to the message's source under the device key. */
int bm_cfg_srv_reply(struct bm_node *node, const struct bm_model *model,
                     const struct bm_msg_ctx *ctx, uint32_t opcode, const uint8_t *params,
                     size_t len);
/* Packs 12-bit key indexes two per three octets, an odd last one in two
 * (Mesh Profile 4.3.1.1); returns the octets written. */
size_t bm_cfg_pack_indexes(const uint16_t *idx, size_t count, uint8_t *out);

/* The Model Publication, Subscription and App Bind messages, every form
 * (plain and virtual, SIG and Vendor) of each (cfg_srv_model.c). */
int bm_cfg_srv_model_msg(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                         const uint8_t *p, size_t len, uint32_t opcode);

/* Heartbeat Publication and Subscription messages and timers (heartbeat.c). */
/* Get when len is 0, else Set: */
int bm_cfg_srv_hb_pub(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                      const uint8_t *p, size_t len, uint32_t opcode);
int bm_cfg_srv_hb_sub(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                      const uint8_t *p, size_t len, uint32_t opcode);
/* Sends due periodic heartbeats; returns the next deadline (a heartbeat, or the end of the
 * subscription period) or 0 for none. */
bm_ms_t bm_heartbeat_process(struct bm_node *node, bm_ms_t now_ms);
/* Features (bits as in 4.2.17.5) changed state: a triggered heartbeat. */
void bm_heartbeat_features_changed(struct bm_node *node, uint16_t changed);
/* A subnet is going away: heartbeat publication on it stops. */
void bm_heartbeat_subnet_deleted(struct bm_node *node, uint16_t net_idx);

#endif
