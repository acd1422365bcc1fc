/* IV Update (Mesh Profile 3.10.5, 3.10.6) and Key Refresh (3.10.4) end to
 * end in the simulated air: a provisioner initiates and the line of nodes
 * follows by secure network beacons; a node off during the whole IV Update
 * recovers from beacons; jumps beyond 42 are refused; running out of
 * sequence numbers starts the procedure; the 96-hour rule holds outside
 * test mode; a key refresh driven by the Configuration Client reaches a
 * node that was off for phases 2 and 3 through beacons, survives a restart
 * in phase 1, and the old key is refused at the end. */
#include <string.h>

#include "../models/cfg_env.h"
#include "blemesh/network.h"
#include "net/beacon.h"
#include "node/node.h"
#include "test.h"

#define MIN_MS 20000u /* test mode: each IV state lasts 20 s */

static const uint8_t new_net_key[16] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                        0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01};
static const uint8_t app_key[16] = {0x63, 0x96, 0x47, 0x71, 0x73, 0x4f, 0xbd, 0x76,
                                    0xe3, 0xb4, 0x05, 0x19, 0xd1, 0xd9, 0x4a, 0x48};
static const uint8_t new_app_key[16] = {0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8,
                                        0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, 0xb0};

static void all_test_mode(struct env *e, uint32_t min_ms)
{
    CHECK_EQ(bm_iv_test_mode(e->pv->node, true, min_ms), BM_OK);
    for (int i = 0; i < e->count; i++)
        CHECK_EQ(bm_iv_test_mode(e->n[i]->node, true, min_ms), BM_OK);
}

static void iv_of(struct test_node *t, uint32_t *iv, bool *upd)
{
    CHECK_EQ(bm_iv_get(t->node, iv, upd), BM_OK);
}

static void iv_update_followed_and_recovered(void)
{
    struct env e;
    env_setup(&e, 3, 101);
    all_test_mode(&e, MIN_MS);
    /* Normal Operation must last its minimum before an update */
    CHECK_EQ(bm_iv_update_start(e.pv->node), BM_ESTATE);
    bm_sim_run_for(e.sim, MIN_MS + 1000);
    /* the last node is off during the whole procedure */
    bm_sim_set_radio(e.sim, e.n[2]->id, false);
    CHECK_EQ(bm_iv_update_start(e.pv->node), BM_OK);
    CHECK_EQ(bm_iv_update_start(e.pv->node), BM_ESTATE);
    bm_sim_run_for(e.sim, 12000);
    uint32_t iv;
    bool upd;
    for (int i = 0; i < 2; i++) {
        iv_of(e.n[i], &iv, &upd);
        CHECK_EQ(iv, 1);
        CHECK(upd);
    }
    iv_of(e.n[2], &iv, &upd);
    CHECK_EQ(iv, 0);
    CHECK(!upd);
    /* messages keep flowing during the update (sent with index 0) */
    CHECK_EQ(env_wait(&e, bm_cfg_ttl_get(e.pv->node, env_addr(1)))->err, BM_OK);
    bm_sim_run_for(e.sim, MIN_MS + 12000);
    iv_of(e.pv, &iv, &upd);
    CHECK_EQ(iv, 1);
    CHECK(!upd);
    for (int i = 0; i < 2; i++) {
        iv_of(e.n[i], &iv, &upd);
        CHECK_EQ(iv, 1);
        CHECK(!upd);
        CHECK(e.n[i]->node->seq < 100); /* 3.10.5: back to 0 in Normal */
    }
    /* back on: IV Index Recovery from the neighbours' beacons */
    bm_sim_set_radio(e.sim, e.n[2]->id, true);
    bm_sim_run_for(e.sim, 12000);
    iv_of(e.n[2], &iv, &upd);
    CHECK_EQ(iv, 1);
    CHECK(!upd);
    CHECK(e.n[2]->node->iv_recovered);
    const struct bm_cfg_rsp *r = env_wait(&e, bm_cfg_ttl_get(e.pv->node, env_addr(2)));
    CHECK_EQ(r->err, BM_OK);
    CHECK_EQ(r->u.value, 7);
    env_free(&e);
}

/* Outside test mode a node just provisioned in Normal Operation refuses
 * to enter an update for 96 hours, then recovers once the network is back
 * to Normal. */
static void ninety_six_hours_outside_test_mode(void)
{
    struct env e;
    env_setup(&e, 1, 102);
    CHECK_EQ(bm_iv_test_mode(e.pv->node, true, 5000), BM_OK);
    bm_sim_run_for(e.sim, 6000);
    CHECK_EQ(bm_iv_update_start(e.pv->node), BM_OK);
    bm_sim_run_for(e.sim, 4000);
    uint32_t iv;
    bool upd;
    iv_of(e.n[0], &iv, &upd);
    CHECK_EQ(iv, 0);
    CHECK(!upd);
    bm_sim_run_for(e.sim, 15000);
    iv_of(e.n[0], &iv, &upd);
    CHECK_EQ(iv, 1);
    CHECK(!upd);
    env_free(&e);
}

/* A beacon of the network's key with a chosen IV index and flags. */
/* The hours of the IV record, divided by shift and subtract (node_iv.c):
 * at every hour boundary up to 2^32 * 128 ms, the last ms before it and the
 * first after, against the hand values h and 3,599,999 ms into h - 1. */
static void hours_at_every_boundary(void)
{
    uint32_t into;
    for (uint64_t h = 0; h <= 152709; h++) {
        uint64_t ms = h * 3600000u;
        CHECK_EQ(bm_node_iv_hours(ms, &into), h);
        CHECK_EQ(into, 0);
        CHECK_EQ(bm_node_iv_hours(ms + 1, &into), h);
        CHECK_EQ(into, 1);
        if (h > 0) {
            CHECK_EQ(bm_node_iv_hours(ms - 1, &into), h - 1);
            CHECK_EQ(into, 3599999);
        }
    }
    /* the last 32-bit ms >> 7, then past it */
    CHECK_EQ(bm_node_iv_hours(((uint64_t)1 << 39) - 1, &into), 152709);
    CHECK_EQ(into, (uint32_t)(((uint64_t)1 << 39) - 1 - 152709ull * 3600000u));
    CHECK_EQ(bm_node_iv_hours((uint64_t)1 << 39, &into), UINT32_MAX);
    CHECK_EQ(into, 0);
}

static void inject_beacon(struct env *e, int i, uint32_t iv_index, uint8_t flags)
{
    const struct bm_subnet *sub = bm_net_subnet_find(&e->pv->node->net, 0);
    const struct bm_net_keyset *ks = bm_net_tx_keys(sub);
    struct bm_snb b = {.flags = flags, .iv_index = iv_index};
    memcpy(b.network_id, ks->network_id, 8);
    uint8_t adv[2 + BM_SNB_LEN] = {BM_SNB_LEN + 1, BM_AD_MESH_BEACON};
    CHECK_EQ(bm_beacon_snb_encode(ks->beacon_key, &b, adv + 2), BM_OK);
    bm_node_rx_adv(e->n[i]->node, adv, sizeof(adv), -40);
}

static void recovery_limited_to_42(void)
{
    struct env e;
    env_setup(&e, 1, 103);
    all_test_mode(&e, 1000);
    bm_sim_run_for(e.sim, 2000);
    uint32_t iv;
    bool upd;
    inject_beacon(&e, 0, 43, 0);
    iv_of(e.n[0], &iv, &upd);
    CHECK_EQ(iv, 0); /* 3.10.6: more than 42 ahead is ignored */
    inject_beacon(&e, 0, 42, 0);
    iv_of(e.n[0], &iv, &upd);
    CHECK_EQ(iv, 42);
    CHECK(!upd);
    /* older indexes teach nothing */
    inject_beacon(&e, 0, 41, BM_SNB_FLAG_IVU);
    iv_of(e.n[0], &iv, &upd);
    CHECK_EQ(iv, 42);
    /* a second recovery within 2 x the minimum is refused */
    inject_beacon(&e, 0, 44, 0);
    iv_of(e.n[0], &iv, &upd);
    CHECK_EQ(iv, 42);
    env_free(&e);
}

static void seq_exhaustion_starts_update(void)
{
    struct env e;
    env_setup(&e, 2, 104);
    all_test_mode(&e, 3000);
    bm_sim_run_for(e.sim, 4000);
    struct bm_node *n = e.n[0]->node;
    n->seq = BM_IV_SEQ_LIMIT - 2;
    uint8_t hb[3] = {7, 0, 0};
    for (int k = 0; k < 3; k++)
        CHECK_EQ(bm_node_send_ctl(n, 0, PV_ADDR, 3, 0x0a, hb, sizeof(hb)), BM_OK);
    uint32_t iv;
    bool upd;
    iv_of(e.n[0], &iv, &upd);
    CHECK_EQ(iv, 1);
    CHECK(upd);
    bm_sim_run_for(e.sim, 2000);
    iv_of(e.pv, &iv, &upd); /* the others follow its beacon */
    CHECK_EQ(iv, 1);
    CHECK(upd);
    bm_sim_run_for(e.sim, 12000);
    iv_of(e.n[0], &iv, &upd);
    CHECK(!upd);
    CHECK(n->seq < 1000); /* a fresh sequence space under the new index */
    env_free(&e);
}

/* A restart while In Progress keeps the state and the index. */
static void iv_state_survives_restart(void)
{
    struct env e;
    env_setup(&e, 1, 105);
    all_test_mode(&e, 1000);
    bm_sim_run_for(e.sim, 2000);
    CHECK_EQ(bm_iv_update_start(e.pv->node), BM_OK);
    bm_sim_kick(e.sim, e.pv->id); /* changed outside rx/process: beacon now */
    bm_sim_run_for(e.sim, 500);
    CHECK_EQ(bm_iv_test_mode(e.n[0]->node, true, 600000), BM_OK); /* stays In Progress */
    bm_sim_run_for(e.sim, 3000);
    struct test_node *t = e.n[0];
    void *mem = t->node;
    bm_node_destroy(t->node);
    t->node = bm_node_create(mem, bm_node_size(), bm_sim_platform(e.sim, t->id));
    bm_sim_node_restart(e.sim, t->id, NULL, NULL);
    CHECK_EQ(bm_create_element(t->node, true, BM_RELAY, true, 7, NULL), BM_OK);
    CHECK_EQ(bm_init(t->node, "n", BM_OOB_NONE), BM_OK);
    uint32_t iv;
    bool upd;
    iv_of(t, &iv, &upd);
    CHECK_EQ(iv, 1);
    CHECK(upd);
    env_free(&e);
}

static uint8_t phase_of(struct test_node *t)
{
    uint8_t ph = 0xff;
    CHECK_EQ(bm_kr_phase_get(t->node, 0, &ph), BM_OK);
    return ph;
}

static void key_refresh_end_to_end(void)
{
    struct env e;
    env_setup(&e, 3, 106);
    struct bm_node *pv = e.pv->node;
    CHECK_EQ(bm_node_app_key_add(pv, 0, 1, app_key), BM_OK);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(env_wait(&e, bm_cfg_app_key_add(pv, env_addr(i), 0, 1, app_key))->status,
                 BM_CFG_ST_SUCCESS);
    /* phase 1: the new keys everywhere */
    CHECK_EQ(bm_kr_net_key_update(pv, 0, new_net_key), BM_OK);
    CHECK_EQ(bm_kr_app_key_update(pv, 1, new_app_key), BM_OK);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(env_wait(&e, bm_cfg_net_key_update(pv, env_addr(i), 0, new_net_key))->status,
                 BM_CFG_ST_SUCCESS);
        CHECK_EQ(env_wait(&e, bm_cfg_app_key_update(pv, env_addr(i), 0, 1, new_app_key))->status,
                 BM_CFG_ST_SUCCESS);
        CHECK_EQ(phase_of(e.n[i]), BM_KR_PHASE1);
    }
    /* a restart in phase 1 keeps both keys */
    struct test_node *t = e.n[1];
    void *mem = t->node;
    bm_node_destroy(t->node);
    t->node = bm_node_create(mem, bm_node_size(), bm_sim_platform(e.sim, t->id));
    bm_sim_node_restart(e.sim, t->id, NULL, NULL);
    CHECK_EQ(bm_create_element(t->node, true, BM_RELAY, true, 7, NULL), BM_OK);
    CHECK_EQ(bm_init(t->node, "n", BM_OOB_NONE), BM_OK);
    CHECK_EQ(phase_of(t), BM_KR_PHASE1);
    const struct bm_subnet *sub = bm_net_subnet_find(&t->node->net, 0);
    CHECK_MEM("new key", sub->keys[1].net_key, 16, new_net_key, 16);
    CHECK_EQ(t->node->app_count, 2);

    /* the last node misses phases 2 and 3 */
    bm_sim_set_radio(e.sim, e.n[2]->id, false);
    CHECK_EQ(bm_kr_phase_set(pv, 0, BM_KR_PHASE2), BM_OK);
    CHECK_EQ(env_wait(&e, bm_cfg_krp_set(pv, env_addr(0), 0, BM_KR_PHASE2))->err, BM_OK);
    CHECK_EQ(phase_of(e.n[0]), BM_KR_PHASE2);
    /* node 1 follows the beacons (new key, Key Refresh flag) */
    bm_sim_run_for(e.sim, 12000);
    CHECK_EQ(phase_of(e.n[1]), BM_KR_PHASE2);
    /* phase 3: revoke */
    CHECK_EQ(env_wait(&e, bm_cfg_krp_set(pv, env_addr(0), 0, BM_KR_PHASE3))->err, BM_OK);
    CHECK_EQ(bm_kr_phase_set(pv, 0, BM_KR_PHASE3), BM_OK);
    CHECK_EQ(phase_of(e.n[0]), BM_KR_NORMAL);
    bm_sim_run_for(e.sim, 12000);
    CHECK_EQ(phase_of(e.n[1]), BM_KR_NORMAL);
    /* back on, still in phase 1: a beacon with the new key and no flag */
    bm_sim_set_radio(e.sim, e.n[2]->id, true);
    bm_sim_run_for(e.sim, 12000);
    CHECK_EQ(phase_of(e.n[2]), BM_KR_NORMAL);
    for (int i = 0; i < 3; i++) {
        const struct bm_subnet *s = bm_net_subnet_find(&e.n[i]->node->net, 0);
        CHECK_MEM("net key", s->keys[0].net_key, 16, new_net_key, 16);
        const struct bm_upper_appkey *ak = bm_node_app_key(e.n[i]->node, 1, NULL);
        CHECK_MEM("app key", ak->key, 16, new_app_key, 16);
        CHECK_EQ(e.n[i]->node->app_count, 1);
    }
    /* the old key is refused */
    struct bm_net_creds old;
    CHECK_EQ(bm_net_creds_master(&old, env_net_key), BM_OK);
    struct bm_net_hdr h = {.ctl = 0, .ttl = 3, .seq = 0x100000, .src = PV_ADDR,
                           .dst = env_addr(2)};
    uint8_t tr[5] = {0x00, 1, 2, 3, 4};
    uint8_t adv[2 + BM_NET_MAX_PDU_LEN];
    size_t len;
    CHECK_EQ(bm_net_encode(&old, 0, BM_NET_NONCE_NETWORK, &h, tr, sizeof(tr), adv + 2,
                           BM_NET_MAX_PDU_LEN, &len),
             BM_OK);
    adv[0] = (uint8_t)(len + 1);
    adv[1] = BM_AD_MESH_MESSAGE;
    struct bm_node_stats before, after;
    bm_node_get_stats(e.n[2]->node, &before);
    bm_node_rx_adv(e.n[2]->node, adv, len + 2, -40);
    bm_node_get_stats(e.n[2]->node, &after);
    CHECK_EQ(after.net_dropped, before.net_dropped + 1);
    CHECK_EQ(after.net_rx, before.net_rx);
    /* and the network works with the new one */
    const struct bm_cfg_rsp *r = env_wait(&e, bm_cfg_ttl_get(pv, env_addr(2)));
    CHECK_EQ(r->err, BM_OK);
    env_free(&e);
}

int main(void)
{
    BM_RUN(hours_at_every_boundary);
    BM_RUN(iv_update_followed_and_recovered);
    BM_RUN(ninety_six_hours_outside_test_mode);
    BM_RUN(recovery_limited_to_42);
    BM_RUN(seq_exhaustion_starts_update);
    BM_RUN(iv_state_survives_restart);
    BM_RUN(key_refresh_end_to_end);
    return bm_test_done();
}
