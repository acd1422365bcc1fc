/* Fuzz target: the proxy server of a provisioned node with the GATT Proxy
 * feature (the sample keys, address 0x1201), on a fake port whose
 * gatt_send checks and records. Each record of the input is one of:
 * connect/disconnect a client (handle, ATT MTU); a raw Proxy PDU on a
 * connection (any SAR, type, length); a proxy configuration message
 * (structure-aware: any opcode and parameters, encrypted by the harness
 * with the sample NetKey and the proxy nonce, then segmented over the
 * connection's MTU, so it passes the NetMIC and reaches the filter code);
 * a network PDU from the client (sample keys, any source and destination:
 * the filter learns sources); a network PDU arriving on the advertising
 * bearer (forwarded to clients whose filter takes it); time. Every raw
 * Proxy PDU also goes into a stand-alone reassembler. Properties: no
 * sanitizer report; every filter holds at most BM_CFG_PROXY_FILTER_SIZE
 * addresses and an accept or reject type; every Proxy PDU sent fits the
 * connection's MTU and is sent on a connected handle; the stand-alone
 * reassembler leaves its state byte-identical when it refuses a PDU and
 * completes only messages of at most BM_PROXY_MSG_MAX octets. */
#include <stdlib.h>
#include <string.h>

#include "bearer/proxy.h"
#include "node_fixture.h"

static struct fz_node n;
static struct bm_net_creds creds;
static bool ready;

/* the port's view of its connections */
static struct {
    uint32_t sent;
    uint16_t drop[8]; /* gatt_disconnect asked for these */
    int ndrop;
} port;

static struct bm_gatt_conn *conn_of(uint16_t handle)
{
    for (size_t i = 0; i < BM_CFG_GATT_CONNS; i++)
        if (n.node->gatt.conns[i].role != BM_GATT_ROLE_NONE &&
            n.node->gatt.conns[i].handle == handle)
            return &n.node->gatt.conns[i];
    return NULL;
}

static int p_gatt_send(void *ctx, uint16_t conn, const uint8_t *pdu, size_t len)
{
    (void)ctx;
    const struct bm_gatt_conn *c = conn_of(conn);
    FZ_CHECK(c != NULL);
    FZ_CHECK(pdu != NULL && len >= 1 && len <= (size_t)c->mtu - 3);
    port.sent++;
    return BM_OK;
}

static int p_gatt_disconnect(void *ctx, uint16_t conn)
{
    (void)ctx;
    if (port.ndrop < 8)
        port.drop[port.ndrop++] = conn;
    return BM_OK;
}

static int p_gatt_adv(void *ctx, const uint8_t *adv, size_t len)
{
    (void)ctx;
    FZ_CHECK(len <= BM_ADV_MAX_LEN && (len == 0 || adv != NULL));
    return BM_OK;
}

static void setup(void)
{
    fz_plat_init(&n.plat, &n.st, 0x5eed5eed5eedull);
    n.plat.gatt_send = p_gatt_send;
    n.plat.gatt_disconnect = p_gatt_disconnect;
    n.plat.gatt_adv = p_gatt_adv;
    size_t size = bm_node_size();
    void *mem = aligned_alloc(64, (size + 63) / 64 * 64);
    FZ_CHECK(mem != NULL);
    n.node = bm_node_create(mem, size, &n.plat);
    FZ_CHECK(n.node != NULL);
    FZ_CHECK(bm_create_element(n.node, true, BM_RELAY | BM_GATT_PROXY, true, 7, NULL) == BM_OK);
    FZ_CHECK(bm_init(n.node, "fuzz-proxy", BM_OOB_NONE) == BM_OK);
    FZ_CHECK(bm_node_provisioned(n.node, fz_net_key, FZ_NET_IDX, 0, FZ_IV_INDEX, FZ_NODE_ADDR,
                                 fz_dev_key) == BM_OK);
    fz_node_advance(&n, 100);
    fz_node_snapshot(&n);
    FZ_CHECK(bm_net_creds_master(&creds, fz_net_key) == BM_OK);
}

static void check_filters(void)
{
    for (size_t i = 0; i < BM_CFG_GATT_CONNS; i++) {
        const struct bm_gatt_conn *c = &n.node->gatt.conns[i];
        if (c->role == BM_GATT_ROLE_NONE)
            continue;
        FZ_CHECK(c->filter.count <= BM_CFG_PROXY_FILTER_SIZE);
        FZ_CHECK(c->filter.type == BM_PROXY_FILTER_ACCEPT ||
                 c->filter.type == BM_PROXY_FILTER_REJECT);
    }
}

/* the port reports the disconnections the node asked for */
static void port_run(void)
{
    while (port.ndrop > 0)
        bm_node_gatt_disconnected(n.node, port.drop[--port.ndrop]);
}

/* one proxy message, segmented over conn's MTU (or 23 when it is gone) */
static void send_msg(uint16_t handle, uint8_t type, const uint8_t *msg, size_t len, uint8_t how)
{
    const struct bm_gatt_conn *c = conn_of(handle);
    uint16_t mtu = c ? c->mtu : BM_ATT_MTU_MIN;
    if (how & 1)
        mtu = BM_ATT_MTU_MIN; /* force segmentation */
    size_t count = bm_proxy_sar_count(len, mtu);
    for (size_t i = 0; i < count; i++) {
        if ((how & 2) && i == 1)
            continue; /* lose one segment */
        uint8_t pdu[BM_ATT_MTU_MAX];
        size_t plen;
        if (bm_proxy_sar_segment(type, msg, len, mtu, i, pdu, sizeof(pdu), &plen) == BM_OK)
            bm_node_gatt_rx(n.node, handle, pdu, plen);
        port_run();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready) {
        setup();
        ready = true;
    }
    fz_node_restore(&n);
    memset(&port, 0, sizeof(port));
    struct bm_proxy_sar_rx solo;
    bm_proxy_sar_rx_reset(&solo);
    uint32_t seq = 0x000200;
    uint64_t solo_now = 0;
    struct fz f;
    fz_init(&f, data, size);
    while (fz_more(&f)) {
        uint8_t op = fz_u8(&f);
        uint16_t handle = (uint16_t)((op >> 3) & 3);
        switch (op & 7) {
        case 0: { /* connect */
            uint16_t mtu = fz_u16(&f);
            /* mostly a valid MTU near the minimum; with the top bit, any */
            mtu = (mtu & 0x8000) ? (uint16_t)(mtu & 0x7fff) : (uint16_t)(BM_ATT_MTU_MIN + (mtu & 0x3f));
            (void)bm_node_gatt_connected(n.node, handle, mtu);
            break;
        }
        case 1: /* disconnect */
            bm_node_gatt_disconnected(n.node, handle);
            break;
        case 2:
        case 3: { /* a raw Proxy PDU */
            uint8_t pdu[80];
            size_t len = fz_chunk(&f, pdu, sizeof(pdu));
            bm_node_gatt_rx(n.node, handle, pdu, len);
            struct bm_proxy_sar_rx before = solo;
            uint8_t type;
            const uint8_t *msg;
            size_t mlen;
            solo_now += (op >> 5) * 3000u;
            int rc = bm_proxy_sar_rx_add(&solo, pdu, len, solo_now, &type, &msg, &mlen);
            if (rc == BM_OK)
                FZ_CHECK(mlen <= BM_PROXY_MSG_MAX && msg != NULL && type <= 0x3f);
            else if (rc != BM_EINCOMPLETE)
                FZ_CHECK(memcmp(&before, &solo, sizeof(solo)) == 0);
            if (bm_proxy_sar_rx_expired(&solo, solo_now))
                bm_proxy_sar_rx_reset(&solo);
            break;
        }
        case 4: { /* a proxy configuration message, encrypted */
            uint8_t msg[BM_PROXY_CFG_MAX_LEN + 4];
            uint8_t how = fz_u8(&f);
            uint16_t src = fz_u16(&f);
            msg[0] = fz_u8(&f) & 0x07; /* opcodes 0..3 and a few RFU */
            size_t len = 1 + fz_chunk(&f, msg + 1, BM_PROXY_CFG_MAX_LEN - 1);
            if (how & 4)
                src = FZ_PEER_ADDR;
            uint8_t pdu[BM_NET_MAX_PDU_LEN];
            size_t plen;
            if (bm_proxy_cfg_encode(&creds, FZ_IV_INDEX, src, seq++, msg, len, pdu, sizeof(pdu),
                                    &plen) == BM_OK)
                send_msg(handle, BM_PROXY_TYPE_CONFIG, pdu, plen, how);
            break;
        }
        case 5:
        case 6: { /* a network PDU, from the client or from the air */
            uint8_t how = fz_u8(&f);
            struct bm_net_hdr h = {.ctl = how & 1, .ttl = fz_u8(&f) & 0x7f, .seq = seq++,
                                   .src = fz_u16(&f), .dst = fz_u16(&f)};
            uint8_t t[BM_NET_MAX_TRANSPORT];
            size_t tlen = fz_chunk(&f, t, sizeof(t));
            if (tlen == 0)
                t[tlen++] = 0;
            uint8_t pdu[BM_NET_MAX_PDU_LEN];
            size_t plen;
            if (bm_net_encode(&creds, FZ_IV_INDEX, BM_NET_NONCE_NETWORK, &h, t, tlen, pdu,
                              sizeof(pdu), &plen) != BM_OK)
                break;
            if ((op & 7) == 5) {
                send_msg(handle, BM_PROXY_TYPE_NET, pdu, plen, how >> 1);
            } else {
                uint8_t adv[BM_ADV_MAX_LEN];
                size_t alen = fz_ad_wrap(BM_AD_MESH_MESSAGE, pdu, plen, adv);
                bm_node_rx_adv(n.node, adv, alen, -50);
            }
            break;
        }
        default: { /* time */
            static const uint32_t steps[8] = {0, 10, 100, 1000, 5000, 19000, 21000, 61000};
            fz_node_advance(&n, steps[op >> 5]);
            break;
        }
        }
        port_run();
        check_filters();
    }
    return 0;
}
