/* Secure network beacon attacks (Mesh Profile 3.9.3, 3.10.5, 3.10.6):
 * beacons recorded off the air and changed (IV index, flags, the
 * authentication value) must not verify and must change nothing; beacons
 * that do verify (an insider knows the NetKey) but claim an IV index more
 * than 42 above ours, or below it, must be ignored (3.10.6), and the node
 * keeps talking at its IV index.
 *
 * How each test was checked to fail without its defence (scratch copy of
 * the tree, not committed):
 * - bad authentication value: src/node/node_beacon.c rx_snb() made to
 *   accept a beacon whose Network ID matches without
 *   bm_beacon_snb_verify(): beacons_rx grew, the test failed;
 * - IV index beyond 42: the BM_IV_RECOVERY_MAX check in
 *   src/node/node_iv.c made never true: the node adopted IV index
 *   0x102b from the +43 beacon and the test failed. */
#include <stdio.h>
#include <string.h>

#include "net/beacon.h"
#include "node/node.h"
#include "sec_env.h"
#include "test.h"

#define IV0 0x1000u

struct world {
    struct sec_net s;
    struct attacker *atk;
};

static void world_setup(struct world *w, uint64_t seed)
{
    sec_net_setup(&w->s, 2, seed, false, IV0, false);
    w->atk = atk_add(w->s.sim, true);
    bm_sim_link(w->s.sim, w->s.n[0]->id, w->s.n[1]->id, 1.0);
    bm_sim_link(w->s.sim, w->atk->id, w->s.n[1]->id, 1.0);
    bm_sim_run_for(w->s.sim, 500); /* the first beacons go out at once */
}

static void world_free(struct world *w)
{
    sec_net_free(&w->s);
    atk_free(w->atk);
}

struct net_state {
    uint32_t iv_index;
    bool iv_update;
    uint8_t kr_phase;
};

static struct net_state state_of(const struct bm_node *n)
{
    struct net_state s = {n->net.iv_index, n->net.iv_update, n->net.subnets[0].kr_phase};
    return s;
}

static void expect_state(const struct bm_node *n, struct net_state want)
{
    struct net_state got = state_of(n);
    CHECK_EQ(got.iv_index, want.iv_index);
    CHECK_EQ(got.iv_update, want.iv_update);
    CHECK_EQ(got.kr_phase, want.kr_phase);
}

/* B still takes a message from A at the IV index both had. */
static void expect_traffic(struct world *w, uint8_t marker)
{
    int before = w->s.got[1].count;
    CHECK_EQ(sec_echo(&w->s, 0, sec_addr(1), &marker, 1), BM_OK);
    bm_sim_run_for(w->s.sim, 500);
    CHECK_EQ(w->s.got[1].count, before + 1);
    CHECK_EQ(w->s.got[1].data[0], marker);
}

static void send_beacon(struct world *w, const uint8_t b[BM_SNB_LEN])
{
    CHECK_EQ(atk_send_ad(w->atk, BM_AD_MESH_BEACON, b, BM_SNB_LEN), BM_OK);
    bm_sim_kick(w->s.sim, w->atk->id);
    bm_sim_run_for(w->s.sim, 100);
}

static void test_beacon_with_bad_auth_value_is_ignored(void)
{
    struct world w;
    world_setup(&w, 21);
    const struct atk_rec *r = atk_find(w.atk, w.s.n[0]->id, BM_AD_MESH_BEACON, 0);
    CHECK(r != NULL);
    if (!r) {
        world_free(&w);
        return;
    }
    CHECK_EQ(r->len, 2 + BM_SNB_LEN);
    struct bm_node *b = w.s.n[1]->node;
    struct net_state st = state_of(b);
    struct bm_node_stats s0, s1;
    bm_node_get_stats(b, &s0);

    /* the recorded beacon itself verifies: the premise */
    uint8_t f[BM_SNB_LEN];
    memcpy(f, r->adv + 2, BM_SNB_LEN);
    send_beacon(&w, f);
    bm_node_get_stats(b, &s1);
    CHECK_EQ(s1.beacons_rx, s0.beacons_rx + 1);
    s0 = s1;

    /* 1. IV index + 1 with IV Update in Progress, old authentication value */
    memcpy(f, r->adv + 2, BM_SNB_LEN);
    f[1] |= BM_SNB_FLAG_IVU;
    uint32_t iv = IV0 + 1;
    f[10] = (uint8_t)(iv >> 24), f[11] = (uint8_t)(iv >> 16), f[12] = (uint8_t)(iv >> 8),
    f[13] = (uint8_t)iv;
    send_beacon(&w, f);
    /* 2. Key Refresh flag set, old authentication value */
    memcpy(f, r->adv + 2, BM_SNB_LEN);
    f[1] |= BM_SNB_FLAG_KR;
    send_beacon(&w, f);
    /* 3. IV index + 1, random authentication values (16 tries) */
    for (int i = 0; i < 16; i++) {
        memcpy(f, r->adv + 2, BM_SNB_LEN);
        f[1] = BM_SNB_FLAG_IVU;
        f[13] = (uint8_t)(f[13] + 1);
        w.atk->plat->random(w.atk->plat->ctx, f + 14, 8);
        send_beacon(&w, f);
    }
    /* 4. the authentication value of another network's key */
    uint8_t other_key[16] = {0xee};
    struct bm_net other;
    bm_net_init(&other, 0, false);
    CHECK_EQ(bm_net_subnet_add(&other, 0, other_key), BM_OK);
    struct bm_snb sb = {.flags = BM_SNB_FLAG_IVU, .iv_index = IV0 + 1};
    memcpy(sb.network_id, r->adv + 4, 8); /* our Network ID, their key */
    CHECK_EQ(bm_beacon_snb_encode(other.subnets[0].keys[0].beacon_key, &sb, f), BM_OK);
    bm_net_deinit(&other);
    send_beacon(&w, f);

    bm_node_get_stats(b, &s1);
    printf("    19 forged beacons: %u failed authentication, %u accepted; IV index 0x%x, "
           "IV Update %d\n",
           (unsigned)(s1.beacons_bad - s0.beacons_bad), (unsigned)(s1.beacons_rx - s0.beacons_rx),
           (unsigned)b->net.iv_index, b->net.iv_update);
    CHECK_EQ(s1.beacons_bad - s0.beacons_bad, 19);
    CHECK_EQ(s1.beacons_rx, s0.beacons_rx);
    expect_state(b, st);
    expect_traffic(&w, 0x21);
    world_free(&w);
}

/* An authentic beacon (the attacker holds the NetKey) with this IV index
 * and flags. */
static void insider_beacon(struct world *w, uint32_t iv, uint8_t flags)
{
    const struct bm_net_keyset *ks = &w->s.n[0]->node->net.subnets[0].keys[0];
    struct bm_snb sb = {.flags = flags, .iv_index = iv};
    memcpy(sb.network_id, ks->network_id, 8);
    uint8_t f[BM_SNB_LEN];
    CHECK_EQ(bm_beacon_snb_encode(ks->beacon_key, &sb, f), BM_OK);
    send_beacon(w, f);
}

static void test_beacon_iv_index_beyond_42_is_ignored(void)
{
    struct world w;
    world_setup(&w, 22);
    w.s.n[0]->node->net_beacon = false; /* count only the attacker's beacons */
    struct bm_node *b = w.s.n[1]->node;
    struct net_state st = state_of(b);
    struct bm_node_stats s0, s1;
    bm_node_get_stats(b, &s0);
    static const struct {
        uint32_t delta;
        uint8_t flags;
    } cases[] = {{43, 0}, {43, BM_SNB_FLAG_IVU}, {44, 0}, {1000, BM_SNB_FLAG_IVU},
                 {0xffffffffu, 0} /* IV0 - 1: lower than ours */};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        insider_beacon(&w, IV0 + cases[i].delta, cases[i].flags);
        bm_sim_run_for(w.s.sim, 2000);
        expect_state(b, st);
    }
    bm_node_get_stats(b, &s1);
    /* the premise: they were authentic, and ignored for their IV index */
    CHECK_EQ(s1.beacons_rx - s0.beacons_rx, 5);
    printf("    authentic beacons IV+43, IV+43 IVU, IV+44, IV+1000 IVU, IV-1: IV index 0x%x "
           "(was 0x%x), IV Update %d\n",
           (unsigned)b->net.iv_index, (unsigned)st.iv_index, b->net.iv_update);
    /* the node did not move: it still talks at IV0 and transmits with it */
    expect_traffic(&w, 0x22);
    CHECK_EQ(bm_net_tx_iv_index(&b->net), IV0);
    world_free(&w);
}

int main(void)
{
    BM_RUN(test_beacon_with_bad_auth_value_is_ignored);
    BM_RUN(test_beacon_iv_index_beyond_42_is_ignored);
    return bm_test_done();
}
