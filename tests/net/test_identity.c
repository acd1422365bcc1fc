/* Mesh Proxy Service identification values against the sample data of
 * Mesh Profile 8.6.1 (Network ID) and 8.6.2 (Node Identity). The service
 * data framing around them is checked when the GATT bearer exists. */
#include <stdio.h>
#include <string.h>

#include "blemesh/errors.h"
#include "net/net.h"
#include "test.h"
#include "vectors.h"

static cJSON *bv;

static void test_8_6_1_network_id(void)
{
    uint8_t nk[16], want[8];
    struct bm_net net;
    bm_vec_hex(bv, "service_data.mesh_proxy_service_network_id.net_key", nk, 16);
    bm_vec_hex(bv, "service_data.mesh_proxy_service_network_id.network_id", want, 8);
    bm_net_init(&net, 0, false);
    CHECK_EQ(bm_net_subnet_add(&net, 0, nk), BM_OK);
    CHECK_MEM("network id", bm_net_subnet_find(&net, 0)->keys[0].network_id, 8, want, 8);
    /* and it is what the advertised service data carries after
     * 0c 16 2818 00 (our value against the sample's ADV data, not the
     * sample against itself) */
    uint8_t adv[32];
    size_t n = bm_vec_hex(bv, "service_data.mesh_proxy_service_network_id.adv_data", adv,
                          sizeof(adv));
    CHECK_EQ(n, 13);
    CHECK_MEM("adv tail", bm_net_subnet_find(&net, 0)->keys[0].network_id, 8, adv + 5, 8);
    bm_net_deinit(&net);
}

static void test_8_6_2_node_identity_hash(void)
{
    const char *base = "service_data.mesh_proxy_service_node_identity.";
    char path[128];
    uint8_t ik[16], rnd[8], want[8], got[8];
    snprintf(path, sizeof(path), "%sidentity_key", base);
    bm_vec_hex(bv, path, ik, 16);
    snprintf(path, sizeof(path), "%srandom", base);
    bm_vec_hex(bv, path, rnd, 8);
    snprintf(path, sizeof(path), "%shash", base);
    bm_vec_hex(bv, path, want, 8);
    snprintf(path, sizeof(path), "%ssrc", base);
    uint16_t addr = (uint16_t)bm_vec_num(bv, path);
    CHECK_EQ(bm_net_node_identity_hash(ik, rnd, addr, got), BM_OK);
    CHECK_MEM("node identity hash", got, 8, want, 8);
    /* a different address or random gives a different hash */
    CHECK_EQ(bm_net_node_identity_hash(ik, rnd, (uint16_t)(addr + 1), got), BM_OK);
    CHECK(memcmp(got, want, 8) != 0);
}

int main(void)
{
    bv = bm_vec_load("beacons.json");
    BM_RUN(test_8_6_1_network_id);
    BM_RUN(test_8_6_2_node_identity_hash);
    return bm_test_done();
}
