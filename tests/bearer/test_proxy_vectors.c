/* The specification's GATT sample data, byte for byte: the proxy
 * configuration message (Mesh Protocol 1.1 8.9.1, in Mesh Profile 1.0.x
 * too), the PB-GATT SAR sample (Mesh Protocol 1.1 8.8), and the service
 * data of the Mesh Provisioning Service (8.5.1, with its documented
 * inconsistency) and Mesh Proxy Service (8.6.1, 8.6.2). Both directions. */
#include <string.h>

#include "bearer/proxy.h"
#include "blemesh/errors.h"
#include "test.h"
#include "vectors.h"

/* The sample files, parsed once (kept reachable until freed in main). */
static cJSON *messages, *provisioning, *beacons;

static const cJSON *proxy_cfg_vec(void)
{
    return bm_vec_get(messages, "proxy_configuration_messages.0");
}

static void s8_9_1_proxy_cfg_encode(void)
{
    const cJSON *v = proxy_cfg_vec();
    uint8_t net_key[16], msg[16], want_net[32], want_pdu[33];
    bm_vec_hex(v, "net_key", net_key, sizeof(net_key));
    size_t mlen = bm_vec_hex(v, "proxy_configuration_pdu", msg, sizeof(msg));
    size_t nlen = bm_vec_hex(v, "proxy_message_network_pdu", want_net, sizeof(want_net));
    size_t plen = bm_vec_hex(v, "proxy_pdu", want_pdu, sizeof(want_pdu));
    struct bm_net_creds c;
    CHECK_EQ(bm_net_creds_master(&c, net_key), BM_OK);
    CHECK_EQ(c.nid, bm_vec_num(v, "nid"));

    /* the message itself: Set Filter Type, accept list */
    struct bm_proxy_cfg_msg m = {.opcode = BM_PROXY_OP_SET_FILTER_TYPE,
                                 .filter_type = BM_PROXY_FILTER_ACCEPT};
    uint8_t built[BM_PROXY_CFG_MAX_LEN];
    size_t blen;
    CHECK_EQ(bm_proxy_cfg_build(&m, built, sizeof(built), &blen), BM_OK);
    CHECK_MEM("proxy configuration PDU", built, blen, msg, mlen);

    uint8_t out[BM_NET_MAX_PDU_LEN];
    size_t olen = 0;
    CHECK_EQ(bm_proxy_cfg_encode(&c, bm_vec_num(v, "iv_index"), (uint16_t)bm_vec_num(v, "src"),
                                 bm_vec_num(v, "seq"), built, blen, out, sizeof(out), &olen),
             BM_OK);
    CHECK_MEM("network PDU (proxy nonce)", out, olen, want_net, nlen);

    /* the Proxy PDU: one SAR Complete of type Proxy Configuration */
    uint8_t pdu[64];
    size_t len;
    CHECK_EQ(bm_proxy_sar_count(olen, 23), 1);
    CHECK_EQ(bm_proxy_sar_segment(BM_PROXY_TYPE_CONFIG, out, olen, 23, 0, pdu, sizeof(pdu), &len),
             BM_OK);
    CHECK_MEM("proxy PDU", pdu, len, want_pdu, plen);
}

static void s8_9_1_proxy_cfg_decode(void)
{
    const cJSON *v = proxy_cfg_vec();
    uint8_t net_key[16], pdu[33];
    bm_vec_hex(v, "net_key", net_key, sizeof(net_key));
    size_t plen = bm_vec_hex(v, "proxy_pdu", pdu, sizeof(pdu));
    struct bm_net net;
    bm_net_init(&net, bm_vec_num(v, "iv_index"), false);
    CHECK_EQ(bm_net_subnet_add(&net, 0, net_key), BM_OK);

    struct bm_proxy_sar_rx r;
    bm_proxy_sar_rx_reset(&r);
    uint8_t type;
    const uint8_t *msg;
    size_t mlen;
    CHECK_EQ(bm_proxy_sar_rx_add(&r, pdu, plen, 0, &type, &msg, &mlen), BM_OK);
    CHECK_EQ(type, BM_PROXY_TYPE_CONFIG);

    uint8_t cfg[BM_PROXY_CFG_MAX_LEN];
    size_t clen = 0;
    uint16_t src = 0, net_idx = 0xffff;
    CHECK_EQ(bm_proxy_cfg_decode(&net, msg, mlen, &src, &net_idx, cfg, &clen), BM_OK);
    CHECK_EQ(src, bm_vec_num(v, "src"));
    CHECK_EQ(net_idx, 0);
    struct bm_proxy_cfg_msg m;
    CHECK_EQ(bm_proxy_cfg_parse(cfg, clen, &m), BM_OK);
    CHECK_EQ(m.opcode, BM_PROXY_OP_SET_FILTER_TYPE);
    CHECK_EQ(m.filter_type, BM_PROXY_FILTER_ACCEPT);
    /* the same PDU again is a replay: the message cache drops it */
    CHECK_EQ(bm_proxy_cfg_decode(&net, msg, mlen, &src, &net_idx, cfg, &clen), BM_EDUP);

    /* one flipped bit fails the NetMIC */
    struct bm_net net2;
    bm_net_init(&net2, bm_vec_num(v, "iv_index"), false);
    bm_net_subnet_add(&net2, 0, net_key);
    uint8_t bad[BM_NET_MAX_PDU_LEN];
    memcpy(bad, msg, mlen);
    bad[mlen - 1] ^= 1;
    CHECK_EQ(bm_proxy_cfg_decode(&net2, bad, mlen, &src, &net_idx, cfg, &clen), BM_EAUTH);
    /* decoded with the network nonce instead, it does not verify either:
     * the nonces keep the two kinds of PDU apart */
    struct bm_net_rx rx;
    CHECK(bm_net_rx(&net2, BM_NET_NONCE_NETWORK, msg, mlen, &rx) != BM_OK);
    bm_net_deinit(&net);
    bm_net_deinit(&net2);
}

#define SAR_CAPTURE_MAX 8
struct sar_capture {
    int count;
    uint8_t pdu[SAR_CAPTURE_MAX][64];
    size_t len[SAR_CAPTURE_MAX];
};

static int sar_capture(void *ctx, uint16_t conn, const uint8_t *pdu, size_t len)
{
    (void)conn;
    struct sar_capture *cap = ctx;
    if (cap->count < SAR_CAPTURE_MAX && len <= sizeof(cap->pdu[0])) {
        memcpy(cap->pdu[cap->count], pdu, len);
        cap->len[cap->count] = len;
    }
    cap->count++;
    return 0;
}

static void s8_8_pb_gatt_sar(void)
{
    const cJSON *v = bm_vec_get(provisioning, "mesh_protocol_1_1_only.pb_gatt_sar");
    uint16_t mtu = (uint16_t)bm_vec_int(v, "att_mtu");
    uint8_t x[32], y[32];
    bm_vec_hex(v, "public_key_x", x, 32);
    bm_vec_hex(v, "public_key_y", y, 32);
    /* the Provisioning Public Key PDU: type 0x03, X, Y */
    uint8_t prov[65];
    prov[0] = 0x03;
    memcpy(prov + 1, x, 32);
    memcpy(prov + 33, y, 32);
    const cJSON *vals = bm_vec_get(v, "att_values");
    int n = cJSON_GetArraySize(vals);
    CHECK_EQ(bm_proxy_sar_count(sizeof(prov), mtu), (size_t)n);
    struct bm_proxy_sar_rx r;
    bm_proxy_sar_rx_reset(&r);
    for (int i = 0; i < n; i++) {
        uint8_t want[64], got[64];
        size_t wl = bm_hex(cJSON_GetArrayItem(vals, i)->valuestring, want, sizeof(want));
        size_t gl = 0;
        CHECK_EQ(bm_proxy_sar_segment(BM_PROXY_TYPE_PROV, prov, sizeof(prov), mtu, (size_t)i, got,
                                      sizeof(got), &gl),
                 BM_OK);
        CHECK_MEM("ATT value", got, gl, want, wl);
        uint8_t type;
        const uint8_t *msg;
        size_t mlen;
        int rc = bm_proxy_sar_rx_add(&r, want, wl, 1000, &type, &msg, &mlen);
        if (i + 1 < n) {
            CHECK_EQ(rc, BM_EINCOMPLETE);
        } else {
            CHECK_EQ(rc, BM_OK);
            CHECK_EQ(type, BM_PROXY_TYPE_PROV);
            CHECK_MEM("reassembled", msg, mlen, prov, sizeof(prov));
        }
    }
    /* the sender the node uses puts the same ATT values on the air */
    struct sar_capture cap = {0};
    CHECK_EQ(bm_proxy_sar_send(BM_PROXY_TYPE_PROV, prov, sizeof(prov), mtu, sar_capture, &cap, 1),
             BM_OK);
    CHECK_EQ(cap.count, n);
    for (int i = 0; i < n && i < SAR_CAPTURE_MAX; i++) {
        uint8_t want[64];
        size_t wl = bm_hex(cJSON_GetArrayItem(vals, i)->valuestring, want, sizeof(want));
        CHECK_MEM("sent ATT value", cap.pdu[i], cap.len[i], want, wl);
    }
}

static void s8_5_1_provisioning_service_data(void)
{
    const cJSON *v = bm_vec_get(beacons, "service_data.mesh_provisioning_service");
    uint8_t uuid[16], printed[32], consistent[32];
    bm_vec_hex(v, "device_uuid", uuid, 16);
    size_t pl = bm_vec_hex(v, "adv_data", printed, sizeof(printed));
    size_t cl = bm_vec_hex(v, "spec_inconsistencies.0.consistent_values.adv_data", consistent,
                           sizeof(consistent));
    uint8_t adv[BM_ADV_MAX_LEN];
    size_t len = 0;
    CHECK_EQ(bm_gatt_adv_prov(uuid, (uint16_t)bm_vec_num(v, "oob_information"), adv, sizeof(adv),
                              &len),
             BM_OK);
    /* OOB Information goes big-endian as in the Unprovisioned Device
     * beacon (7.1.2.2.1 refers to 3.9.2): the consistent form, not the
     * printed one whose last two octets are swapped */
    CHECK_MEM("service data AD", adv + BM_GATT_ADV_SVC_DATA_OFF, len - BM_GATT_ADV_SVC_DATA_OFF,
              consistent, cl);
    CHECK(pl == cl && memcmp(printed, consistent, pl) != 0);
    struct bm_gatt_adv_info info;
    CHECK_EQ(bm_gatt_adv_parse(adv, len, &info), BM_OK);
    CHECK_EQ(info.service, BM_GATT_SVC_PROV);
    CHECK_MEM("uuid", info.uuid, 16, uuid, 16);
    CHECK_EQ(info.oob_info, bm_vec_num(v, "oob_information"));
    /* flags and the service UUID list come first */
    static const uint8_t head[] = {0x02, 0x01, 0x06, 0x03, 0x03, 0x27, 0x18};
    CHECK_MEM("flags + uuids", adv, BM_GATT_ADV_SVC_DATA_OFF, head, sizeof(head));
}

static void s8_6_1_proxy_service_network_id(void)
{
    const cJSON *v =
        bm_vec_get(beacons, "service_data.mesh_proxy_service_network_id");
    uint8_t net_key[16], want[32], nid[8];
    bm_vec_hex(v, "net_key", net_key, 16);
    bm_vec_hex(v, "network_id", nid, 8);
    size_t wl = bm_vec_hex(v, "adv_data", want, sizeof(want));
    struct bm_net net;
    bm_net_init(&net, 0, false);
    CHECK_EQ(bm_net_subnet_add(&net, 0, net_key), BM_OK);
    const struct bm_net_keyset *ks = bm_net_tx_keys(bm_net_subnet_find(&net, 0));
    CHECK_MEM("network id", ks->network_id, 8, nid, 8);
    uint8_t adv[BM_ADV_MAX_LEN];
    size_t len = 0;
    CHECK_EQ(bm_gatt_adv_net_id(ks->network_id, adv, sizeof(adv), &len), BM_OK);
    CHECK_MEM("service data AD", adv + BM_GATT_ADV_SVC_DATA_OFF, len - BM_GATT_ADV_SVC_DATA_OFF,
              want, wl);
    struct bm_gatt_adv_info info;
    CHECK_EQ(bm_gatt_adv_parse(adv, len, &info), BM_OK);
    CHECK_EQ(info.service, BM_GATT_SVC_PROXY);
    CHECK_EQ(info.id_type, BM_PROXY_ID_NETWORK);
    CHECK_MEM("parsed network id", info.network_id, 8, nid, 8);
    bm_net_deinit(&net);
}

static void s8_6_2_proxy_service_node_identity(void)
{
    const cJSON *v =
        bm_vec_get(beacons, "service_data.mesh_proxy_service_node_identity");
    uint8_t net_key[16], ik[16], rnd[8], hash[8], want[32];
    bm_vec_hex(v, "net_key", net_key, 16);
    bm_vec_hex(v, "identity_key", ik, 16);
    bm_vec_hex(v, "random", rnd, 8);
    bm_vec_hex(v, "hash", hash, 8);
    size_t wl = bm_vec_hex(v, "adv_data", want, sizeof(want));
    struct bm_net net;
    bm_net_init(&net, 0, false);
    CHECK_EQ(bm_net_subnet_add(&net, 0, net_key), BM_OK);
    const struct bm_net_keyset *ks = bm_net_tx_keys(bm_net_subnet_find(&net, 0));
    CHECK_MEM("identity key", ks->identity_key, 16, ik, 16);
    uint8_t h[8];
    CHECK_EQ(bm_net_node_identity_hash(ks->identity_key, rnd, (uint16_t)bm_vec_num(v, "src"), h),
             BM_OK);
    CHECK_MEM("hash", h, 8, hash, 8);
    uint8_t adv[BM_ADV_MAX_LEN];
    size_t len = 0;
    CHECK_EQ(bm_gatt_adv_node_id(h, rnd, adv, sizeof(adv), &len), BM_OK);
    CHECK_MEM("service data AD", adv + BM_GATT_ADV_SVC_DATA_OFF, len - BM_GATT_ADV_SVC_DATA_OFF,
              want, wl);
    struct bm_gatt_adv_info info;
    CHECK_EQ(bm_gatt_adv_parse(adv, len, &info), BM_OK);
    CHECK_EQ(info.id_type, BM_PROXY_ID_NODE);
    CHECK_MEM("parsed hash", info.hash, 8, hash, 8);
    CHECK_MEM("parsed random", info.random, 8, rnd, 8);
    bm_net_deinit(&net);
}

int main(void)
{
    messages = bm_vec_load("messages.json");
    provisioning = bm_vec_load("provisioning.json");
    beacons = bm_vec_load("beacons.json");
    BM_RUN(s8_9_1_proxy_cfg_encode);
    BM_RUN(s8_9_1_proxy_cfg_decode);
    BM_RUN(s8_8_pb_gatt_sar);
    BM_RUN(s8_5_1_provisioning_service_data);
    BM_RUN(s8_6_1_proxy_service_network_id);
    BM_RUN(s8_6_2_proxy_service_node_identity);
    cJSON_Delete(messages);
    cJSON_Delete(provisioning);
    cJSON_Delete(beacons);
    return bm_test_done();
}
