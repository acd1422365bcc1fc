/* The Mesh Proxy protocol's own pieces (Mesh Profile 6.5-6.7, 7.1-7.2):
 * proxy configuration messages (parse/build, and their network-layer
 * encryption with the proxy nonce), the per-connection proxy filter, the
 * connectable advertising data of the Mesh Provisioning and Mesh Proxy
 * Services, and the GATT state a node keeps per connection. The node glue
 * (src/node/node_gatt.c) moves PDUs between these, the port and the
 * network layer. */
#ifndef BM_PROXY_H
#define BM_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blemesh/config.h"
#include "blemesh/platform.h"
#include "blemesh/proxy.h"
#include "bearer/proxy_sar.h"
#include "net/net.h"

/* Proxy configuration opcodes (6.5, Table 6.4); 0x04..0xff are RFU. */
#define BM_PROXY_OP_SET_FILTER_TYPE 0x00
#define BM_PROXY_OP_ADD_ADDRS 0x01
#define BM_PROXY_OP_REMOVE_ADDRS 0x02
#define BM_PROXY_OP_FILTER_STATUS 0x03
/* A proxy configuration message is an unsegmented control message: at
 * most 12 octets of transport PDU (opcode + 11), so 5 addresses. */
#define BM_PROXY_CFG_MAX_LEN 12
#define BM_PROXY_CFG_MAX_ADDRS 5

struct bm_proxy_cfg_msg {
    uint8_t opcode;
    uint8_t filter_type; /* SET_FILTER_TYPE, FILTER_STATUS */
    uint16_t list_size;  /* FILTER_STATUS */
    uint16_t addrs[BM_PROXY_CFG_MAX_ADDRS];
    uint8_t count;       /* ADD/REMOVE */
};

/* Parses a proxy configuration message (opcode and parameters). Returns 0,
 * BM_EMALFORMED (bad length, prohibited filter type, odd address array),
 * BM_ENOTSUP (RFU opcode). */
int bm_proxy_cfg_parse(const uint8_t *msg, size_t len, struct bm_proxy_cfg_msg *m);
/* Builds one; BM_EINVAL for a bad field or count. */
int bm_proxy_cfg_build(const struct bm_proxy_cfg_msg *m, uint8_t *out, size_t out_size,
                       size_t *out_len);

/* Encrypts a proxy configuration message as a network PDU with the proxy
 * nonce (6.6): CTL 1, TTL 0, DST unassigned. */
int bm_proxy_cfg_encode(const struct bm_net_creds *c, uint32_t iv_index, uint16_t src,
                        uint32_t seq, const uint8_t *msg, size_t len, uint8_t *out,
                        size_t out_size, size_t *out_len);
/* Decrypts one with any key of net (the IV index from IVI). Checks CTL 1,
 * TTL 0 and DST unassigned (6.6); the message cache keeps out replays.
 * Returns 0 with *src, *net_idx and the message (at most
 * BM_PROXY_CFG_MAX_LEN octets in msg), BM_EMALFORMED, BM_ENOKEY, BM_EAUTH,
 * BM_EDUP. */
int bm_proxy_cfg_decode(struct bm_net *net, const uint8_t *pdu, size_t len, uint16_t *src,
                        uint16_t *net_idx, uint8_t msg[BM_PROXY_CFG_MAX_LEN], size_t *msg_len);

/* A proxy client's filter (6.7). A new connection starts with an empty
 * accept list: nothing is forwarded until the client sends something or
 * configures the filter. */
struct bm_proxy_filter {
    uint8_t type; /* BM_PROXY_FILTER_ACCEPT / REJECT */
    uint8_t count;
    uint16_t addrs[BM_CFG_PROXY_FILTER_SIZE];
};

void bm_proxy_filter_init(struct bm_proxy_filter *f);
/* Applies Set Filter Type / Add / Remove (anything else is ignored). */
void bm_proxy_filter_apply(struct bm_proxy_filter *f, const struct bm_proxy_cfg_msg *m);
/* Adds addr to f's list (add) or removes it (!add). Adding 0x0000, an
 * address already listed or one to a full list, or removing one not
 * listed, changes nothing. */
void bm_proxy_filter_edit(struct bm_proxy_filter *f, uint16_t addr, bool add);
void bm_proxy_filter_add(struct bm_proxy_filter *f, uint16_t addr);
void bm_proxy_filter_remove(struct bm_proxy_filter *f, uint16_t addr);
/* A network PDU to dst goes to this client. */
bool bm_proxy_filter_match(const struct bm_proxy_filter *f, uint16_t dst);

/* Connectable advertising data: Flags, the service's 16-bit UUID and its
 * Service Data. Mesh Provisioning Service (7.1.2.2.1): Device UUID and OOB
 * Information (big-endian, as in the Unprovisioned Device beacon). Mesh
 * Proxy Service (7.2.2.2): Network ID or Node Identity hash and random.
 * Each returns 0 or BM_ENOSPC; the Service Data AD structure starts at
 * octet BM_GATT_ADV_SVC_DATA_OFF. */
#define BM_GATT_ADV_SVC_DATA_OFF 7
int bm_gatt_adv_prov(const uint8_t uuid[16], uint16_t oob_info, uint8_t *out, size_t out_size,
                     size_t *out_len);
/* Mesh Proxy Service: Node Identity (hash, random) if random is not
 * NULL, else Network ID (id). */
int bm_gatt_adv_proxy(const uint8_t id[8], const uint8_t *random, uint8_t *out, size_t out_size,
                      size_t *out_len);
int bm_gatt_adv_net_id(const uint8_t network_id[8], uint8_t *out, size_t out_size,
                       size_t *out_len);
int bm_gatt_adv_node_id(const uint8_t hash[8], const uint8_t random[8], uint8_t *out,
                        size_t out_size, size_t *out_len);

/* --- the GATT state a node keeps (src/node/node_gatt.c) --- */

enum bm_gatt_role {
    BM_GATT_ROLE_NONE = 0,
    BM_GATT_ROLE_PROXY_SERVER, /* we serve the Mesh Proxy Service */
    BM_GATT_ROLE_PROV_SERVER,  /* we serve the Mesh Provisioning Service */
    BM_GATT_ROLE_PROXY_CLIENT, /* we are the phone of a proxy server */
    BM_GATT_ROLE_PROV_CLIENT,  /* we are a PB-GATT provisioner */
};

struct bm_gatt_conn {
    uint8_t role;    /* enum bm_gatt_role; NONE = free slot */
    uint16_t handle; /* the port's connection number */
    uint16_t mtu;    /* ATT_MTU */
    struct bm_proxy_sar_rx sar;
    struct bm_proxy_filter filter; /* PROXY_SERVER: what the client wants */
};

struct bm_gatt {
    /* the octets first, at small offsets (Thumb loads reach 31 octets) */
    /* 1 + index of the connection the PDU in the rx path came from; 0 = advertising */
    uint8_t rx_conn;
    uint8_t prov_conn;         /* 1 + index of the connection PB-GATT runs on; 0 = none */
    bool proxy_disabled;       /* GATT Proxy state set to 0 (4.2.11) */
    bool drop_clients;         /* GATT Proxy went 1 -> 0: disconnect proxy clients (4.2.11) */
    uint8_t adv_len;
    uint8_t beacon_flags;
    uint32_t beacon_iv;        /* the beacon state proxy clients last got */
    /* then what the server's code reaches often, the phone's pointers last */
    bm_ms_t identity_until_ms[BM_CFG_SUBNETS]; /* Node Identity running, per subnet slot; 0 = off */
    struct bm_gatt_conn conns[BM_CFG_GATT_CONNS];
    uint8_t id_random[8];      /* Random of the Node Identity we advertise */
    uint8_t adv[BM_ADV_MAX_LEN]; /* what the port is advertising for us */
    bm_proxy_client_fn client_cb;
    void *client_user;
    /* The phone's (proxy client) side of the node glue (node_gatt.c),
     * installed by the first client connection, so an image that is never
     * a phone links none of it; NULL before. */
    const struct bm_node_gatt_client *client;
};

#endif
