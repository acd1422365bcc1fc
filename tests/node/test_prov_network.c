/* Issue 3's acceptance scenario: 1 provisioner and 10 devices in the
 * simulated air under 10% loss. Every device is provisioned over PB-ADV
 * (the even ones with Output OOB, the provisioner typing the value the
 * device's callback showed), every provisioned device then sends secure
 * network beacons that verify with the network key, and the same seed gives
 * the same transcript. */
#include <stdio.h>
#include <string.h>

#include "blemesh/config.h"
#include "crypto/crypto.h"
#include "mesh_sim.h"
#include "net/beacon.h"
#include "test.h"

#define DEVICES 10

/* The network key the provisioner creates: a fixed one, so the test can
 * check the beacons independently of the nodes. */
static const uint8_t net_key[16] = {0x7d, 0xd7, 0x36, 0x4c, 0xd8, 0x42, 0xad, 0x18,
                                    0xc1, 0x7c, 0x2b, 0x82, 0x0c, 0x84, 0xc3, 0xd6};

struct run {
    struct bm_sim *sim;
    struct test_node *pv;
    struct test_node *dev[DEVICES];
    uint64_t hash;
    uint8_t beacon_key[16];
    uint8_t network_id[8];
    bool snb_ok[DEVICES];
    int snb_bad;
    int seen;
    /* the provisioner's view of the current procedure */
    bool busy;
    bool oob_needed;
    struct bm_provision_result last;
    int completes, failures;
};

static int dev_index(struct run *r, uint32_t node_id)
{
    for (int i = 0; i < DEVICES; i++)
        if (r->dev[i]->id == node_id)
            return i;
    return -1;
}

/* FNV-1a over every transmission, and an independent check of every
 * secure network beacon a device sends. */
static void on_air(void *ctx, uint64_t t_us, uint32_t node, const uint8_t *adv, size_t len)
{
    struct run *r = ctx;
    uint64_t h = r->hash ? r->hash : 1469598103934665603ull;
    uint8_t hdr[12];
    memcpy(hdr, &t_us, 8);
    memcpy(hdr + 8, &node, 4);
    for (size_t i = 0; i < sizeof(hdr); i++)
        h = (h ^ hdr[i]) * 1099511628211ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ adv[i]) * 1099511628211ull;
    r->hash = h;

    if (len >= 2 + BM_SNB_LEN && adv[1] == BM_AD_MESH_BEACON && adv[2] == BM_BEACON_SECURE) {
        struct bm_snb b;
        int i = dev_index(r, node);
        if (bm_beacon_snb_verify(r->beacon_key, adv + 2, (size_t)adv[0] - 1, &b) == BM_OK &&
            memcmp(b.network_id, r->network_id, 8) == 0) {
            if (i >= 0)
                r->snb_ok[i] = true;
        } else {
            r->snb_bad++;
        }
    }
}

static void on_scan(void *user, const struct bm_unprov_device *dev)
{
    struct run *r = user;
    (void)dev;
    r->seen++;
}

static void on_provision(void *user, const struct bm_provision_result *res)
{
    struct run *r = user;
    r->last = *res;
    if (res->event == BM_PROVISION_EVT_OOB_NEEDED) {
        r->oob_needed = true;
        return;
    }
    r->busy = false;
    if (res->event == BM_PROVISION_EVT_COMPLETE)
        r->completes++;
    else
        r->failures++;
}

static bool scanning(void *ctx)
{
    struct run *r = ctx;
    size_t n = 0;
    struct bm_unprov_device devs[BM_CFG_SCAN_RESULTS];
    bm_prov_scan_results(r->pv->node, devs, BM_CFG_SCAN_RESULTS, &n);
    return n < DEVICES;
}

static bool provisioning(void *ctx)
{
    struct run *r = ctx;
    return r->busy && !r->oob_needed;
}

static void setup(struct run *r, uint64_t seed)
{
    memset(r, 0, sizeof(*r));
    struct bm_sim_config cfg;
    bm_sim_config_default(&cfg);
    cfg.seed = seed;
    CHECK_EQ(bm_sim_create(&r->sim, &cfg), BM_OK);
    bm_sim_set_transcript(r->sim, on_air, r);
    CHECK_EQ(bm_crypto_beacon_key(net_key, r->beacon_key), BM_OK);
    CHECK_EQ(bm_crypto_k3(net_key, r->network_id), BM_OK);

    r->pv = mesh_sim_add(r->sim);
    CHECK_EQ(bm_init(r->pv->node, "provisioner", BM_OOB_NONE), BM_OK);
    CHECK_EQ(bm_create_element(r->pv->node, true, 0, true, 7, NULL), BM_OK);
    CHECK_EQ(bm_prov_create_network(r->pv->node, net_key, 0, 0, 0x0001), BM_OK);
    bm_sim_set_position(r->sim, r->pv->id, 0, 0);
    for (int i = 0; i < DEVICES; i++) {
        char name[16];
        snprintf(name, sizeof(name), "light-%d", i);
        r->dev[i] = mesh_sim_add(r->sim);
        CHECK_EQ(mesh_sim_device(r->dev[i], name, i % 2 == 0 ? BM_OOB_OUTPUT : BM_OOB_NONE),
                 BM_OK);
        bm_sim_set_position(r->sim, r->dev[i]->id, (double)(i % 5), (double)(i / 5));
    }
    /* everyone in range of everyone, each advertisement lost with p = 0.1 */
    CHECK_EQ(bm_sim_set_range(r->sim, 50.0, 0.9), BM_OK);
}

static void teardown(struct run *r)
{
    for (int i = 0; i < DEVICES; i++)
        mesh_sim_free(r->dev[i]);
    mesh_sim_free(r->pv);
    bm_sim_free(r->sim);
}

static void provision_all(struct run *r)
{
    CHECK_EQ(bm_prov_scan_start(r->pv->node, on_scan, r), BM_OK);
    CHECK_EQ(bm_sim_run_while(r->sim, scanning, r, 60000), BM_OK);
    CHECK(r->seen >= DEVICES);

    for (int i = 0; i < DEVICES; i++) {
        uint8_t uuid[16];
        bm_get_uuid(r->dev[i]->node, uuid);
        r->busy = true;
        CHECK_EQ(bm_prov_provision(r->pv->node, uuid, NULL, on_provision, r), BM_OK);
        bm_sim_kick(r->sim, r->pv->id);
        for (;;) {
            int rc = bm_sim_run_while(r->sim, provisioning, r, 120000);
            if (rc != BM_OK || !r->oob_needed)
                break;
            /* the user reads the device's display and types it in */
            r->oob_needed = false;
            CHECK(r->dev[i]->shown_count > 0);
            CHECK_EQ(bm_prov_input_oob(r->pv->node, r->dev[i]->shown), BM_OK);
            bm_sim_kick(r->sim, r->pv->id);
        }
        CHECK(!r->busy);
        CHECK_EQ(r->last.event, BM_PROVISION_EVT_COMPLETE);
        CHECK_EQ(r->last.algorithm, BM_PROV_ALG_HMAC_SHA256);
        CHECK_EQ(r->dev[i]->shown_count, i % 2 == 0 ? 1 : 0);
    }
    /* let the last Link Close go out and beacons run for two intervals */
    bm_sim_run_for(r->sim, 25000);
}

static uint64_t full_run(uint64_t seed, bool check)
{
    struct run r;
    setup(&r, seed);
    provision_all(&r);
    if (check) {
        CHECK_EQ(r.completes, DEVICES);
        CHECK_EQ(r.failures, 0);
        struct bm_prov_node_info nodes[DEVICES + 1];
        size_t n = 0;
        CHECK_EQ(bm_prov_nodes(r.pv->node, nodes, DEVICES + 1, &n), BM_OK);
        CHECK_EQ(n, DEVICES);
        for (int i = 0; i < DEVICES; i++) {
            CHECK(bm_node_is_provisioned(r.dev[i]->node));
            CHECK_EQ(r.dev[i]->complete, 1);
            CHECK_EQ(r.dev[i]->failed, 0);
            /* unicast addresses allocated after the provisioner's own */
            CHECK_EQ(bm_node_addr(r.dev[i]->node), 0x0002 + i);
            CHECK_EQ(nodes[i].addr, 0x0002 + i);
            CHECK(r.snb_ok[i]);
        }
        CHECK_EQ(r.snb_bad, 0);
        struct bm_sim_stats total;
        bm_sim_stats_total(r.sim, &total);
        CHECK(total.dropped_loss > 0); /* the 10% loss really happened */
        printf("    seed %llu: %d devices in %llu ms virtual, %llu transmissions, %llu lost\n",
               (unsigned long long)seed, DEVICES, (unsigned long long)bm_sim_now_ms(r.sim),
               (unsigned long long)total.transmissions, (unsigned long long)total.dropped_loss);
    }
    uint64_t h = r.hash;
    teardown(&r);
    return h;
}

static void test_ten_devices_provisioned_under_loss(void)
{
    full_run(42, true);
}

static void test_same_seed_same_transcript(void)
{
    uint64_t a = full_run(7, false), b = full_run(7, false), c = full_run(8, false);
    CHECK(a == b);
    CHECK(a != c);
}

int main(void)
{
    BM_RUN(test_ten_devices_provisioned_under_loss);
    BM_RUN(test_same_seed_same_transcript);
    return bm_test_done();
}
