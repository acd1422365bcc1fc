/* blemesh: a Bluetooth Mesh node and provisioner. The C face of the
 * MicroPython BLE_Mesh API (Pycom firmware), see README "The seed API in C".
 *
 * A node lives in memory the caller provides (bm_node_size() octets,
 * aligned for any type): no heap is used, so a microcontroller can place it
 * in a static buffer. Everything the node needs from outside comes through
 * the struct bm_platform given at creation (include/blemesh/platform.h).
 *
 * Every function returns 0 or a negative BM_E* code (errors.h). */
#ifndef BLEMESH_H
#define BLEMESH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blemesh/errors.h"
#include "blemesh/platform.h"

/* Constants, with the values the board firmware used. */
#define BM_PROV_ADV 1
#define BM_PROV_GATT 2
#define BM_PROV_NONE 4

#define BM_RELAY 1
#define BM_GATT_PROXY 2
#define BM_LOW_POWER 4
#define BM_FRIEND 8

#define BM_OOB_NONE 0
#define BM_OOB_INPUT 1
#define BM_OOB_OUTPUT 2

#define BM_ADDR_ALL_NODES 0xffff
#define BM_ADDR_PUBLISH 0x0000

struct bm_node;

/* Octets of memory a node needs. */
size_t bm_node_size(void);

/* Places a node in mem (at least bm_node_size() octets, aligned as
 * max_align_t) and binds it to plat, which must outlive the node. Elements
 * and models may be created before or after bm_init(). Returns NULL if mem
 * is too small or misaligned. */
struct bm_node *bm_node_create(void *mem, size_t mem_len, const struct bm_platform *plat);

/* Releases the node: wipes every key in its memory. */
void bm_node_destroy(struct bm_node *node);

/* init(name, auth): name is the device's name shown by a provisioner's scan
 * (at most BM_NAME_MAX octets); auth is BM_OOB_NONE, BM_OOB_OUTPUT or
 * BM_OOB_INPUT. Loads the stored state: a device UUID generated once and
 * kept (see bm_set_uuid), and, if provisioned before, its keys. */
#define BM_NAME_MAX 29
int bm_init(struct bm_node *node, const char *name, uint8_t auth);

/* Overrides the device UUID (16 octets, kept in storage). Only while
 * unprovisioned. */
int bm_set_uuid(struct bm_node *node, const uint8_t uuid[16]);
int bm_get_uuid(const struct bm_node *node, uint8_t uuid[16]);

/* The Output OOB values a device shows, passed to the provisioning
 * callback: for numeric actions (blink, beep, vibrate, display number) the
 * number; for alphanumeric the string. */
#define BM_OOB_ACT_BLINK 0
#define BM_OOB_ACT_BEEP 1
#define BM_OOB_ACT_VIBRATE 2
#define BM_OOB_ACT_NUMERIC 3
#define BM_OOB_ACT_ALPHANUMERIC 4

/* Which Output OOB actions the device offers (a mask of
 * 1 << BM_OOB_ACT_*) and how many digits or characters (1..8). Without a
 * call, an Output OOB device offers a 4-digit number or 4 blinks' worth.
 * BM_EINVAL for an empty mask, an unknown action or a size out of range. */
int bm_set_output_oob(struct bm_node *node, uint8_t actions, uint8_t size);

/* Provisioning events given to the set_node_prov callback. */
enum bm_prov_event {
    BM_PROV_EVT_OUTPUT_OOB = 0, /* show oob_value (action oob_action) now */
    BM_PROV_EVT_COMPLETE = 1,   /* provisioned: addr is our primary address */
    BM_PROV_EVT_FAILED = 2,     /* reason is the Provisioning Failed code or 0 for a timeout */
    BM_PROV_EVT_RESET = 3,      /* the node is unprovisioned again */
};

struct bm_prov_info {
    enum bm_prov_event event;
    uint8_t oob_action;     /* BM_OOB_ACT_* */
    uint32_t oob_number;    /* numeric actions */
    const char *oob_string; /* alphanumeric action: NUL-terminated */
    uint16_t addr;
    uint8_t reason;
};

typedef void (*bm_prov_fn)(void *user, const struct bm_prov_info *info);

/* set_node_prov(bearer, callback): enables the provisioning bearers (an OR
 * of BM_PROV_ADV, BM_PROV_GATT) or BM_PROV_NONE. With BM_PROV_GATT the
 * unprovisioned device advertises the Mesh Provisioning Service
 * (connectable, through the port's gatt_adv; BM_ENOTSUP if the port has
 * no GATT) and takes PB-GATT provisioning over a connection. */
int bm_set_node_prov(struct bm_node *node, uint8_t bearers, bm_prov_fn cb, void *user);

/* reset_node_prov(): forgets keys, addresses and sequence number, durably;
 * the node is unprovisioned and beaconing again. */
int bm_reset_node_prov(struct bm_node *node);

/* create_element(primary, feature, beacon, ttl): feature is an OR of
 * BM_RELAY, BM_GATT_PROXY, BM_LOW_POWER, BM_FRIEND; beacon enables the
 * secure network beacon; ttl is the default TTL (0 or 2..127). The primary
 * element also gets the Configuration Server and Health Server models. A
 * second primary element, a secondary element before the primary, a TTL of
 * 1 or over 127, or an unknown feature bit is BM_EINVAL. Writes the element
 * index (0 for the primary) to *index if not NULL. */
int bm_create_element(struct bm_node *node, bool primary, uint8_t feature, bool beacon,
                      uint8_t ttl, int *index);

/* --- models: add_model, value, set_state --- */

/* Model types, functionalities and roles, with the board firmware's values. */
#define BM_GENERIC 0
#define BM_SENSORS 1
#define BM_TIME_SCENES 2
#define BM_LIGHTNING 3
#define BM_ONOFF 0
#define BM_LEVEL 1
#define BM_SERVER 0
#define BM_CLIENT 1

struct bm_model;

/* What a model's callback is told. */
enum bm_model_event {
    BM_EVT_STATE_CHANGED = 0, /* server: a remote Set changed the state */
    BM_EVT_STATUS = 1,        /* client: a Status arrived (reply or publication) */
    BM_EVT_TIMEOUT = 2,       /* client: an acknowledged Set got no Status in time */
};

struct bm_model_event_info {
    enum bm_model_event event;
    uint32_t recv_op; /* the received opcode, e.g. 0x8202; the Set's opcode on a timeout */
    int32_t value;    /* the new state (OnOff 0/1, Level -32768..32767) */
    uint16_t src;     /* who sent it (0 on a timeout) */
};

typedef void (*bm_model_fn)(void *user, struct bm_model *model,
                            const struct bm_model_event_info *e);

/* add_model(type, functionality, server_client, callback, value) on
 * element `element`: GENERIC x ONOFF|LEVEL x SERVER|CLIENT. Other types
 * (SENSORS, TIME_SCENES, LIGHTNING) are BM_ENOTSUP. value is the initial
 * state (OnOff 0/1, Level -32768..32767). */
int bm_add_model(struct bm_node *node, int element, uint8_t type, uint8_t functionality,
                 uint8_t server_client, bm_model_fn cb, void *user, int32_t value,
                 struct bm_model **out);
/* value(): a server's state, or the last value a client heard. */
int bm_model_get_value(const struct bm_model *model, int32_t *value);
/* value(v) on a server: sets the state a remote Get sees and publishes one
 * Status to the publication address (if configured). BM_ESTATE on a
 * client, BM_EINVAL for a value out of range. */
int bm_model_set_value(struct bm_node *node, struct bm_model *model, int32_t value);
/* set_state(value, addr, app_idx) on a client: sends a Set (acknowledged
 * when ack is true, then BM_EVT_STATUS or BM_EVT_TIMEOUT follows) to addr,
 * BM_ADDR_PUBLISH meaning the model's publication address, with the
 * element's default TTL. BM_ESTATE on a server or without a bound key. */
int bm_model_set_state(struct bm_node *node, struct bm_model *model, int32_t value,
                       uint16_t addr, uint16_t app_idx, bool ack);

/* --- Low Power node (Mesh Profile 3.6.6.4) ---
 *
 * A node created with BM_LOW_POWER looks for a friend once provisioned:
 * it sends a Friend Request, takes the best offer (ReceiveWindow and RSSI
 * weighed by its criteria), then sleeps, waking to poll its friend every few
 * seconds (well within its PollTimeout) and to collect what the friend
 * stored meanwhile. Its radio listens only in the receive windows. When the
 * friend stops answering, the node finds another one. */

/* Called when a friendship is established (established true) or lost. */
typedef void (*bm_friendship_fn)(void *user, bool established, uint16_t friend_addr);

/* Turns the Low Power feature on or off. Off ends a friendship (the friend
 * is sent a Friend Clear). BM_ENOTSUP if the primary element was created
 * without BM_LOW_POWER. */
int bm_lpn_set(struct bm_node *node, bool enable);
/* Polls the friend now instead of at the next periodic poll. BM_ESTATE
 * without an established friendship or while a poll is in progress. */
int bm_lpn_poll(struct bm_node *node);
/* Installs the friendship callback (NULL to remove). */
int bm_lpn_set_cb(struct bm_node *node, bm_friendship_fn cb, void *user);

struct bm_lpn_status {
    bool enabled;
    bool established;
    uint16_t friend_addr;       /* 0 without a friendship */
    uint8_t receive_delay_ms;   /* ours, from the Friend Request */
    uint8_t receive_window_ms;  /* the friend's, from its offer */
    uint32_t poll_timeout_ms;   /* the PollTimeout we asked for */
    uint64_t listen_ms;         /* time the radio listened since enabled */
    uint64_t elapsed_ms;        /* time since enabled */
    uint32_t polls;             /* Friend Polls sent */
    uint32_t friendships;       /* friendships established */
    uint32_t losses;            /* friendships lost */
};
/* Fills st. BM_EINVAL for NULL arguments. */
int bm_lpn_get_status(const struct bm_node *node, struct bm_lpn_status *st);

/* --- driving the node (the port calls these) --- */

/* One received advertisement: its advertising data (AD structures, as on
 * the air). AD types other than the mesh ones are ignored; a malformed
 * structure ends parsing of that advertisement. */
void bm_node_rx_adv(struct bm_node *node, const uint8_t *adv_data, size_t len, int8_t rssi);
/* Runs every timer due at now_ms; returns the absolute ms of the next one
 * (UINT64_MAX if none). Call it again at that time or after any rx. */
uint64_t bm_node_process(struct bm_node *node, uint64_t now_ms);

/* --- the GATT bearer (the port calls these; platform.h gatt_*) --- */

/* A central connected to us (we are the peripheral) over connection conn
 * with ATT MTU mtu (23..517). While we are unprovisioned with PB-GATT
 * enabled the connection serves the Mesh Provisioning Service; once
 * provisioned with the GATT_PROXY feature, the Mesh Proxy Service.
 * Returns 0, BM_EINVAL, BM_ENOTSUP (no service to offer now), BM_EBUSY (a
 * provisioning is running) or BM_ENOSPC (all BM_CFG_GATT_CONNS in use);
 * on an error the port should disconnect. */
int bm_node_gatt_connected(struct bm_node *node, uint16_t conn, uint16_t mtu);
/* One ATT value received on conn (a Proxy PDU). Untrusted bytes:
 * malformed PDUs are dropped and change nothing. */
void bm_node_gatt_rx(struct bm_node *node, uint16_t conn, const uint8_t *data, size_t len);
/* conn is gone (either side ended it). */
void bm_node_gatt_disconnected(struct bm_node *node, uint16_t conn);

/* --- state --- */
bool bm_node_is_provisioned(const struct bm_node *node);
/* Primary unicast address (0 while unprovisioned). */
uint16_t bm_node_addr(const struct bm_node *node);
int bm_node_element_count(const struct bm_node *node);

/* Counters a test or a status display reads. */
struct bm_node_stats {
    uint32_t adv_rx;         /* advertisements handed in */
    uint32_t net_rx;         /* network PDUs accepted */
    uint32_t net_dropped;    /* malformed / not for our keys */
    uint32_t cache_dropped;  /* already in the network message cache */
    uint32_t replay_dropped; /* rejected by replay protection */
    uint32_t beacons_rx;     /* authenticated secure network beacons */
    uint32_t beacons_bad;    /* secure network beacons that did not verify */
    uint32_t adv_tx;         /* advertisements queued */
};
void bm_node_get_stats(const struct bm_node *node, struct bm_node_stats *stats);

#endif
