/* The provisioner role: what a phone or gateway does. A node becomes a
 * provisioner by creating a network; it then scans for unprovisioned
 * devices, provisions them over PB-ADV, allocates their unicast addresses
 * and keeps their device keys in its network database. */
#ifndef BLEMESH_PROVISIONER_H
#define BLEMESH_PROVISIONER_H

#include <stdbool.h>
#include <stdint.h>

#include "blemesh/blemesh.h"

/* Creates a network with this node as its provisioner and first member:
 * net_key (NULL: drawn from the platform's random source) at index
 * net_idx, IV index iv_index, and own_addr as this node's unicast address.
 * Addresses for provisioned devices are allocated from own_addr + the
 * node's element count upwards. */
int bm_prov_create_network(struct bm_node *node, const uint8_t net_key[16], uint16_t net_idx,
                           uint32_t iv_index, uint16_t own_addr);

/* A device seen advertising Unprovisioned Device beacons. */
struct bm_unprov_device {
    uint8_t uuid[16];
    uint16_t oob_info;
    char name[BM_NAME_MAX + 1]; /* from the advertisement's name AD; may be shortened */
    int8_t rssi;
    uint64_t last_seen_ms;
};

/* Called once per newly seen device while scanning. */
typedef void (*bm_scan_fn)(void *user, const struct bm_unprov_device *dev);

int bm_prov_scan_start(struct bm_node *node, bm_scan_fn cb, void *user);
int bm_prov_scan_stop(struct bm_node *node);
/* Copies up to max scan results; *count receives how many. */
int bm_prov_scan_results(const struct bm_node *node, struct bm_unprov_device *out, size_t max,
                         size_t *count);

/* Provisioning algorithms (Capabilities, Mesh Protocol 1.1 5.4.1.2). */
#define BM_PROV_ALG_CMAC_AES128 0x01 /* BTM_ECDH_P256_CMAC_AES128_AES_CCM */
#define BM_PROV_ALG_HMAC_SHA256 0x02 /* BTM_ECDH_P256_HMAC_SHA256_AES_CCM */

struct bm_provision_opts {
    uint8_t attention_s;  /* Invite's attention duration */
    bool refuse_no_oob;   /* fail instead of falling back to No OOB */
    uint8_t algorithms;   /* BM_PROV_ALG_* allowed; 0 = both (strongest chosen) */
};

enum bm_provision_event {
    BM_PROVISION_EVT_OOB_NEEDED = 0, /* the device shows a value: call bm_prov_input_oob() */
    BM_PROVISION_EVT_COMPLETE = 1,
    BM_PROVISION_EVT_FAILED = 2,
};

struct bm_provision_result {
    enum bm_provision_event event;
    uint8_t uuid[16];
    uint16_t addr;      /* COMPLETE: the device's primary address */
    uint8_t elements;   /* COMPLETE: its element count */
    uint8_t algorithm;  /* the algorithm used (BM_PROV_ALG_*) */
    uint8_t oob_action; /* OOB_NEEDED: BM_OOB_ACT_* the device performs */
    uint8_t oob_size;   /* OOB_NEEDED: digits or characters */
    int err;            /* FAILED: BM_ETIMEOUT, BM_EAUTH, BM_EBADKEY, BM_EMALFORMED... */
    uint8_t reason;     /* FAILED: the Provisioning Failed error code sent or received, 0 if none */
};

typedef void (*bm_provision_fn)(void *user, const struct bm_provision_result *r);

/* Starts provisioning the device with this UUID over PB-ADV. The callback
 * reports the outcome (and, for Output OOB, when the value is needed).
 * BM_EBUSY if a provisioning is already running. */
int bm_prov_provision(struct bm_node *node, const uint8_t uuid[16],
                      const struct bm_provision_opts *opts, bm_provision_fn cb, void *user);

/* Gives the value the device showed: digits for numeric actions (blink,
 * beep, vibrate counts and displayed numbers), the characters for
 * alphanumeric. BM_EINVAL if it does not fit the action and size. */
int bm_prov_input_oob(struct bm_node *node, const char *value);

/* The provisioner's network database. */
struct bm_prov_node_info {
    uint8_t uuid[16];
    uint16_t addr;
    uint8_t elements;
};
/* Copies up to max entries; *count receives how many. */
int bm_prov_nodes(const struct bm_node *node, struct bm_prov_node_info *out, size_t max,
                  size_t *count);
/* The network key and index of the provisioner's network. */
int bm_prov_net_key(const struct bm_node *node, uint16_t *net_idx, uint8_t net_key[16]);

#endif
