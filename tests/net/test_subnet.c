/* Subnet table and key refresh bookkeeping (Mesh Profile 3.10.4, 4.2.14,
 * Config NetKey Add/Update/Delete behaviour): index range, idempotent add,
 * full table, phase transitions, key wiping, and that every refused call
 * leaves struct bm_net unchanged. Derived keys are checked against the
 * sample data (8.2.5-8.2.7 via beacons.json). */
#include <stddef.h>
#include <string.h>

#include "blemesh/errors.h"
#include "net/net.h"
#include "test.h"
#include "vectors.h"

static cJSON *beacons, *messages;

static bool all_zero(const void *p, size_t len)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < len; i++) {
        if (b[i])
            return false;
    }
    return true;
}

static void key_n(uint8_t k[16], uint8_t n)
{
    memset(k, 0x11, 16);
    k[0] = n;
}

/* Runs call and checks it returned want without changing *net. */
#define CHECK_REFUSED(net, call, want)                                                             \
    do {                                                                                           \
        struct bm_net before_;                                                                     \
        memcpy(&before_, (net), sizeof(before_));                                                  \
        CHECK_EQ((call), (want));                                                                  \
        CHECK(memcmp(&before_, (net), sizeof(before_)) == 0);                                      \
    } while (0)

/* The key set of the sample NetKey: master credentials (8.2.2), Network ID
 * (8.2.5), IdentityKey (8.2.6) and BeaconKey (8.2.7). */
static void test_keyset_derivation_8_2(void)
{
    struct bm_net net;
    uint8_t nk[16], want[16];
    bm_vec_hex(beacons, "secure_network_beacons.0.net_key", nk, 16);
    bm_net_init(&net, 0, false);
    CHECK_EQ(bm_net_subnet_add(&net, 0x000, nk), BM_OK);
    struct bm_subnet *s = bm_net_subnet_find(&net, 0x000);
    CHECK(s != NULL);
    if (!s)
        return;
    const struct bm_net_keyset *ks = &s->keys[0];
    CHECK_MEM("net key", ks->net_key, 16, nk, 16);
    CHECK_EQ(ks->master.nid, bm_vec_num(messages, "keys.managed_flooding_credentials.nid"));
    bm_vec_hex(messages, "keys.managed_flooding_credentials.encryption_key", want, 16);
    CHECK_MEM("encryption key", ks->master.enc_key, 16, want, 16);
    bm_vec_hex(messages, "keys.managed_flooding_credentials.privacy_key", want, 16);
    CHECK_MEM("privacy key", ks->master.privacy_key, 16, want, 16);
    bm_vec_hex(beacons, "secure_network_beacons.0.network_id", want, 8);
    CHECK_MEM("network id", ks->network_id, 8, want, 8);
    bm_vec_hex(beacons, "secure_network_beacons.0.beacon_key", want, 16);
    CHECK_MEM("beacon key", ks->beacon_key, 16, want, 16);
    bm_vec_hex(beacons, "service_data.mesh_proxy_service_node_identity.identity_key", want, 16);
    CHECK_MEM("identity key", ks->identity_key, 16, want, 16);
    CHECK(all_zero(&s->keys[1], sizeof(s->keys[1])));
    CHECK_EQ(s->kr_phase, BM_KR_NORMAL);
    CHECK(bm_net_tx_keys(s) == &s->keys[0]);
    bm_net_deinit(&net);
}

static void test_init_and_deinit_wipe(void)
{
    struct bm_net net;
    uint8_t k[16];
    memset(&net, 0xcc, sizeof(net));
    bm_net_init(&net, 0x12345678, true);
    CHECK_EQ(net.iv_index, 0x12345678);
    CHECK(net.iv_update);
    CHECK_EQ(net.cache.count, 0);
    for (size_t i = 0; i < BM_CFG_SUBNETS; i++)
        CHECK(!net.subnets[i].used);
    key_n(k, 1);
    CHECK_EQ(bm_net_subnet_add(&net, 1, k), BM_OK);
    key_n(k, 2);
    CHECK_EQ(bm_net_subnet_update(&net, 1, k), BM_OK);
    bm_net_deinit(&net);
    CHECK(all_zero(&net, sizeof(net)));
}

/* net_idx is 12 bits; adding the same key again is OK (as Config NetKey
 * Add), another key at a used index is BM_EEXIST, a full table BM_ENOSPC. */
static void test_add_rules(void)
{
    struct bm_net net;
    uint8_t k[16];
    bm_net_init(&net, 0, false);
    key_n(k, 1);
    CHECK_REFUSED(&net, bm_net_subnet_add(&net, 0x1000, k), BM_EINVAL);
    CHECK_REFUSED(&net, bm_net_subnet_add(&net, 0xffff, k), BM_EINVAL);
    CHECK_EQ(bm_net_subnet_add(&net, 0xfff, k), BM_OK);
    CHECK_REFUSED(&net, bm_net_subnet_add(&net, 0xfff, k), BM_OK);
    key_n(k, 2);
    CHECK_REFUSED(&net, bm_net_subnet_add(&net, 0xfff, k), BM_EEXIST);
    for (uint16_t i = 1; i < BM_CFG_SUBNETS; i++) {
        key_n(k, (uint8_t)(10 + i));
        CHECK_EQ(bm_net_subnet_add(&net, i, k), BM_OK);
    }
    key_n(k, 99);
    CHECK_REFUSED(&net, bm_net_subnet_add(&net, 0x800, k), BM_ENOSPC);
    /* re-adding an existing one still works on a full table */
    key_n(k, 11);
    CHECK_REFUSED(&net, bm_net_subnet_add(&net, 1, k), BM_OK);
    CHECK(bm_net_subnet_find(&net, 0x800) == NULL);
    CHECK(bm_net_subnet_find(&net, 0xfff) != NULL);
    /* after a delete the slot is free again */
    CHECK_EQ(bm_net_subnet_del(&net, 1), BM_OK);
    key_n(k, 99);
    CHECK_EQ(bm_net_subnet_add(&net, 0x800, k), BM_OK);
    bm_net_deinit(&net);
}

static void test_delete_wipes(void)
{
    struct bm_net net;
    uint8_t k[16];
    bm_net_init(&net, 0, false);
    key_n(k, 1);
    CHECK_EQ(bm_net_subnet_add(&net, 7, k), BM_OK);
    key_n(k, 2);
    CHECK_EQ(bm_net_subnet_update(&net, 7, k), BM_OK);
    struct bm_subnet *s = bm_net_subnet_find(&net, 7);
    CHECK_EQ(bm_net_subnet_del(&net, 7), BM_OK);
    CHECK(s && all_zero(s, sizeof(*s)));
    CHECK(bm_net_subnet_find(&net, 7) == NULL);
    CHECK_REFUSED(&net, bm_net_subnet_del(&net, 7), BM_ENOENT);
    CHECK_REFUSED(&net, bm_net_subnet_del(&net, 0x1000), BM_EINVAL);
    bm_net_deinit(&net);
}

/* 4.2.14: normal -(update)-> 1 -(2)-> 2 -(3)-> normal; 1 -(3)-> normal;
 * normal + 3 is a no-op; normal + 2 is refused; only 2 and 3 can be set. */
static void test_key_refresh_transitions(void)
{
    struct bm_net net;
    uint8_t k1[16], k2[16], k3[16];
    key_n(k1, 1);
    key_n(k2, 2);
    key_n(k3, 3);
    bm_net_init(&net, 0, false);
    CHECK_REFUSED(&net, bm_net_subnet_update(&net, 5, k2), BM_ENOENT);
    CHECK_REFUSED(&net, bm_net_subnet_update(&net, 0x1000, k2), BM_EINVAL);
    CHECK_REFUSED(&net, bm_net_subnet_set_phase(&net, 5, BM_KR_PHASE2), BM_ENOENT);
    CHECK_EQ(bm_net_subnet_add(&net, 5, k1), BM_OK);
    struct bm_subnet *s = bm_net_subnet_find(&net, 5);
    if (!s) {
        CHECK(s != NULL);
        return;
    }

    CHECK_REFUSED(&net, bm_net_subnet_set_phase(&net, 5, BM_KR_PHASE2), BM_ESTATE);
    CHECK_REFUSED(&net, bm_net_subnet_set_phase(&net, 5, BM_KR_PHASE3), BM_OK);
    CHECK_REFUSED(&net, bm_net_subnet_set_phase(&net, 5, BM_KR_PHASE1), BM_EINVAL);
    CHECK_REFUSED(&net, bm_net_subnet_set_phase(&net, 5, BM_KR_NORMAL), BM_EINVAL);
    CHECK_REFUSED(&net, bm_net_subnet_set_phase(&net, 5, 4), BM_EINVAL);

    CHECK_EQ(bm_net_subnet_update(&net, 5, k2), BM_OK);
    CHECK_EQ(s->kr_phase, BM_KR_PHASE1);
    CHECK_MEM("old key", s->keys[0].net_key, 16, k1, 16);
    CHECK_MEM("new key", s->keys[1].net_key, 16, k2, 16);
    CHECK(bm_net_tx_keys(s) == &s->keys[0]);
    CHECK_REFUSED(&net, bm_net_subnet_update(&net, 5, k2), BM_OK);
    CHECK_REFUSED(&net, bm_net_subnet_update(&net, 5, k3), BM_ESTATE);
    /* NetKey Add at the index compares with the current (old) key */
    CHECK_REFUSED(&net, bm_net_subnet_add(&net, 5, k1), BM_OK);
    CHECK_REFUSED(&net, bm_net_subnet_add(&net, 5, k2), BM_EEXIST);

    CHECK_EQ(bm_net_subnet_set_phase(&net, 5, BM_KR_PHASE2), BM_OK);
    CHECK_EQ(s->kr_phase, BM_KR_PHASE2);
    CHECK(bm_net_tx_keys(s) == &s->keys[1]);
    CHECK_REFUSED(&net, bm_net_subnet_set_phase(&net, 5, BM_KR_PHASE2), BM_OK);
    CHECK_REFUSED(&net, bm_net_subnet_update(&net, 5, k2), BM_ESTATE);

    CHECK_EQ(bm_net_subnet_set_phase(&net, 5, BM_KR_PHASE3), BM_OK);
    CHECK_EQ(s->kr_phase, BM_KR_NORMAL);
    CHECK_MEM("new key is current", s->keys[0].net_key, 16, k2, 16);
    CHECK(all_zero(&s->keys[1], sizeof(s->keys[1])));
    CHECK(bm_net_tx_keys(s) == &s->keys[0]);

    /* 1 -(3)-> normal directly */
    CHECK_EQ(bm_net_subnet_update(&net, 5, k3), BM_OK);
    CHECK_EQ(bm_net_subnet_set_phase(&net, 5, BM_KR_PHASE3), BM_OK);
    CHECK_EQ(s->kr_phase, BM_KR_NORMAL);
    CHECK_MEM("k3 current", s->keys[0].net_key, 16, k3, 16);
    CHECK(all_zero(&s->keys[1], sizeof(s->keys[1])));

    /* the derived keys follow: network id of k3 as its own subnet has (the
     * prepared keys after them are each key set's own mbed TLS contexts) */
    CHECK_EQ(bm_net_subnet_add(&net, 6, k3), BM_OK);
    struct bm_subnet *s6 = bm_net_subnet_find(&net, 6);
    CHECK(s6 && memcmp(&s6->keys[0], &s->keys[0], offsetof(struct bm_net_keyset, enc)) == 0);
    bm_net_deinit(&net);
}

int main(void)
{
    beacons = bm_vec_load("beacons.json");
    messages = bm_vec_load("messages.json");
    BM_RUN(test_keyset_derivation_8_2);
    BM_RUN(test_init_and_deinit_wipe);
    BM_RUN(test_add_rules);
    BM_RUN(test_delete_wipes);
    BM_RUN(test_key_refresh_transitions);
    return bm_test_done();
}
