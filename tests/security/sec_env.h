/* Test set-up for the attack and air-quality tests (tests/security):
 * provisioned blemesh nodes in the simulated air with a vendor "echo"
 * model, and an attacker that is a raw simulator node, not a blemesh
 * node: it hears every transmission through the transcript hook, keeps
 * the mesh advertisements (AD 0x2A messages, 0x2B beacons) it wants, and
 * puts any bytes it likes on the air later. */
#ifndef BM_TEST_SEC_ENV_H
#define BM_TEST_SEC_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "access/model.h"
#include "mesh_sim.h"
#include "net/net.h"

#define SEC_OP_ECHO 0xc10a00 /* vendor opcode of company 0x000a, 3 octets */
#define SEC_MAX_NODES 128
#define SEC_APP_IDX 1

extern const uint8_t sec_net_key[16];
extern const uint8_t sec_app_key[16];

/* What one node's echo model received. */
struct sec_got {
    int count;
    uint16_t src, dst;
    uint8_t data[400];
    size_t len;
};

struct sec_net {
    struct bm_sim *sim;
    int count;
    struct test_node *n[SEC_MAX_NODES];
    struct bm_model *m[SEC_MAX_NODES];
    struct sec_got got[SEC_MAX_NODES];
};

/* Node i gets address sec_addr(i) and device key {0xd0, i, ...}. */
uint16_t sec_addr(int i);
void sec_dev_key(int i, uint8_t key[16]);
/* count nodes, all provisioned directly (IV index iv) with sec_net_key and
 * sec_app_key (index SEC_APP_IDX) bound to an echo model on the primary
 * element. relay: the relay feature. No topology: the caller links. */
void sec_net_setup(struct sec_net *s, int count, uint64_t seed, bool collisions, uint32_t iv,
                   bool relay);
void sec_net_free(struct sec_net *s);
/* Restarts node i as a reboot would: bm_node_destroy, bm_node_create in
 * the same memory on the same simulator store, bm_init, the element and
 * the echo model again; the AppKey is added back only if the node did not
 * restore it (before AppKey persistence, issue #5). */
void sec_restart(struct sec_net *s, int i);
/* bm_access_send of the echo opcode from node `from` to dst. */
int sec_echo(struct sec_net *s, int from, uint16_t dst, const uint8_t *data, size_t len);

/* --- the attacker --- */

#define ATK_REC_MAX 4096

struct atk_rec {
    uint64_t t_us;
    uint32_t from;
    uint8_t adv[BM_ADV_MAX_LEN];
    size_t len;
};

struct attacker {
    struct bm_sim *sim;
    uint32_t id;
    const struct bm_platform *plat;
    bool recording;
    struct atk_rec *rec; /* ATK_REC_MAX entries */
    size_t rec_n;
    /* flooding: random AD 0x29/0x2A/0x2B every flood_period_ms while on */
    bool flood;
    uint32_t flood_period_ms;
    uint8_t flood_nid;      /* a NID heard on the air: forgeries that reach the MIC check */
    uint8_t flood_net_id[8]; /* a Network ID heard on the air, likewise for beacons */
    uint64_t flood_sent;     /* advertisements the bearer accepted */
    uint64_t flood_next;
};

/* Adds the attacker to sim (outside a run) and installs the transcript
 * hook, which records every mesh advertisement of other nodes while
 * `recording`. */
struct attacker *atk_add(struct bm_sim *sim, bool recording);
void atk_free(struct attacker *a);
/* The n-th recorded advertisement of node `from` with AD type `type`
 * (0 = first); NULL if none. */
const struct atk_rec *atk_find(const struct attacker *a, uint32_t from, uint8_t type, int n);
/* Transmits adv once (count 1). */
int atk_send(struct attacker *a, const uint8_t *adv, size_t len);
/* One AD structure of type ad with data, transmitted once. */
int atk_send_ad(struct attacker *a, uint8_t ad, const uint8_t *data, size_t len);
void atk_flood(struct attacker *a, bool on, uint32_t period_ms);

/* Network PDU helpers over src/net: the NetKey's master credentials, and
 * the header of a recorded PDU (decoded with the key the test knows). */
void sec_creds(const uint8_t net_key[16], struct bm_net_creds *c);

#endif
