/* A rogue PB-ADV peer for tests: a simulator node that is not a blemesh
 * node but speaks PB-ADV (Mesh Profile 5.2.1, 5.3) by hand with the
 * stateless codecs, in either role, so a test can script it to misbehave.
 *
 * The rogue runs the bearer only: Link Open / Ack / Close, its own
 * transactions (segmented, retransmitted every 500 ms until acknowledged)
 * and the peer's (reassembled, acknowledged). Every complete Provisioning
 * PDU the peer sends goes to the test's script, which decides what to send
 * next: well-formed PDUs, raw malformed bytes, reflected values. The
 * session helpers compute the real confirmation values where a scenario
 * needs a correct step before the bad one.
 *
 * A rogue can also jam: on every PB-ADV PDU it hears it sends garbage
 * (random bytes, truncated copies, copies with a broken FCS or payload),
 * and more random garbage every 100 ms. */
#ifndef BM_TEST_ROGUE_H
#define BM_TEST_ROGUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "prov/pb_adv.h"
#include "prov/prov_crypto.h"
#include "prov/prov_pdu.h"
#include "sim.h"

/* Longest Provisioning PDU the rogue sends (raw bytes may exceed what a
 * valid PDU allows), and how many it queues behind the one in flight. */
#define ROGUE_PDU_MAX 80
#define ROGUE_QUEUE 4
#define ROGUE_RETRANSMIT_MS 500u
#define ROGUE_JAM_PERIOD_MS 100u

enum rogue_event {
    ROGUE_EVT_LINK_UP,     /* provisioner: Link Ack heard; device: Link Open accepted */
    ROGUE_EVT_PDU,         /* a complete Provisioning PDU from the peer (pdu, len) */
    ROGUE_EVT_LINK_CLOSED, /* the peer closed the link; pdu[0] is the reason */
};

struct rogue;
/* Called from inside the simulation run; may call rogue_send*, rogue_close
 * and rogue_silence, never bm_sim_run_*. */
typedef void (*rogue_script_fn)(void *user, struct rogue *r, enum rogue_event ev,
                                const uint8_t *pdu, size_t len);

/* What the confirmation of one side needs (Mesh Profile 5.4.2.4). The
 * script fills invite/caps/start (parameters without the type octet, as
 * sent or received), alg, auth and peer_pub as the procedure goes. */
struct rogue_session {
    uint8_t alg; /* BM_PROV_ALG_CMAC or BM_PROV_ALG_HMAC */
    uint8_t invite[BM_PROV_INVITE_LEN];
    uint8_t caps[BM_PROV_CAPS_LEN];
    uint8_t start[BM_PROV_START_LEN];
    uint8_t priv[BM_P256_PRIV_LEN];
    uint8_t pub[BM_P256_PUB_LEN];
    uint8_t peer_pub[BM_P256_PUB_LEN];
    uint8_t secret[BM_P256_SECRET_LEN];
    uint8_t auth[BM_PROV_AUTH_MAX_LEN];
    uint8_t conf_salt[BM_PROV_AUTH_MAX_LEN];
    uint8_t conf_key[BM_PROV_AUTH_MAX_LEN];
};

struct rogue {
    struct bm_sim *sim;
    uint32_t id;
    const struct bm_platform *plat;
    rogue_script_fn script;
    void *user;
    bool device;      /* the role: device (rogue_listen) or provisioner (rogue_open) */
    bool silent;      /* sends nothing at all, not even acknowledgements */
    uint8_t uuid[16]; /* device: ours; provisioner: the target's */
    uint8_t state;    /* ROGUE_IDLE.. (rogue.c) */
    uint32_t link_id;
    uint64_t open_due; /* provisioner: next Link Open (ms) */
    uint64_t link_up_ms;

    /* our transactions */
    uint8_t tx_tn;
    uint8_t queue[ROGUE_QUEUE][ROGUE_PDU_MAX];
    size_t queue_len[ROGUE_QUEUE];
    unsigned queue_head, queue_count; /* queue[queue_head] is in flight when tx_pending */
    bool tx_pending;
    uint64_t tx_due;

    /* the peer's transactions */
    struct bm_pbadv_rx rx;
    uint8_t rx_tn;
    bool rx_any;
    uint8_t last_rx_tn;

    /* jamming */
    bool jam;
    uint64_t jam_due;
    uint64_t garbage_sent; /* advertisements of garbage accepted by the bearer */

    struct rogue_session s;
};

/* Adds a rogue node to sim (outside a run). NULL when out of memory. The
 * simulator keeps a pointer: free the rogue after bm_sim_free(). */
struct rogue *rogue_add(struct bm_sim *sim, rogue_script_fn script, void *user);
void rogue_free(struct rogue *r);

/* Provisioner role: opens a link to the device uuid, Link Open every
 * 500 ms until Link Ack. Call outside a run. Returns 0 or BM_E*. */
int rogue_open(struct rogue *r, const uint8_t uuid[16]);
/* Device role: answers Link Open for uuid (nothing is beaconed). */
void rogue_listen(struct rogue *r, const uint8_t uuid[16]);
/* Sends raw bytes as our next Provisioning PDU transaction (queued behind
 * the one in flight). Returns 0, BM_ESTATE without a link, BM_ENOSPC. */
int rogue_send(struct rogue *r, const uint8_t *pdu, size_t len);
/* Builds p with the codec and sends it. */
int rogue_send_pdu(struct rogue *r, const struct bm_prov_pdu *p);
/* Sends Link Close (three times) and forgets the link. */
void rogue_close(struct rogue *r, uint8_t reason);
/* From now on sends nothing, acknowledges nothing. */
void rogue_silence(struct rogue *r);
/* Jams every PB-ADV link it hears (see above). Call outside a run. */
void rogue_jam(struct rogue *r, bool on);
/* One raw advertisement (AD structures as on the air). */
int rogue_send_adv(struct rogue *r, const uint8_t *adv, size_t len);

/* Session helpers (Mesh Profile 5.4.2.3-5.4.2.4). */
int rogue_random(struct rogue *r, uint8_t *buf, size_t len);
/* A fresh P-256 key pair into s.priv / s.pub. */
int rogue_keygen(struct rogue *r);
/* ECDH with s.peer_pub, then ConfirmationSalt and ConfirmationKey from the
 * recorded Invite, Capabilities, Start, keys and s.auth. */
int rogue_confirm_setup(struct rogue *r);
/* Our Confirmation for random (bm_prov_auth_len(s.alg) octets each). */
int rogue_confirmation(const struct rogue *r, const uint8_t *random, uint8_t *conf);

#endif
