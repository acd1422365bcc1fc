/* The Configuration Client (Mesh Profile 4.4.2): a provisioner (or any
 * node holding a target's device key) reads and writes the Configuration
 * Server states of other nodes (4.2) with the messages of 4.3.2, and gets
 * each decoded Status back through one callback.
 *
 * One request is in flight per client: a second one while the first waits
 * for its Status returns BM_EBUSY. A request unanswered after
 * BM_CFG_CLI_TIMEOUT_MS is sent again, up to BM_CFG_CLI_RETRIES times;
 * then the callback gets err = BM_ETIMEOUT. Requests travel under the
 * target's device key (the provisioner's network database, or our own for
 * our own address) on the client's subnet, with the node's Default TTL.
 *
 * This header also holds the identifiers the local Configuration Server
 * puts in Composition Data page 0. */
#ifndef BLEMESH_CFG_CLIENT_H
#define BLEMESH_CFG_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blemesh/blemesh.h"

/* Time to wait for a Status before sending the request again. A segmented
 * request across several relays takes a few SAR rounds (~0.5-1 s each).
 * Range 500..60000. */
#ifndef BM_CFG_CLI_TIMEOUT_MS
#define BM_CFG_CLI_TIMEOUT_MS 4000
#endif
#if BM_CFG_CLI_TIMEOUT_MS < 500 || BM_CFG_CLI_TIMEOUT_MS > 60000
#error "BM_CFG_CLI_TIMEOUT_MS out of range (500..60000)"
#endif

/* Retransmissions of an unanswered request. Range 0..10. */
#ifndef BM_CFG_CLI_RETRIES
#define BM_CFG_CLI_RETRIES 2
#endif
#if BM_CFG_CLI_RETRIES < 0 || BM_CFG_CLI_RETRIES > 10
#error "BM_CFG_CLI_RETRIES out of range (0..10)"
#endif

/* Decoded list sizes: entries beyond are counted in `total` but not kept.
 * Each costs 2 octets (4 for vendor models) in the callback's struct. */
#define BM_CFG_CLI_LIST_MAX 32
#define BM_CFG_CLI_COMP_ELEMS 8
#define BM_CFG_CLI_COMP_MODELS 16

/* Status codes (Mesh Profile 4.3.5). */
#define BM_CFG_ST_SUCCESS 0x00
#define BM_CFG_ST_INVALID_ADDRESS 0x01
#define BM_CFG_ST_INVALID_MODEL 0x02
#define BM_CFG_ST_INVALID_APPKEY 0x03
#define BM_CFG_ST_INVALID_NETKEY 0x04
#define BM_CFG_ST_INSUFFICIENT_RESOURCES 0x05
#define BM_CFG_ST_KEY_INDEX_ALREADY_STORED 0x06
#define BM_CFG_ST_INVALID_PUBLISH_PARAMS 0x07
#define BM_CFG_ST_NOT_A_SUBSCRIBE_MODEL 0x08
#define BM_CFG_ST_STORAGE_FAILURE 0x09
#define BM_CFG_ST_FEATURE_NOT_SUPPORTED 0x0a
#define BM_CFG_ST_CANNOT_UPDATE 0x0b
#define BM_CFG_ST_CANNOT_REMOVE 0x0c
#define BM_CFG_ST_CANNOT_BIND 0x0d
#define BM_CFG_ST_TEMP_UNABLE 0x0e
#define BM_CFG_ST_CANNOT_SET 0x0f
#define BM_CFG_ST_UNSPECIFIED 0x10
#define BM_CFG_ST_INVALID_BINDING 0x11

/* Opcodes (Mesh Profile 4.3.4). */
#define BM_CFG_OP_APPKEY_ADD 0x00
#define BM_CFG_OP_APPKEY_UPDATE 0x01
#define BM_CFG_OP_COMP_STATUS 0x02
#define BM_CFG_OP_PUB_SET 0x03
#define BM_CFG_OP_HB_PUB_STATUS 0x06
#define BM_CFG_OP_APPKEY_DEL 0x8000
#define BM_CFG_OP_APPKEY_GET 0x8001
#define BM_CFG_OP_APPKEY_LIST 0x8002
#define BM_CFG_OP_APPKEY_STATUS 0x8003
#define BM_CFG_OP_COMP_GET 0x8008
#define BM_CFG_OP_BEACON_GET 0x8009
#define BM_CFG_OP_BEACON_SET 0x800a
#define BM_CFG_OP_BEACON_STATUS 0x800b
#define BM_CFG_OP_TTL_GET 0x800c
#define BM_CFG_OP_TTL_SET 0x800d
#define BM_CFG_OP_TTL_STATUS 0x800e
#define BM_CFG_OP_FRIEND_GET 0x800f
#define BM_CFG_OP_FRIEND_SET 0x8010
#define BM_CFG_OP_FRIEND_STATUS 0x8011
#define BM_CFG_OP_PROXY_GET 0x8012
#define BM_CFG_OP_PROXY_SET 0x8013
#define BM_CFG_OP_PROXY_STATUS 0x8014
#define BM_CFG_OP_KRP_GET 0x8015
#define BM_CFG_OP_KRP_SET 0x8016
#define BM_CFG_OP_KRP_STATUS 0x8017
#define BM_CFG_OP_PUB_GET 0x8018
#define BM_CFG_OP_PUB_STATUS 0x8019
#define BM_CFG_OP_PUB_VA_SET 0x801a
#define BM_CFG_OP_SUB_ADD 0x801b
#define BM_CFG_OP_SUB_DEL 0x801c
#define BM_CFG_OP_SUB_DEL_ALL 0x801d
#define BM_CFG_OP_SUB_OVERWRITE 0x801e
#define BM_CFG_OP_SUB_STATUS 0x801f
#define BM_CFG_OP_SUB_VA_ADD 0x8020
#define BM_CFG_OP_SUB_VA_DEL 0x8021
#define BM_CFG_OP_SUB_VA_OVERWRITE 0x8022
#define BM_CFG_OP_NET_TX_GET 0x8023
#define BM_CFG_OP_NET_TX_SET 0x8024
#define BM_CFG_OP_NET_TX_STATUS 0x8025
#define BM_CFG_OP_RELAY_GET 0x8026
#define BM_CFG_OP_RELAY_SET 0x8027
#define BM_CFG_OP_RELAY_STATUS 0x8028
#define BM_CFG_OP_SIG_SUB_GET 0x8029
#define BM_CFG_OP_SIG_SUB_LIST 0x802a
#define BM_CFG_OP_VND_SUB_GET 0x802b
#define BM_CFG_OP_VND_SUB_LIST 0x802c
#define BM_CFG_OP_LPN_TIMEOUT_GET 0x802d
#define BM_CFG_OP_LPN_TIMEOUT_STATUS 0x802e
#define BM_CFG_OP_HB_PUB_GET 0x8038
#define BM_CFG_OP_HB_PUB_SET 0x8039
#define BM_CFG_OP_HB_SUB_GET 0x803a
#define BM_CFG_OP_HB_SUB_SET 0x803b
#define BM_CFG_OP_HB_SUB_STATUS 0x803c
#define BM_CFG_OP_APP_BIND 0x803d
#define BM_CFG_OP_APP_STATUS 0x803e
#define BM_CFG_OP_APP_UNBIND 0x803f
#define BM_CFG_OP_NETKEY_ADD 0x8040
#define BM_CFG_OP_NETKEY_DEL 0x8041
#define BM_CFG_OP_NETKEY_GET 0x8042
#define BM_CFG_OP_NETKEY_LIST 0x8043
#define BM_CFG_OP_NETKEY_STATUS 0x8044
#define BM_CFG_OP_NETKEY_UPDATE 0x8045
#define BM_CFG_OP_IDENTITY_GET 0x8046
#define BM_CFG_OP_IDENTITY_SET 0x8047
#define BM_CFG_OP_IDENTITY_STATUS 0x8048
#define BM_CFG_OP_NODE_RESET 0x8049
#define BM_CFG_OP_NODE_RESET_STATUS 0x804a
#define BM_CFG_OP_SIG_APP_GET 0x804b
#define BM_CFG_OP_SIG_APP_LIST 0x804c
#define BM_CFG_OP_VND_APP_GET 0x804d
#define BM_CFG_OP_VND_APP_LIST 0x804e

/* A model on an element: company BM_CFG_SIG (0xffff) for a SIG model. */
#define BM_CFG_SIG 0xffff
struct bm_cfg_model_id {
    uint16_t company;
    uint16_t id;
};

/* Model Publication (4.2.2): what Model Publication Status reports and
 * Set writes. A virtual publish address comes with its label. */
struct bm_cfg_pub {
    uint16_t elem_addr;
    struct bm_cfg_model_id model;
    uint16_t addr; /* 0 = publication off; virtual: set from label */
    bool virt;     /* Set: use label (Virtual Address Set) */
    uint8_t label[16];
    uint16_t app_idx;
    bool cred;          /* Friendship Credential Flag */
    uint8_t ttl;        /* 0..127, 0xff = the node's Default TTL */
    uint8_t period;     /* steps resolution (2 bits) | number of steps (6 bits) */
    uint8_t retx_count; /* 0..7 */
    uint8_t retx_steps; /* 0..31: interval (n + 1) * 50 ms */
};

/* Heartbeat Publication (4.2.17). */
struct bm_cfg_hb_pub {
    uint16_t dst;
    uint8_t count_log;  /* 0x00..0x11, 0xff = indefinitely */
    uint8_t period_log; /* 0x00..0x11 */
    uint8_t ttl;
    uint16_t features; /* bit 0 relay, 1 proxy, 2 friend, 3 low power */
    uint16_t net_idx;
};

/* Heartbeat Subscription (4.2.18). */
struct bm_cfg_hb_sub {
    uint16_t src, dst;
    uint8_t period_log;
    uint8_t count_log;
    uint8_t min_hops, max_hops;
};

/* Composition Data page 0 (4.2.1.1). */
struct bm_cfg_comp_elem {
    uint16_t loc;
    uint8_t nsig, nvnd; /* as sent */
    uint16_t sig[BM_CFG_CLI_COMP_MODELS];
    struct bm_cfg_model_id vnd[BM_CFG_CLI_COMP_MODELS];
};
struct bm_cfg_comp {
    uint8_t page;
    uint16_t cid, pid, vid, crpl, features;
    uint8_t elem_count; /* elements kept (at most BM_CFG_CLI_COMP_ELEMS) */
    bool truncated;     /* more elements or models than the struct holds */
    struct bm_cfg_comp_elem elems[BM_CFG_CLI_COMP_ELEMS];
};

/* A decoded list: NetKey indexes, AppKey indexes, subscription addresses. */
struct bm_cfg_list {
    uint16_t elem_addr;           /* model lists */
    struct bm_cfg_model_id model; /* model lists */
    uint16_t net_idx;             /* AppKey List */
    uint16_t total;               /* entries in the message */
    uint16_t count;               /* entries kept (at most BM_CFG_CLI_LIST_MAX) */
    uint16_t items[BM_CFG_CLI_LIST_MAX];
};

/* What the client's callback gets: a Status, or a timeout. */
struct bm_cfg_rsp {
    int err;            /* BM_OK, BM_ETIMEOUT, or BM_EMALFORMED for a Status that did not parse */
    uint32_t req;       /* the request's opcode */
    uint32_t opcode;    /* the Status's opcode (0 on a timeout) */
    uint16_t src;       /* the server's address */
    uint8_t status;     /* the Status Code, for messages that carry one (else 0) */
    const uint8_t *raw; /* the Status's parameters, valid during the callback only */
    size_t raw_len;
    union {
        uint8_t value; /* Beacon, Default TTL, GATT Proxy, Friend */
        struct {
            uint8_t state; /* Relay Status only */
            uint8_t count; /* retransmit / transmit count, 0..7 */
            uint8_t steps; /* interval steps, 0..31 */
        } xmit;            /* Relay, Network Transmit */
        struct bm_cfg_comp comp;
        struct bm_cfg_pub pub;
        struct {
            uint16_t elem_addr, addr;
            struct bm_cfg_model_id model;
        } sub; /* Model Subscription Status */
        struct {
            uint16_t elem_addr, app_idx;
            struct bm_cfg_model_id model;
        } app; /* Model App Status */
        struct {
            uint16_t net_idx, app_idx;
        } key; /* NetKey Status (app_idx unused), AppKey Status */
        struct bm_cfg_list list;
        struct {
            uint16_t net_idx;
            uint8_t value; /* phase (0..2) or node identity (0..2) */
        } idx;             /* Key Refresh Phase, Node Identity */
        struct bm_cfg_hb_pub hb_pub;
        struct bm_cfg_hb_sub hb_sub;
        struct {
            uint16_t lpn_addr;
            uint32_t poll_timeout; /* 24 bits, 100 ms units */
        } lpn;
    } u;
};

typedef void (*bm_cfg_cli_fn)(void *user, const struct bm_cfg_rsp *rsp);

/* Adds the Configuration Client to the primary element (create it first)
 * and sets the callback every answer goes to. BM_EEXIST if already there,
 * BM_ESTATE without a primary element, BM_ENOSPC when the model pool is
 * full. The client's subnet is the provisioner's network (or the first
 * subnet) until bm_cfg_cli_set_net_idx() says otherwise. */
int bm_cfg_cli_enable(struct bm_node *node, bm_cfg_cli_fn cb, void *user);
int bm_cfg_cli_set_net_idx(struct bm_node *node, uint16_t net_idx);
/* True while a request waits for its Status. */
bool bm_cfg_cli_busy(const struct bm_node *node);
/* Abandons the request in flight (no callback). */
void bm_cfg_cli_cancel(struct bm_node *node);

/* Every request below: dst is the target's primary unicast address. Each
 * returns 0 when sent, BM_EBUSY while another request waits, BM_ESTATE
 * without a client or while unprovisioned, BM_ENOKEY without the target's
 * device key or the client's subnet, BM_EINVAL for an argument out of its
 * field's range (only the range: values the spec prohibits can be sent,
 * so a server's handling of them can be tested). */
int bm_cfg_comp_get(struct bm_node *node, uint16_t dst, uint8_t page);
int bm_cfg_beacon_get(struct bm_node *node, uint16_t dst);
int bm_cfg_beacon_set(struct bm_node *node, uint16_t dst, uint8_t beacon);
int bm_cfg_ttl_get(struct bm_node *node, uint16_t dst);
int bm_cfg_ttl_set(struct bm_node *node, uint16_t dst, uint8_t ttl);
int bm_cfg_proxy_get(struct bm_node *node, uint16_t dst);
int bm_cfg_proxy_set(struct bm_node *node, uint16_t dst, uint8_t proxy);
int bm_cfg_friend_get(struct bm_node *node, uint16_t dst);
int bm_cfg_friend_set(struct bm_node *node, uint16_t dst, uint8_t friend_state);
int bm_cfg_relay_get(struct bm_node *node, uint16_t dst);
/* count: retransmissions 0..7; steps: interval (steps + 1) * 10 ms, 0..31 */
int bm_cfg_relay_set(struct bm_node *node, uint16_t dst, uint8_t relay, uint8_t count,
                     uint8_t steps);
int bm_cfg_net_transmit_get(struct bm_node *node, uint16_t dst);
/* count: transmissions - 1, 0..7; steps: interval (steps + 1) * 10 ms */
int bm_cfg_net_transmit_set(struct bm_node *node, uint16_t dst, uint8_t count, uint8_t steps);

int bm_cfg_pub_get(struct bm_node *node, uint16_t dst, uint16_t elem_addr,
                   struct bm_cfg_model_id model);
/* Model Publication Set, or Virtual Address Set when pub->virt. */
int bm_cfg_pub_set(struct bm_node *node, uint16_t dst, const struct bm_cfg_pub *pub);

int bm_cfg_sub_add(struct bm_node *node, uint16_t dst, uint16_t elem_addr, uint16_t addr,
                   struct bm_cfg_model_id model);
int bm_cfg_sub_del(struct bm_node *node, uint16_t dst, uint16_t elem_addr, uint16_t addr,
                   struct bm_cfg_model_id model);
int bm_cfg_sub_overwrite(struct bm_node *node, uint16_t dst, uint16_t elem_addr, uint16_t addr,
                         struct bm_cfg_model_id model);
int bm_cfg_sub_va_add(struct bm_node *node, uint16_t dst, uint16_t elem_addr,
                      const uint8_t label[16], struct bm_cfg_model_id model);
int bm_cfg_sub_va_del(struct bm_node *node, uint16_t dst, uint16_t elem_addr,
                      const uint8_t label[16], struct bm_cfg_model_id model);
int bm_cfg_sub_va_overwrite(struct bm_node *node, uint16_t dst, uint16_t elem_addr,
                            const uint8_t label[16], struct bm_cfg_model_id model);
int bm_cfg_sub_del_all(struct bm_node *node, uint16_t dst, uint16_t elem_addr,
                       struct bm_cfg_model_id model);
/* SIG or Vendor Model Subscription Get, by model.company. */
int bm_cfg_sub_get(struct bm_node *node, uint16_t dst, uint16_t elem_addr,
                   struct bm_cfg_model_id model);

int bm_cfg_net_key_add(struct bm_node *node, uint16_t dst, uint16_t net_idx, const uint8_t key[16]);
int bm_cfg_net_key_update(struct bm_node *node, uint16_t dst, uint16_t net_idx,
                          const uint8_t key[16]);
int bm_cfg_net_key_del(struct bm_node *node, uint16_t dst, uint16_t net_idx);
int bm_cfg_net_key_get(struct bm_node *node, uint16_t dst);
int bm_cfg_app_key_add(struct bm_node *node, uint16_t dst, uint16_t net_idx, uint16_t app_idx,
                       const uint8_t key[16]);
int bm_cfg_app_key_update(struct bm_node *node, uint16_t dst, uint16_t net_idx, uint16_t app_idx,
                          const uint8_t key[16]);
int bm_cfg_app_key_del(struct bm_node *node, uint16_t dst, uint16_t net_idx, uint16_t app_idx);
int bm_cfg_app_key_get(struct bm_node *node, uint16_t dst, uint16_t net_idx);

int bm_cfg_app_bind(struct bm_node *node, uint16_t dst, uint16_t elem_addr, uint16_t app_idx,
                    struct bm_cfg_model_id model);
int bm_cfg_app_unbind(struct bm_node *node, uint16_t dst, uint16_t elem_addr, uint16_t app_idx,
                      struct bm_cfg_model_id model);
/* SIG or Vendor Model App Get, by model.company. */
int bm_cfg_app_get(struct bm_node *node, uint16_t dst, uint16_t elem_addr,
                   struct bm_cfg_model_id model);

int bm_cfg_identity_get(struct bm_node *node, uint16_t dst, uint16_t net_idx);
int bm_cfg_identity_set(struct bm_node *node, uint16_t dst, uint16_t net_idx, uint8_t identity);
int bm_cfg_krp_get(struct bm_node *node, uint16_t dst, uint16_t net_idx);
/* transition: 2 (use the new keys) or 3 (revoke the old ones) */
int bm_cfg_krp_set(struct bm_node *node, uint16_t dst, uint16_t net_idx, uint8_t transition);

int bm_cfg_hb_pub_get(struct bm_node *node, uint16_t dst);
int bm_cfg_hb_pub_set(struct bm_node *node, uint16_t dst, const struct bm_cfg_hb_pub *pub);
int bm_cfg_hb_sub_get(struct bm_node *node, uint16_t dst);
int bm_cfg_hb_sub_set(struct bm_node *node, uint16_t dst, uint16_t src, uint16_t sub_dst,
                      uint8_t period_log);
int bm_cfg_lpn_timeout_get(struct bm_node *node, uint16_t dst, uint16_t lpn_addr);
/* Config Node Reset: the target answers, then forgets everything. */
int bm_cfg_node_reset(struct bm_node *node, uint16_t dst);

/* Any message with any parameters, answered by status_op (tests of a
 * server's length checks; 0 = expect no answer, then the timeout ends the
 * request). */
int bm_cfg_cli_send_raw(struct bm_node *node, uint16_t dst, uint32_t opcode, const uint8_t *params,
                        size_t len, uint32_t status_op);

/* --- the local Configuration Server --- */

/* Composition Data page 0 identifiers: Company ID (assigned numbers),
 * Product ID, Version ID. Without a call: CID 0x05f1 (The Linux
 * Foundation), PID 0x0001, VID 0x0001. Before provisioning. */
#define BM_CFG_DEFAULT_CID 0x05f1
#define BM_CFG_DEFAULT_PID 0x0001
#define BM_CFG_DEFAULT_VID 0x0001
int bm_cfg_srv_set_ids(struct bm_node *node, uint16_t cid, uint16_t pid, uint16_t vid);

#endif
