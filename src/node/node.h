/* The node context: every piece of a node's state in one struct the caller
 * owns (placed by bm_node_create()), and the glue between the layers and
 * the platform: timers, logging, the advertising bearer demux, beacons. */
#ifndef BM_NODE_H
#define BM_NODE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "blemesh/blemesh.h"
#include "blemesh/config.h"
#include "blemesh/provisioner.h"
#include "bm_time.h"
#include "net/beacon.h"
#include "net/net.h"
#include "access/model.h"
#include "friend/friend.h"
#include "friend/lpn.h"
#include "bearer/proxy.h"
#include "prov/prov_link.h"
#include "storage/records.h"
#include "transport/lower.h"
#include "transport/upper.h"

/* Relay / proxy / friend state values (Mesh Profile 4.2.8-4.2.12). */
#define BM_FEAT_STATE_DISABLED 0
#define BM_FEAT_STATE_ENABLED 1
#define BM_FEAT_STATE_UNSUPPORTED 2

/* Timers the node owns; each holds an absolute deadline (0 = stopped). */
enum bm_timer_id {
    BM_TIMER_UNPROV_BEACON,
    BM_TIMER_NET_BEACON,
    BM_TIMER_PROV_LINK,
    BM_TIMER_SAR_TX,
    BM_TIMER_MODELS,
    BM_TIMER_IV,
    BM_TIMER_COUNT
};

/* Mesh Profile 3.9.2 leaves the Unprovisioned Device beacon interval to the
 * implementation; 5 s matches what common stacks use. The secure network
 * beacon goes out every 10 s (3.9.3.1 minimum observation-based interval). */
#define BM_UNPROV_BEACON_MS 5000u
#define BM_NET_BEACON_MS 10000u

struct bm_element {
    bool used;
    bool primary;
};

/* A node we provisioned, in the provisioner's network database. */
struct bm_prov_db_node {
    bool used;
    uint8_t uuid[16];
    uint16_t addr;
    uint8_t elements;
    uint8_t dev_key[BM_KEY_LEN];
};

/* Replay protection list entry (Mesh Profile 3.8.8). */
struct bm_rpl_entry {
    uint16_t src;
    uint32_t seq;
    uint32_t iv_index;
    /* what storage holds (records.h RPL): messages up to this mark are
     * refused after a restart */
    uint32_t mark_seq;
    uint32_t mark_iv;
    bool marked;
};

/* An outgoing segmented message (Mesh Profile 3.5.3.3). */
struct bm_sar_tx {
    bool busy;
    uint16_t src, dst, net_idx;
    uint8_t ttl;
    struct bm_lower_hdr hdr; /* ctl, akf/aid or opcode, szmic, seq_zero */
    uint32_t acked;          /* bit i: segment i acknowledged */
    uint32_t sent;           /* bit i: segment i sent in this round */
    uint8_t seg_n;
    uint8_t retries_left;
    bm_ms_t next_ms;
    size_t upper_len;
    /* the encrypted upper transport PDU, kept for retransmissions; last:
     * bm_node_send_access encrypts into it before setting the fields
     * above (memset up to offsetof(upper)) */
    uint8_t upper[BM_LOWER_MAX_UPPER];
};

/* A segment acknowledgement we owe (Mesh Profile 3.5.3.4). */
struct bm_sar_ack {
    bool pending;
    uint16_t src, dst, net_idx;
    uint16_t seq_zero;
    uint8_t ttl;
    bool obo;            /* a Friend acknowledging for its Low Power node */
    bm_ms_t due_ms;
};

/* Heartbeat Publication state (Mesh Profile 4.2.17), heartbeat.c. */
struct bm_hb_pub {
    uint16_t dst;        /* 0 = not publishing */
    uint16_t count;      /* heartbeats still to send; 0xffff = indefinitely */
    uint8_t period_log;  /* period 2^(n-1) s; 0 = no periodic heartbeats */
    uint8_t ttl;         /* 0..127 */
    uint16_t features;   /* features whose change triggers a heartbeat (4.2.17.5) */
    uint16_t net_idx;
    bm_ms_t next_ms; /* next periodic heartbeat, 0 = none */
};

/* Heartbeat Subscription state (Mesh Profile 4.2.18), heartbeat.c. */
struct bm_hb_sub {
    uint16_t src;        /* 0 = not subscribed */
    uint16_t dst;
    bm_ms_t end_ms;      /* when the subscription period ends, 0 = stopped */
    uint16_t count;      /* heartbeats received in the period, saturates at 0xffff */
    uint8_t min_hops;    /* 0x01..0x7f; 0x00 = none received (4.2.18.5) */
    uint8_t max_hops;    /* 0x01..0x7f; 0x00 = none received */
};

struct bm_scan_entry {
    bool used;
    struct bm_unprov_device dev;
};

/* The small fields most code reads come first: Cortex-M0+ (Thumb-1) loads
 * reach a byte only in the first 32 octets of a struct, a halfword in the
 * first 64 and a word in the first 128 without an extra literal, and the
 * node is several KB. Reading order is by size there, not by topic; the
 * topic of each is in its comment. */
struct bm_node {
    bool initialized;
    bool provisioned;
    uint8_t prov_elements;   /* elements the provisioner gave addresses to */
    uint8_t element_count;   /* composition */
    uint8_t features;        /* composition: BM_RELAY | ... */
    uint8_t relay;           /* BM_FEAT_STATE_* */
    bool net_beacon;         /* secure network beacon enabled */
    uint8_t default_ttl;
    uint8_t app_count;       /* app_keys in use */
    bool persist_live;       /* persist.c: provisioning loaded or written: model records apply */
    bool iv_recovered;       /* node_iv.c: an IV Index Recovery happened in the current state */
    bool iv_test;            /* node_iv.c: test mode: iv_min_ms replaces the 96 hours */
    bool iv_want_normal;     /* node_iv.c: leaving In Progress waits for segmented sends */
    bool rx_friendship;      /* the PDU being received was decoded with friendship credentials */
    int8_t rx_rssi;
    bool is_provisioner;     /* provisioner role: read through bm_node_is_provisioner() */
    uint16_t addr;           /* provisioned: primary element address */
    uint16_t rpl_count;      /* rpl entries in use */
    uint16_t iv_hours_saved; /* node_iv.c: hours last written to the IV record */
    uint32_t seq;
    uint32_t seq_reserved;   /* stored mark: seq never reaches it unstored */
    struct bm_node_stats stats;
    struct bm_platform plat;
    /* PB-GATT's entry points (node_gatt.c): NULL until a call that uses
     * PB-GATT installs them (bm_node_gatt_pb_enable), so an image that
     * never does links none of it */
    const struct bm_node_pb_gatt *pb_gatt;
    bm_ms_t timers[BM_TIMER_COUNT];
    struct bm_adv_xmit net_xmit;
    struct bm_adv_xmit relay_xmit;

    /* Configuration Server state kept beside the layers' own (cfg_srv.c,
     * heartbeat.c): heartbeats, a pending Node Reset, and the identifiers
     * of Composition Data page 0 (4.2.1). */
    bm_ms_t reset_due_ms; /* Config Node Reset: reset once the Status is out; 0 = none */
    struct bm_hb_pub hb_pub;
    struct bm_hb_sub hb_sub;
    bool comp_ids_set;       /* false: the defaults of cfg_srv.c */
    uint16_t comp_cid, comp_pid, comp_vid;

    char name[BM_NAME_MAX + 1];
    uint8_t uuid[16];
    uint8_t auth;          /* BM_OOB_* */
    uint8_t out_actions;   /* 1 << BM_OOB_ACT_* offered with Output OOB */
    uint8_t out_size;      /* 1..8 */
    uint8_t prov_bearers;  /* BM_PROV_* */
    bm_prov_fn prov_cb;
    void *prov_user;

    /* GATT bearer: connections, proxy filters, advertising (node_gatt.c);
     * here, not last, so that its fields are within cheap reach on Thumb-1 */
    struct bm_gatt gatt;

    /* composition */
    struct bm_element elements[BM_CFG_ELEMENTS];

    /* provisioned state */
    uint8_t dev_key[BM_KEY_LEN];
    struct bm_net net;
    struct bm_reasm_pool reasm;
    struct bm_upper_appkey app_keys[BM_CFG_APP_KEYS]; /* compact: [0, app_count) */
    uint16_t app_net_idx[BM_CFG_APP_KEYS];
    bool app_new[BM_CFG_APP_KEYS]; /* the entry is an index's new key (key refresh) */
    struct bm_rpl_entry rpl[BM_CFG_RPL_SIZE];
    struct bm_sar_tx sar_tx[BM_CFG_TX_SEG_CTX];
    struct bm_sar_ack sar_ack[BM_CFG_RX_SEG_CTX];
    struct bm_model models[BM_CFG_MODELS];
    uint8_t labels[BM_CFG_LABELS][16]; /* Label UUIDs in use by subscriptions */
    uint16_t label_refs[BM_CFG_LABELS];

    /* provisioning (either role, one link at a time) */
    struct bm_prov_link link;

    /* provisioner role (BM_CFG_PROVISIONER) */
    struct bm_prov_db_node db[BM_CFG_PROV_NODES];
    uint16_t next_addr;
    uint16_t prov_net_idx;
    struct bm_scan_entry scan[BM_CFG_SCAN_RESULTS];
    bm_scan_fn scan_cb;
    void *scan_user;
    bm_provision_fn provision_cb;
    void *provision_user;

    /* persistence (storage/persist.c) */
    uint16_t model_slot[BM_CFG_MODELS]; /* record slot of models[i]; 0xffff unknown */
    uint8_t model_saved[BM_CFG_MODELS][BM_MODEL_SAVED_MAX]; /* last stored state */
    uint8_t model_saved_len[BM_CFG_MODELS];                 /* 0: none stored */

    /* IV Update procedure (node_iv.c, Mesh Profile 3.10.5) */
    uint64_t iv_since_ms;    /* platform clock when this boot began counting the state */
    uint64_t iv_base_ms;     /* time spent in the state before that (IV record hours) */
    uint32_t iv_min_ms;

    /* friendship (src/friend): the Friend side and the Low Power side */
    struct bm_frnd frnd;
    struct bm_lpn lpn;
};

/* True on a node acting as provisioner; a constant false when the role is
 * compiled out (BM_CFG_PROVISIONER 0), so the role's code is not linked. */
static inline bool bm_node_is_provisioner(const struct bm_node *node)
{
    return BM_CFG_PROVISIONER && node->is_provisioner;
}

/* The platform clock modulo 2^32 (bm_time.h). */
bm_ms_t bm_node_now(const struct bm_node *node);
/* The platform clock itself, for the few clocks that must not wrap (the
 * IV Update state, a Level Move, LPN statistics). */
uint64_t bm_node_clock64(const struct bm_node *node);
void bm_node_timer_set(struct bm_node *node, enum bm_timer_id id, uint32_t delay_ms);
void bm_node_timer_stop(struct bm_node *node, enum bm_timer_id id);
/* Sends one advertisement holding one AD structure of type ad_type. */
int bm_node_send_ad(struct bm_node *node, uint8_t ad_type, const uint8_t *data, size_t len,
                    const struct bm_adv_xmit *xmit);
/* Formats one log line and hands it to the port's log hook, if any. Call
 * it through bm_node_log(). */
void bm_node_log_line(const struct bm_node *node, enum bm_log_level level, const char *layer,
                      const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* Logs at level (a BM_LOG_* constant): compiled out when level is not below
 * BM_CFG_LOG_LEVEL, so an image built with level 0 links no formatter. The
 * arguments are still compiled (and type-checked) in every configuration. */
#define bm_node_log(node, level, ...)                                                              \
    do {                                                                                           \
        if ((int)(level) < BM_CFG_LOG_LEVEL)                                                       \
            bm_node_log_line((node), (level), __VA_ARGS__);                                        \
    } while (0)
/* Adopts provisioning data: keys, address, IV index; persists them. */
int bm_node_provisioned(struct bm_node *node, const uint8_t net_key[BM_KEY_LEN], uint16_t net_idx,
                        uint8_t flags, uint32_t iv_index, uint16_t addr,
                        const uint8_t dev_key[BM_KEY_LEN]);
/* The secure network beacon of a subnet as we send it now: its transmit
 * key set, the Key Refresh and IV Update flags (node_beacon.c). */
int bm_node_net_beacon(const struct bm_node *node, const struct bm_subnet *sub,
                       uint8_t out[BM_SNB_LEN]);
/* Sends a secure network beacon for every subnet now (node_beacon.c). */
void bm_node_send_net_beacons(struct bm_node *node);
/* Sends one Unprovisioned Device beacon with the name (node_beacon.c). */
void bm_node_send_unprov_beacon(struct bm_node *node);
/* Handles a received mesh beacon AD (node_beacon.c). */
void bm_node_rx_beacon(struct bm_node *node, const uint8_t *data, size_t len, int8_t rssi,
                       const char *name);

/* Message path (node_msg.c). */
struct bm_send {
    uint16_t src;       /* our element address */
    uint16_t dst;
    uint16_t net_idx;
    uint16_t app_idx;   /* or BM_APP_IDX_DEV */
    uint8_t ttl;        /* or BM_TTL_DEFAULT */
    const uint8_t *label; /* Label UUID when dst is virtual */
    bool segmented;     /* force segmentation */
};
/* Encrypts and sends one access message (segmented when needed). Returns
 * 0, BM_ESTATE (not provisioned), BM_EINVAL (length 0 or over
 * BM_ACCESS_MAX_PAYLOAD, src not ours, no dst or label), BM_ENOKEY,
 * BM_ENOSPC (no sequence number, or larger than the SAR context),
 * BM_EBUSY (every SAR context busy) or what the bearer answered. A refused
 * message changes no SAR context. */
int bm_node_send_access(struct bm_node *node, const struct bm_send *s, const uint8_t *access,
                        size_t len);
/* The same for the access payload head || body (say opcode || params),
 * which are written straight where the PDU is encrypted in place (the SAR
 * context, or a 15-octet buffer when unsegmented), so the caller keeps no
 * assembled copy. head_len + body_len is the payload's length; either may
 * be 0 (its pointer then unused). */
int bm_node_send_access_parts(struct bm_node *node, const struct bm_send *s, const uint8_t *head,
                              size_t head_len, const uint8_t *body, size_t body_len);
/* Sends one unsegmented transport control message. */
int bm_node_send_ctl(struct bm_node *node, uint16_t net_idx, uint16_t dst, uint8_t ttl,
                     uint8_t opcode, const uint8_t *params, size_t len);
/* As bm_node_send_ctl, with the given credentials (friendship) instead of
 * the subnet's master credentials (NULL: those, with proxy clients and
 * friend queues, as bm_node_send_ctl), and the given bearer repetition. */
int bm_node_send_ctl_creds(struct bm_node *node, uint16_t net_idx, const struct bm_net_creds *creds,
                           uint16_t dst, uint8_t ttl, uint8_t opcode, const uint8_t *params,
                           size_t len, const struct bm_adv_xmit *xmit);
/* The network PDU path up from the bearer. */
void bm_node_rx_network(struct bm_node *node, const uint8_t *pdu, size_t len, int8_t rssi);
void bm_node_sar_process(struct bm_node *node, bm_ms_t now);
/* True if addr is one of our element addresses. */
bool bm_node_is_local(const struct bm_node *node, uint16_t addr);
/* AppKey table (node_keys.c). */
int bm_node_app_key_add(struct bm_node *node, uint16_t net_idx, uint16_t app_idx,
                        const uint8_t key[BM_KEY_LEN]);
int bm_node_app_key_del(struct bm_node *node, uint16_t app_idx);
/* The key to transmit with: during key refresh the new key from phase 2 on. */
const struct bm_upper_appkey *bm_node_app_key(const struct bm_node *node, uint16_t app_idx,
                                              uint16_t *net_idx);
/* Key refresh of an AppKey (Config AppKey Update, 4.3.2.38): keeps new_key
 * beside the old one. BM_OK also when new_key is already the new key,
 * BM_EEXIST for a different new key, BM_ENOENT for an unknown index,
 * BM_ENOSPC when the table is full. */
int bm_node_app_key_update(struct bm_node *node, uint16_t app_idx, const uint8_t key[BM_KEY_LEN]);
/* End of key refresh on subnet net_idx: the old AppKeys bound to it go,
 * the new ones stay (Mesh Profile 3.10.4.3). */
void bm_node_app_key_revoke(struct bm_node *node, uint16_t net_idx);
/* The device key of addr: ours, or a provisioned node's (provisioner). */
const uint8_t *bm_node_dev_key(const struct bm_node *node, uint16_t addr);

/* Provisioning glue (node_prov.c). */
void bm_node_prov_link_setup(struct bm_node *node);
void bm_node_prov_device_enable(struct bm_node *node, bool enable);
void bm_node_prov_process(struct bm_node *node, bm_ms_t now);
void bm_node_prov_rx(struct bm_node *node, const uint8_t *data, size_t len);
/* The device offers Output OOB: installs the link's output_oob. */
void bm_node_prov_offer_output_oob(struct bm_node *node);
/* Loads BM_REC_PROV; BM_ENOENT if never provisioned. */
int bm_node_load_provisioning(struct bm_node *node);
/* Starts a provisioner's attempt on either bearer: BM_ESTATE unless a
 * provisioner with its NetKey, BM_EBUSY while a link runs; else fills cfg
 * with what the device will get (keys, next address, options) and keeps
 * cb/user for the result. The caller wipes cfg once the link has it. */
int bm_node_prov_begin(struct bm_node *node, const uint8_t uuid[16],
                       const struct bm_provision_opts *opts, bm_provision_fn cb, void *user,
                       struct bm_prov_provisioner_cfg *cfg);

/* Takes the next sequence number (node_msg.c). */
int bm_node_seq_alloc(struct bm_node *node, uint32_t *seq);

/* GATT bearer glue (node_gatt.c). */
/* Runs SAR timers, Node Identity expiry, beacons to clients, advertising;
 * returns the next deadline or 0 for none. */
bm_ms_t bm_node_gatt_process(struct bm_node *node, bm_ms_t now);
/* A network PDU we send (relayed false) or relay (true) to dst: to every
 * proxy client whose filter takes dst, and over a phone's proxy
 * connection. Returns true when the advertising bearer can be skipped. */
bool bm_node_gatt_net_out(struct bm_node *node, const uint8_t *pdu, size_t len, uint16_t dst,
                          bool relayed);
/* The role of the connection the PDU being received came from
 * (BM_GATT_ROLE_NONE: the advertising bearer). */
uint8_t bm_node_gatt_rx_role(const struct bm_node *node);
/* A network PDU from a proxy client was accepted: its filter learns src. */
void bm_node_gatt_rx_accepted(struct bm_node *node, uint16_t src);
/* Friend state (4.2.12), BM_FEAT_STATE_*: "not supported" unless the
 * image has BM_CFG_FRIEND and the primary element the Friend feature. */
uint8_t bm_node_friend_get(const struct bm_node *node);
/* GATT Proxy state (4.2.11) and Node Identity (4.2.12), BM_FEAT_STATE_*.
 * Only the Configuration Server sets them: its Status stores them
 * (bm_persist_sync), as for every state it sets. */
uint8_t bm_node_gatt_proxy_get(const struct bm_node *node);
bool bm_node_gatt_proxy_on(const struct bm_node *node);
void bm_node_gatt_proxy_set(struct bm_node *node, uint8_t value);
uint8_t bm_node_gatt_identity_get(struct bm_node *node, uint16_t net_idx);
void bm_node_gatt_identity_set(struct bm_node *node, uint16_t net_idx, uint8_t value);
/* PB-GATT is in use (a device offers it, or a provisioner provisions
 * over it): installs node->pb_gatt. */
void bm_node_gatt_pb_enable(struct bm_node *node);

/* IV Update procedure (node_iv.c, Mesh Profile 3.10.5). */
/* Sequence numbers past this start the procedure (3.10.5: a node must not
 * run out of them; half the 24-bit space leaves 8 million messages for the
 * 96 hours of each state). */
#define BM_IV_SEQ_LIMIT 0x800000u
/* Minimum time in each state (3.10.5), and between two IV Index
 * Recoveries twice that (3.10.6). */
#define BM_IV_MIN_MS (96ull * 3600 * 1000)
/* IV Index Recovery accepts at most this far ahead (3.10.6). */
#define BM_IV_RECOVERY_MAX 42u
/* The IV state restarts its clock (provisioning, restore, transitions). */
void bm_node_iv_reset_clock(struct bm_node *node, uint64_t already_ms);
/* Whole hours in ms (UINT32_MAX past 2^39 ms) and the ms into the last
 * one (*into_ms), with no division call (node_iv.c). */
uint32_t bm_node_iv_hours(uint64_t ms, uint32_t *into_ms);
/* Time spent in the current IV state. */
uint64_t bm_node_iv_elapsed(const struct bm_node *node);
/* A secure network beacon authenticated on a subnet: IV index and flag. */
void bm_node_iv_beacon(struct bm_node *node, uint16_t net_idx, uint32_t iv_index, bool iv_update);
/* Called after every sequence number taken: starts the procedure near
 * exhaustion. */
void bm_node_iv_seq_check(struct bm_node *node);
/* Timer: hourly duration update, end of In Progress. */
void bm_node_iv_process(struct bm_node *node, bm_ms_t now);

/* Key Refresh by secure network beacons (node_kr.c, Mesh Profile 3.10.4):
 * new_key tells whether the beacon authenticated with the new NetKey. */
void bm_node_kr_beacon(struct bm_node *node, uint16_t net_idx, bool kr_flag, bool new_key);
/* Phase change on a subnet (2 or 3), with the AppKeys and storage. */
int bm_node_kr_set_phase(struct bm_node *node, uint16_t net_idx, uint8_t phase);

#endif
