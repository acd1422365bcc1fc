/* The provisioning procedure, both roles (Mesh Profile 5.2-5.4): the
 * provisioning protocol (Invite .. Complete / Failed) with ECDH,
 * confirmation and data encryption, over one of two bearers. PB-ADV
 * (5.2.1, 5.3): link establishment (Link Open / Ack / Close), transactions
 * (segmentation, acknowledgement, retransmission every 500 ms, 30 s
 * transaction timeout), here. PB-GATT (5.2.2): a GATT connection is the
 * link and carries whole Provisioning PDUs, in prov/pb_gatt.c.
 *
 * The link knows nothing of the node: it sends PB-ADV PDUs or Provisioning
 * PDUs and reports results through struct bm_prov_link_ops. Time is passed
 * in; the link returns the deadline of its next timer. One link at a time
 * per node; the 60 s protocol timeout applies on both bearers. */
#ifndef BM_PROV_LINK_H
#define BM_PROV_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bm_time.h"
#include "crypto/crypto.h"
#include "prov/pb_adv.h"
#include "prov/prov_crypto.h"
#include "prov/prov_pdu.h"

#define BM_PROV_LINK_TIMEOUT_MS 60000u  /* Mesh Profile 5.4.4: provisioning protocol timeout */
#define BM_PROV_TRANS_TIMEOUT_MS 30000u /* 5.3.3: transaction given up after 30 s */
#define BM_PROV_RETRANSMIT_MS 500u      /* our retransmission interval (implementation choice) */
#define BM_PROV_CLOSE_REPEAT 3          /* Link Close is sent this many times */

/* What a device receives at the end (Provisioning Data, 5.4.2.5): the
 * decrypted data as decoded, then the keys' context. */
struct bm_prov_result_data {
    struct bm_prov_data data; /* NetKey, its index, flags, IV index, address */
    uint8_t dev_key[BM_KEY_LEN];
    uint8_t algorithm;
};

struct bm_prov_link_ops {
    /* one PB-ADV PDU (LinkID .. payload), sent as AD type 0x29 */
    int (*send)(void *ctx, const uint8_t *pdu, size_t len);
    int (*random)(void *ctx, uint8_t *buf, size_t len);
    /* provisioner: the device shows a value; call bm_prov_link_input_oob()
     * (never called without BM_CFG_PROVISIONER: may be NULL there) */
    void (*oob_needed)(void *ctx, uint8_t action, uint8_t size);
    /* device: provisioned with data; provisioner: the device took data */
    void (*complete)(void *ctx, const uint8_t uuid[16], const struct bm_prov_result_data *data,
                     uint8_t elements);
    /* both: the procedure failed: err is a BM_E* cause, reason the
     * Provisioning Failed code sent or received (0 if none) */
    void (*failed)(void *ctx, const uint8_t uuid[16], int err, uint8_t reason);
    /* a debug event; not called when BM_CFG_LOG_LEVEL compiles debug
     * lines out */
    void (*log)(void *ctx, const char *event);
};

/* PB-GATT's way out, given when a PB-GATT link opens (prov/pb_gatt.c):
 * one whole Provisioning PDU to the peer, and closing the link, i.e. the
 * connection. Never NULL: a link on PB-GATT calls them unchecked. */
struct bm_pb_gatt_ops {
    int (*send)(void *ctx, const uint8_t *pdu, size_t len);
    void (*close)(void *ctx);
};

/* The bearer a link runs over. */
#define BM_PROV_BEARER_ADV 0
#define BM_PROV_BEARER_GATT 1

/* Link states (the bearer's view). */
#define BM_PROV_LINK_IDLE 0
#define BM_PROV_LINK_OPENING 1 /* PB-ADV: Link Open sent, no Link Ack yet */
#define BM_PROV_LINK_OPEN 2
#define BM_PROV_LINK_CLOSING 3 /* PB-ADV: Link Close being repeated */

enum bm_prov_role { BM_PROV_ROLE_NONE = 0, BM_PROV_ROLE_DEVICE, BM_PROV_ROLE_PROVISIONER };

/* The device's side of provisioning, set before links are accepted. */
struct bm_prov_device_cfg {
    uint8_t uuid[16];
    struct bm_prov_caps caps;
};

/* What a provisioner hands a device. */
struct bm_prov_provisioner_cfg {
    uint8_t uuid[16];
    uint8_t attention_s;
    bool refuse_no_oob;
    uint16_t algorithms; /* BM_PROV_ALG_BIT mask allowed */
    uint8_t net_key[BM_KEY_LEN];
    uint16_t net_idx;
    uint8_t flags;
    uint32_t iv_index;
    uint16_t addr;
};

/* What one provisioning attempt holds that is secret or in flight: wiped
 * as a whole whenever an attempt starts or ends. */
struct bm_prov_attempt {
    struct bm_pbadv_rx rx;
    uint8_t tx_pdu[BM_PROV_PDU_MAX_LEN];
    uint8_t queued_pdu[BM_PROV_PDU_MAX_LEN]; /* sent once tx_pdu is acknowledged */
    uint8_t priv[BM_P256_PRIV_LEN];
    uint8_t secret[BM_P256_SECRET_LEN]; /* ECDH; a provisioner keeps the DevKey here */
    uint8_t conf_key[32];
    uint8_t random[32]; /* ours */
    uint8_t auth[32];
};

struct bm_prov_link {
    const struct bm_prov_link_ops *ops;
    void *ctx;
    /* The small fields used most come first: Thumb-1 loads octets by
     * immediate offset only within the first 32 octets of a struct. */
    uint8_t role; /* enum bm_prov_role */
    bool device_enabled;
    uint8_t bearer;        /* BM_PROV_BEARER_* of the current link */
    uint8_t state;         /* BM_PROV_LINK_* */
    bool done;             /* the protocol ended (complete or failed) */
    uint8_t expect;        /* next PDU type expected */
    uint8_t auth_n;        /* 16 or 32: Confirmation, Random and AuthValue octets of the
                            * algorithm agreed in Start (start.algorithm) */
    bool tx_pending;       /* unacknowledged transaction */
    uint8_t tx_trans;      /* number of the transaction we send */
    uint8_t rx_trans;      /* number of the next transaction we expect */
    uint8_t last_rx_trans; /* to re-ack a retransmitted, completed one; until
                            * one completes, a number of our own range,
                            * which the peer's segments never carry */
    uint8_t close_left;    /* Link Close repeats still to send */
    uint8_t close_reason;
    bool auth_ready;     /* AuthValue known (provisioner: entered) */
    bool peer_pub_ready; /* provisioner: the device's public key arrived */
    bool confirm_sent;   /* provisioner: our Confirmation went out */
    bool peer_confirm_ready;
    struct bm_prov_start start;

    /* bearer */
    const struct bm_pb_gatt_ops *gatt; /* PB-GATT's, set as such a link opens */
    uint32_t link_id;
    bm_ms_t link_deadline; /* 0: none (bm_time.h) */
    bm_ms_t tx_deadline;    /* next retransmission */
    bm_ms_t trans_deadline;
    bm_ms_t now; /* of the call being handled: for the deadlines it sets */
    size_t tx_len;
    size_t queued_len;
    struct bm_prov_device_cfg dev_cfg;

    /* protocol (the device's fields nearer the start, for the same reason) */
    /* ConfirmationInputs (Mesh Profile 5.4.2.4), filled in place as the
     * protocol runs: the Invite, Capabilities and Start parameters, then
     * the provisioner's and the device's public keys (prov_link.c) */
    uint8_t conf_inputs[BM_PROV_CONF_INPUTS_LEN];
    uint8_t conf_salt[32];
    uint8_t confirm[32]; /* ours */
    uint8_t peer_confirm[32];
    uint8_t peer_random[32];
    struct bm_prov_attempt att;
    struct bm_prov_caps peer_caps;
    struct bm_prov_provisioner_cfg pv_cfg;
    /* Device offering Output OOB: once the public keys are exchanged,
     * draws the value for the agreed Start and takes its AuthValue
     * (bm_prov_link_output_value), then shows it. NULL unless the owner
     * installs it for a device that offers Output OOB, so an image whose
     * devices never do links none of that code; a Start asking for it
     * then fails. */
    int (*output_oob)(struct bm_prov_link *l);
};

void bm_prov_link_init(struct bm_prov_link *l, const struct bm_prov_link_ops *ops, void *ctx);
/* Wipes every secret and drops any link (without sending Link Close). */
void bm_prov_link_reset(struct bm_prov_link *l);

/* Device role: accept Link Open for cfg->uuid (enable) or stop (disable);
 * cfg NULL keeps l->dev_cfg as it is (the caller may have written it). */
void bm_prov_link_device_enable(struct bm_prov_link *l, const struct bm_prov_device_cfg *cfg,
                                bool enable);
/* Provisioner role: open a link to cfg->uuid and provision it.
 * BM_EBUSY if a link is active. */
int bm_prov_link_open(struct bm_prov_link *l, const struct bm_prov_provisioner_cfg *cfg,
                      bm_ms_t now_ms);
/* Provisioner role: the value the device output (digits or characters). */
int bm_prov_link_input_oob(struct bm_prov_link *l, const char *value, bm_ms_t now_ms);
/* One received PB-ADV PDU (AD type 0x29 data). Untrusted bytes: anything
 * malformed or for another link is dropped. */
void bm_prov_link_rx(struct bm_prov_link *l, const uint8_t *pdu, size_t len, bm_ms_t now_ms);
/* Runs due timers; returns the next deadline or 0 for none. */
bm_ms_t bm_prov_link_process(struct bm_prov_link *l, bm_ms_t now_ms);
bool bm_prov_link_active(const struct bm_prov_link *l);
/* Device, for its output_oob: draws a fresh Output OOB value for the
 * agreed Start into *oob and sets the AuthValue from it (Mesh Profile
 * 5.4.2.4). BM_ECRYPTO if that fails. */
int bm_prov_link_output_value(struct bm_prov_link *l, struct bm_prov_oob *oob);

/* --- for the PB-GATT bearer (prov/pb_gatt.c) --- */

/* Handles one complete Provisioning PDU received on the open link. */
void bm_prov_link_pdu_rx(struct bm_prov_link *l, const uint8_t *pdu, size_t len, bm_ms_t now_ms);
/* Device: a link is open on bearer (BM_PROV_BEARER_*): the attempt starts
 * afresh and Invite is expected. */
void bm_prov_link_device_open(struct bm_prov_link *l, uint8_t bearer, bm_ms_t now_ms);
/* The link is open: a provisioner sends Invite. */
void bm_prov_link_start(struct bm_prov_link *l, bm_ms_t now_ms);
/* The peer ended the link: a procedure not finished fails with err. */
void bm_prov_link_closed(struct bm_prov_link *l, int err);

/* Device: a connection to our Mesh Provisioning Service opened the link,
 * which runs over gatt. BM_ESTATE if we do not accept links now, BM_EBUSY
 * if one is open. */
int bm_pb_gatt_device_open(struct bm_prov_link *l, const struct bm_pb_gatt_ops *gatt,
                           bm_ms_t now_ms);
/* Provisioner: provisions cfg->uuid over an open connection (gatt). */
int bm_pb_gatt_provision(struct bm_prov_link *l, const struct bm_pb_gatt_ops *gatt,
                         const struct bm_prov_provisioner_cfg *cfg, bm_ms_t now_ms);
/* One Provisioning PDU (a reassembled Proxy PDU of type 0x03). */
void bm_pb_gatt_rx(struct bm_prov_link *l, const uint8_t *pdu, size_t len, bm_ms_t now_ms);
/* The connection is gone. */
void bm_pb_gatt_closed(struct bm_prov_link *l);

#endif
