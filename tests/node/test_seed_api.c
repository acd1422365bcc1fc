/* The seed API's first half in C (init, set_node_prov, reset_node_prov,
 * create_element) with its documented semantics, one behaviour per test,
 * over the simulated air. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mesh_sim.h"
#include "net/beacon.h"
#include "test.h"

/* --- what went on the air, for the beacon checks --- */
struct air {
    uint32_t node;
    uint64_t udb_times_ms[64];
    int udb_count;
    char name[32];
    uint8_t uuid[16];
};

static void on_air(void *ctx, uint64_t t_us, uint32_t node, const uint8_t *adv, size_t len)
{
    struct air *a = ctx;
    if (node != a->node || len < 2 || adv[1] != BM_AD_MESH_BEACON || adv[2] != 0x00)
        return;
    struct bm_udb udb;
    size_t blen = (size_t)adv[0] - 1;
    if (bm_beacon_udb_parse(adv + 2, blen, &udb) != BM_OK)
        return;
    memcpy(a->uuid, udb.uuid, 16);
    if (a->udb_count < 64)
        a->udb_times_ms[a->udb_count] = t_us / 1000;
    a->udb_count++;
    size_t pos = 1 + (size_t)adv[0];
    if (pos + 1 < len && (adv[pos + 1] == BM_AD_COMPLETE_NAME || adv[pos + 1] == BM_AD_SHORT_NAME)) {
        size_t nlen = (size_t)adv[pos] - 1;
        memcpy(a->name, adv + pos + 2, nlen);
        a->name[nlen] = 0;
    }
}

static struct bm_sim *new_sim(void)
{
    struct bm_sim *sim = NULL;
    CHECK_EQ(bm_sim_create(&sim, NULL), BM_OK);
    return sim;
}

static void test_init_rejects_bad_arguments(void)
{
    struct bm_sim *sim = new_sim();
    struct test_node *n = mesh_sim_add(sim);
    CHECK_EQ(bm_init(n->node, "", BM_OOB_NONE), BM_EINVAL);
    CHECK_EQ(bm_init(n->node, "a-name-that-is-far-too-long-for-one-advertisement", BM_OOB_NONE),
             BM_EINVAL);
    CHECK_EQ(bm_init(n->node, "x", 7), BM_EINVAL);
    CHECK_EQ(bm_init(n->node, "x", BM_OOB_INPUT), BM_ENOTSUP);
    CHECK_EQ(bm_init(n->node, "PYCOM-ESP-BLE-MESH", BM_OOB_OUTPUT), BM_OK);
    CHECK_EQ(bm_init(n->node, "again", BM_OOB_NONE), BM_ESTATE);
    mesh_sim_free(n);
    bm_sim_free(sim);
}

static uint64_t idle(void *user, uint64_t now_ms)
{
    (void)user;
    (void)now_ms;
    return UINT64_MAX;
}

static void test_node_create_checks_memory(void)
{
    struct bm_sim *sim = new_sim();
    uint32_t id;
    static const struct bm_sim_node_ops none = {.process = idle};
    CHECK_EQ(bm_sim_add_node(sim, &none, NULL, &id), BM_OK);
    size_t size = bm_node_size();
    char *mem = malloc(size + 1);
    CHECK(bm_node_create(mem, size - 1, bm_sim_platform(sim, id)) == NULL);
    CHECK(bm_node_create(mem + 1, size, bm_sim_platform(sim, id)) == NULL); /* misaligned */
    CHECK(bm_node_create(mem, size, NULL) == NULL);
    CHECK(bm_node_create(mem, size, bm_sim_platform(sim, id)) != NULL);
    free(mem);
    bm_sim_free(sim);
}

static void test_uuid_is_v4_stable_and_overridable(void)
{
    struct bm_sim *sim = new_sim();
    struct test_node *n = mesh_sim_add(sim);
    uint8_t u1[16], u2[16];
    CHECK_EQ(bm_init(n->node, "dev", BM_OOB_NONE), BM_OK);
    bm_get_uuid(n->node, u1);
    CHECK_EQ(u1[6] >> 4, 4);        /* RFC 4122 version 4 */
    CHECK_EQ(u1[8] & 0xc0, 0x80);   /* RFC 4122 variant */
    /* a reboot: a new node in the same memory over the same store */
    bm_node_destroy(n->node);
    CHECK(bm_node_create(n->node, bm_node_size(), bm_sim_platform(sim, n->id)) == n->node);
    CHECK_EQ(bm_init(n->node, "dev", BM_OOB_NONE), BM_OK);
    bm_get_uuid(n->node, u2);
    CHECK_MEM("uuid after reboot", u2, 16, u1, 16);
    /* overriding it persists too */
    static const uint8_t mine[16] = {0x70, 0xcf, 0x7c, 0x97, 0x32, 0xa3, 0x45, 0xb6,
                                     0x91, 0x49, 0x48, 0x10, 0xd2, 0xe9, 0xcb, 0xf4};
    CHECK_EQ(bm_set_uuid(n->node, mine), BM_OK);
    bm_node_destroy(n->node);
    bm_node_create(n->node, bm_node_size(), bm_sim_platform(sim, n->id));
    CHECK_EQ(bm_init(n->node, "dev", BM_OOB_NONE), BM_OK);
    bm_get_uuid(n->node, u2);
    CHECK_MEM("overridden uuid", u2, 16, mine, 16);
    mesh_sim_free(n);
    bm_sim_free(sim);
}

static void test_create_element_rules(void)
{
    struct bm_sim *sim = new_sim();
    struct test_node *n = mesh_sim_add(sim);
    int idx = -1;
    /* before init, as board scripts do */
    CHECK_EQ(bm_create_element(n->node, false, 0, true, 7, &idx), BM_EINVAL); /* no primary yet */
    CHECK_EQ(bm_create_element(n->node, true, 0x10, true, 7, &idx), BM_EINVAL);
    CHECK_EQ(bm_create_element(n->node, true, BM_RELAY, true, 1, &idx), BM_EINVAL);
    CHECK_EQ(bm_create_element(n->node, true, BM_RELAY, true, 128, &idx), BM_EINVAL);
    CHECK_EQ(bm_node_element_count(n->node), 0);
    CHECK_EQ(bm_create_element(n->node, true, BM_RELAY | BM_GATT_PROXY | BM_FRIEND | BM_LOW_POWER,
                               true, 0, &idx),
             BM_OK);
    CHECK_EQ(idx, 0);
    CHECK_EQ(bm_create_element(n->node, true, 0, true, 7, &idx), BM_EINVAL); /* second primary */
    CHECK_EQ(bm_create_element(n->node, false, 0, false, 127, &idx), BM_OK);
    CHECK_EQ(idx, 1);
    CHECK_EQ(bm_init(n->node, "two-elements", BM_OOB_NONE), BM_OK);
    CHECK_EQ(bm_create_element(n->node, false, 0, false, 2, &idx), BM_OK); /* after init too */
    CHECK_EQ(idx, 2);
    CHECK_EQ(bm_node_element_count(n->node), 3);
    mesh_sim_free(n);
    bm_sim_free(sim);
}

static void test_set_node_prov_bearers(void)
{
    struct bm_sim *sim = new_sim();
    struct test_node *n = mesh_sim_add(sim);
    CHECK_EQ(bm_set_node_prov(n->node, BM_PROV_ADV, NULL, NULL), BM_ESTATE); /* before init */
    CHECK_EQ(bm_init(n->node, "dev", BM_OOB_NONE), BM_OK);
    /* PB-GATT over the simulated air's GATT (test_gatt.c goes further) */
    CHECK_EQ(bm_set_node_prov(n->node, BM_PROV_GATT, NULL, NULL), BM_OK);
    CHECK_EQ(bm_set_node_prov(n->node, BM_PROV_ADV | BM_PROV_GATT, NULL, NULL), BM_OK);
    CHECK_EQ(bm_set_node_prov(n->node, BM_PROV_NONE | BM_PROV_ADV, NULL, NULL), BM_EINVAL);
    CHECK_EQ(bm_set_node_prov(n->node, 0x40, NULL, NULL), BM_EINVAL);
    CHECK_EQ(bm_set_node_prov(n->node, BM_PROV_NONE, NULL, NULL), BM_OK);
    /* PROV_NONE: nothing on the air */
    struct air a = {.node = n->id};
    bm_sim_set_transcript(sim, on_air, &a);
    bm_sim_run_for(sim, 20000);
    CHECK_EQ(a.udb_count, 0);
    CHECK_EQ(bm_set_node_prov(n->node, BM_PROV_ADV, NULL, NULL), BM_OK);
    bm_sim_kick(sim, n->id);
    bm_sim_run_for(sim, 20000);
    CHECK(a.udb_count >= 4);
    mesh_sim_free(n);
    bm_sim_free(sim);
}

static void test_unprovisioned_beacon_interval_uuid_and_name(void)
{
    struct bm_sim *sim = new_sim();
    struct test_node *n = mesh_sim_add(sim);
    struct air a = {.node = n->id};
    bm_sim_set_transcript(sim, on_air, &a);
    CHECK_EQ(mesh_sim_device(n, "light-7", BM_OOB_NONE), BM_OK);
    bm_sim_run_for(sim, 30500);
    /* one beacon at start, then every 5 s (+ advDelay 0..10 ms) */
    CHECK(a.udb_count >= 6 && a.udb_count <= 7);
    for (int i = 1; i < a.udb_count && i < 64; i++) {
        uint64_t gap = a.udb_times_ms[i] - a.udb_times_ms[i - 1];
        CHECK(gap >= 4990 && gap <= 5011);
    }
    uint8_t uuid[16];
    bm_get_uuid(n->node, uuid);
    CHECK_MEM("beacon uuid", a.uuid, 16, uuid, 16);
    CHECK(strcmp(a.name, "light-7") == 0);
    mesh_sim_free(n);
    bm_sim_free(sim);
}

static void test_long_name_is_shortened_to_fit(void)
{
    struct bm_sim *sim = new_sim();
    struct test_node *n = mesh_sim_add(sim);
    struct air a = {.node = n->id};
    bm_sim_set_transcript(sim, on_air, &a);
    CHECK_EQ(mesh_sim_device(n, "PYCOM-ESP-BLE-MESH", BM_OOB_NONE), BM_OK);
    bm_sim_run_for(sim, 100);
    /* 31 octets - 21 for the beacon AD - 2 for the name AD header = 8 */
    CHECK(strcmp(a.name, "PYCOM-ES") == 0);
    mesh_sim_free(n);
    bm_sim_free(sim);
}

/* A provisioner and one device, linked both ways without loss. */
struct pair {
    struct bm_sim *sim;
    struct test_node *pv, *dev;
    struct bm_provision_result last;
    bool busy, oob_needed;
    int resets;
};

static void pair_cb(void *user, const struct bm_provision_result *r)
{
    struct pair *p = user;
    p->last = *r;
    if (r->event == BM_PROVISION_EVT_OOB_NEEDED)
        p->oob_needed = true;
    else
        p->busy = false;
}

static bool pair_busy(void *ctx)
{
    struct pair *p = ctx;
    return p->busy && !p->oob_needed;
}

static void pair_setup(struct pair *p, uint8_t auth)
{
    memset(p, 0, sizeof(*p));
    p->sim = new_sim();
    p->pv = mesh_sim_add(p->sim);
    p->dev = mesh_sim_add(p->sim);
    bm_sim_link(p->sim, p->pv->id, p->dev->id, 1.0);
    CHECK_EQ(bm_init(p->pv->node, "pv", BM_OOB_NONE), BM_OK);
    CHECK_EQ(bm_create_element(p->pv->node, true, 0, true, 7, NULL), BM_OK);
    CHECK_EQ(bm_prov_create_network(p->pv->node, NULL, 0x123, 0x1000, 0x0100), BM_OK);
    CHECK_EQ(mesh_sim_device(p->dev, "dev", auth), BM_OK);
}

static int pair_provision(struct pair *p)
{
    uint8_t uuid[16];
    bm_get_uuid(p->dev->node, uuid);
    p->busy = true;
    p->oob_needed = false;
    int rc = bm_prov_provision(p->pv->node, uuid, NULL, pair_cb, p);
    if (rc != BM_OK)
        return rc;
    bm_sim_kick(p->sim, p->pv->id);
    while (bm_sim_run_while(p->sim, pair_busy, p, 120000) == BM_OK && p->oob_needed) {
        p->oob_needed = false;
        CHECK_EQ(bm_prov_input_oob(p->pv->node, p->dev->shown), BM_OK);
        bm_sim_kick(p->sim, p->pv->id);
    }
    return p->last.event == BM_PROVISION_EVT_COMPLETE ? BM_OK : p->last.err;
}

static void pair_free(struct pair *p)
{
    mesh_sim_free(p->pv);
    mesh_sim_free(p->dev);
    bm_sim_free(p->sim);
}

static void test_elements_created_before_init_are_provisioned(void)
{
    struct pair p;
    memset(&p, 0, sizeof(p));
    p.sim = new_sim();
    p.pv = mesh_sim_add(p.sim);
    p.dev = mesh_sim_add(p.sim);
    bm_sim_link(p.sim, p.pv->id, p.dev->id, 1.0);
    CHECK_EQ(bm_init(p.pv->node, "pv", BM_OOB_NONE), BM_OK);
    CHECK_EQ(bm_prov_create_network(p.pv->node, NULL, 0, 0, 0x0001), BM_OK);
    /* board order: elements first, then init */
    CHECK_EQ(bm_create_element(p.dev->node, true, BM_RELAY, true, 7, NULL), BM_OK);
    CHECK_EQ(bm_create_element(p.dev->node, false, 0, false, 7, NULL), BM_OK);
    CHECK_EQ(bm_create_element(p.dev->node, false, 0, false, 7, NULL), BM_OK);
    CHECK_EQ(bm_init(p.dev->node, "three", BM_OOB_NONE), BM_OK);
    CHECK_EQ(bm_set_node_prov(p.dev->node, BM_PROV_ADV, NULL, NULL), BM_OK);
    CHECK_EQ(pair_provision(&p), BM_OK);
    CHECK_EQ(p.last.elements, 3);
    CHECK_EQ(p.last.addr, 0x0002);
    /* the next device's address comes after all three elements */
    struct test_node *d2 = mesh_sim_add(p.sim);
    bm_sim_link(p.sim, p.pv->id, d2->id, 1.0);
    CHECK_EQ(mesh_sim_device(d2, "next", BM_OOB_NONE), BM_OK);
    uint8_t uuid[16];
    bm_get_uuid(d2->node, uuid);
    p.busy = true;
    CHECK_EQ(bm_prov_provision(p.pv->node, uuid, NULL, pair_cb, &p), BM_OK);
    bm_sim_kick(p.sim, p.pv->id);
    bm_sim_run_while(p.sim, pair_busy, &p, 120000);
    CHECK_EQ(p.last.event, BM_PROVISION_EVT_COMPLETE);
    CHECK_EQ(p.last.addr, 0x0005);
    CHECK_EQ(bm_node_addr(d2->node), 0x0005);
    mesh_sim_free(d2);
    pair_free(&p);
}

static void test_output_oob_kinds(void)
{
    static const struct {
        uint8_t actions, size;
    } kinds[] = {
        {1u << BM_OOB_ACT_NUMERIC, 8},  {1u << BM_OOB_ACT_ALPHANUMERIC, 6},
        {1u << BM_OOB_ACT_BLINK, 1},    {1u << BM_OOB_ACT_BEEP, 2},
        {1u << BM_OOB_ACT_VIBRATE, 1},
    };
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        struct pair p;
        pair_setup(&p, BM_OOB_OUTPUT);
        CHECK_EQ(bm_set_output_oob(p.dev->node, kinds[k].actions, kinds[k].size), BM_OK);
        CHECK_EQ(pair_provision(&p), BM_OK);
        CHECK_EQ(p.dev->shown_count, 1);
        CHECK(strlen(p.dev->shown) >= 1 && strlen(p.dev->shown) <= kinds[k].size);
        CHECK(bm_node_is_provisioned(p.dev->node));
        pair_free(&p);
    }
    struct pair p;
    pair_setup(&p, BM_OOB_OUTPUT);
    CHECK_EQ(bm_set_output_oob(p.dev->node, 0, 4), BM_EINVAL);
    CHECK_EQ(bm_set_output_oob(p.dev->node, 0x20, 4), BM_EINVAL);
    CHECK_EQ(bm_set_output_oob(p.dev->node, 1, 9), BM_EINVAL);
    pair_free(&p);
}

static void reset_cb(void *user, const struct bm_prov_info *info)
{
    struct pair *p = user;
    if (info->event == BM_PROV_EVT_RESET)
        p->resets++;
}

static void test_reset_node_prov_forgets_durably_and_beacons_again(void)
{
    struct pair p;
    pair_setup(&p, BM_OOB_NONE);
    CHECK_EQ(pair_provision(&p), BM_OK);
    CHECK(bm_node_is_provisioned(p.dev->node));
    CHECK_EQ(bm_set_node_prov(p.dev->node, BM_PROV_ADV, reset_cb, &p), BM_OK);

    /* provisioned state survives a reboot */
    bm_node_destroy(p.dev->node);
    bm_node_create(p.dev->node, bm_node_size(), bm_sim_platform(p.sim, p.dev->id));
    CHECK_EQ(bm_init(p.dev->node, "dev", BM_OOB_NONE), BM_OK);
    CHECK(bm_node_is_provisioned(p.dev->node));
    CHECK_EQ(bm_node_addr(p.dev->node), 0x0101);
    CHECK_EQ(bm_set_node_prov(p.dev->node, BM_PROV_ADV, reset_cb, &p), BM_OK);

    struct air a = {.node = p.dev->id};
    bm_sim_set_transcript(p.sim, on_air, &a);
    bm_sim_run_for(p.sim, 11000);
    CHECK_EQ(a.udb_count, 0); /* provisioned: no unprovisioned beacons */

    CHECK_EQ(bm_reset_node_prov(p.dev->node), BM_OK);
    CHECK_EQ(p.resets, 1);
    CHECK(!bm_node_is_provisioned(p.dev->node));
    CHECK_EQ(bm_node_addr(p.dev->node), 0);
    bm_sim_kick(p.sim, p.dev->id);
    bm_sim_run_for(p.sim, 11000);
    CHECK(a.udb_count >= 2);

    /* and after a reboot it is still unprovisioned: the reset was durable */
    bm_node_destroy(p.dev->node);
    bm_node_create(p.dev->node, bm_node_size(), bm_sim_platform(p.sim, p.dev->id));
    CHECK_EQ(bm_init(p.dev->node, "dev", BM_OOB_NONE), BM_OK);
    CHECK(!bm_node_is_provisioned(p.dev->node));

    /* it can be provisioned again */
    CHECK_EQ(bm_set_node_prov(p.dev->node, BM_PROV_ADV, NULL, NULL), BM_OK);
    bm_sim_kick(p.sim, p.dev->id);
    CHECK_EQ(pair_provision(&p), BM_OK);
    CHECK(bm_node_is_provisioned(p.dev->node));
    pair_free(&p);
}

/* After a restart that restored provisioning, a script that calls init
 * first may create its elements again, but not more than were provisioned. */
static void test_elements_after_init_on_a_provisioned_node(void)
{
    struct pair p;
    pair_setup(&p, BM_OOB_NONE);
    CHECK_EQ(pair_provision(&p), BM_OK);
    bm_node_destroy(p.dev->node);
    bm_node_create(p.dev->node, bm_node_size(), bm_sim_platform(p.sim, p.dev->id));
    CHECK_EQ(bm_init(p.dev->node, "dev", BM_OOB_NONE), BM_OK);
    CHECK(bm_node_is_provisioned(p.dev->node));
    CHECK_EQ(bm_create_element(p.dev->node, true, BM_RELAY, true, 7, NULL), BM_OK);
    CHECK_EQ(bm_create_element(p.dev->node, false, 0, false, 7, NULL), BM_ESTATE);
    pair_free(&p);
}

static int scan_hits;
static void count_scan(void *user, const struct bm_unprov_device *dev)
{
    (void)user;
    (void)dev;
    scan_hits++;
}

static void test_provisioner_scan_shows_names(void)
{
    struct pair p;
    pair_setup(&p, BM_OOB_NONE);
    bm_sim_unlink(p.sim, p.pv->id, p.dev->id); /* only the kitchen is in range */
    struct test_node *kitchen = mesh_sim_add(p.sim);
    bm_sim_link(p.sim, p.pv->id, kitchen->id, 1.0);
    CHECK_EQ(mesh_sim_device(kitchen, "kitchen", BM_OOB_NONE), BM_OK);
    CHECK_EQ(bm_prov_scan_start(p.pv->node, NULL, NULL), BM_EINVAL);
    bm_sim_run_for(p.sim, 6000);
    size_t n = 0;
    struct bm_unprov_device devs[4];
    CHECK_EQ(bm_prov_scan_results(p.pv->node, devs, 4, &n), BM_OK);
    CHECK_EQ(n, 0); /* not scanning yet */
    scan_hits = 0;
    CHECK_EQ(bm_prov_scan_start(p.pv->node, count_scan, NULL), BM_OK);
    bm_sim_run_for(p.sim, 11000);
    CHECK_EQ(bm_prov_scan_results(p.pv->node, devs, 4, &n), BM_OK);
    CHECK_EQ(n, 1);
    CHECK_EQ(scan_hits, 1); /* once per newly seen device, not per beacon */
    uint8_t uuid[16];
    bm_get_uuid(kitchen->node, uuid);
    CHECK_MEM("scanned uuid", devs[0].uuid, 16, uuid, 16);
    CHECK(strcmp(devs[0].name, "kitchen") == 0);
    /* a device cannot scan */
    CHECK_EQ(bm_prov_scan_start(kitchen->node, count_scan, NULL), BM_ESTATE);
    pair_free(&p);
    mesh_sim_free(kitchen);
}

int main(void)
{
    BM_RUN(test_init_rejects_bad_arguments);
    BM_RUN(test_node_create_checks_memory);
    BM_RUN(test_uuid_is_v4_stable_and_overridable);
    BM_RUN(test_create_element_rules);
    BM_RUN(test_set_node_prov_bearers);
    BM_RUN(test_unprovisioned_beacon_interval_uuid_and_name);
    BM_RUN(test_long_name_is_shortened_to_fit);
    BM_RUN(test_elements_created_before_init_are_provisioned);
    BM_RUN(test_output_oob_kinds);
    BM_RUN(test_reset_node_prov_forgets_durably_and_beacons_again);
    BM_RUN(test_provisioner_scan_shows_names);
    BM_RUN(test_elements_after_init_on_a_provisioned_node);
    return bm_test_done();
}
