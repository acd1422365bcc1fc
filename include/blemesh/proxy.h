/* The GATT side of a node as a central: the proxy client role (a phone
 * that connects to one proxy node and reaches the whole mesh through it,
 * Mesh Profile 6) and the PB-GATT provisioner (5.2.2), plus a parser of
 * the connectable advertisements of the Mesh Provisioning and Mesh Proxy
 * Services (7.1, 7.2) for choosing whom to connect to.
 *
 * The port opens the connection (it knows addresses); the node is told
 * with bm_gatt_client_connected() and from then on sends through the
 * port's gatt_send. While a proxy client connection is up, every network
 * PDU the node sends goes over it and none over advertising. */
#ifndef BLEMESH_PROXY_H
#define BLEMESH_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blemesh/blemesh.h"
#include "blemesh/provisioner.h"

/* 16-bit service UUIDs (Assigned Numbers). */
#define BM_GATT_SVC_PROV 0x1827
#define BM_GATT_SVC_PROXY 0x1828

/* Identification types of the Mesh Proxy Service data (7.2.2.2.2). */
#define BM_PROXY_ID_NETWORK 0x00
#define BM_PROXY_ID_NODE 0x01

/* What a connectable mesh advertisement says. */
struct bm_gatt_adv_info {
    uint16_t service;     /* BM_GATT_SVC_PROV or BM_GATT_SVC_PROXY */
    uint8_t uuid[16];     /* PROV: the device UUID */
    uint16_t oob_info;    /* PROV: OOB Information */
    uint8_t id_type;      /* PROXY: BM_PROXY_ID_* */
    uint8_t network_id[8];/* PROXY, network: the Network ID */
    uint8_t hash[8];      /* PROXY, node: the Node Identity hash */
    uint8_t random[8];    /* PROXY, node: its Random */
};

/* Parses the advertising data of a connectable advertisement. Returns 0,
 * BM_ENOENT if it carries no mesh service data, BM_EMALFORMED for a bad
 * length. */
int bm_gatt_adv_parse(const uint8_t *adv_data, size_t len, struct bm_gatt_adv_info *info);

/* True if the Node Identity in info (hash over random) is the one of addr
 * on our subnet net_idx: the phone finds the node it just provisioned. */
bool bm_proxy_node_identity_match(const struct bm_node *node, uint16_t net_idx, uint16_t addr,
                                  const struct bm_gatt_adv_info *info);

/* A connection this node opened as the central to a peer's service
 * (BM_GATT_SVC_PROV or BM_GATT_SVC_PROXY) is up, with ATT MTU mtu.
 * Returns 0, BM_EINVAL or BM_ENOSPC (the port should disconnect). */
int bm_gatt_client_connected(struct bm_node *node, uint16_t conn, uint16_t mtu, uint16_t service);

/* Proxy filter types (6.7). */
#define BM_PROXY_FILTER_ACCEPT 0x00 /* white list */
#define BM_PROXY_FILTER_REJECT 0x01 /* black list */

enum bm_proxy_client_event {
    BM_PROXY_EVT_FILTER_STATUS = 0, /* a Filter Status arrived */
    BM_PROXY_EVT_DISCONNECTED = 1,  /* the proxy connection is gone */
};

struct bm_proxy_client_info {
    enum bm_proxy_client_event event;
    uint16_t conn;
    uint8_t filter_type; /* FILTER_STATUS: BM_PROXY_FILTER_* */
    uint16_t list_size;  /* FILTER_STATUS: addresses in the filter list */
    uint16_t src;        /* FILTER_STATUS: the proxy server's address */
};

typedef void (*bm_proxy_client_fn)(void *user, const struct bm_proxy_client_info *info);

/* The callback for proxy client events (NULL: none). */
int bm_proxy_client_set_cb(struct bm_node *node, bm_proxy_client_fn cb, void *user);
/* Proxy configuration messages to the proxy server on conn (6.5),
 * encrypted on our primary subnet with the proxy nonce: Set Filter Type
 * (the list is cleared), Add Addresses, Remove Addresses (count 1..5 per
 * message: a network PDU carries at most 5). Returns 0, BM_EINVAL,
 * BM_ESTATE (not a proxy client connection or not provisioned) or an
 * error of the port. The answer is a BM_PROXY_EVT_FILTER_STATUS. */
int bm_proxy_client_set_filter_type(struct bm_node *node, uint16_t conn, uint8_t type);
int bm_proxy_client_add_addrs(struct bm_node *node, uint16_t conn, const uint16_t *addrs,
                              size_t count);
int bm_proxy_client_remove_addrs(struct bm_node *node, uint16_t conn, const uint16_t *addrs,
                                 size_t count);
/* Asks the port to end conn. */
int bm_gatt_client_disconnect(struct bm_node *node, uint16_t conn);

/* PB-GATT provisioner: provisions the device with this UUID over conn, a
 * client connection to its Mesh Provisioning Service. As
 * bm_prov_provision() otherwise (same callback, bm_prov_input_oob() for
 * Output OOB); the connection is closed when the procedure ends. */
int bm_prov_provision_gatt(struct bm_node *node, uint16_t conn, const uint8_t uuid[16],
                           const struct bm_provision_opts *opts, bm_provision_fn cb, void *user);

#endif
