/* The Health models (Mesh Profile 1.0.1, 4.4.3 Health Server, 4.4.4 Health
 * Client; messages 4.3.3; states 4.2.15-4.2.18).
 *
 * Every node has a Health Server on its primary element (added with the
 * primary element). The application reports faults to it (a fault is a
 * Fault code of Mesh Profile 4.2.15.1, e.g. 0x01 battery low warning) and
 * may watch its Attention Timer. A Health Client, on any element, asks
 * other nodes' Health Servers and hears their statuses through a
 * callback. Every function returns 0 or a negative BM_E* code. */
#ifndef BLEMESH_HEALTH_H
#define BLEMESH_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blemesh/blemesh.h"

/* Fault codes the Health Server holds in each of its Current and
 * Registered Fault arrays (4.2.15, 4.2.16). RAM: 2 octets each.
 * Range 1..32. */
#ifndef BM_CFG_HEALTH_FAULTS
#define BM_CFG_HEALTH_FAULTS 8
#endif
#if BM_CFG_HEALTH_FAULTS < 1 || BM_CFG_HEALTH_FAULTS > 32
#error "BM_CFG_HEALTH_FAULTS out of range"
#endif

/* The Health Server's Company ID until bm_health_srv_set_company(): none
 * assigned (0xFFFF is reserved for tests by the Bluetooth SIG). */
#define BM_HEALTH_COMPANY_DEFAULT 0xffff

/* --- Health Server (the primary element's) --- */

/* The Company ID its fault arrays belong to (Health Fault Get, Clear and
 * Test name it; other Company IDs are ignored). BM_ENOENT without a
 * primary element. */
int bm_health_srv_set_company(struct bm_node *node, uint16_t company_id);
/* Adds fault to the Current Fault array and to the Registered Fault array
 * (4.2.15.1: 0x00 "no fault" is not a fault: BM_EINVAL), and publishes a
 * Health Current Status at once if publication is configured. BM_ENOSPC
 * when the array is full; adding a fault already present is BM_OK. */
int bm_health_srv_fault_add(struct bm_node *node, uint8_t fault);
/* The condition is gone: removes fault from the Current Fault array. It
 * stays registered until a Health Fault Clear. BM_ENOENT if absent. */
int bm_health_srv_fault_remove(struct bm_node *node, uint8_t fault);
/* The Attention Timer (4.2.9): seconds left, 0 when off. */
int bm_health_srv_attention(struct bm_node *node, uint8_t *seconds);
/* Called with the seconds left when the Attention Timer is set (to a
 * non-zero value: attract attention) and with 0 when it is set to 0 or
 * runs out (stop). */
typedef void (*bm_attention_fn)(void *user, uint8_t seconds);
int bm_health_srv_set_attention_cb(struct bm_node *node, bm_attention_fn cb, void *user);

/* --- Health Client --- */

enum bm_health_status_kind {
    BM_HEALTH_CURRENT_STATUS = 0, /* Health Current Status (mostly published) */
    BM_HEALTH_FAULT_STATUS = 1,   /* Health Fault Status (answers Get, Clear, Test) */
    BM_HEALTH_PERIOD_STATUS = 2,
    BM_HEALTH_ATTENTION_STATUS = 3,
};

struct bm_health_status {
    enum bm_health_status_kind kind;
    uint16_t src;          /* the Health Server's element */
    uint8_t test_id;       /* Current/Fault: the most recent test */
    uint16_t company_id;   /* Current/Fault */
    const uint8_t *faults; /* Current/Fault: fault codes, valid during the call */
    size_t fault_count;
    uint8_t divisor;   /* Period: Fast Period Divisor 0..15 */
    uint8_t attention; /* Attention: seconds left */
};

typedef void (*bm_health_fn)(void *user, const struct bm_health_status *status);

/* Adds a Health Client to element `element` (before or after bm_init);
 * statuses it hears go to cb. Bind an AppKey to it as to any model. */
int bm_health_cli_add(struct bm_node *node, int element, bm_health_fn cb, void *user,
                      struct bm_model **out);

/* The requests (4.3.3). Each is sent to dst (unicast or group) under the
 * bound AppKey app_idx with the node's default TTL; with ack (and for Gets)
 * the server answers with the matching status. The client does not retry:
 * repeat a request that got no answer. BM_ESTATE when app_idx is not
 * bound to the client or the node is not provisioned, BM_EINVAL for a
 * value out of range (divisor 0..15). */
int bm_health_cli_fault_get(struct bm_node *node, struct bm_model *cli, uint16_t dst,
                            uint16_t app_idx, uint16_t company_id);
int bm_health_cli_fault_clear(struct bm_node *node, struct bm_model *cli, uint16_t dst,
                              uint16_t app_idx, uint16_t company_id, bool ack);
int bm_health_cli_fault_test(struct bm_node *node, struct bm_model *cli, uint16_t dst,
                             uint16_t app_idx, uint8_t test_id, uint16_t company_id, bool ack);
int bm_health_cli_period_get(struct bm_node *node, struct bm_model *cli, uint16_t dst,
                             uint16_t app_idx);
int bm_health_cli_period_set(struct bm_node *node, struct bm_model *cli, uint16_t dst,
                             uint16_t app_idx, uint8_t divisor, bool ack);
int bm_health_cli_attention_get(struct bm_node *node, struct bm_model *cli, uint16_t dst,
                                uint16_t app_idx);
int bm_health_cli_attention_set(struct bm_node *node, struct bm_model *cli, uint16_t dst,
                                uint16_t app_idx, uint8_t seconds, bool ack);

#endif
