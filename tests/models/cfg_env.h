/* Test set-up for the Configuration models: a provisioner with a
 * Configuration Client and a line of nodes in the simulated air, each
 * provisioned directly (bm_node_provisioned) and entered in the
 * provisioner's database, so a test talks to them with real requests. */
#ifndef BM_TEST_CFG_ENV_H
#define BM_TEST_CFG_ENV_H

#include "access/model.h"
#include "blemesh/cfg_client.h"
#include "mesh_sim.h"

#define ENV_MAX 8
#define PV_ADDR 0x0001

struct env {
    struct bm_sim *sim;
    struct test_node *pv;
    struct test_node *n[ENV_MAX];
    int count;
    int rsp_count;
    struct bm_cfg_rsp rsp;
    uint8_t raw[400]; /* the last Status's parameters as received */
    size_t raw_len;
};

extern const uint8_t env_net_key[16];

/* pv -- n[0] -- n[1] ... all relays; n[i] has address 0x0100 + 0x10 * i. */
void env_setup(struct env *e, int count, uint64_t seed);
/* The same with the simulated clock starting at start_ms. */
void env_setup_at(struct env *e, int count, uint64_t seed, uint64_t start_ms);
void env_free(struct env *e);
uint16_t env_addr(int i);
/* Runs the air until the request just made (rc) is answered or timed out;
 * returns the response (err BM_ETIMEOUT for none). */
const struct bm_cfg_rsp *env_wait(struct env *e, int rc);
/* The provisioner provisions d over PB-ADV (a direct link, no OOB) and
 * runs the air until it ends; returns the final event (res holds it). */
int env_provision(struct env *e, struct test_node *d, struct bm_provision_result *res);

#endif
