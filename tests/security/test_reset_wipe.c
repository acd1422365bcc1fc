/* A node reset leaves no key behind (Mesh Profile 3.10.7 node removal,
 * 4.4.1.2.14 Config Node Reset; README: reset_node_prov "erases keys,
 * address and sequence number from storage first, then memory"): a device
 * provisioned over PB-ADV (so its device key comes from a real ECDH) and
 * given an AppKey by Config AppKey Add is reset, by bm_reset_node_prov()
 * or by Config Node Reset over the air; then every octet of its simulator
 * store (bm_sim_store_record) and of its node memory (bm_node_size()
 * octets) is searched for the NetKey, the AppKey, the device key and the
 * keys derived from the NetKey. Any 8 consecutive octets of one of them is
 * a finding. Before the reset the same search must find them (the search
 * works).
 *
 * How it was checked to fail without its defence (scratch copy, not
 * committed): in src/node/node.c bm_reset_node_prov(), the store_del of
 * BM_REC_PROV removed (NetKey and device key found in the store), and the
 * wipe of app_keys in wipe_secrets() removed (AppKey found in memory). */
#include <stdio.h>
#include <string.h>

#include "blemesh/cfg_client.h"
#include "mesh_sim.h"
#include "node/node.h"
#include "test.h"

static const uint8_t net_key[16] = {0x4e, 0x65, 0x74, 0x4b, 0x65, 0x79, 0x21, 0x5a,
                                    0x93, 0x17, 0xc2, 0x6d, 0x08, 0xe1, 0x7f, 0x3b};
static const uint8_t app_key[16] = {0x41, 0x70, 0x70, 0x4b, 0x65, 0x79, 0x21, 0xa5,
                                    0x39, 0x71, 0x2c, 0xd6, 0x80, 0x1e, 0xf7, 0xb3};

struct secret {
    const char *name;
    uint8_t v[16];
};

struct world {
    struct bm_sim *sim;
    struct test_node *pv, *dev;
    uint8_t uuid[16];
    bool busy;
    struct bm_provision_result res;
    int rsp_count;
    struct bm_cfg_rsp rsp;
    struct secret sec[8];
    int nsec;
};

static void on_provision(void *user, const struct bm_provision_result *r)
{
    struct world *w = user;
    if (r->event == BM_PROVISION_EVT_OOB_NEEDED)
        return;
    w->res = *r;
    w->busy = false;
}

static void on_rsp(void *user, const struct bm_cfg_rsp *rsp)
{
    struct world *w = user;
    w->rsp = *rsp;
    w->rsp_count++;
    w->busy = false;
}

static bool busy(void *ctx)
{
    return ((struct world *)ctx)->busy;
}

static void add_secret(struct world *w, const char *name, const uint8_t v[16])
{
    w->sec[w->nsec].name = name;
    memcpy(w->sec[w->nsec++].v, v, 16);
}

/* A provisioned device holding NetKey, AppKey and its device key. */
static void world_setup(struct world *w, uint64_t seed)
{
    memset(w, 0, sizeof(*w));
    struct bm_sim_config cfg;
    bm_sim_config_default(&cfg);
    cfg.seed = seed;
    CHECK_EQ(bm_sim_create(&w->sim, &cfg), BM_OK);
    CHECK_EQ(bm_sim_set_range(w->sim, 50.0, 1.0), BM_OK);
    w->pv = mesh_sim_add(w->sim);
    CHECK_EQ(bm_init(w->pv->node, "pv", BM_OOB_NONE), BM_OK);
    CHECK_EQ(bm_create_element(w->pv->node, true, 0, true, 7, NULL), BM_OK);
    CHECK_EQ(bm_prov_create_network(w->pv->node, net_key, 0, 0, 0x0001), BM_OK);
    CHECK_EQ(bm_cfg_cli_enable(w->pv->node, on_rsp, w), BM_OK);
    w->dev = mesh_sim_add(w->sim);
    CHECK_EQ(mesh_sim_device(w->dev, "dev", BM_OOB_NONE), BM_OK);
    CHECK_EQ(bm_get_uuid(w->dev->node, w->uuid), BM_OK);
    bm_sim_set_position(w->sim, w->pv->id, 0, 0);
    bm_sim_set_position(w->sim, w->dev->id, 1, 0);

    w->busy = true;
    CHECK_EQ(bm_prov_provision(w->pv->node, w->uuid, NULL, on_provision, w), BM_OK);
    bm_sim_kick(w->sim, w->pv->id);
    CHECK_EQ(bm_sim_run_while(w->sim, busy, w, 120000), BM_OK);
    CHECK_EQ(w->res.event, BM_PROVISION_EVT_COMPLETE);
    bm_sim_run_for(w->sim, 1000);
    CHECK(bm_node_is_provisioned(w->dev->node));
    uint16_t addr = bm_node_addr(w->dev->node);

    w->busy = true;
    CHECK_EQ(bm_cfg_app_key_add(w->pv->node, addr, 0, 0, app_key), BM_OK);
    bm_sim_kick(w->sim, w->pv->id);
    CHECK_EQ(bm_sim_run_while(w->sim, busy, w, 60000), BM_OK);
    CHECK_EQ(w->rsp.err, BM_OK);
    CHECK_EQ(w->rsp.status, BM_CFG_ST_SUCCESS);
    bm_sim_run_for(w->sim, 500);

    add_secret(w, "NetKey", net_key);
    add_secret(w, "AppKey", app_key);
    const uint8_t *dk = bm_node_dev_key(w->pv->node, addr);
    CHECK(dk != NULL);
    if (dk)
        add_secret(w, "DevKey", dk);
    const struct bm_net_keyset *ks = &w->dev->node->net.subnets[0].keys[0];
    add_secret(w, "EncryptionKey", ks->master.enc_key);
    add_secret(w, "PrivacyKey", ks->master.privacy_key);
    add_secret(w, "BeaconKey", ks->beacon_key);
    add_secret(w, "IdentityKey", ks->identity_key);
}

static void world_free(struct world *w)
{
    mesh_sim_free(w->pv);
    mesh_sim_free(w->dev);
    bm_sim_free(w->sim);
}

/* Octets of secret s found in blob: any 8 consecutive ones. */
static bool find_secret(const uint8_t *blob, size_t len, const uint8_t *s, size_t *at)
{
    for (size_t off = 0; off + 8 <= 16; off++) {
        const uint8_t *win = s + off;
        for (size_t i = 0; i + 8 <= len; i++)
            if (blob[i] == win[0] && memcmp(blob + i, win, 8) == 0) {
                *at = i;
                return true;
            }
    }
    return false;
}

/* How many secrets appear in the device's store and memory; prints each. */
static int scan(struct world *w, const char *when, bool print)
{
    int hits = 0;
    size_t n = bm_sim_store_count(w->sim, w->dev->id);
    for (size_t r = 0; r < n; r++) {
        uint16_t key;
        const uint8_t *data;
        size_t len;
        CHECK_EQ(bm_sim_store_record(w->sim, w->dev->id, r, &key, &data, &len), BM_OK);
        for (int k = 0; k < w->nsec; k++) {
            size_t at;
            if (find_secret(data, len, w->sec[k].v, &at)) {
                hits++;
                if (print)
                    printf("    %s: %s in store record 0x%04x at %zu\n", when, w->sec[k].name,
                           key, at);
            }
        }
    }
    const uint8_t *mem = (const uint8_t *)w->dev->node;
    for (int k = 0; k < w->nsec; k++) {
        size_t at;
        if (find_secret(mem, bm_node_size(), w->sec[k].v, &at)) {
            hits++;
            if (print)
                printf("    %s: %s in node memory at offset %zu of %zu\n", when,
                       w->sec[k].name, at, bm_node_size());
        }
    }
    return hits;
}

static void expect_clean(struct world *w, const char *how)
{
    CHECK(!bm_node_is_provisioned(w->dev->node));
    int hits = scan(w, how, true);
    printf("    %s: %d of %d keys left in %zu store records and %zu octets of node memory\n",
           how, hits, w->nsec, bm_sim_store_count(w->sim, w->dev->id), bm_node_size());
    CHECK_EQ(hits, 0);
}

static void test_reset_node_prov_leaves_no_key(void)
{
    struct world w;
    world_setup(&w, 61);
    int before = scan(&w, "before", false);
    printf("    before the reset: %d key findings (store and memory)\n", before);
    CHECK(before >= w.nsec); /* every key is somewhere: the search works */
    CHECK_EQ(bm_reset_node_prov(w.dev->node), BM_OK);
    bm_sim_run_for(w.sim, 2000);
    expect_clean(&w, "bm_reset_node_prov");
    world_free(&w);
}

static void test_config_node_reset_leaves_no_key(void)
{
    struct world w;
    world_setup(&w, 62);
    w.busy = true;
    CHECK_EQ(bm_cfg_node_reset(w.pv->node, bm_node_addr(w.dev->node)), BM_OK);
    bm_sim_kick(w.sim, w.pv->id);
    CHECK_EQ(bm_sim_run_while(w.sim, busy, &w, 60000), BM_OK);
    CHECK_EQ(w.rsp.opcode, BM_CFG_OP_NODE_RESET_STATUS);
    bm_sim_run_for(w.sim, 3000);
    expect_clean(&w, "Config Node Reset");
    world_free(&w);
}

int main(void)
{
    BM_RUN(test_reset_node_prov_leaves_no_key);
    BM_RUN(test_config_node_reset_leaves_no_key);
    return bm_test_done();
}
